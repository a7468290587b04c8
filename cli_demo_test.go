package main

import (
	"context"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/upchain-dev/upchain/prober/testlog"
)

// TestDemoServesUntilInterrupted: `upchain demo` (what `make run` runs)
// plays a short story, prints the site's address, serves the site there,
// and exits 0 when interrupted, removing its temporary directory.
func TestDemoServesUntilInterrupted(t *testing.T) {
	t.Setenv("GIT_CONFIG_GLOBAL", os.DevNull)
	t.Setenv("GIT_CONFIG_NOSYSTEM", "1")
	t.Setenv("TMPDIR", t.TempDir())
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	out, errOut := &testlog.Buffer{}, &testlog.Buffer{}
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, []string{"demo", "--days", "1", "--interval", "30m", "--ports", "0", "--listen", "127.0.0.1:0"}, out, errOut)
	}()

	addr := regexp.MustCompile(`serving \S+ at (http://127\.0\.0\.1:\d+/)`)
	var url string
	deadline := time.After(3 * time.Minute)
	for url == "" {
		select {
		case code := <-done:
			t.Fatalf("demo exited %d before serving\n%s\n%s", code, out, errOut)
		case <-deadline:
			t.Fatalf("demo printed no address\n%s\n%s", out, errOut)
		case <-time.After(50 * time.Millisecond):
		}
		if m := addr.FindStringSubmatch(out.String()); m != nil {
			url = m[1]
		}
	}
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), "This is a demo") {
		t.Errorf("GET %s: %d\n%.300s", url, resp.StatusCode, body)
	}
	for _, want := range []string{"incident: Cosmos node 2 is down", "notification (opened)", "recorded 48 rounds"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	cancel() // Ctrl-C
	select {
	case code := <-done:
		if code != exitOK {
			t.Errorf("exit %d after interrupt, want 0\n%s", code, errOut)
		}
	case <-time.After(time.Minute):
		t.Fatal("demo did not stop when interrupted")
	}
	left, _ := filepath.Glob(filepath.Join(os.Getenv("TMPDIR"), "upchain-demo-*"))
	if len(left) > 0 {
		t.Errorf("temporary demo directory left behind: %v", left)
	}
}
