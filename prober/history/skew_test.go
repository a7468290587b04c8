package history

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/upchain-dev/upchain/prober"
	"github.com/upchain-dev/upchain/prober/config"
)

// recordAt opens a recorder whose clock reads now, as a runner on a
// machine with that clock would, and records results.
func recordAt(t *testing.T, cfgDir string, now time.Time, results []prober.Result) *Recorder {
	t.Helper()
	ctx := context.Background()
	rec, err := OpenRecorder(ctx, testConfig(cfgDir, config.History{}), nil)
	if err != nil {
		t.Fatal(err)
	}
	rec.now = func() time.Time { return now }
	if _, err := rec.Record(ctx, results); err != nil {
		t.Fatal(err)
	}
	rec.Close()
	return rec
}

// TestClockSkew: a runner whose clock is minutes ahead or behind records
// rounds into the same history as a runner with the right clock. Its
// samples are kept, readers get them in time order, and neither the
// current state nor the time of the data jumps ahead or goes back.
func TestClockSkew(t *testing.T) {
	for _, tt := range []struct {
		name string
		skew time.Duration
		note ProblemKind // what history check notes about the skewed round
	}{
		{"ahead", 10 * time.Minute, Future},
		{"behind", -9 * time.Minute, OutOfOrder},
	} {
		t.Run(tt.name, func(t *testing.T) {
			logs := captureSlog(t)
			cfgDir := t.TempDir()
			at := func(i int) time.Time { return day0.Add(time.Duration(i) * 5 * time.Minute) }
			// Rounds 0 and 1 from the right clock; round 2 (beta down) from
			// the skewed runner, which stamps it with its own clock; round
			// 3 (beta up again) from the right clock.
			recordAt(t, cfgDir, at(0), round("a", 0, day0))
			recordAt(t, cfgDir, at(1), round("a", 1, day0))
			skewed := round("b", 2, day0.Add(tt.skew))
			recordAt(t, cfgDir, at(2).Add(tt.skew), skewed)
			rec := recordAt(t, cfgDir, at(3), round("a", 3, day0))
			now := at(3).Add(10 * time.Second)

			// The skewed samples are stored, and come in time order.
			got := samplesByKey(t, rec.Dir())
			wantRounds(t, got, "a", 0, 1, 3)
			wantRounds(t, got, "b", 2)
			s, _ := Open(rec.Dir())
			var last time.Time
			if err := s.Samples(time.Time{}, time.Time{}, func(smp Sample) error {
				if smp.Time.Before(last) {
					t.Errorf("sample at %s after one at %s", smp.Time, last)
				}
				last = smp.Time
				return nil
			}); err != nil {
				t.Fatal(err)
			}
			pts, err := s.Points(time.Time{}, time.Time{})
			if err != nil {
				t.Fatal(err)
			}
			for k, p := range pts {
				for i := 1; i < len(p); i++ {
					if p[i].Unix() < p[i-1].Unix() {
						t.Errorf("%v: points out of order", k)
					}
				}
			}

			// Neither the recorder's state nor a reader's jumps ahead, and
			// the right runner's round counts.
			for name, st := range map[string]*State{"recorder": rec.State(), "reader": mustState(t, s.WithClock(func() time.Time { return now }))} {
				if st.Updated.After(now) {
					t.Errorf("%s: data time %s is ahead of the clock %s", name, st.Updated, now)
				}
				if !st.Updated.Equal(at(3).Add(3 * time.Second)) {
					t.Errorf("%s: data time %s, want the last right round %s", name, st.Updated, at(3).Add(3*time.Second))
				}
				rs := st.Get("beta", "global")
				if rs == nil || rs.Status != prober.Up || rs.Values["runner"] != "a" || rs.Values["round"] != "3" {
					t.Errorf("%s: beta/global %+v, want up from round a/3", name, rs)
				}
			}

			if tt.skew > 0 && !strings.Contains(logs.String(), "dated in the future") {
				t.Errorf("no warning about the future round:\n%s", logs)
			}

			rep, err := Check(rec.Dir(), CheckOptions{Now: now})
			if err != nil {
				t.Fatal(err)
			}
			if rep.Counts[tt.note] == 0 {
				t.Errorf("check notes no %s sample: %v", tt.note, rep.Problems)
			}
			if rep.Damage() != 0 {
				t.Errorf("skew reported as damage: %v", rep.Problems)
			}
		})
	}
}

func mustState(t *testing.T, s *Store) *State {
	t.Helper()
	st, err := s.State()
	if err != nil {
		t.Fatal(err)
	}
	return st
}

// TestApplyAtIgnoresFutureEntry: an entry stamped by a runner whose clock
// was ahead no longer hides the present result that follows it.
func TestApplyAtIgnoresFutureEntry(t *testing.T) {
	now := day0.Add(time.Hour)
	for _, tt := range []struct {
		name   string
		last   time.Time
		limit  time.Time
		status prober.Status
	}{
		{"entry from the future is overtaken", now.Add(10 * time.Minute), now.Add(FutureTolerance), prober.Down},
		{"newer entry within tolerance stands", now.Add(time.Minute), now.Add(FutureTolerance), prober.Up},
		{"without a clock the newest stands", now.Add(10 * time.Minute), time.Time{}, prober.Up},
	} {
		t.Run(tt.name, func(t *testing.T) {
			st := &State{Updated: tt.last}
			st.applyAt([]prober.Result{{Check: "c", Region: "r", Time: tt.last, Status: prober.Up}}, time.Time{})
			st.applyAt([]prober.Result{{Check: "c", Region: "r", Time: now, Status: prober.Down}}, tt.limit)
			if got := st.Get("c", "r").Status; got != tt.status {
				t.Errorf("status %s, want %s", got, tt.status)
			}
		})
	}
	st := &State{}
	if n := st.applyAt([]prober.Result{{Check: "c", Region: "r", Time: now.Add(time.Hour)}}, now); n != 1 || st.Get("c", "r") != nil {
		t.Errorf("future result folded in (n=%d, %+v)", n, st.Get("c", "r"))
	}
}
