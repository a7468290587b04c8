package prober

import (
	"context"
	"fmt"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/upchain-dev/upchain/prober/cometbft"
	"github.com/upchain-dev/upchain/prober/cometbft/cometbfttest"
	"github.com/upchain-dev/upchain/prober/config"
)

// BenchmarkCometBFTValidatorProbe measures one validator probe on a
// Cosmos Hub-sized set (180 validators, two /validators pages) against
// the scripted node over HTTP: a first probe reading 100 blocks, then an
// incremental one reading the 50 blocks of a 5-minute interval at 6s.
func BenchmarkCometBFTValidatorProbe(b *testing.B) {
	set := make([]cometbfttest.Validator, 180)
	for i := range set {
		set[i] = cometbfttest.Validator{Address: fmt.Sprintf("%040X", i+1), Power: int64(1000 - i)}
	}
	me := set[150].Address
	chain := &cometbfttest.Chain{
		ChainID: "cosmoshub-4", Version: "0.38.17", Latest: 20_000_000, Earliest: 1, LatestTime: time.Now(), Peers: 40,
		Set:    func(int64) []cometbfttest.Validator { return set },
		Absent: func(h int64, a string) bool { return a == me && h%17 == 0 },
	}
	srv := httptest.NewServer(chain)
	defer srv.Close()
	check := &config.Check{Slug: "v", Kind: "cometbft", URL: srv.URL, Timeout: config.Duration(30 * time.Second), Options: &CometBFTOptions{
		ChainID: "cosmoshub-4", Validator: &CometBFTValidator{Address: me},
	}}
	var first, next time.Duration
	var valuesLen int
	for b.Loop() {
		chain.Update(func(c *cometbfttest.Chain) { c.Latest = 20_000_000 })
		t := &Target{Check: check, MaxBody: 1 << 20, Now: time.Now}
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		start := time.Now()
		obs, err := cometbftKind{}.Probe(ctx, t)
		first += time.Since(start)
		if err != nil {
			b.Fatal(err)
		}
		chain.Update(func(c *cometbfttest.Chain) { c.Latest += 50 })
		t.Prev = obs.Values
		start = time.Now()
		obs, err = cometbftKind{}.Probe(ctx, t)
		next += time.Since(start)
		cancel()
		if err != nil || obs.Values["last_checked_height"] != "20000049" {
			b.Fatalf("%v %v", err, obs.Values)
		}
		valuesLen = 0
		for k, v := range obs.Values {
			valuesLen += len(k) + len(v)
		}
	}
	calls := chain.Calls()
	n := float64(b.N)
	b.ReportMetric(float64(first.Microseconds())/1000/n, "ms/first-probe")
	b.ReportMetric(float64(next.Microseconds())/1000/n, "ms/next-probe")
	b.ReportMetric(float64(calls["commit"])/n, "commits/2-probes")
	b.ReportMetric(float64(calls["validators"])/n, "validator-pages/2-probes")
	b.ReportMetric(float64(valuesLen), "value-bytes")
}

// BenchmarkSigningWindow decodes and counts the largest window allowed
// (10000 blocks) with a miss every 17 blocks: work per probe on history.
func BenchmarkSigningWindow(b *testing.B) {
	w := make(cometbft.Window, maxSignaturesWindow)
	for i := range w {
		w[i] = cometbft.Signed
		if i%17 == 0 {
			w[i] = cometbft.Missed
		}
	}
	enc := w.String()
	for b.Loop() {
		got, err := cometbft.ParseWindow(enc, maxSignaturesWindow)
		if err != nil || got.Stats().Counted != maxSignaturesWindow {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(len(enc)), "encoded-bytes")
}

// BenchmarkApplyLag: 1000 nodes in 10 groups of one chain each, every
// node compared with its group's highest head.
func BenchmarkApplyLag(b *testing.B) {
	var checks []*config.Check
	var results []Result
	for i := range 1000 {
		slug := fmt.Sprintf("node-%d", i)
		g := fmt.Sprintf("chain-%d", i%10)
		checks = append(checks, &config.Check{Slug: slug, Lag: &config.Lag{Group: g, DegradedBlocks: 5, DownBlocks: 50}})
		results = append(results, Result{Check: slug, Group: g, Region: "global", Status: Up, Values: Values{"height": fmt.Sprint(1_000_000 + i), "chain_id": g}})
	}
	for b.Loop() {
		rs := make([]Result, len(results))
		for i, r := range results {
			r.Failed = nil
			r.Status = Up
			v := Values{"height": r.Values["height"], "chain_id": r.Values["chain_id"]}
			r.Values = v
			rs[i] = r
		}
		NewLag(checks, Builtin().Values().ChainValues()).Apply(rs)
		if !strings.HasPrefix(rs[0].Reason, "failed: lag") {
			b.Fatal(rs[0].Reason)
		}
	}
}
