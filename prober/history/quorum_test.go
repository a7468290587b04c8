package history

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/upchain-dev/upchain/prober"
	"github.com/upchain-dev/upchain/prober/config"
)

// seen is one location's probe of check c in region global.
type seen struct {
	loc string
	at  time.Duration // after day0
	st  prober.Status
}

func TestDecideAcrossLocations(t *testing.T) {
	const win = 7*time.Minute + 30*time.Second // 1.5 x 5m
	tests := []struct {
		name   string
		quorum int
		in     []seen
		want   prober.Status // decided status after the last sample
		reason string        // substring of the decided reason, if any
	}{
		{"one location, quorum 1: as before", 1, []seen{{"a", 0, prober.Down}}, prober.Down, ""},
		{"one location, quorum 1, up", 1, []seen{{"a", 0, prober.Up}}, prober.Up, ""},
		{"quorum 1: one of three down is down", 1, []seen{{"a", 0, prober.Up}, {"b", time.Second, prober.Up}, {"c", 2 * time.Second, prober.Down}}, prober.Down, "down from c; up from a, b"},
		{"quorum 2: one of three down is degraded", 2, []seen{{"a", 0, prober.Up}, {"b", time.Second, prober.Up}, {"c", 2 * time.Second, prober.Down}}, prober.Degraded, "down from c"},
		{"quorum 2: two of three down is down", 2, []seen{{"a", 0, prober.Up}, {"b", time.Second, prober.Down}, {"c", 2 * time.Second, prober.Down}}, prober.Down, "down from b, c; up from a"},
		{"quorum 2: the last up sample of a location that saw down earlier counts", 2, []seen{{"b", 0, prober.Down}, {"c", time.Second, prober.Down}, {"b", 5 * time.Minute, prober.Up}}, prober.Degraded, "down from c"},
		{"quorum 2: a down view older than the window does not count", 2, []seen{{"b", 0, prober.Down}, {"c", 8 * time.Minute, prober.Down}}, prober.Degraded, "down from c"},
		{"quorum 2: inside the window it does", 2, []seen{{"b", 0, prober.Down}, {"c", 7 * time.Minute, prober.Down}}, prober.Down, "down from b, c"},
		{"degraded anywhere is degraded", 2, []seen{{"a", 0, prober.Up}, {"b", time.Second, prober.Degraded}}, prober.Degraded, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := &State{}
			q := func(string) Quorum { return Quorum{N: tt.quorum, Window: win} }
			var last prober.Result
			for _, s := range tt.in {
				r := result("c", "global", day0.Add(s.at), s.st, time.Millisecond, nil)
				r.Reason = "probe said " + string(s.st)
				out := st.Decide(s.loc, []prober.Result{r}, q)
				st.Apply(out)
				last = out[0]
			}
			if last.Status != tt.want {
				t.Errorf("decided %s, want %s (reason %q)", last.Status, tt.want, last.Reason)
			}
			if got := st.Get("c", "global").Status; got != tt.want {
				t.Errorf("state %s, want %s", got, tt.want)
			}
			if !strings.Contains(last.Reason, tt.reason) {
				t.Errorf("reason %q, want it to contain %q", last.Reason, tt.reason)
			}
		})
	}
}

// TestDecideSingleLocationUnchanged: one runner with quorum 1 gets its
// results back as they were, and keeps no per-location state.
func TestDecideSingleLocationUnchanged(t *testing.T) {
	st := &State{}
	in := round("a", 2, day0)
	out := st.Decide(DefaultLocation, in, nil)
	for i := range in {
		if out[i].Status != in[i].Status || out[i].Reason != in[i].Reason {
			t.Errorf("%s: %s %q, want %s %q", in[i].Check, out[i].Status, out[i].Reason, in[i].Status, in[i].Reason)
		}
	}
	if rs := st.Get("beta", "global"); rs.Locations != nil {
		t.Errorf("locations kept for one runner: %v", rs.Locations)
	}
}

