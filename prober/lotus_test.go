package prober

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/upchain-dev/upchain/prober/internal/text"

	"github.com/upchain-dev/upchain/prober/simnet"
)

// The lotus kind is tested against simnet.Lotus, a local server speaking
// the Lotus JSON-RPC shapes of shared/reference/chains-detail.md §3
// (filecoin-project/lotus api/api_full.go, node/health.go; go-jsonrpc
// auth/handler.go), on a simulated clock.

// lotusHarness probes one lotus check file against a simulated node; the
// clock is the test's, and each probe's values are the next one's Prev.
type lotusHarness struct {
	t    *testing.T
	node *simnet.Lotus
	mu   sync.Mutex
	now  time.Time
	r    *rounds
}

// lotusStart is epoch 2881800 on mainnet: deadline 30 of a proving
// period (PeriodOffset 0) has just opened.
var lotusStart = simnet.LotusMainnetGenesis.Add((2880*1000 + 1800) * 30 * time.Second).Add(time.Second)

func newLotusHarness(t *testing.T, checks string, env map[string]string) *lotusHarness {
	t.Helper()
	h := &lotusHarness{t: t, now: lotusStart}
	h.node = simnet.NewLotus(h.clock)
	srv := httptest.NewServer(h.node)
	t.Cleanup(srv.Close)
	l, err := loadYAML(t, strings.ReplaceAll(checks, "URL", srv.URL), env)
	if err != nil {
		t.Fatalf("load: %v", err)
	}
	h.r = newRounds(l)
	h.r.runner.Now = h.clock
	return h
}

func (h *lotusHarness) clock() time.Time {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.now
}

// advance moves the clock by n epochs.
func (h *lotusHarness) advance(n int) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.now = h.now.Add(time.Duration(n) * 30 * time.Second)
}

func (h *lotusHarness) probe() Result {
	h.t.Helper()
	return byCheck(h.t, h.r.round(h.t), "sp")
}

const lotusMinerCheck = `checks:
  - name: SP
    kind: lotus
    url: URL/rpc/v1
    headers:
      Authorization: Bearer ${LOTUS_TOKEN}
    lotus:
      miner: f01234
      min_balance:
        worker: "10"
        control: "1"
`

var lotusEnv = map[string]string{"LOTUS_TOKEN": "eyJhbGciOiJIUzI1NiJ9.read-token-7f3c9a"}

func newLotusMiner(t *testing.T) *lotusHarness { return newLotusMinerWith(t, lotusMinerCheck) }

// newLotusMinerWith probes checks (with the token) against a node that
// accepts the token.
func newLotusMinerWith(t *testing.T, checks string) *lotusHarness {
	h := newLotusHarness(t, checks, lotusEnv)
	h.node.Update(func(s *simnet.LotusState) { s.Token = lotusEnv["LOTUS_TOKEN"] })
	return h
}

func lotusWant(t *testing.T, r Result, status Status, reason string) {
	t.Helper()
	if r.Status != status || !strings.Contains(r.Reason, reason) {
		t.Fatalf("status %s (%s) reason %q; want %s with %q\nvalues %v", r.Status, r.ReasonCode, r.Reason, status, reason, r.Values)
	}
}

func TestLotusHealthyNodeAndMiner(t *testing.T) {
	h := newLotusMiner(t)
	h.advance(6) // past ProveAfter: deadline 30 is proven
	r := h.probe()
	lotusWant(t, r, Up, "")
	for k, want := range map[string]string{
		"height": "2881806", "filecoin_behind": "0", "filecoin_network": "mainnet", "peers": "12",
		"filecoin_faults": "0", "filecoin_deadline": "30", "filecoin_deadline_partitions": "2",
		"filecoin_deadline_unproven": "0", "filecoin_next_deadline_s": "1620",
		"filecoin_balance_worker": "25000000000000000000", "filecoin_balance_control": "5000000000000000000",
		"filecoin_qa_power": "10995116277760000", "filecoin_has_min_power": "true", "filecoin_mpool_pending": "0",
		"filecoin_livez": "true", "filecoin_readyz": "true", "filecoin_genesis": "1598306400",
	} {
		if got := r.Values[k]; got != want {
			t.Errorf("%s = %q, want %q", k, got, want)
		}
	}
}

