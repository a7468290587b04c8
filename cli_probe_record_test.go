package main

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/upchain-dev/upchain/prober/history"
)

// TestProbeRecordsRound runs `upchain probe` (without --once) in a git
// repository against a local server and checks that the round lands in the
// history branch, and that --once records nothing.
func TestProbeRecordsRound(t *testing.T) {
	healthy := true
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !healthy {
			w.WriteHeader(http.StatusServiceUnavailable)
		}
		w.Write([]byte("ok"))
	}))
	defer srv.Close()

	dir, git := configRepo(t,
		"site: {title: Local}\ndefaults: {timeout: 2s, retries: 0}\n",
		"group: Local\nchecks:\n  - name: Local API\n    kind: http\n    url: "+srv.URL+"/health\n    conditions: [status == 200]\n")

	ctx := context.Background()
	cfg := filepath.Join(dir, "upchain.yml")
	var out, errb bytes.Buffer
	if code := run(ctx, []string{"probe", "--once", "--config", cfg}, &out, &errb); code != exitOK {
		t.Fatalf("probe --once: exit %d\n%s", code, errb.String())
	}
	if _, err := os.Stat(filepath.Join(dir, ".upchain")); err == nil {
		t.Fatal("--once created a history")
	}
	if code := run(ctx, []string{"probe", "--config", cfg}, &out, &errb); code != exitOK {
		t.Fatalf("probe: exit %d\n%s", code, errb.String())
	}
	healthy = false
	before := time.Now()
	if code := run(ctx, []string{"probe", "--config", cfg}, &out, &errb); code != exitOK {
		t.Fatalf("probe: exit %d\n%s", code, errb.String())
	}
	if !strings.Contains(errb.String(), `msg="history: recorded" results=1`) {
		t.Errorf("stderr %q", errb.String())
	}
	histDir := filepath.Join(dir, ".upchain", "history")
	log := strings.Split(git("-C", histDir, "log", "--format=%s", "-3"), "\n")
	if len(log) != 3 || !strings.HasSuffix(log[0], ": 0 up, 0 degraded, 1 down; changed: local-api down") ||
		!strings.HasPrefix(log[0], "probe "+before.UTC().Format("2006-01-02")) ||
		!strings.HasSuffix(log[1], ": 1 up, 0 degraded, 0 down; changed: local-api up") || log[2] != "history: start" {
		t.Errorf("history log:\n%s", strings.Join(log, "\n"))
	}
	if st := git("status", "--porcelain"); st != "" {
		t.Errorf("user's worktree not clean: %q", st)
	}
	s, err := history.Open(histDir)
	if err != nil {
		t.Fatal(err)
	}
	var statuses []string
	s.Samples(time.Time{}, time.Time{}, func(smp history.Sample) error {
		statuses = append(statuses, smp.Check+"/"+smp.Region+"/"+string(smp.Status)+"/"+string(smp.Reason))
		return nil
	})
	if strings.Join(statuses, " ") != "local-api/global/up/ local-api/global/down/condition" {
		t.Errorf("samples %v", statuses)
	}
	st, _ := s.State()
	if rs := st.Get("local-api", "global"); rs == nil || rs.ConsecutiveFailures != 1 || !strings.Contains(rs.LastReason, "503") {
		t.Errorf("state %+v", rs)
	}
}
