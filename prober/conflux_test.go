package prober

import (
	"context"
	"io"
	"math/big"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/upchain-dev/upchain/prober/config"
	"github.com/upchain-dev/upchain/prober/simnet"
)

// The Conflux tests run against simnet.Conflux, which answers in
// conflux-rust's shapes (see its doc comment and
// /work/shared/reference/chains-detail.md §2), on a clock the test moves.

const (
	confluxValidator = "0x046ca462890f25ed9394ca9f92c979ff48e1738a81822ecab96d83813c1a433c"
	confluxOther     = "0x459b6b1e3a1d83a2d9d0ff5e72b0dd01de5eb3d57dbc2d9c1b8eac9b5f0de8c0"
	confluxTreasury  = "cfx:aarc9abycue0hhzgyrr53m6cxedgccrmmyybjgh4xg"
	confluxOps       = "cfx:aap6su0s2uz36x19hscp55sr6n42yr1yk6r2rx2eh7"
)

var confluxStart = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

type confluxHarness struct {
	t      *testing.T
	chain  *simnet.Conflux
	loaded *config.Loaded
	runner *Runner
	now    time.Time
	prev   Values
}

func cfx(n int64) *big.Int { return new(big.Int).Mul(big.NewInt(n), big.NewInt(1e18)) }

// newConfluxHarness serves a healthy mainnet node with two PoS
// validators and loads checkYAML with URL replaced by the node's URL.
func newConfluxHarness(t *testing.T, checkYAML string) *confluxHarness {
	t.Helper()
	h := &confluxHarness{t: t, now: confluxStart}
	h.chain = &simnet.Conflux{
		Now:   func() time.Time { return h.now },
		Start: confluxStart,
		Validators: []*simnet.ConfluxValidator{
			{Address: confluxValidator, PowAddress: confluxTreasury, AvailableVotes: 500, Locked: 500, Reward: big.NewInt(123456789)},
			{Address: confluxOther, AvailableVotes: 1000, Locked: 1000},
		},
		Balances: map[string]*big.Int{confluxTreasury: cfx(250), confluxOps: new(big.Int).Add(cfx(3), big.NewInt(1))},
	}
	srv := httptest.NewServer(h.chain)
	t.Cleanup(srv.Close)
	l, err := loadYAML(t, strings.ReplaceAll(checkYAML, "URL", srv.URL), nil)
	if err != nil {
		t.Fatalf("load: %v", err)
	}
	h.loaded = l
	h.runner = &Runner{Config: l, Now: func() time.Time { return h.now }, Prev: func(string, string) Values { return h.prev }}
	return h
}

func (h *confluxHarness) probe() Result {
	h.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), guard)
	defer cancel()
	res := h.runner.Probe(ctx, h.loaded.Checks[0], config.Region{Name: config.PublicRegion})
	assertDeclared(h.t, nil, []Result{res})
	h.prev = res.Values
	return res
}

func (h *confluxHarness) advance(d time.Duration) { h.now = h.now.Add(d) }

func confluxCheck(pos string) string {
	return `group: Conflux
checks:
  - name: Core node
    kind: conflux
    url: URL
    timeout: 10s
    conflux:
      chain_id: 1029
      balances:
        - {name: treasury, address: ` + confluxTreasury + `, min: "100"}
        - {name: ops, address: ` + confluxOps + `, min: "3.000000000000000001"}
` + pos
}

const confluxPoS = `      pos:
        address: ` + confluxValidator + `
`

