package main

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/upchain-dev/upchain/prober/testlog"
)

// TestDamagedHistoryKeepsCommandsWorking feeds damage into the real
// history branch of a project and runs the commands a user runs: probe,
// build, incidents and serve keep working and say what they skipped,
// history check names the line, and --repair makes it clean.
func TestDamagedHistoryKeepsCommandsWorking(t *testing.T) {
	ep := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok") }))
	defer ep.Close()
	for _, tt := range []struct {
		name   string
		file   string // glob under the history dir
		damage func(string) string
		where  *regexp.Regexp // what history check must print
	}{
		{"merge conflict markers", "raw/*.txt", func(s string) string {
			return s + "<<<<<<< HEAD\n=======\n>>>>>>> theirs\n"
		}, regexp.MustCompile(`raw/\d{4}-\d\d-\d\d\.txt:\d+: damaged: .*"<<<<<<< HEAD"`)},
		{"truncated line", "raw/*.txt", func(s string) string {
			return s + "12:00:01 local-api glo"
		}, // The probe after the damage ends the cut line before appending.
			regexp.MustCompile(`raw/\d{4}-\d\d-\d\d\.txt:\d+: damaged: .*"12:00:01 local-api glo"`)},
		{"corrupt state.json", "state.json", func(s string) string {
			return s[:len(s)/2]
		}, regexp.MustCompile(`state\.json: corrupt-state`)},
	} {
		t.Run(tt.name, func(t *testing.T) {
			dir, git := configRepo(t,
				"site: {title: Local}\ndefaults: {timeout: 2s, retries: 0}\nserve: {listen: 127.0.0.1:0}\n",
				"group: Local\nchecks:\n"+serveCheck("Local API", ep.URL))
			cfg := filepath.Join(dir, "upchain.yml")
			for i := 0; i < 2; i++ {
				if code, _, stderr := runCLI(t, "probe", "--config", cfg); code != exitOK {
					t.Fatalf("probe: exit %d\n%s", code, stderr)
				}
			}
			histDir := filepath.Join(dir, ".upchain", "history")
			files, _ := filepath.Glob(filepath.Join(histDir, tt.file))
			if len(files) == 0 {
				t.Fatalf("no %s in the history", tt.file)
			}
			data, _ := os.ReadFile(files[0])
			if err := os.WriteFile(files[0], []byte(tt.damage(string(data))), 0o644); err != nil {
				t.Fatal(err)
			}
			git("-C", histDir, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q", "-am", "hand edit")

			code, _, stderr := runCLI(t, "probe", "--config", cfg)
			if code != exitOK || !strings.Contains(stderr, "history: skipped ") {
				t.Errorf("probe: exit %d, want 0 and the skipped count:\n%s", code, stderr)
			}
			if tt.file == "state.json" {
				// The round rewrote the state file; damage it again.
				data, _ := os.ReadFile(files[0])
				os.WriteFile(files[0], []byte(tt.damage(string(data))), 0o644)
				git("-C", histDir, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q", "-am", "hand edit")
			}
			code, _, stderr = runCLI(t, "build", "--config", cfg)
			if code != exitOK || !skippedRE.MatchString(stderr) {
				t.Errorf("build: exit %d, want 0 and the skipped count:\n%s", code, stderr)
			}
			if code, _, stderr := runCLI(t, "incidents", "--config", cfg); code != exitOK {
				t.Errorf("incidents: exit %d\n%s", code, stderr)
			}
			code, stdout, _ := runCLI(t, "history", "check", "--config", cfg)
			if code != exitFailed || !tt.where.MatchString(stdout) {
				t.Errorf("history check: exit %d, want 1 and a line matching %s:\n%s", code, tt.where, stdout)
			}
			// Serve records on top of the damage and exits cleanly.
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			serveLog := &testlog.Buffer{}
			done := make(chan int, 1)
			before := git("-C", histDir, "rev-list", "--count", "HEAD")
			go func() { done <- runServe(ctx, []string{"--config", cfg}, io.Discard, serveLog) }()
			waitLog(t, serveLog, "msg=starting", 1)
			m := listenRE.FindStringSubmatch(serveLog.String())
			if m == nil {
				t.Fatalf("no listen address in the log:\n%s", serveLog)
			}
			deadline := time.Now().Add(30 * time.Second)
			for !strings.Contains(getBody(t, "http://"+m[1]+"/metrics"), `probe_success{check="local-api"`) {
				if time.Now().After(deadline) {
					t.Fatalf("serve never probed:\n%s", serveLog)
				}
				time.Sleep(50 * time.Millisecond)
			}
			cancel()
			if c := <-done; c != exitOK {
				t.Fatalf("serve exited %d:\n%s", c, serveLog)
			}
			if after := git("-C", histDir, "rev-list", "--count", "HEAD"); after == before {
				t.Errorf("serve recorded nothing (%s commits):\n%s", after, serveLog)
			}

			if tt.file == "state.json" {
				// The rounds since rewrote the state file; damage it again.
				data, _ := os.ReadFile(files[0])
				os.WriteFile(files[0], []byte(tt.damage(string(data))), 0o644)
				git("-C", histDir, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q", "-am", "hand edit")
			}
			code, stdout, stderr = runCLI(t, "history", "check", "--repair", "--config", cfg)
			if code != exitOK || !strings.Contains(stdout, "repaired: removed") {
				t.Fatalf("history check --repair: exit %d\n%s\n%s", code, stdout, stderr)
			}
			if msg := git("-C", histDir, "log", "-1", "--format=%s"); !strings.HasPrefix(msg, "history: repair: removed") {
				t.Errorf("repair commit %q", msg)
			}
			if code, stdout, _ := runCLI(t, "history", "check", "--config", cfg); code != exitOK {
				t.Errorf("history check after repair: exit %d\n%s", code, stdout)
			}
			if code, _, stderr := runCLI(t, "probe", "--config", cfg); code != exitOK || strings.Contains(stderr, "skipped") {
				t.Errorf("probe after repair: exit %d\n%s", code, stderr)
			}
		})
	}
}

var skippedRE = regexp.MustCompile(`upchain build: skipped [1-9]\d* damaged history record\(s\)`)

func getBody(t *testing.T, url string) string {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return string(b)
}
