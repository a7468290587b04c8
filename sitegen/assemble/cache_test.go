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

// TestCacheSeesEveryChange: the cache says "unchanged" exactly when
// nothing Input reads changed, and otherwise gives what a fresh Input
// gives, over rounds with a status change, a new day, samples recorded
// late (state as it was) and monitoring becoming delayed.
func TestCacheSeesEveryChange(t *testing.T) {
	l, err := configtest.Load(t, prober.Builtin(), "site: {title: T}\n",
		map[string]string{"checks/c.yml": "checks:\n  - name: a\n    kind: http\n    url: http://127.0.0.1:9/\n  - name: b\n    kind: http\n    url: http://127.0.0.1:9/\n"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	// The history directory is a link, as a benchmark or an operator may
	// make it: changes behind the link count.
	dir := l.History.WithDefaults().Path(l.Dir)
	target := t.TempDir()
	if err := os.MkdirAll(filepath.Dir(dir), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(target, dir); err != nil {
		t.Fatal(err)
	}
	start := time.Date(2024, 6, 1, 23, 0, 0, 0, time.UTC)
	now := start.Add(30 * time.Minute)
	clock := func() time.Time { return now }
	cache := &Cache{}
	steps := []struct {
		name  string
		at    time.Duration // of the round recorded; -1: none
		downB bool
		late  bool          // samples only, the state file as it was
		wait  time.Duration // the clock moves on
		want  bool          // changed
	}{
		{"first rounds", 0, false, false, 0, true},
		{"nothing new", -1, false, false, 0, false},
		{"a minute later", -1, false, false, time.Minute, false},
		{"b goes down", 20 * time.Minute, true, false, 0, true},
		{"a new day", 70 * time.Minute, true, false, 0, true},
		{"late samples, state unchanged", 62 * time.Minute, true, true, 0, true},
		{"nothing new again", -1, false, false, 0, false},
		{"monitoring delayed", -1, false, false, 3 * time.Hour, true},
		{"still delayed", -1, false, false, time.Hour, false},
	}
	for _, s := range steps {
		now = now.Add(s.wait)
		if s.at >= 0 {
			var smp []history.Sample
			for i := time.Duration(0); i < 3; i++ {
				at := start.Add(s.at + i*5*time.Minute)
				stB := prober.Up
				if s.downB {
					stB = prober.Down
				}
				smp = append(smp,
					history.Sample{Time: at, Check: "a", Region: "global", Status: prober.Up, Latency: (50 + i) * time.Millisecond},
					history.Sample{Time: at, Check: "b", Region: "global", Status: stB, Latency: 80 * time.Millisecond})
			}
			if err := history.AppendSamples(dir, smp); err != nil {
				t.Fatal(err)
			}
			if !s.late {
				last := start.Add(s.at + 10*time.Minute)
				now = last.Add(time.Minute)
				state := `{"updated":"` + last.Format(time.RFC3339) + `","checks":{}}`
				if err := os.WriteFile(filepath.Join(dir, history.StateFile), []byte(state), 0o644); err != nil {
					t.Fatal(err)
				}
			}
		}
		in, changed, err := cache.Input(l, Options{Clock: clock})
		if err != nil {
			t.Fatal(err)
		}
		if changed != s.want {
			t.Fatalf("%s: changed %v, want %v", s.name, changed, s.want)
		}
		if !changed {
			continue
		}
		fresh, err := FromDir(l, dir, Options{Clock: clock})
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(in, fresh) {
			t.Errorf("%s: the input differs from a fresh one", s.name)
		}
		if len(fresh.Groups) == 0 || len(fresh.Groups[0].Checks) != 2 || len(fresh.Groups[0].Checks[1].Days) == 0 {
			t.Fatalf("%s: no figures in the input", s.name)
		}
	}
	cache.Forget()
	if _, changed, _ := cache.Input(l, Options{Clock: clock}); !changed {
		t.Error("after Forget: unchanged")
	}
}