func TestConfluxHealthyNodeAndValidator(t *testing.T) {
	h := newConfluxHarness(t, confluxCheck(confluxPoS))
	res := h.probe()
	wantStatus(t, res, Up)
	// 5000 PoS blocks at the start, a term is 60 blocks: term 84.
	wantValues(t, res.Values, map[string]string{
		"height": "100000", "chain_id": "1029", "network_id": "1029", "head_age_s": "0",
		"conflux_state_lag": "5", "conflux_confirmed_lag": "30", "finality_lag": "400", "finalized": "99600",
		"version":                "conflux-rust-2.4.0-testnet",
		"conflux_balances":       "treasury: 250 CFX; ops: 3.000000000000000001 CFX",
		"conflux_balance_lowest": "3000000000000000001",
		"pos_committed":          "5000", "pos_term": "84", "pos_address": confluxValidator,
		"pos_status": "active", "pos_available_votes": "500", "pos_forfeited_votes": "0", "pos_force_retired": "false",
		"pos_in_committee": "true", "pos_in_next_committee": "true", "pos_voting_power": "500",
		"signed": "50", "missed": "0", "missed_consecutive": "0", "missed_percent": "0", "pos_window_blocks": "50",
		"pos_votes_last_checked": "5000", "pos_reward": "123456789", "pos_reward_term": "83",
	})
	if _, low := res.Values["conflux_balance_low"]; low {
		t.Errorf("balance_low recorded for balances at their minimum: %q", res.Values["conflux_balance_low"])
	}

	// A minute later: 60 epochs and 6 PoS blocks more, all signed; only
	// the new blocks are read and the reward is not asked for again.
	before := h.chain.Calls()
	h.advance(time.Minute)
	res = h.probe()
	wantStatus(t, res, Up)
	wantValues(t, res.Values, map[string]string{"height": "100060", "pos_committed": "5006", "signed": "56", "pos_window_blocks": "56", "pos_reward": "123456789"})
	after := h.chain.Calls()
	if n := after["pos_getBlockByNumber"] - before["pos_getBlockByNumber"]; n != 7 { // 6 new + latest_committed
		t.Errorf("second probe read %d PoS blocks, want 7", n)
	}
	if after["pos_getRewardsByEpoch"] != before["pos_getRewardsByEpoch"] {
		t.Errorf("reward of the same term read again")
	}
}

func TestConfluxScenarios(t *testing.T) {
	for _, tc := range []struct {
		name   string
		pos    string
		change func(c *simnet.Conflux)
		wait   time.Duration
		want   Status
		reason []string
		values map[string]string
	}{
		{name: "node stops advancing epochs", change: func(c *simnet.Conflux) { c.StopEpochs() }, wait: 2 * time.Minute,
			want: Down, reason: []string{"head.age < 1m"}, values: map[string]string{"height": "100000"}},
		{name: "PoS chain stops committing", pos: "      pos: {}\n", change: func(c *simnet.Conflux) { c.StopCommitting() }, wait: 6 * time.Minute,
			want: Down, reason: []string{"pos.head.age < 5m"}, values: map[string]string{"pos_committed": "5000"}},
		{name: "validator stops voting", pos: confluxPoS, change: func(c *simnet.Conflux) { c.StopVoting(confluxValidator) }, wait: time.Minute,
			want: Down, reason: []string{"pos.missed_consecutive < 5"},
			values: map[string]string{"signed": "50", "missed": "6", "missed_consecutive": "6", "pos_status": "missing"}},
		{name: "validator force-retired", pos: confluxPoS, change: func(c *simnet.Conflux) { c.ForceRetire(confluxValidator) }, wait: 30 * time.Second,
			want: Down, reason: []string{"pos.force_retired == false"},
			values: map[string]string{"pos_force_retired": "true", "pos_force_retired_at": "5000", "pos_out_queue_votes": "500", "pos_status": "force_retired"}},
		{name: "validator drops out of the committee", pos: confluxPoS, change: func(c *simnet.Conflux) { c.LeaveCommittee(confluxValidator) }, wait: 10 * time.Minute,
			want: Degraded, reason: []string{"pos.in_committee == true"},
			values: map[string]string{"pos_in_committee": "false", "pos_in_next_committee": "false", "pos_status": "not_in_committee", "missed_consecutive": "0"}},
		{name: "forfeited stake", pos: confluxPoS, change: func(c *simnet.Conflux) { c.Forfeit(confluxValidator, 20) }, wait: 10 * time.Second,
			want: Down, reason: []string{"pos.forfeited == 0"}, values: map[string]string{"pos_forfeited_votes": "20", "pos_status": "forfeited"}},
		{name: "unknown PoS address answers an all-zero account", pos: "      pos: {address: '0x" + strings.Repeat("ab", 32) + "'}\n",
			want: Down, reason: []string{"pos.registered == true"}, values: map[string]string{"pos_status": "unknown", "pos_available_votes": "0"}},
		{name: "balance below its minimum", change: func(c *simnet.Conflux) { c.SetBalance(confluxTreasury, cfx(99)) }, wait: time.Second,
			want: Degraded, reason: []string{"treasury: 99 CFX < 100 CFX"}, values: map[string]string{"conflux_balance_low": "treasury: 99 CFX < 100 CFX"}},
		{name: "state lags", change: func(c *simnet.Conflux) {
			c.Update(func(c *simnet.Conflux) { c.StateLag = new(uint64); *c.StateLag = 300 })
		}, wait: time.Second,
			want: Degraded, reason: []string{"epoch.state_lag <= 20"}, values: map[string]string{"conflux_state_lag": "300"}},
		{name: "wrong network", change: func(c *simnet.Conflux) { c.Update(func(c *simnet.Conflux) { c.ChainID, c.NetworkID = 1, 1 }) }, wait: time.Second,
			want: Down, reason: []string{"chain_id == 1029"}},
		{name: "unlocking votes", pos: confluxPoS, change: func(c *simnet.Conflux) {
			c.Update(func(c *simnet.Conflux) {
				c.Validators[0].OutQueue = []simnet.ConfluxQueueEntry{{EndBlockNumber: 9000, Power: 100}}
			})
		}, wait: time.Second, want: Degraded, reason: []string{"pos.out_queue == 0"}, values: map[string]string{"pos_out_queue_votes": "100"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newConfluxHarness(t, confluxCheck(tc.pos))
			first := h.probe()
			if tc.change == nil {
				wantStatus(t, first, tc.want, tc.reason...)
				wantValues(t, first.Values, tc.values)
				return
			}
			wantStatus(t, first, Up)
			tc.change(h.chain)
			h.advance(tc.wait)
			res := h.probe()
			wantStatus(t, res, tc.want, tc.reason...)
			wantValues(t, res.Values, tc.values)
		})
	}
}

