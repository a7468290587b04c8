package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
)

// TestPipelineProbeIncidentBuild runs the whole one-way flow on this
// machine: checks → `upchain probe` (three rounds into a real git history
// branch, the last two failing, which opens an incident recorded as a file
// since no GitHub token is set) → `upchain build`. It then builds again
// from the history branch alone (no worktree, as the site workflow sees it)
// and requires byte-identical output.
func TestPipelineProbeIncidentBuild(t *testing.T) {
	t.Setenv("GITHUB_TOKEN", "")
	t.Setenv("GITHUB_REPOSITORY", "")
	var healthy atomic.Bool
	healthy.Store(true)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !healthy.Load() {
			w.WriteHeader(http.StatusServiceUnavailable)
		}
		w.Write([]byte("ok"))
	}))
	defer srv.Close()

	dir, git := configRepo(t,
		"site: {title: Pipeline, base_url: https://status.example.test/sub/}\ndefaults: {timeout: 2s, retries: 0}\n",
		"group: Local\nchecks:\n  - name: Local API\n    kind: http\n    url: "+srv.URL+"/health\n    conditions: [status == 200]\n")

	ctx := context.Background()
	cfg := filepath.Join(dir, "upchain.yml")
	cmd := func(args ...string) string {
		t.Helper()
		var out, errb bytes.Buffer
		if code := run(ctx, append(args, "--config", cfg), &out, &errb); code != exitOK {
			t.Fatalf("upchain %v: exit %d\n%s\n%s", args, code, out.String(), errb.String())
		}
		return errb.String()
	}
	cmd("probe")
	healthy.Store(false)
	cmd("probe")
	cmd("probe")

	histDir := filepath.Join(dir, ".upchain", "history")
	incidents, _ := filepath.Glob(filepath.Join(histDir, "incidents", "*.md"))
	if len(incidents) != 1 {
		t.Fatalf("want one incident file after two failed rounds, got %v", incidents)
	}
	// Exactly the third round (the second failure in a row, with the
	// default failure_threshold of 2) opens the incident.
	log := strings.Split(git("-C", histDir, "log", "-3", "--format=%B%x00"), "\x00")
	if len(log) < 3 || !strings.Contains(log[0], "incidents: opened local-api") || strings.Contains(log[1], "incidents:") {
		t.Errorf("want the incident opened by the third round, not earlier; history log:\n%s", strings.Join(log, "\n---\n"))
	}

	out1 := filepath.Join(t.TempDir(), "site")
	cmd("build", "--out", out1)
	page := readFile(t, filepath.Join(out1, "checks", "local-api.html"))
	for _, want := range []string{"Local API", "Down", "503"} {
		if !strings.Contains(page, want) {
			t.Errorf("check page lacks %q", want)
		}
	}
	if !strings.Contains(readFile(t, filepath.Join(out1, "incidents.html")), "Local API") {
		t.Error("incidents page does not list the incident")
	}
	var summary struct {
		Components []struct {
			Name, Status string
		}
		Incidents []struct{ Name, Status string }
	}
	if err := json.Unmarshal([]byte(readFile(t, filepath.Join(out1, "api", "v2", "summary.json"))), &summary); err != nil {
		t.Fatal(err)
	}
	found := false
	for _, c := range summary.Components {
		found = found || c.Name == "Local API" && c.Status == "major_outage"
	}
	if !found {
		t.Errorf("summary components = %+v, want Local API in major_outage", summary.Components)
	}
	if len(summary.Incidents) != 1 {
		t.Errorf("summary incidents = %+v, want the open incident", summary.Incidents)
	}

	// The site workflow has the branch but no worktree.
	git("worktree", "remove", "--force", histDir)
	out2 := filepath.Join(t.TempDir(), "site")
	cmd("build", "--out", out2)
	if a, b := treeDigest(t, out1), treeDigest(t, out2); a != b {
		t.Errorf("building from the branch differs from building from the worktree (%d vs %d bytes)", len(a), len(b))
	}
}

func readFile(t *testing.T, p string) string {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// treeDigest lists every file with its content, for comparing two trees.
func treeDigest(t *testing.T, root string) string {
	t.Helper()
	var b strings.Builder
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		data, err := os.ReadFile(p)
		b.WriteString(rel + "\x00" + string(data) + "\x00")
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return b.String()
}
