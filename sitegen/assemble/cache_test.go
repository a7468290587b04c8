package assemble

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/upchain-dev/upchain/prober"
	"github.com/upchain-dev/upchain/prober/config/configtest"
	"github.com/upchain-dev/upchain/prober/history"
)

// TestCacheFollowsHistory: with a cache, every build gives the same input
// as one without, while rounds are added (a status change, a new day) and
// when nothing changed.
func TestCacheFollowsHistory(t *testing.T) {
	l, err := configtest.Load(t, prober.Builtin(), "site: {title: T}\n",
		map[string]string{"checks/c.yml": "checks:\n  - name: a\n    kind: http\n    url: http://127.0.0.1:9/\n  - name: b\n    kind: http\n    url: http://127.0.0.1:9/\n"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	start := time.Date(2024, 6, 1, 23, 0, 0, 0, time.UTC)
	clock := func() time.Time { return start.Add(48 * time.Hour) }
	cache := &Cache{}
	rounds := []struct {
		name  string
		at    time.Duration
		downB bool
		// late: samples recorded late (another location's), state as it was
		late bool
	}{
		{"first rounds", 0, false, false},
		{"nothing new", -1, false, false},
		{"b goes down", 20 * time.Minute, true, false},
		{"a new day", 70 * time.Minute, true, false},
		{"b recovers", 80 * time.Minute, false, false},
		{"late samples, state unchanged", 62 * time.Minute, true, true},
		{"nothing new again", -1, false, false},
	}
	for _, r := range rounds {
		if r.at >= 0 {
			var smp []history.Sample
			for i := time.Duration(0); i < 3; i++ {
				at := start.Add(r.at + i*5*time.Minute)
				stB := prober.Up
				if r.downB {
					stB = prober.Down
				}
				smp = append(smp,
					history.Sample{Time: at, Check: "a", Region: "global", Status: prober.Up, Latency: (50 + i) * time.Millisecond},
					history.Sample{Time: at, Check: "b", Region: "global", Status: stB, Latency: 80 * time.Millisecond})
			}
			if err := history.AppendSamples(dir, smp); err != nil {
				t.Fatal(err)
			}
		}
		if r.at >= 0 && !r.late {
			last := start.Add(r.at + 10*time.Minute).Format(time.RFC3339)
			state := `{"updated":"` + last + `","checks":{}}`
			if err := os.WriteFile(filepath.Join(dir, history.StateFile), []byte(state), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		cached, err := FromDir(l, dir, Options{Clock: clock, Cache: cache})
		if err != nil {
			t.Fatal(err)
		}
		fresh, err := FromDir(l, dir, Options{Clock: clock})
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(cached, fresh) {
			t.Errorf("%s: the cached input differs from a fresh one", r.name)
		}
		if len(fresh.Groups) == 0 || len(fresh.Groups[0].Checks) != 2 || len(fresh.Groups[0].Checks[1].Days) == 0 {
			t.Fatalf("%s: no figures in the input", r.name)
		}
	}
}