// A validator that stops voting first shows missed votes, then, retired
// by the chain, force_retired; the window keeps its history meanwhile.
func TestConfluxStopsVotingThenRetired(t *testing.T) {
	h := newConfluxHarness(t, confluxCheck(confluxPoS))
	wantStatus(t, h.probe(), Up)
	h.chain.StopVoting(confluxValidator)
	h.advance(30 * time.Second)
	res := h.probe()
	// Three missed in a row: below the alert of 5, but 3 of 53 is above
	// the 5 % share.
	wantStatus(t, res, Degraded, "pos.missed_percent < 5")
	wantValues(t, res.Values, map[string]string{"missed_consecutive": "3", "signed": "50", "pos_votes_window": "50S3M"})
	h.advance(time.Minute)
	res = h.probe()
	wantStatus(t, res, Down, "pos.missed_consecutive < 5")
	h.chain.ForceRetire(confluxValidator)
	h.advance(time.Hour)
	res = h.probe()
	wantStatus(t, res, Down, "pos.force_retired == false", "pos.available_votes > 0")
	wantValues(t, res.Values, map[string]string{"pos_force_retired": "true", "pos_available_votes": "0", "pos_in_committee": "false"})
	// A window of 100 with 50 blocks read per probe: the gap is unknown,
	// not counted as missed.
	if w := res.Values["pos_votes_window"]; !strings.Contains(w, "U") {
		t.Errorf("window %q has no unknown run for the blocks not read", w)
	}
}

// The epoch standing still is down even when the node keeps reporting a
// fresh block time (a node whose clock or mining goes on without the
// pivot chain advancing).
func TestConfluxEpochStalledFor(t *testing.T) {
	h := newConfluxHarness(t, confluxCheck(""))
	wantStatus(t, h.probe(), Up)
	h.chain.StopEpochs()
	h.advance(30 * time.Second)
	res := h.probe()
	wantStatus(t, res, Up)
	// A failed probe in between does not restart the measure.
	h.chain.Update(func(c *simnet.Conflux) { c.Hostile = simnet.ConfluxRPCErrors })
	h.advance(20 * time.Second)
	wantStatus(t, h.probe(), Down, "Internal error")
	h.chain.Update(func(c *simnet.Conflux) { c.Hostile = "" })
	h.advance(20 * time.Second)
	res = h.probe()
	wantStatus(t, res, Down, "epoch.stalled_for < 1m")
	wantValues(t, res.Values, map[string]string{"conflux_epoch_since": "100000@1772366400"})
}

