package main

import (
	"bytes"
	"context"
	"fmt"
	"github.com/upchain-dev/upchain/prober/testlog"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"
)

// waitLog waits until the log contains want (count times).
func waitLog(t *testing.T, log *testlog.Buffer, want string, count int) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for strings.Count(log.String(), want) < count {
		if time.Now().After(deadline) {
			t.Fatalf("log never showed %q %d times:\n%s", want, count, log)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

var listenRE = regexp.MustCompile(`listen=(127\.0\.0\.1:\d+)`)

func writeServeConfig(t testing.TB, dir, upchain, checks string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Join(dir, "checks"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "upchain.yml"), []byte(upchain), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "checks", "local.yml"), []byte("group: Local\nchecks:\n"+checks), 0o644); err != nil {
		t.Fatal(err)
	}
}

func serveCheck(name, url string) string {
	return fmt.Sprintf("  - name: %s\n    kind: http\n    url: %s\n    interval: 200ms\n", name, url)
}

// A real SIGHUP reaches the serve command: a broken config is logged with
// file and line and the old one keeps running; a valid one is applied.
func TestServeReloadsOnSIGHUP(t *testing.T) {
	ep := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok") }))
	defer ep.Close()
	dir := t.TempDir()
	cfg := "defaults:\n  timeout: 5s\nserve:\n  listen: 127.0.0.1:0\n"
	writeServeConfig(t, dir, cfg, serveCheck("one", ep.URL)+serveCheck("two", ep.URL))

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	stderr := &testlog.Buffer{}
	code := make(chan int, 1)
	go func() {
		code <- runServe(ctx, []string{"--config", filepath.Join(dir, "upchain.yml")}, io.Discard, stderr)
	}()
	waitLog(t, stderr, "msg=starting", 1) // signals are watched from here on
	m := listenRE.FindStringSubmatch(stderr.String())
	if m == nil {
		t.Fatalf("no listen address in the log:\n%s", stderr)
	}
	metrics := func() string {
		resp, err := http.Get("http://" + m[1] + "/metrics")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return string(b)
	}
	waitFor := func(what string, cond func(string) bool) {
		t.Helper()
		deadline := time.Now().Add(30 * time.Second)
		for !cond(metrics()) {
			if time.Now().After(deadline) {
				t.Fatalf("metrics never showed %s:\n%s", what, metrics())
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	waitFor("both checks", func(s string) bool {
		return strings.Contains(s, `probe_success{check="one"`) && strings.Contains(s, `probe_success{check="two"`)
	})

	writeServeConfig(t, dir, cfg+"  build_every: sometimes\n", serveCheck("one", ep.URL))
	if err := syscall.Kill(os.Getpid(), syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	waitLog(t, stderr, "reload failed, the previous configuration keeps running", 1)
	if !strings.Contains(stderr.String(), "upchain.yml:5: bad duration") {
		t.Errorf("the reload error lacks file and line:\n%s", stderr)
	}
	if s := metrics(); !strings.Contains(s, `probe_success{check="two"`) || !strings.Contains(s, "upchain_config_last_reload_successful 0") {
		t.Errorf("after a failed reload the old checks must remain and the failure be exported:\n%s", s)
	}

	writeServeConfig(t, dir, cfg, serveCheck("one", ep.URL))
	if err := syscall.Kill(os.Getpid(), syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	waitLog(t, stderr, "configuration reloaded", 1)
	waitFor("check two removed", func(s string) bool {
		return !strings.Contains(s, `probe_success{check="two"`) && strings.Contains(s, `probe_success{check="one"`)
	})

	cancel() // what SIGTERM does through main's signal context
	if c := <-code; c != exitOK {
		t.Fatalf("serve exited %d:\n%s", c, stderr)
	}
}

func TestServeUsageAndConfigErrors(t *testing.T) {
	dir := t.TempDir()
	writeServeConfig(t, dir, "defaults:\n  interval: fast\n", serveCheck("one", "http://127.0.0.1:1/"))
	tests := []struct {
		args []string
		code int
		want string
	}{
		{[]string{"extra"}, exitUsage, `unexpected argument "extra"`},
		{[]string{"--no-such-flag"}, exitUsage, "flag provided but not defined"},
		{[]string{"--config", filepath.Join(dir, "upchain.yml")}, exitFailed, "upchain.yml:2: bad duration"},
		{[]string{"--config", filepath.Join(dir, "missing.yml")}, exitFailed, "not found"},
	}
	for _, tt := range tests {
		var stderr bytes.Buffer
		if got := runServe(context.Background(), tt.args, io.Discard, &stderr); got != tt.code || !strings.Contains(stderr.String(), tt.want) {
			t.Errorf("serve %v = %d %q, want %d and %q", tt.args, got, stderr.String(), tt.code, tt.want)
		}
	}
}

// buildUpchain builds the upchain binary into a temporary directory.
func buildUpchain(t testing.TB) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "upchain")
	cmd := exec.Command("go", "build", "-o", bin, ".")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}
