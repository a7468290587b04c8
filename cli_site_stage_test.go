package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/upchain-dev/upchain/prober"
	"github.com/upchain-dev/upchain/prober/config"
	"github.com/upchain-dev/upchain/prober/history"
	"github.com/upchain-dev/upchain/prober/incident"
)

// TestSiteStageMatchesFullBuild runs serve's incremental site stage over
// rounds of history (quiet rounds, a status change, an incident, a new
// day, a day rolled up, a removed check, a deleted site) and compares
// every file with a fresh `upchain build` of the same history and config.
// The stage keeps the history it read between builds (uptime.Cache), so
// this also proves that what it kept matches what a full read gives.
func TestSiteStageMatchesFullBuild(t *testing.T) {
	root := t.TempDir()
	writeChecks := func(n int) {
		var b bytes.Buffer
		b.WriteString("group: G\nchecks:\n")
		for i := 0; i < n; i++ {
			fmt.Fprintf(&b, "  - name: c%d\n    kind: http\n    url: http://127.0.0.1:9/%d\n", i, i)
		}
		if err := os.WriteFile(filepath.Join(root, "checks", "c.yml"), b.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	os.MkdirAll(filepath.Join(root, "checks"), 0o755)
	os.WriteFile(filepath.Join(root, "upchain.yml"), []byte("site: {title: T, base_url: \"https://status.example.org/\"}\n"), 0o644)
	writeChecks(3)
	hist := filepath.Join(root, ".upchain", "history")
	start := time.Date(2024, 6, 1, 22, 0, 0, 0, time.UTC)
	down := map[string]bool{}
	at := start
	round := func() {
		var smp []history.Sample
		st := history.State{Updated: at, Checks: map[string]map[string]*history.RegionState{}}
		for i := 0; i < 3; i++ {
			c := fmt.Sprintf("c%d", i)
			s := history.Sample{Time: at, Check: c, Region: "global", Status: prober.Up, Latency: time.Duration(40+i) * time.Millisecond, Code: 200}
			if down[c] {
				s.Status, s.Reason = prober.Down, prober.ReasonRefused
			}
			smp = append(smp, s)
			st.Checks[c] = map[string]*history.RegionState{"global": {Status: s.Status, Since: start, Last: at, LastReason: string(s.Reason)}}
		}
		if err := history.AppendSamples(hist, smp); err != nil {
			t.Fatal(err)
		}
		writeState(t, hist, st)
		at = at.Add(5 * time.Minute)
	}
	load := func() *config.Loaded {
		l, err := prober.Load(filepath.Join(root, "upchain.yml"), config.Options{AllowMissingSecrets: true})
		if err != nil {
			t.Fatal(err)
		}
		return l
	}
	reload := false
	steps := []struct {
		name string
		do   func()
	}{
		{"first rounds", func() { round(); round() }},
		{"quiet, no new round", func() {}},
		{"a round", round},
		{"c1 goes down", func() { down["c1"] = true; round() }},
		{"an incident opens", func() {
			if err := incident.Save(hist, &incident.Incident{ID: "2024-06-01-c1", Title: "c1 down", Source: "upchain", State: "open",
				Severity: "down", Checks: []string{"c1"}, Started: at.Add(-5 * time.Minute)}); err != nil {
				t.Fatal(err)
			}
			round()
		}},
		{"a new day", func() {
			for at.Before(start.Add(2*time.Hour + 10*time.Minute)) {
				round()
			}
		}},
		{"the first day is rolled up", func() {
			// Raw samples of 06-01 expire: its hourly and daily roll-ups
			// appear and the figures of that day come from them.
			if err := history.Maintain(hist, at.Add(24*time.Hour), history.Retention{Raw: 24 * time.Hour, Hourly: 40 * 24 * time.Hour}, nil); err != nil {
				t.Fatal(err)
			}
			if s, err := history.Open(hist); err != nil {
				t.Fatal(err)
			} else if _, ok, err := s.RolledThrough(); err != nil || !ok {
				t.Fatalf("no day rolled up (%v)", err)
			}
			round()
		}},
		{"a round after the roll-up", round},
		{"a day later, the second day is rolled up too", func() {
			at = at.Add(24 * time.Hour) // a day without rounds: no data
			round()
			if err := history.Maintain(hist, at.Add(24*time.Hour), history.Retention{Raw: 24 * time.Hour, Hourly: 40 * 24 * time.Hour}, nil); err != nil {
				t.Fatal(err)
			}
			if s, err := history.Open(hist); err != nil {
				t.Fatal(err)
			} else if day, _, err := s.RolledThrough(); err != nil || !day.Equal(time.Date(2024, 6, 2, 0, 0, 0, 0, time.UTC)) {
				t.Fatalf("rolled through %s (%v), want 2024-06-02", day, err)
			}
			round()
		}},
		{"c2 is removed", func() { writeChecks(2); reload = true }},
		{"quiet again", func() {}},
		{"the site was deleted", func() { os.RemoveAll(filepath.Join(root, "public")) }},
	}
	stage := &siteStage{}
	defer func() {
		if stage.builder != nil {
			stage.builder.Close()
		}
	}()
	// The config is loaded again only when it changed, as serve does on
	// SIGHUP.
	var l *config.Loaded
	for _, s := range steps {
		s.do()
		if l == nil || reload {
			l, reload = load(), false
			l.Site.Output = filepath.Join(root, "public")
		}
		if err := stage.build(l, nil); err != nil {
			t.Fatalf("%s: %v", s.name, err)
		}
		if quiet := strings.HasPrefix(s.name, "quiet"); stage.last.Unchanged != quiet {
			t.Errorf("%s: unchanged %v, want %v", s.name, stage.last.Unchanged, quiet)
		}
		full := filepath.Join(root, "full")
		var out, errOut bytes.Buffer
		if code := runBuild(t.Context(), []string{"--config", filepath.Join(root, "upchain.yml"), "--out", full}, &out, &errOut); code != exitOK {
			t.Fatalf("%s: upchain build: %s", s.name, errOut.String())
		}
		got, want := treeOf(t, l.Site.Output), treeOf(t, full)
		if !slices.Equal(sortedNames(got), sortedNames(want)) {
			t.Fatalf("%s: files %v, a full build has %v", s.name, sortedNames(got), sortedNames(want))
		}
		for p, w := range want {
			if !bytes.Equal(got[p], w) {
				t.Errorf("%s: %s differs from a full build", s.name, p)
			}
		}
	}
}

func writeState(t *testing.T, dir string, st history.State) {
	t.Helper()
	data, err := json.Marshal(st)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, history.StateFile), data, 0o644); err != nil {
		t.Fatal(err)
	}
}

func treeOf(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	files := map[string][]byte{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		b, err := os.ReadFile(p)
		files[filepath.ToSlash(rel)] = b
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

func sortedNames(m map[string][]byte) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}