// Hostile replies, to every call or only to the PoS calls after a
// healthy Core read, fail the check with a reason code; none hangs or
// crashes the probe.
func TestConfluxHostileReplies(t *testing.T) {
	for _, tc := range []struct {
		mode   simnet.ConfluxHostile
		prefix string
		code   ReasonCode
		want   string
	}{
		{simnet.ConfluxGarbage, "", ReasonBadResponse, "cfx_getStatus"},
		{simnet.ConfluxNumbers, "", ReasonBadResponse, "hex string"},
		{simnet.ConfluxNull, "", ReasonBadResponse, "cfx_getStatus: no epochNumber"},
		{simnet.ConfluxOverflow, "", ReasonBadResponse, "64 bits"},
		{simnet.ConfluxHuge, "", ReasonTooLarge, "cfx_getStatus"},
		{simnet.ConfluxWrongID, "", ReasonBadResponse, "cfx_getStatus"},
		{simnet.ConfluxRPCErrors, "", ReasonRPCError, "Internal error"},
		{simnet.ConfluxGarbage, "pos_", ReasonBadResponse, "pos_getStatus"},
		{simnet.ConfluxNumbers, "pos_", ReasonBadResponse, "hex string"},
		{simnet.ConfluxNull, "pos_", ReasonBadResponse, "no latestCommitted"},
		{simnet.ConfluxOverflow, "pos_", ReasonBadResponse, "64 bits"},
		{simnet.ConfluxHuge, "pos_", ReasonTooLarge, "pos_"},
		{simnet.ConfluxRPCErrors, "pos_", ReasonRPCError, "pos_"},
		{simnet.ConfluxNull, "pos_getBlockByNumber", ReasonBadResponse, "latest_committed"},
		{simnet.ConfluxNull, "pos_getCommittee", ReasonBadResponse, "pos_getCommittee: null committee"},
		{simnet.ConfluxOverflow, "pos_getAccount", ReasonBadResponse, "pos_getAccount"},
		{simnet.ConfluxNull, "cfx_getBalance", ReasonCondition, "treasury: cfx_getBalance: null balance"},
	} {
		t.Run(string(tc.mode)+"/"+tc.prefix, func(t *testing.T) {
			h := newConfluxHarness(t, confluxCheck(confluxPoS))
			h.chain.Update(func(c *simnet.Conflux) { c.Hostile, c.HostilePrefix = tc.mode, tc.prefix })
			res := h.probe()
			want := Down
			if tc.code == ReasonCondition {
				want = Degraded // an unreadable balance is only a balance
			}
			wantStatus(t, res, want, tc.want)
			if res.ReasonCode != tc.code {
				t.Errorf("reason code %s, want %s", res.ReasonCode, tc.code)
			}
		})
	}
}

// A node that accepts PoS requests and never answers fails the probe at
// the check's timeout with reason timeout; the round is not held up.
func TestConfluxPoSHangs(t *testing.T) {
	h := newConfluxHarness(t, strings.Replace(confluxCheck(confluxPoS), "timeout: 10s", "timeout: 1s", 1))
	inner := h.chain
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
		if strings.Contains(string(body), `"pos_`) {
			<-r.Context().Done()
			return
		}
		r.Body = io.NopCloser(strings.NewReader(string(body)))
		inner.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	h.loaded.Checks[0].URL = srv.URL
	res := h.probe()
	wantStatus(t, res, Down, "within 1s")
	if res.ReasonCode != ReasonTimeout {
		t.Errorf("reason code %s, want timeout", res.ReasonCode)
	}
	if res.Values["height"] != "100000" {
		t.Errorf("Core values lost: %v", res.Values)
	}
}

// A key in the URL never reaches values or reasons, also when a balance
// read fails with a transport error that quotes the URL.
func TestConfluxSecretsRedacted(t *testing.T) {
	const key = "s3cr3t-api-key-0123456789"
	h := newConfluxHarness(t, confluxCheck(confluxPoS))
	inner := h.chain
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
		if strings.Contains(string(body), "cfx_getBalance") || strings.Contains(string(body), "pos_getRewardsByEpoch") {
			conn, _, _ := w.(http.Hijacker).Hijack()
			conn.Close()
			return
		}
		r.Body = io.NopCloser(strings.NewReader(string(body)))
		inner.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	l, err := loadYAML(t, strings.ReplaceAll(confluxCheck(confluxPoS), "URL", srv.URL+"/${CFX_KEY}"), map[string]string{"CFX_KEY": key})
	if err != nil {
		t.Fatal(err)
	}
	h.loaded = l
	h.runner.Config = l
	res := h.probe()
	wantStatus(t, res, Degraded, "treasury: cfx_getBalance")
	if !strings.Contains(res.Values["conflux_balance_low"], "treasury") || res.Values["pos_error"] == "" {
		t.Fatalf("the failed reads are not recorded: %v", res.Values)
	}
	for k, v := range res.Values {
		if strings.Contains(v, key) || strings.Contains(v, key[:8]) {
			t.Errorf("value %s carries the key: %q", k, v)
		}
	}
	if strings.Contains(res.Reason, key[:8]) || strings.Contains(failedText(res), key[:8]) {
		t.Errorf("reason carries the key: %q / %q", res.Reason, failedText(res))
	}
}

