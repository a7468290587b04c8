package sitegen

import (
	"bytes"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"
)

// TestBuilderMatchesFullBuild rebuilds one directory over several rounds
// of changes and compares every file, and the list of files, with a fresh
// Build of the same input after each round.
func TestBuilderMatchesFullBuild(t *testing.T) {
	in := fixture(fixtureSize{checks: 12, days: 30})
	out := filepath.Join(t.TempDir(), "public")
	b := NewBuilder(out)
	defer b.Close()
	rounds := []struct {
		name   string
		change func(in *Input)
		// rendered: how many checks the round must render again (-1: any).
		rendered int
		// reused: how many of their feed and badge groups it must carry
		// unrendered (-1: any).
		reused int
	}{
		{"first build", func(*Input) {}, 12, 0},
		{"nothing changed", func(*Input) {}, 0, 0},
		{"one check goes down", func(in *Input) {
			c := &in.Groups[1].Checks[0]
			c.Current.Status, c.Current.Reason = Down, "connection refused"
			c.Regions[0].Status = Down
		}, -1, -1},
		// Every page shows the data time, but feeds and badges (three a
		// check) stay: all but the feeds of the check whose open incident
		// says how long it has lasted so far.
		{"a new round, nothing else changed", func(in *Input) {
			in.Now = in.Now.Add(5 * time.Minute)
		}, 12, 12*4 - 1},
		// Its response-time badge changes, its other badges and its feeds
		// stay.
		{"one check's response time moves", func(in *Input) {
			c := &in.Groups[0].Checks[0]
			for i := range c.Latency {
				for j := range c.Latency[i].Points {
					c.Latency[i].Points[j].P50 += 7 * time.Millisecond
				}
			}
		}, 1, 3},
		{"a figure moves", func(in *Input) {
			c := &in.Groups[2].Checks[1]
			c.Uptime[0].Ratio -= 0.001
			c.Days[len(c.Days)-1].Failures++
		}, 1, -1},
		{"an incident opens", func(in *Input) {
			in.Incidents = append(in.Incidents, Incident{ID: "2025-03-14-new", Title: "New outage", Status: IncidentOpen,
				Severity: SeverityMajor, Checks: []string{in.Groups[1].Checks[0].Slug}, Started: in.Now.Add(-time.Minute)})
		}, 12, -1},
		{"a new day", func(in *Input) {
			in.Now = in.Now.Add(24 * time.Hour)
		}, 12, -1},
		{"a check is removed", func(in *Input) {
			g := &in.Groups[3]
			g.Checks = g.Checks[:len(g.Checks)-1]
		}, -1, -1},
		{"a check is added back", func(in *Input) {
			in.Groups[3].Checks = append(in.Groups[3].Checks, fixtureCheck(rand.New(rand.NewPCG(1, 2)), 99, "Web", "http", 30))
		}, -1, -1},
		{"unchanged again", func(*Input) {}, 0, 0},
	}
	for i, r := range rounds {
		r.change(in)
		st, err := b.Build(in)
		if err != nil {
			t.Fatalf("round %d (%s): %v", i, r.name, err)
		}
		if r.rendered >= 0 && st.Rendered != r.rendered {
			t.Errorf("round %d (%s): rendered %d checks, want %d (%+v)", i, r.name, st.Rendered, r.rendered, st)
		}
		if r.reused >= 0 && st.Reused != r.reused {
			t.Errorf("round %d (%s): reused %d feed and badge groups, want %d (%+v)", i, r.name, st.Reused, r.reused, st)
		}
		if r.name == "a check is removed" && st.Removed == 0 {
			t.Errorf("round %d (%s): removed no files", i, r.name)
		}
		if i > 1 && r.rendered >= 0 && r.rendered < 12 && st.Written+st.Linked >= st.Files {
			t.Errorf("round %d (%s): wrote or linked every file (%+v)", i, r.name, st)
		}
		if r.name == "one check goes down" && (st.Linked == 0 || st.Written == 0) {
			// No second copy yet: the unchanged files are linked from the site.
			t.Errorf("round %d (%s): %+v, want unchanged files linked and changed ones written", i, r.name, st)
		}
		want := readTree(t, build(t, in))
		got := readTree(t, out)
		if !slices.Equal(sortedKeys(got), sortedKeys(want)) {
			t.Fatalf("round %d (%s): files differ:\nextra %v\nmissing %v", i, r.name, extra(got, sortedKeys(want)), extra(want, sortedKeys(got)))
		}
		for p, w := range want {
			if !bytes.Equal(got[p], w) {
				t.Errorf("round %d (%s): %s differs from a full build", i, r.name, p)
			}
		}
	}
	// A restarted process (a new builder, the old copy left behind)
	// replaces the copy rather than adding one.
	for i := 0; i < 2; i++ {
		nb := NewBuilder(out) // never closed, as on a crash
		for j := 0; j < 2; j++ {
			in.Now = in.Now.Add(time.Hour)
			if _, err := nb.Build(in); err != nil {
				t.Fatal(err)
			}
		}
	}
	entries, _ := os.ReadDir(filepath.Dir(out))
	if len(entries) > 2 {
		t.Errorf("beside the site: %d entries, want the site and one copy", len(entries))
	}
}

// TestBuilderKeepsSiteOnError: a failed rebuild leaves the served site as
// it was, and the next build is complete again.
func TestBuilderKeepsSiteOnError(t *testing.T) {
	in := fixture(fixtureSize{checks: 4, days: 10})
	out := filepath.Join(t.TempDir(), "public")
	b := NewBuilder(out)
	defer b.Close()
	if _, err := b.Build(in); err != nil {
		t.Fatal(err)
	}
	before := readTree(t, out)
	bad := *in
	bad.Groups = append([]Group(nil), in.Groups...)
	bad.Groups[0].Checks = append([]Check(nil), in.Groups[0].Checks...)
	bad.Groups[0].Checks[0].Slug = "../escape"
	if _, err := b.Build(&bad); err == nil {
		t.Fatal("invalid input built")
	}
	after := readTree(t, out)
	if !slices.Equal(sortedKeys(before), sortedKeys(after)) {
		t.Fatal("a failed build changed the site")
	}
	in.Now = in.Now.Add(time.Hour)
	if _, err := b.Build(in); err != nil {
		t.Fatal(err)
	}
	want := readTree(t, build(t, in))
	for p, w := range want {
		if !bytes.Equal(readTree(t, out)[p], w) {
			t.Fatalf("%s differs after recovering", p)
		}
	}
}
