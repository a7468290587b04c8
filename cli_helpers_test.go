package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

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
