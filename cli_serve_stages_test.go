package main

import (
	"context"
	"github.com/upchain-dev/upchain/prober/testlog"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/debug"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// TestServeRecordsHistoryAndBuildsSite runs `upchain serve` with its real
// stages: probes land in the history branch in batched commits, a check
// that keeps failing opens an incident (a file, with no GitHub token), the
// site is rebuilt from that history, and SIGTERM (ctx) flushes the rest.
func TestServeRecordsHistoryAndBuildsSite(t *testing.T) {
	t.Setenv("GIT_CONFIG_GLOBAL", os.DevNull)
	t.Setenv("GIT_CONFIG_NOSYSTEM", "1")
	t.Setenv("GITHUB_TOKEN", "")
	var failing atomic.Bool
	ep := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if failing.Load() && r.URL.Path == "/flaky" {
			w.WriteHeader(http.StatusBadGateway)
		}
		io.WriteString(w, "ok")
	}))
	defer ep.Close()
	dir := t.TempDir()
	cfg := "site: {title: Served}\ndefaults:\n  timeout: 2s\n  retries: 0\nserve:\n  listen: off\n  commit_every: 300ms\n  build_every: 300ms\n"
	writeServeConfig(t, dir, cfg, serveCheck("steady", ep.URL+"/")+serveCheck("flaky", ep.URL+"/flaky"))
	failing.Store(true)

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	stderr := &testlog.Buffer{}
	code := make(chan int, 1)
	go func() {
		code <- runServe(ctx, []string{"--config", filepath.Join(dir, "upchain.yml")}, io.Discard, stderr)
	}()

	histDir := filepath.Join(dir, ".upchain", "history")
	deadline := time.Now().Add(60 * time.Second)
	for {
		incidents, _ := filepath.Glob(filepath.Join(histDir, "incidents", "*.md"))
		_, siteErr := os.Stat(filepath.Join(dir, "public", "checks", "flaky.html"))
		if len(incidents) == 1 && siteErr == nil && strings.Contains(readFileOr(filepath.Join(dir, "public", "incidents.html")), "flaky") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("serve never recorded an incident and built the site with it:\n%s", stderr)
		}
		time.Sleep(50 * time.Millisecond)
	}
	cancel()
	if c := <-code; c != exitOK {
		t.Fatalf("serve exited %d:\n%s", c, stderr)
	}
	out, err := exec.Command("git", "-C", histDir, "log", "--format=%s").CombinedOutput()
	if err != nil {
		t.Fatalf("git log: %v\n%s", err, out)
	}
	commits := strings.Split(strings.TrimSpace(string(out)), "\n")
	if len(commits) < 2 {
		t.Errorf("want batched history commits, got:\n%s", out)
	}
	if strings.Contains(stderr.String(), "level=error") {
		t.Errorf("serve logged errors:\n%s", stderr)
	}
}

func readFileOr(p string) string {
	b, _ := os.ReadFile(p)
	return string(b)
}

func TestLowerGC(t *testing.T) {
	defer debug.SetGCPercent(debug.SetGCPercent(100))
	for _, c := range []struct{ before, during int }{
		{100, 50},
		{200, 50},
		{50, 50},
		{30, 30}, // an operator's lower GOGC stays
		{-1, -1}, // and so does GOGC=off
	} {
		debug.SetGCPercent(c.before)
		restore := lowerGC(50)
		if got := debug.SetGCPercent(-1); got != c.during {
			t.Errorf("GOGC %d: %d during the build, want %d", c.before, got, c.during)
		}
		debug.SetGCPercent(c.during)
		restore()
		if got := debug.SetGCPercent(100); got != c.before {
			t.Errorf("GOGC %d: %d after the build, want it back", c.before, got)
		}
	}
}