func TestLotusNodeFallingBehind(t *testing.T) {
	for _, tc := range []struct {
		name   string
		behind int64
		stage  int
		status Status
		reason string
	}{
		{"a few epochs", 3, 4, Up, ""},
		{"beyond max_behind", 7, 3, Degraded, "behind <= 5"},
		{"stalled", 40, 1, Down, "head.age < 5m"},
		{"sync error", 0, 5, Degraded, `sync.stage != "error"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newLotusHarness(t, "checks:\n  - name: SP\n    kind: lotus\n    url: URL/rpc/v1\n", nil)
			h.node.Update(func(s *simnet.LotusState) { s.Behind, s.Stage = tc.behind, tc.stage })
			lotusWant(t, h.probe(), tc.status, tc.reason)
		})
	}
}

func TestLotusNotReady(t *testing.T) {
	h := newLotusHarness(t, "checks:\n  - name: SP\n    kind: lotus\n    url: URL/rpc/v1\n", nil)
	h.node.Update(func(s *simnet.LotusState) { s.Ready = false })
	lotusWant(t, h.probe(), Degraded, "readyz == true")
	h.node.Update(func(s *simnet.LotusState) { s.Live = false })
	lotusWant(t, h.probe(), Down, "livez == true")
}

func TestLotusNewFaults(t *testing.T) {
	h := newLotusMiner(t)
	h.advance(6)
	lotusWant(t, h.probe(), Up, "")
	h.node.Update(func(s *simnet.LotusState) {
		p := s.Partitions[3]
		p[0].Faulty = []uint64{4, 5, 6, 50}
		p[0].Recovering = []uint64{50}
	})
	r := h.probe()
	lotusWant(t, r, Degraded, "miner.faults <= 0")
	if r.Values["filecoin_faults"] != "4" || r.Values["filecoin_recoveries"] != "1" {
		t.Errorf("faults %q recoveries %q, want 4 and 1", r.Values["filecoin_faults"], r.Values["filecoin_recoveries"])
	}
}

func TestLotusPowerDrop(t *testing.T) {
	h := newLotusMiner(t)
	h.advance(6)
	lotusWant(t, h.probe(), Up, "")
	h.node.Update(func(s *simnet.LotusState) { s.QAPower = "10995116277759999" })
	r := h.probe()
	lotusWant(t, r, Degraded, "miner.power_drop == 0")
	if r.Values["filecoin_power_drop"] != "1" {
		t.Errorf("power_drop = %q, want 1 byte", r.Values["filecoin_power_drop"])
	}
	// Still degraded on the next probe: the reference is the recent high.
	lotusWant(t, h.probe(), Degraded, "miner.power_drop == 0")
	h.node.Update(func(s *simnet.LotusState) { s.QAPower = "10995116277760000" })
	lotusWant(t, h.probe(), Up, "")
}

func TestLotusMissedWindowPoSt(t *testing.T) {
	h := newLotusMiner(t)
	// Deadline 30 has just opened and is not proven yet: with the whole
	// window left, that is normal.
	r := h.probe()
	lotusWant(t, r, Up, "")
	if r.Values["filecoin_deadline_unproven"] != "2" {
		t.Fatalf("unproven = %q, want 2", r.Values["filecoin_deadline_unproven"])
	}
	h.node.SkipPoSt(30)
	h.advance(35) // 25 of 60 epochs left, under the default half
	lotusWant(t, h.probe(), Degraded, "WindowPoSt for deadline 30 not submitted (2 of 2 partitions), closes in 12m30s")
	h.advance(26) // the deadline has closed: its 60 live sectors are faulty
	r = h.probe()
	lotusWant(t, r, Down, "WindowPoSt missed for deadline 30: 60 sectors turned faulty")
	if r.Values["filecoin_faults"] != "60" || r.Values["filecoin_deadline"] != "31" {
		t.Errorf("faults %q deadline %q, want 60 and 31", r.Values["filecoin_faults"], r.Values["filecoin_deadline"])
	}
	// Reported until deadline 30 comes round again.
	h.advance(60)
	lotusWant(t, h.probe(), Down, "WindowPoSt missed for deadline 30")
	h.advance(2880 - 60)
	r = h.probe()
	if r.Status == Down {
		t.Errorf("still down a proving period later: %s", r.Reason)
	}
}

// A deadline proven in time is never late and never missed.
func TestLotusWindowPoStOnTime(t *testing.T) {
	h := newLotusMiner(t)
	for i := 0; i < 5; i++ {
		lotusWant(t, h.probe(), Up, "")
		h.advance(20)
	}
}

func TestLotusWorkerBalance(t *testing.T) {
	for _, tc := range []struct {
		min    string
		status Status
	}{
		{"25", Up},
		{"24.999999999999999999", Up},
		{"25.000000000000000001", Degraded},
		{"30", Degraded},
	} {
		t.Run(tc.min, func(t *testing.T) {
			h := newLotusMinerWith(t, strings.Replace(lotusMinerCheck, `worker: "10"`, `worker: "`+tc.min+`"`, 1))
			h.advance(6)
			r := h.probe()
			want := ""
			if tc.status == Degraded {
				want = "worker f0101 has 25 FIL, under " + tc.min + " FIL"
			}
			lotusWant(t, r, tc.status, want)
		})
	}
}

func TestLotusMpoolPending(t *testing.T) {
	h := newLotusMinerWith(t, strings.Replace(lotusMinerCheck, "      miner: f01234\n", "      miner: f01234\n      max_pending: 3\n", 1))
	h.advance(6)
	h.node.Update(func(s *simnet.LotusState) { s.Pending["f0101"] = 7 })
	r := h.probe()
	lotusWant(t, r, Degraded, "mpool.pending <= 3")
	if r.Values["filecoin_mpool_pending"] != "7" {
		t.Errorf("pending = %q, want 7", r.Values["filecoin_mpool_pending"])
	}
}

// A rejected token is down with a reason that names the header, and the
// token reaches neither the reason nor any value.
func TestLotusBadToken(t *testing.T) {
	h := newLotusMiner(t)
	h.node.Update(func(s *simnet.LotusState) { s.Token = "another-token" })
	r := h.probe()
	lotusWant(t, r, Down, "rejected the bearer token")
	if r.ReasonCode != ReasonHTTPStatus {
		t.Errorf("reason code %s, want %s", r.ReasonCode, ReasonHTTPStatus)
	}
	secret := lotusEnv["LOTUS_TOKEN"]
	for _, s := range append([]string{r.Reason}, mapValues(r.Values)...) {
		if strings.Contains(s, secret) || strings.Contains(s, "read-token") {
			t.Errorf("the token leaked: %q", s)
		}
	}
}

// The token also stays out of a healthy probe's values.
func TestLotusTokenNotInValues(t *testing.T) {
	h := newLotusMiner(t)
	r := h.probe()
	for k, v := range r.Values {
		if strings.Contains(v, "read-token") {
			t.Errorf("value %s holds the token: %q", k, v)
		}
	}
}

func mapValues(v Values) []string {
	var out []string
	for k, s := range v {
		out = append(out, k+"="+s)
	}
	return out
}

func TestLotusHostileReplies(t *testing.T) {
	for _, tc := range []struct {
		method, reply string
		code          ReasonCode
		reason        string
	}{
		{"ChainHead", `"not a tipset"`, ReasonBadResponse, "Filecoin.ChainHead"},
		{"ChainHead", `{"Height":5,"Blocks":[]}`, ReasonBadResponse, "no block"},
		{"ChainHead", `{"Height":5,"Blocks":[{"Timestamp":99999999999999999}]}`, ReasonBadResponse, "no block"},
		{"Version", `{"BlockDelay":0}`, ReasonBadResponse, "BlockDelay 0"},
		{"ChainGetGenesis", `{"Blocks":[]}`, ReasonBadResponse, "no genesis block"},
		{"StateMinerFaults", `[0,9223372036854775807,5]`, ReasonBadResponse, "Filecoin.StateMinerFaults"},
		{"StateMinerFaults", `[0,3,0,2]`, ReasonBadResponse, "zero-length run"},
		{"StateMinerRecoveries", `{"x":1}`, ReasonBadResponse, "Filecoin.StateMinerRecoveries"},
		{"StateMinerPower", `{"MinerPower":{"RawBytePower":"12ab","QualityAdjPower":"1"}}`, ReasonBadResponse, "not a decimal amount"},
		{"StateMinerPower", `{"MinerPower":{"RawBytePower":"` + strings.Repeat("9", 200) + `","QualityAdjPower":"1"}}`, ReasonBadResponse, "not a decimal amount"},
		{"StateMinerProvingDeadline", `{"Index":99,"WPoStPeriodDeadlines":48,"WPoStChallengeWindow":60,"Open":0,"Close":60}`, ReasonBadResponse, "deadline index 99"},
		{"StateMinerProvingDeadline", `{"Index":1,"WPoStPeriodDeadlines":48,"WPoStChallengeWindow":0}`, ReasonBadResponse, "challenge window"},
		{"StateMinerProvingDeadline", `{"Index":1,"WPoStPeriodDeadlines":48,"WPoStChallengeWindow":60,"Open":60,"Close":120,"CurrentEpoch":500}`, ReasonBadResponse, "after deadline"},
		{"StateMinerDeadlines", `[{"PostSubmissions":[0]}]`, ReasonBadResponse, "1 deadlines"},
		{"StateMinerPartitions", `[{"LiveSectors":[1,0,1]}]`, ReasonBadResponse, "zero-length run"},
		{"WalletBalance", `"-"`, ReasonBadResponse, "not a decimal amount"},
		{"ChainHead", `"` + strings.Repeat("x", 2<<20) + `"`, ReasonTooLarge, ""},
	} {
		t.Run(tc.method+" "+text.Truncate(tc.reply, 80), func(t *testing.T) {
			h := newLotusMiner(t)
			h.node.Update(func(s *simnet.LotusState) { s.Replies = map[string]string{tc.method: tc.reply} })
			r := h.probe()
			if r.Status != Down || r.ReasonCode != tc.code || !strings.Contains(r.Reason, tc.reason) {
				t.Errorf("status %s code %s reason %q; want down, %s, %q", r.Status, r.ReasonCode, r.Reason, tc.code, tc.reason)
			}
		})
	}
}

// An RPC error from a method the probe needs names the method.
func TestLotusRPCError(t *testing.T) {
	h := newLotusMiner(t)
	h.node.Update(func(s *simnet.LotusState) { s.Errors = map[string]string{"StateMinerInfo": "actor not found"} })
	r := h.probe()
	lotusWant(t, r, Down, "Filecoin.StateMinerInfo")
	if r.ReasonCode != ReasonRPCError {
		t.Errorf("code %s, want rpc_error", r.ReasonCode)
	}
}

// Genesis and block delay from config replace the network's: a node on
// a network that started later is many epochs "ahead" of mainnet time.
func TestLotusGenesisFromConfig(t *testing.T) {
	h := newLotusHarness(t, "checks:\n  - name: SP\n    kind: lotus\n    url: URL/rpc/v1\n    lotus:\n      genesis: \"2020-08-24T22:00:00Z\"\n      block_delay: 30s\n", nil)
	h.node.Update(func(s *simnet.LotusState) { s.Replies = map[string]string{"ChainGetGenesis": `{"Blocks":[]}`} })
	r := h.probe()
	lotusWant(t, r, Up, "")
	if r.Values["filecoin_behind"] != "0" {
		t.Errorf("behind = %q, want 0", r.Values["filecoin_behind"])
	}
}

func TestLotusValidate(t *testing.T) {
	for _, tc := range []struct {
		spec, want string
	}{
		{"url: http://127.0.0.1:1234/\n    lotus: {}", "Lotus serves JSON-RPC at /rpc/v1"},
		{"url: http://127.0.0.1:1234/rpc/v1\n    headers:\n      Authorization: tok\n    lotus: {}", "Bearer"},
		{"url: http://127.0.0.1:1234/rpc/v1\n    lotus:\n      genesis: yesterday", "lotus.genesis"},
		{"url: http://127.0.0.1:1234/rpc/v1\n    lotus:\n      max_faults: 3", "only applies to a storage provider"},
		{"url: http://127.0.0.1:1234/rpc/v1\n    lotus:\n      miner: t1abc", "not a miner actor id"},
		{"url: http://127.0.0.1:1234/rpc/v1\n    lotus:\n      miner: f01234\n      wpost_warn_share: 2", "lotus.wpost_warn_share"},
		{"url: http://127.0.0.1:1234/rpc/v1\n    lotus:\n      miner: f01234\n      min_balance: {worker: \"1.0000000000000000001\"}", "lotus.min_balance.worker"},
		{"url: http://127.0.0.1:1234/rpc/v1\n    lotus:\n      miner: f01234\n      min_balance: {owner: \"-1\"}", "lotus.min_balance.owner"},
		{"url: ftp://127.0.0.1:1234/rpc/v1\n    lotus: {}", "http(s)://"},
	} {
		_, err := loadYAML(t, "checks:\n  - name: SP\n    kind: lotus\n    "+tc.spec+"\n", nil)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s:\n  got %v\n  want an error with %q", tc.spec, err, tc.want)
		}
	}
	if _, err := loadYAML(t, strings.Replace(lotusMinerCheck, "URL", "http://127.0.0.1:1234", 1), map[string]string{"LOTUS_TOKEN": "x"}); err != nil {
		t.Errorf("valid check rejected: %v", err)
	}
}

// Every variable the kind declares is set by a probe of a healthy miner
// with every option, so that no accepted condition reads a missing name.
func TestLotusVarsAreProvided(t *testing.T) {
	h := newLotusMinerWith(t, strings.Replace(lotusMinerCheck, "      miner: f01234\n", "      miner: f01234\n      max_pending: 3\n", 1))
	h.advance(6)
	c := h.r.runner.Config.Checks[0]
	tg := &Target{Check: c, Region: c.Targets()[0], MaxBody: 1 << 20, Now: h.clock, Prev: Values{}}
	obs, err := lotusKind{}.Probe(context.Background(), tg)
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range (lotusKind{}).Vars() {
		if _, ok := obs.Vars[v]; !ok && v != "latency" && v != "region" {
			t.Errorf("var %q declared but not set (vars %v)", v, keys(obs.Vars))
		}
	}
	if _, ok := obs.Vars["mpool"].(map[string]any)["pending"]; !ok {
		t.Errorf("mpool.pending not set: %v", obs.Vars["mpool"])
	}
}

// A hostile node that echoes the Authorization header in its 401 body
// and in an RPC error still leaves the token out of the result.
func TestLotusEchoedTokenIsRedacted(t *testing.T) {
	for _, mode := range []string{"401 body", "rpc error"} {
		t.Run(mode, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if mode == "401 body" {
					http.Error(w, "bad token: "+r.Header.Get("Authorization"), http.StatusUnauthorized)
					return
				}
				var req struct {
					ID json.RawMessage `json:"id"`
				}
				_ = json.NewDecoder(r.Body).Decode(&req)
				msg, _ := json.Marshal("unknown token " + r.Header.Get("Authorization"))
				fmt.Fprintf(w, `{"jsonrpc":"2.0","id":%s,"error":{"code":1,"message":%s}}`, req.ID, msg)
			}))
			defer srv.Close()
			l, err := loadYAML(t, strings.ReplaceAll(lotusMinerCheck, "URL", srv.URL), lotusEnv)
			if err != nil {
				t.Fatal(err)
			}
			r := byCheck(t, newRounds(l).round(t), "sp")
			if r.Status != Down || r.ReasonCode == "" {
				t.Fatalf("status %s code %q", r.Status, r.ReasonCode)
			}
			if mode == "rpc error" && !strings.Contains(r.Reason, "unknown token") {
				t.Fatalf("reason %q does not carry the echoed message", r.Reason)
			}
			for _, s := range append([]string{r.Reason}, mapValues(r.Values)...) {
				if strings.Contains(s, "read-token-7f3c9a") {
					t.Errorf("the token leaked: %q", s)
				}
			}
		})
	}
}

// The sync worker with the highest target is the node's sync state: an
// idle worker left at an old height is neither behind nor in error.
func TestLotusSyncWorkers(t *testing.T) {
	h := newLotusHarness(t, "checks:\n  - name: SP\n    kind: lotus\n    url: URL/rpc/v1\n", nil)
	e := h.node.Epoch()
	h.node.Update(func(s *simnet.LotusState) {
		s.Replies = map[string]string{"SyncState": fmt.Sprintf(`{"ActiveSyncs":[{"Stage":5,"Height":10},{"Stage":4,"Height":%d},{"Stage":0,"Height":0}]}`, e)}
	})
	r := h.probe()
	lotusWant(t, r, Up, "")
	if r.Values["filecoin_sync_stage"] != "complete" {
		t.Errorf("sync stage %q, want complete", r.Values["filecoin_sync_stage"])
	}
}