// PoS that fails after a healthy Core read is down, and keeps the votes
// window of the previous probe for the next.
func TestConfluxPoSDisabledKeepsWindow(t *testing.T) {
	h := newConfluxHarness(t, confluxCheck(confluxPoS))
	first := h.probe()
	wantStatus(t, first, Up)
	h.chain.Update(func(c *simnet.Conflux) { c.NoPos = true })
	h.advance(time.Minute)
	res := h.probe()
	wantStatus(t, res, Down, "pos_getStatus", "Method not found")
	if res.ReasonCode != ReasonRPCError {
		t.Errorf("reason code %s", res.ReasonCode)
	}
	wantValues(t, res.Values, map[string]string{"pos_votes_window": first.Values["pos_votes_window"], "height": "100060"})
}

func TestConfluxValidate(t *testing.T) {
	base := func(opts string) string {
		return "group: g\nchecks:\n  - name: c\n    kind: conflux\n    url: http://127.0.0.1:12537\n    conflux:\n" + opts
	}
	for _, tc := range []struct {
		name, opts, want string
	}{
		{"mistyped address", "      balances: [{address: 'cfx:aarc9abycue0hhzgyrr53m6cxedgccrmmyybjgh4xh'}]\n", "checksum"},
		{"testnet address on mainnet", "      chain_id: 1029\n      balances: [{address: 'cfxtest:aarc9abycue0hhzgyrr53m6cxedgccrmmy8m50bu1p'}]\n", "is for network 1 (cfxtest:)"},
		{"hex address", "      balances: [{address: '0x1a2f80341409639ea6a35bbcab8299066109aa55'}]\n", "no network prefix"},
		{"bad minimum", "      balances: [{address: '" + confluxTreasury + "', min: 'lots'}]\n", "not an amount of CFX"},
		{"too precise minimum", "      balances: [{address: '" + confluxTreasury + "', min: '0.0000000000000000001'}]\n", "18 decimals"},
		{"same name twice", "      balances: [{address: '" + confluxTreasury + "', name: a}, {address: '" + confluxOps + "', name: a}]\n", "used twice"},
		{"short PoS address", "      pos: {address: '0x046ca462'}\n", "not a PoS address"},
		{"window without validator", "      pos: {votes_window: 10}\n", "only applies to a validator"},
		{"window too large", "      pos: {address: '" + confluxValidator + "', votes_window: 20000}\n", "between 1 and 10000"},
		{"bad PoS url", "      pos: {url: 'ftp://x'}\n", "conflux.pos.url"},
		{"condition on pos without pos", "      chain_id: 1029\n    conditions: ['pos.in_committee == true']\n", "needs `pos:`"},
		{"bad percent", "      pos: {address: '" + confluxValidator + "', missed_percent_alert: 150}\n", "percentage"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := loadYAML(t, base(tc.opts), nil)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want it to say %q", err, tc.want)
			}
		})
	}
	l, err := loadYAML(t, base("      chain_id: 1\n      balances: [{address: 'CFXTEST:TYPE.USER:AARC9ABYCUE0HHZGYRR53M6CXEDGCCRMMY8M50BU1P', min: '1.5'}]\n      pos: {address: '"+strings.TrimPrefix(confluxValidator, "0x")+"'}\n"), nil)
	if err != nil {
		t.Fatalf("valid check refused: %v", err)
	}
	up, degraded := confluxKind{}.DefaultConditions(l.Checks[0])
	for _, want := range []string{"chain_id == 1", "network_id == 1", "pos.force_retired == false", "pos.missed_consecutive < 5"} {
		if !strings.Contains(strings.Join(up, "\n"), want) {
			t.Errorf("up conditions %v lack %q", up, want)
		}
	}
	for _, want := range []string{`balance_low == ""`, "pos.in_committee == true", "pos.missed_percent < 5", "epoch.state_lag <= 20"} {
		if !strings.Contains(strings.Join(degraded, "\n"), want) {
			t.Errorf("degraded conditions %v lack %q", degraded, want)
		}
	}
}

func TestParseCFX(t *testing.T) {
	for _, tc := range []struct {
		in, want string
		ok       bool
	}{
		{"1", "1000000000000000000", true},
		{"12.5", "12500000000000000000", true},
		{"0.000000000000000001", "1", true},
		{"100 CFX", "100000000000000000000", true},
		{".5", "500000000000000000", true},
		{"1e18", "", false},
		{"-1", "", false},
		{"", "", false},
		{"1.2.3", "", false},
	} {
		n, err := parseCFX(tc.in)
		if (err == nil) != tc.ok || (tc.ok && n.String() != tc.want) {
			t.Errorf("parseCFX(%q) = %v, %v; want %s ok=%v", tc.in, n, err, tc.want, tc.ok)
		}
	}
}
