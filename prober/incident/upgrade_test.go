package incident

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/upchain-dev/upchain/prober"
	"github.com/upchain-dev/upchain/prober/maintenance"
)

// upgradeRound is a round in which dot-rpc (on chain test-1) reports
// height h and, with plan, the upgrade plan at 1300 estimated to start
// at start.
func (r *runner) upgradeRound(status prober.Status, h int64, plan bool, start time.Time) string {
	r.t.Helper()
	r.now = r.now.Add(5 * time.Minute)
	res := r.results(map[string]prober.Status{"dot-rpc/global": status})
	for i := range res {
		if res[i].Check != "dot-rpc" {
			res[i].Values["chain_id"] = "other-1"
			continue
		}
		res[i].Values = prober.Values{"chain_id": "test-1", "height": strconv.FormatInt(h, 10)}
		if plan {
			res[i].Values[prober.ValUpgradeName] = "v19"
			res[i].Values[prober.ValUpgradeHeight] = "1300"
			res[i].Values[prober.ValUpgradeStart] = start.Format(time.RFC3339)
			res[i].Values[prober.ValUpgradeEnd] = start.Add(time.Hour).Format(time.RFC3339)
		}
	}
	return r.apply(res)
}

func (r *runner) upgradeWindow() *maintenance.Window {
	r.t.Helper()
	ws, err := maintenance.Windows(nil, r.dir, r.now)
	if err != nil {
		r.t.Fatal(err)
	}
	for i := range ws {
		if strings.HasPrefix(ws[i].ID, upgradePrefix) {
			return &ws[i]
		}
	}
	return nil
}

func TestUpgradePlanIsMaintenance(t *testing.T) {
	e := newEnv(t, false, "")
	r := e.runner()
	at := func(hm string) time.Time {
		t.Helper()
		x, err := time.Parse("15:04", hm)
		if err != nil {
			t.Fatal(err)
		}
		return time.Date(2025, 5, 1, x.Hour(), x.Minute(), 0, 0, time.UTC)
	}
	r.upgradeRound(prober.Up, 1234, true, at("12:20")) // 12:05
	w := r.upgradeWindow()
	if w == nil || w.State != maintenance.Upcoming || !w.Start.Equal(at("12:20")) || w.Source != "upgrade" ||
		w.Title != "Planned upgrade v19 at height 1300" || len(w.Checks) != 1 || w.Checks[0] != "dot-rpc" {
		t.Fatalf("window %+v", w)
	}
	// The estimate moves before the window begins: so does the window.
	r.upgradeRound(prober.Up, 1250, true, at("12:25")) // 12:10
	if w := r.upgradeWindow(); !w.Start.Equal(at("12:25")) || !w.End.Equal(at("13:25")) {
		t.Fatalf("moved window %+v", w)
	}
	r.upgradeRound(prober.Up, 1280, true, at("12:25")) // 12:15
	r.upgradeRound(prober.Up, 1290, true, at("12:25")) // 12:20
	// The chain halts below the height: down for four rounds, no incident,
	// and the begun window does not move with a later estimate.
	for i := 0; i < 4; i++ { // 12:25 ... 12:40
		r.upgradeRound(prober.Down, 1299, true, at("12:30"))
	}
	if len(r.incidents()) != 0 || len(e.chat.messages()) != 0 {
		t.Fatalf("incident during the upgrade: %+v", r.incidents())
	}
	if w := r.upgradeWindow(); w.State != maintenance.Active || !w.Start.Equal(at("12:25")) {
		t.Fatalf("active window %+v", w)
	}
	// Blocks past the height (the plan is applied and gone): the window
	// ends at once, and the next failure is an incident.
	r.upgradeRound(prober.Up, 1301, false, time.Time{}) // 12:45
	if w := r.upgradeWindow(); w.State != maintenance.Past || !w.End.Equal(at("12:45")) {
		t.Fatalf("ended window %+v", w)
	}
	r.upgradeRound(prober.Down, 1302, false, time.Time{})
	if sum := r.upgradeRound(prober.Down, 1302, false, time.Time{}); !strings.Contains(sum, "opened dot-rpc") {
		t.Fatalf("after the upgrade: %q", sum)
	}
}

func TestUpgradePlanCancelled(t *testing.T) {
	e := newEnv(t, false, "")
	r := e.runner()
	r.upgradeRound(prober.Up, 1234, true, epoch.Add(time.Hour))
	if r.upgradeWindow() == nil {
		t.Fatal("no window")
	}
	// The plan is gone while the chain is below its height: no window.
	r.upgradeRound(prober.Up, 1240, false, time.Time{})
	if w := r.upgradeWindow(); w != nil {
		t.Fatalf("cancelled plan still a window: %+v", w)
	}
}
