package prober

import (
	"fmt"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/upchain-dev/upchain/prober/cometbft"
	"github.com/upchain-dev/upchain/prober/cometbft/cometbfttest"
	"github.com/upchain-dev/upchain/prober/simnet"
)

// The upgrade plan comes from simnet.CosmosLCD (cosmos.upgrade.v1beta1
// Query/CurrentPlan); the halt is estimated from the block time the
// check measures between its probes.
func TestCometBFTUpgradePlan(t *testing.T) {
	raw := make([]byte, 20)
	raw[19] = 3
	valcons, _ := cometbft.Bech32Encode("cosmosvalcons", raw)
	chain := fakeChain(fmt.Sprintf("%040X", 3), nil)
	t0 := time.Now().Add(-70 * time.Second).Truncate(time.Second)
	chain.Update(func(c *cometbfttest.Chain) { c.Latest, c.LatestTime = 200, t0 })
	rpc := httptest.NewServer(chain)
	defer rpc.Close()
	gov := &simnet.CosmosLCD{Plan: &simnet.CosmosPlan{Name: "v19", Height: 300}}
	var broken atomic.Bool
	lcd := govLCD(t, gov, valcons, &broken)
	rs := newRounds(mustLoad(t, fmt.Sprintf(`checks:
  - name: validator
    kind: cometbft
    url: %s
    cometbft:
      lcd: %s
      validator: {valcons: %s}
      upgrade_window: 2h
      max_head_age: 5m
`, rpc.URL, lcd.URL, valcons)))

	// First probe: the plan is known, the block time not yet.
	r := byCheck(t, rs.round(t), "validator")
	if r.Values["upgrade_name"] != "v19" || r.Values["upgrade_height"] != "300" || r.Values["upgrade_start"] != "" {
		t.Fatalf("first: %s %q %v", r.Status, r.Reason, r.Values)
	}
	// 10 blocks in 60s: 6s a block, 90 blocks to go; the window opens a
	// minute before the estimated halt.
	chain.Update(func(c *cometbfttest.Chain) { c.Latest, c.LatestTime = 210, t0.Add(60*time.Second) })
	r = byCheck(t, rs.round(t), "validator")
	start := t0.Add(60*time.Second + 90*6*time.Second - time.Minute).UTC()
	if r.Values["block_time_s"] != "6" || r.Values["upgrade_start"] != start.Format(time.RFC3339) || r.Values["upgrade_end"] != start.Add(2*time.Hour).Format(time.RFC3339) {
		t.Fatalf("estimate: %v", r.Values)
	}
	// A failing LCD keeps the plan (a flaky LCD cancels no window).
	broken.Store(true)
	if r = byCheck(t, rs.round(t), "validator"); r.Values["upgrade_start"] != start.Format(time.RFC3339) {
		t.Fatalf("LCD down: %v", r.Values)
	}
	// The plan is gone: so are its values.
	broken.Store(false)
	gov.Update(func(l *simnet.CosmosLCD) { l.Plan = nil })
	if r = byCheck(t, rs.round(t), "validator"); r.Values["upgrade_name"] != "" || r.Values["upgrade_start"] != "" || r.Values["block_time_s"] != "6" {
		t.Fatalf("no plan: %v", r.Values)
	}
}

func TestSetUpgradeBounds(t *testing.T) {
	head := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name               string
		plan, height       int64
		avg                float64
		wantStart, wantEnd string
	}{
		{"estimate", 1100, 1000, 6, "2026-01-01T00:09:00Z", "2026-01-01T01:09:00Z"},
		{"halted below the height", 1000, 999, 6, "2025-12-31T23:59:06Z", "2026-01-01T00:59:06Z"},
		{"halted at the height", 1000, 1000, 6, "2026-01-01T00:00:00Z", "2026-01-01T01:00:00Z"},
		{"no block time yet", 1100, 1000, 0, "", ""},
		{"hostile height", 1 << 62, 1000, 6, "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			v := Values{}
			setUpgrade(v, "v19", tc.plan, tc.height, head, tc.avg, time.Hour)
			if v[ValUpgradeStart] != tc.wantStart || v[ValUpgradeEnd] != tc.wantEnd || v[ValUpgradeName] != "v19" {
				t.Errorf("got %v", v)
			}
		})
	}
}
