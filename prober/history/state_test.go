package history

import (
	"context"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/upchain-dev/upchain/prober"
)

// TestStateCheckpointReplay records random rounds (status changes, changing
// reasons, rounds across midnight, late rounds into the previous day's
// file, 12-hour stretches without changes) and checks after every round
// that reading the checkout gives exactly the state the recorder holds,
// while the state file is rewritten only when it must be.
func TestStateCheckpointReplay(t *testing.T) {
	dir := t.TempDir()
	r := &Recorder{repo: &repo{dir: dir}, log: io.Discard, ret: Retention{Raw: 14 * 24 * time.Hour, Hourly: 90 * 24 * time.Hour},
		capOf: DefaultCap, hooks: map[string][]Hook{}, seen: map[string]bool{}}
	rng := rand.New(rand.NewPCG(1, 2))
	st := &State{}
	keys := []Key{{"a", "global"}, {"b", "global"}, {"b", "eu"}}
	status := map[Key]prober.Status{}
	reasons := []string{"timeout after 10s", "connection refused"}
	tm := time.Date(2024, 6, 1, 22, 0, 0, 0, time.UTC)
	writes := 0
	statePath := filepath.Join(dir, StateFile)
	for i := 0; i < 400; i++ {
		step := 5 * time.Minute
		if rng.IntN(40) == 0 {
			step = 3 * time.Hour // long quiet stretches reach the 12h refresh
		}
		tm = tm.Add(step)
		roundTime := tm
		late := rng.IntN(15) == 0
		if late {
			// Recorded late: re-applied after a rejected push, or spooled
			// while a runner was offline.
			roundTime = tm.Add(-[]time.Duration{10 * time.Minute, 26 * time.Hour, 2 * time.Hour}[rng.IntN(3)])
		}
		var rs []prober.Result
		for j, k := range keys {
			if j > 0 && rng.IntN(5) == 0 {
				continue // not probed this round
			}
			if rng.IntN(10) == 0 {
				status[k] = []prober.Status{prober.Up, prober.Degraded, prober.Down}[rng.IntN(3)]
			}
			if status[k] == "" {
				status[k] = prober.Up
			}
			res := prober.Result{Check: k.Check, Region: k.Region, Time: roundTime.Add(time.Duration(j*50) * time.Second), Status: status[k],
				Values: prober.Values{"height": time.Duration(i).String()}}
			if status[k] != prober.Up {
				res.Reason = reasons[rng.IntN(len(reasons))]
				res.ReasonCode = prober.ReasonTimeout
			}
			rs = append(rs, res)
		}
		before, _ := os.Stat(statePath)
		sp := spooled{ID: newRoundID(), Results: rs}
		if err := r.applyRound(context.Background(), st, sp); err != nil {
			t.Fatal(err)
		}
		if err := r.finish(st); err != nil {
			t.Fatal(err)
		}
		after, _ := os.Stat(statePath)
		if before == nil || !os.SameFile(before, after) {
			writes++
		}
		got, err := loadState(dir, time.Time{})
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, st) {
			t.Fatalf("round %d (late %v): state read back differs\n got %+v\nwant %+v", i, late, dump(got), dump(st))
		}
	}
	t.Logf("state file written for %d of 400 rounds", writes)
}

// TestStateFileWrittenOnlyWhenNeeded: steady rounds leave the state file
// alone (their commit is just sample lines); changes, a 12-hour-old
// checkpoint and late rounds rewrite it.
func TestStateFileWrittenOnlyWhenNeeded(t *testing.T) {
	dir := t.TempDir()
	r := &Recorder{repo: &repo{dir: dir}, log: io.Discard, ret: Retention{Raw: 14 * 24 * time.Hour, Hourly: 90 * 24 * time.Hour},
		capOf: DefaultCap, hooks: map[string][]Hook{}, seen: map[string]bool{}}
	st := &State{}
	path := filepath.Join(dir, StateFile)
	var last []byte
	step := func(name string, tm time.Time, status prober.Status, wantWrite bool) {
		t.Helper()
		res := prober.Result{Check: "c", Region: "global", Time: tm, Status: status}
		if status != prober.Up {
			res.Reason = "timeout"
		}
		if err := r.applyRound(context.Background(), st, spooled{ID: newRoundID(), Results: []prober.Result{res}}); err != nil {
			t.Fatal(err)
		}
		if err := r.finish(st); err != nil {
			t.Fatal(err)
		}
		now, _ := os.ReadFile(path)
		if wrote := string(now) != string(last); wrote != wantWrite {
			t.Errorf("%s: state file written %v, want %v", name, wrote, wantWrite)
		}
		last = now
	}
	t0 := time.Date(2024, 6, 1, 12, 0, 0, 0, time.UTC)
	step("first round", t0, prober.Up, true)
	for i := 1; i < 10; i++ {
		step("steady round", t0.Add(time.Duration(i)*5*time.Minute), prober.Up, false)
	}
	step("status change", t0.Add(50*time.Minute), prober.Down, true)
	step("still down, same reason", t0.Add(55*time.Minute), prober.Down, false)
	step("back up", t0.Add(60*time.Minute), prober.Up, true)
	step("steady", t0.Add(11*time.Hour), prober.Up, false)
	step("12 hours after the checkpoint", t0.Add(13*time.Hour), prober.Up, true)
	// A round older than what the state knows only adds samples.
	before := st.Clone()
	step("late round into yesterday's file", t0.Add(-12*time.Hour+time.Minute), prober.Down, false)
	if !reflect.DeepEqual(before, st) {
		t.Errorf("late round changed the state: %+v", dump(st))
	}
	got, err := loadState(dir, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, st) {
		t.Errorf("read back %+v, want %+v", dump(got), dump(st))
	}
	if rs := got.Get("c", "global"); rs.ConsecutiveSuccesses != 3 || rs.Status != prober.Up || !rs.Last.Equal(t0.Add(13*time.Hour)) {
		t.Errorf("the late round changed the current state: %+v", rs)
	}
}

func dump(st *State) map[string]RegionState {
	out := map[string]RegionState{"updated " + st.Updated.String() + " round " + st.Round: {}}
	for c, regions := range st.Checks {
		for r, rs := range regions {
			out[c+"/"+r] = *rs
		}
	}
	return out
}
