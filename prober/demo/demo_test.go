package demo

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/upchain-dev/upchain/prober"
	"github.com/upchain-dev/upchain/prober/config"
)

// runShortDemo plays a one-day story on free ports in a fresh git
// repository.
func runShortDemo(t *testing.T) *Result {
	t.Helper()
	t.Setenv("GIT_CONFIG_GLOBAL", os.DevNull)
	t.Setenv("GIT_CONFIG_NOSYSTEM", "1")
	t.Setenv("GITHUB_TOKEN", "must-not-be-used")
	dir := t.TempDir()
	if out, err := exec.Command("git", "-C", dir, "init", "-q").CombinedOutput(); err != nil {
		t.Fatalf("git init: %v %s", err, out)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	var said []string
	res, err := Run(ctx, Options{Dir: dir, Days: 1, PortBase: -1, Say: func(s string) { said = append(said, s) }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(res.Close)
	return res
}

// TestDemoStory: the short story end to end. Every episode opens its
// incident (and it resolves), the restart inside the maintenance window
// opens none, every check has a page, and history is real git commits.
func TestDemoStory(t *testing.T) {
	res := runShortDemo(t)
	want := []string{
		"API (geo-routed) is down in us-east",
		"Cosmos node 2 is down",
		"Cosmos validator is degraded",
		"Status website is degraded",
	}
	got := slices.Clone(res.Incidents)
	slices.Sort(got)
	if !slices.Equal(got, want) {
		t.Errorf("incidents %q, want %q", got, want)
	}
	for _, title := range res.Incidents {
		if strings.Contains(title, "EVM") || strings.Contains(title, "eth_blockNumber") {
			t.Errorf("the planned restart inside its maintenance window opened %q", title)
		}
	}
	// opened and resolved for each, plus changes.
	if res.Notifications < 2*len(want) {
		t.Errorf("%d notifications reached the webhook sink, want at least %d", res.Notifications, 2*len(want))
	}

	l, err := prober.Load(filepath.Join(res.Dir, "upchain.yml"), config.Options{Lookup: demoEnv})
	if err != nil {
		t.Fatalf("the demo's written config does not load: %v", err)
	}
	for _, c := range l.Checks {
		if _, err := os.Stat(filepath.Join(res.Site, "checks", c.Slug+".html")); err != nil {
			t.Errorf("no page for check %s: %v", c.Slug, err)
		}
	}
	home, err := os.ReadFile(filepath.Join(res.Site, "index.html"))
	if err != nil || !strings.Contains(string(home), "This is a demo") {
		t.Errorf("the home page does not say it is a demo (%v)", err)
	}
	git := func(args ...string) string {
		out, err := exec.Command("git", append([]string{"-C", res.History}, args...)...).CombinedOutput()
		if err != nil {
			t.Fatalf("git %v: %v %s", args, err, out)
		}
		return string(out)
	}
	if log := git("log", "--format=%s"); strings.Count(log, "\n") < res.Rounds/12 {
		t.Errorf("history commits for %d rounds:\n%s", res.Rounds, log)
	}
	if files := git("ls-files", "incidents"); strings.Count(files, ".md") != len(want) {
		t.Errorf("incident files committed:\n%s", files)
	}
	// The chain's planned upgrade is an upcoming maintenance window, on the
	// site with its name and height.
	if files := git("ls-files", "maintenance"); !strings.Contains(files, "maintenance/upgrade-"+cosmosChainID+"-") {
		t.Errorf("no upgrade window in history:\n%s", files)
	}
	if !strings.Contains(string(home), "Planned upgrade v2.0.0 at height") {
		t.Error("the home page does not show the planned upgrade")
	}
}

// TestWriteConfigValidates: --write-config writes a config that loads,
// and never overwrites without force.
func TestWriteConfigValidates(t *testing.T) {
	dir := t.TempDir()
	if err := WriteConfig(dir, 0, false); err != nil {
		t.Fatal(err)
	}
	l, err := prober.Load(filepath.Join(dir, "upchain.yml"), config.Options{Lookup: demoEnv})
	if err != nil {
		t.Fatalf("written config does not load: %v", err)
	}
	kinds := map[string]bool{}
	for _, c := range l.Checks {
		kinds[c.Kind] = true
		if !strings.Contains(c.URL, "127.0.0.1:") && c.Kind != "dns" {
			t.Errorf("%s points at %s, not at the demo's loopback endpoints", c.Slug, c.URL)
		}
	}
	for _, k := range prober.Builtin().Names() {
		if k == "tls" {
			continue // the demo serves no TLS: it would need a CA the user trusts
		}
		if !kinds[k] {
			t.Errorf("the worked example has no check of kind %s", k)
		}
	}
	if err := WriteConfig(dir, 0, false); err == nil || !strings.Contains(err.Error(), "exists") {
		t.Errorf("second write without force: %v", err)
	}
	if err := WriteConfig(dir, 0, true); err != nil {
		t.Errorf("with force: %v", err)
	}
}
