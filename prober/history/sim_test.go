package history

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strconv"
	"time"

	"github.com/upchain-dev/upchain/prober"
)

// sim produces realistic rounds for benchmarks: a mix of HTTP, JSON-RPC,
// CometBFT, TLS, DNS and websocket checks, some with regional backends;
// latencies vary around a per-check base, heights grow every round, and a
// few percent of samples are degraded or down.
type sim struct {
	rng    *rand.Rand
	checks []*simCheck
	// Per mille of samples down and degraded (default 8 and 17: a flappy
	// setup where some check changes status almost every round).
	downPM, degradedPM int
}

type simCheck struct {
	slug    string
	kind    string
	regions []string
	base    float64
	height  int64
	step    int64
	peers   int
	expiry  int64
}

func newSim(n int, seed uint64) *sim {
	r := rand.New(rand.NewPCG(seed, 2))
	kinds := []string{"http", "jsonrpc", "jsonrpc", "cometbft", "tls", "dns", "websocket"}
	chains := []string{"ethereum", "polygon", "arbitrum", "cosmoshub", "osmosis", "polkadot", "kusama", "base", "optimism", "celestia"}
	s := &sim{rng: rand.New(rand.NewPCG(seed, 4)), downPM: 8, degradedPM: 17}
	for i := 0; i < n; i++ {
		k := kinds[i%len(kinds)]
		c := &simCheck{slug: fmt.Sprintf("%s-%s-%s-%d", chains[i%len(chains)], []string{"mainnet", "testnet"}[i%2], k, i), kind: k,
			regions: []string{"global"}, base: 40 + r.Float64()*250, height: 1_000_000 + r.Int64N(20_000_000),
			step: int64(10 + r.IntN(90)), peers: 20 + r.IntN(40), expiry: 1750000000 + r.Int64N(1e7)}
		if i%10 == 3 {
			c.regions = append(c.regions, "eu-west", "us-east")
		}
		s.checks = append(s.checks, c)
	}
	return s
}

func (s *sim) round(t time.Time) []prober.Result {
	r := s.rng
	var out []prober.Result
	for _, c := range s.checks {
		c.height += c.step + r.Int64N(5) - 2
		if r.IntN(50) == 0 {
			c.peers += r.IntN(3) - 1
		}
		for _, reg := range c.regions {
			res := prober.Result{Check: c.slug, Name: c.slug, Group: "g", Kind: c.kind, Region: reg, Status: prober.Up,
				Time: t.Add(time.Duration(r.IntN(3000)) * time.Millisecond)}
			res.Latency = time.Duration(c.base * math.Exp(r.NormFloat64()*0.25) * float64(time.Millisecond))
			switch c.kind {
			case "http", "jsonrpc", "cometbft":
				res.Code = 200
			case "websocket":
				res.Code = 101
			}
			switch c.kind {
			case "jsonrpc":
				res.Values = prober.Values{"height": strconv.FormatInt(c.height, 10)}
			case "cometbft":
				res.Values = prober.Values{"head_age_s": strconv.Itoa(r.IntN(7)), "height": strconv.FormatInt(c.height, 10), "peers": strconv.Itoa(c.peers)}
			case "tls":
				res.Values = prober.Values{"cert_expiry": strconv.FormatInt(c.expiry, 10)}
			}
			switch x := r.IntN(1000); {
			case x < s.downPM:
				res.Status, res.ReasonCode, res.Code, res.Latency, res.Values = prober.Down, prober.ReasonTimeout, 0, 10*time.Second, nil
				res.Reason = "no complete answer within 10s"
			case x < s.downPM+s.degradedPM:
				res.Status, res.ReasonCode = prober.Degraded, prober.ReasonCondition
				res.Reason = "condition failed: latency < 800ms"
			}
			out = append(out, res)
		}
	}
	return out
}
