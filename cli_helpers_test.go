package main

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/upchain-dev/upchain/prober/config"
)

// configRepo makes the user's side of a test: a git repository (with git's
// own configuration isolated from the machine's) holding upchain.yml and
// checks/local.yml in one commit. It returns the directory and a git runner
// in it.
func configRepo(t *testing.T, upchain, checks string) (dir string, git func(args ...string) string) {
	t.Helper()
	t.Setenv("GIT_CONFIG_GLOBAL", os.DevNull)
	t.Setenv("GIT_CONFIG_NOSYSTEM", "1")
	dir = t.TempDir()
	for name, body := range map[string]string{"upchain.yml": upchain, "checks/local.yml": checks} {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	git = func(args ...string) string {
		t.Helper()
		cmd := exec.Command("git", args...)
		cmd.Dir = dir
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, out)
		}
		return strings.TrimSpace(string(out))
	}
	git("init", "-q", "-b", "main")
	git("add", "-A")
	git("-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q", "-m", "config")
	return dir, git
}

func TestLatencyText(t *testing.T) {
	tests := map[time.Duration]string{
		0:                         "0s",
		340 * time.Microsecond:    "300µs",
		2345 * time.Microsecond:   "2.3ms",
		143567 * time.Microsecond: "144ms",
		1500 * time.Millisecond:   "1.5s",
	}
	for d, want := range tests {
		if got := latencyText(d); got != want {
			t.Errorf("latencyText(%v) = %q, want %q", d, got, want)
		}
	}
}

func TestLagWithoutReference(t *testing.T) {
	a := &config.Check{Slug: "a", Group: "g", Lag: &config.Lag{Reference: "b"}}
	b := &config.Check{Slug: "b", Group: "g"}
	c := &config.Check{Slug: "c", Group: "g", Lag: &config.Lag{Group: "g"}}
	tests := []struct {
		name   string
		checks []*config.Check
		want   int
	}{
		{"all selected", []*config.Check{a, b, c}, 0},
		{"reference left out", []*config.Check{a}, 1},
		{"group alone", []*config.Check{c}, 1},
		{"group with another", []*config.Check{b, c}, 0},
		{"no lag", []*config.Check{b}, 0},
	}
	for _, tt := range tests {
		if got := lagWithoutReference(tt.checks); len(got) != tt.want {
			t.Errorf("%s: %q, want %d notes", tt.name, got, tt.want)
		}
	}
}

// jsonrpcWebsocket serves JSON-RPC over websocket on 127.0.0.1: every
// request is answered with result (raw JSON) after delay. It returns the
// ws:// URL and closes the server when tb ends.
func jsonrpcWebsocket(tb testing.TB, delay time.Duration, result string) string {
	up := websocket.Upgrader{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := up.Upgrade(w, r, nil)
		if err != nil {
			return
		}
		defer c.Close()
		for {
			var req struct {
				ID json.RawMessage `json:"id"`
			}
			if c.ReadJSON(&req) != nil {
				return
			}
			time.Sleep(delay)
			if c.WriteMessage(websocket.TextMessage, []byte(`{"jsonrpc":"2.0","id":`+string(req.ID)+`,"result":`+result+`}`)) != nil {
				return
			}
		}
	}))
	tb.Cleanup(srv.Close)
	return "ws" + strings.TrimPrefix(srv.URL, "http")
}
