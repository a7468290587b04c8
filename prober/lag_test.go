package prober

import (
	"fmt"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/upchain-dev/upchain/prober/cometbft/cometbfttest"
	"github.com/upchain-dev/upchain/prober/config"
)

func TestApplyLag(t *testing.T) {
	res := func(slug, group, region, height, chain string, st Status) Result {
		v := Values{}
		if height != "" {
			v["height"] = height
		}
		if chain != "" {
			v["chain_id"] = chain
		}
		return Result{Check: slug, Group: group, Region: region, Status: st, Values: v}
	}
	lag := func(ref, group string, deg, down int64) *config.Lag {
		return &config.Lag{Reference: ref, Group: group, DegradedBlocks: deg, DownBlocks: down}
	}
	tests := []struct {
		name    string
		lag     *config.Lag
		results []Result
		status  Status
		failed  string
		lagVal  string
	}{
		{"within", lag("ref", "", 5, 20), []Result{res("me", "g", "global", "100", "", Up), res("ref", "g", "global", "104", "", Up)}, Up, "", "4"},
		{"degraded", lag("ref", "", 5, 20), []Result{res("me", "g", "global", "100", "", Up), res("ref", "g", "global", "110", "", Up)}, Degraded, "lag <= 5 blocks behind ref [lag=10 height=100 reference_height=110]", "10"},
		{"down", lag("ref", "", 5, 20), []Result{res("me", "g", "global", "100", "", Up), res("ref", "g", "global", "121", "", Up)}, Down, "lag <= 20 blocks behind ref [lag=21 height=100 reference_height=121]", "21"},
		{"ahead", lag("ref", "", 5, 20), []Result{res("me", "g", "global", "200", "", Up), res("ref", "g", "global", "121", "", Up)}, Up, "", "0"},
		{"reference best region", lag("ref", "", 0, 3), []Result{res("me", "g", "global", "100", "", Up), res("ref", "g", "global", "101", "", Up), res("ref", "g", "eu", "109", "", Up)}, Down, "lag <= 3 blocks behind ref (eu) [lag=9 height=100 reference_height=109]", "9"},
		{"reference failed", lag("ref", "", 5, 20), []Result{res("me", "g", "global", "100", "", Up), res("ref", "g", "global", "", "", Down)}, Up, "", ""},
		{"own probe failed", lag("ref", "", 5, 20), []Result{res("me", "g", "global", "", "", Down), res("ref", "g", "global", "500", "", Up)}, Down, "", ""},
		{"group highest", lag("", "g", 2, 0), []Result{res("me", "g", "global", "100", "c", Up), res("a", "g", "global", "101", "c", Up), res("b", "g", "global", "103", "c", Up), res("x", "other", "global", "900", "c", Up)}, Degraded, "lag <= 2 blocks behind b [lag=3 height=100 reference_height=103]", "3"},
		{"group other chain ignored", lag("", "g", 2, 0), []Result{res("me", "g", "global", "100", "c", Up), res("a", "g", "global", "5000", "other-chain", Up)}, Up, "", ""},
		{"group other substrate chain ignored", lag("", "g", 2, 0), []Result{{Check: "me", Group: "g", Region: "global", Status: Up, Values: Values{"height": "100", "chain": "Polkadot"}}, {Check: "k", Group: "g", Region: "global", Status: Up, Values: Values{"height": "900", "chain": "Kusama"}}}, Up, "", ""},
		{"huge heights", lag("ref", "", 1, 0), []Result{res("me", "g", "global", "18446744073709551615", "", Up), res("ref", "g", "global", "18446744073709551617", "", Up)}, Degraded, "lag <= 1 blocks behind ref [lag=2 height=18446744073709551615 reference_height=18446744073709551617]", "2"},
		{"keeps worse status", lag("ref", "", 5, 0), []Result{res("me", "g", "global", "100", "", Down), res("ref", "g", "global", "110", "", Up)}, Down, "lag <= 5 blocks behind ref [lag=10 height=100 reference_height=110]", "10"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checks := []*config.Check{{Slug: "me", Lag: tt.lag}, {Slug: "ref"}}
			NewLag(checks, Builtin().Values().ChainValues()).Apply(tt.results)
			r := tt.results[0]
			if r.Status != tt.status || failedText(r) != tt.failed || r.Values["lag_blocks"] != tt.lagVal {
				t.Errorf("got %s %q lag %q, want %s %q lag %q", r.Status, failedText(r), r.Values["lag_blocks"], tt.status, tt.failed, tt.lagVal)
			}
			if tt.failed != "" && (r.ReasonCode != ReasonCondition || !strings.Contains(r.Reason, "failed: lag <=")) {
				t.Errorf("reason %s %q", r.ReasonCode, r.Reason)
			}
		})
	}
}