// TestThreeLocationsOneRemote: three runners at three locations record
// into one bare remote. With quorum 2, one location that cannot reach
// beta makes it degraded, two make it down; the state every runner reads
// agrees.
func TestThreeLocationsOneRemote(t *testing.T) {
	ctx := context.Background()
	root := t.TempDir()
	bare := filepath.Join(root, "remote.git")
	sh(t, root, "init", "-q", "--bare", bare)
	recs := map[string]*Recorder{}
	for _, loc := range []string{"fra", "iad", "sgp"} {
		dir := filepath.Join(root, loc)
		if loc == "fra" {
			userRepo(t, dir, bare)
		} else {
			sh(t, root, "clone", "-q", "file://"+bare, dir)
		}
		cfg := testConfig(dir, config.History{Location: loc})
		cfg.Checks = []*config.Check{{Slug: "beta", Quorum: 2}, {Slug: "alpha"}}
		rec, err := OpenRecorder(ctx, cfg, nil)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { rec.Close() })
		recs[loc] = rec
	}
	// Each round, every location probes beta; down lists where it fails.
	rounds := []struct {
		down       []string
		beta       prober.Status
		alphaDown  string // a location that sees alpha (quorum 1) down
		alphaState prober.Status
	}{
		{nil, prober.Up, "", prober.Up},
		{[]string{"sgp"}, prober.Degraded, "sgp", prober.Down},
		{[]string{"sgp"}, prober.Degraded, "", prober.Up},
		{[]string{"iad", "sgp"}, prober.Down, "", prober.Up},
		{[]string{"iad", "sgp"}, prober.Down, "", prober.Up},
		{nil, prober.Up, "", prober.Up},
	}
	for i, rd := range rounds {
		at := day0.Add(time.Duration(i) * 5 * time.Minute)
		for j, loc := range []string{"fra", "iad", "sgp"} {
			st := prober.Up
			for _, d := range rd.down {
				if d == loc {
					st = prober.Down
				}
			}
			ast := prober.Up
			if rd.alphaDown == loc {
				ast = prober.Down
			}
			rs := []prober.Result{
				result("beta", "global", at.Add(time.Duration(j)*time.Second), st, time.Millisecond, nil),
				result("alpha", "global", at.Add(time.Duration(j)*time.Second), ast, time.Millisecond, nil),
			}
			if _, err := recs[loc].Record(ctx, rs); err != nil {
				t.Fatalf("round %d %s: %v", i, loc, err)
			}
		}
		st := recs["sgp"].State()
		if got := st.Get("beta", "global").Status; got != rd.beta {
			t.Errorf("round %d: beta %s, want %s (%s)", i, got, rd.beta, st.Get("beta", "global").LastReason)
		}
		if got := st.Get("alpha", "global").Status; got != rd.alphaState {
			t.Errorf("round %d: alpha %s, want %s", i, got, rd.alphaState)
		}
	}
	// A runner that opens the history afresh (state.json + replay of the
	// raw files) reads the same decided state and all three locations.
	dir := filepath.Join(root, "fresh")
	sh(t, root, "clone", "-q", "file://"+bare, dir)
	cfg := testConfig(dir, config.History{Location: "fra"})
	cfg.Checks = []*config.Check{{Slug: "beta", Quorum: 2}, {Slug: "alpha"}}
	rec, err := OpenRecorder(ctx, cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer rec.Close()
	rs := rec.State().Get("beta", "global")
	if rs.Status != prober.Up || len(rs.Locations) != 3 {
		t.Errorf("fresh reader: %s with locations %v", rs.Status, rs.Locations)
	}
	byLoc := map[string]int{}
	if err := (&Store{dir: rec.Dir()}).Samples(time.Time{}, time.Time{}, func(s Sample) error {
		byLoc[s.Location]++
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	for _, loc := range []string{"fra", "iad", "sgp"} {
		if byLoc[loc] != 2*len(rounds) {
			t.Errorf("%s: %d samples, want %d (all: %v)", loc, byLoc[loc], 2*len(rounds), byLoc)
		}
	}
}