func TestLagValidation(t *testing.T) {
	base := "group: Cosmos\nchecks:\n  - name: a\n    kind: tcp\n    url: tcp://127.0.0.1:1\n  - name: b\n    kind: tcp\n    url: tcp://127.0.0.1:1\n    lag:\n"
	tests := []struct{ lag, want string }{
		{"      reference: a\n      down_blocks: 5\n", ""},
		{"      group: Cosmos\n      degraded_blocks: 5\n", ""},
		{"      reference: nope\n      down_blocks: 5\n", `no check has slug "nope"`},
		{"      reference: b\n      down_blocks: 5\n", "is this check itself"},
		{"      group: Ethereum\n      down_blocks: 5\n", `no other check is in group "Ethereum"`},
		{"      reference: a\n      group: Cosmos\n      down_blocks: 5\n", "name either"},
		{"      reference: a\n", "set degraded_blocks and/or down_blocks"},
		{"      reference: a\n      degraded_blocks: 9\n      down_blocks: 5\n", "must be below down_blocks"},
		{"      reference: a\n      down_block: 5\n", `did you mean "down_blocks"`},
	}
	for _, tt := range tests {
		_, err := loadYAML(t, base+tt.lag, nil)
		switch {
		case tt.want == "" && err != nil:
			t.Errorf("%q: %v", tt.lag, err)
		case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
			t.Errorf("%q: %v, want %q", tt.lag, err, tt.want)
		case tt.want != "" && !strings.Contains(err.Error(), "checks.yml:9:") && !strings.Contains(err.Error(), "checks.yml:1"):
			t.Errorf("%q: no line of lag: %v", tt.lag, err)
		}
	}
}

// TestLagInRound: two nodes of one chain in a round; the one 30 blocks
// behind is down with the lag as its failed condition.
func TestLagInRound(t *testing.T) {
	me := fmt.Sprintf("%040X", 3)
	ahead, behind := fakeChain(me, nil), fakeChain(me, nil)
	behind.Update(func(c *cometbfttest.Chain) { c.Latest = 170 })
	s1, s2 := httptest.NewServer(ahead), httptest.NewServer(behind)
	defer s1.Close()
	defer s2.Close()
	l := mustLoad(t, fmt.Sprintf(`group: Cosmos
checks:
  - name: rpc 1
    kind: cometbft
    url: %s
  - name: rpc 2
    kind: cometbft
    url: %s
    lag: {group: Cosmos, degraded_blocks: 5, down_blocks: 20}
`, s1.URL, s2.URL))
	res := newRounds(l).round(t)
	r := byCheck(t, res, "rpc-2")
	if r.Status != Down || failedText(r) != "lag <= 20 blocks behind rpc-1 [lag=30 height=170 reference_height=200]" || r.Values["lag_blocks"] != "30" {
		t.Errorf("lagging node: %s %q %v", r.Status, failedText(r), r.Values)
	}
	if r := byCheck(t, res, "rpc-1"); r.Status != Up {
		t.Errorf("reference: %s %q", r.Status, r.Reason)
	}
}

// TestLagAcrossRuns: under serve a check and its reference come in
// separate runs. The step remembers the reference's newest height, and
// forgets it once it is older than twice the reference's interval.
func TestLagAcrossRuns(t *testing.T) {
	t0 := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	checks := []*config.Check{
		{Slug: "me", Interval: config.Duration(time.Minute), Lag: &config.Lag{Reference: "ref", DownBlocks: 10}},
		{Slug: "ref", Interval: config.Duration(time.Minute)},
	}
	run := func(slug, height string, at time.Time) []Result {
		return []Result{{Check: slug, Region: "global", Status: Up, Time: at, Values: Values{"height": height}}}
	}
	tests := []struct {
		name    string
		refAt   time.Time
		meAt    time.Time
		status  Status
		lagSeen string
	}{
		{"reference probed earlier", t0, t0.Add(30 * time.Second), Down, "50"},
		{"reference too old", t0, t0.Add(3 * time.Minute), Up, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			lag := NewLag(checks, Builtin().Values().ChainValues())
			lag.Apply(run("ref", "150", tt.refAt))
			me := run("me", "100", tt.meAt)
			lag.Apply(me)
			if me[0].Status != tt.status || me[0].Values["lag_blocks"] != tt.lagSeen {
				t.Errorf("got %s lag %q, want %s lag %q", me[0].Status, me[0].Values["lag_blocks"], tt.status, tt.lagSeen)
			}
		})
	}
}
