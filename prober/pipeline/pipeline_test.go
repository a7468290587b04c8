package pipeline

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/upchain-dev/upchain/prober"
	"github.com/upchain-dev/upchain/prober/config"
	"github.com/upchain-dev/upchain/prober/config/configtest"
	"github.com/upchain-dev/upchain/prober/incident"
)

const checks = `group: Chain
checks:
  - name: ref
    kind: tcp
    url: tcp://127.0.0.1:1
  - name: node
    kind: tcp
    url: tcp://127.0.0.1:2
    lag: {reference: ref, down_blocks: 10}
`

func load(t *testing.T) *config.Loaded {
	t.Helper()
	t.Setenv("GIT_CONFIG_GLOBAL", os.DevNull)
	t.Setenv("GIT_CONFIG_NOSYSTEM", "1")
	dir := t.TempDir()
	path := configtest.WriteDir(t, dir, "incidents: {github: false}\n", map[string]string{"checks/c.yml": checks})
	if out, err := exec.Command("git", "-C", dir, "init", "-q").CombinedOutput(); err != nil {
		t.Fatalf("git init: %v %s", err, out)
	}
	l, err := config.Load(path, prober.Builtin(), config.Options{Lookup: configtest.Env(nil)})
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func result(check string, at time.Time, height string) prober.Result {
	return prober.Result{Check: check, Name: check, Group: "Chain", Kind: "tcp", Region: "global", Time: at, Status: prober.Up, Values: prober.Values{"height": height}}
}

// TestStepsWithoutRecording: with Record off (probe --once) the round
// steps still run and nothing is written.
func TestStepsWithoutRecording(t *testing.T) {
	l := load(t)
	p, err := Open(context.Background(), l, Options{})
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	rs := []prober.Result{result("ref", now, "150"), result("node", now, "100")}
	p.Finish(rs)
	if rs[1].Status != prober.Down || rs[1].Values["lag_blocks"] != "50" {
		t.Errorf("lag not applied: %s %v", rs[1].Status, rs[1].Values)
	}
	p.Stage(rs)
	if err := p.Flush(context.Background()); err != nil || p.Dir() != "" {
		t.Errorf("flush without recording: %v, dir %q", err, p.Dir())
	}
	if _, err := os.Stat(filepath.Join(l.Dir, ".upchain")); err == nil {
		t.Error("a pipeline that does not record created a history")
	}
}

// TestRecordsAndRunsIncidents: staged results are committed in one
// commit, the incident stage runs inside it (files, no GitHub), and Prev
// gives the recorded values back.
func TestRecordsAndRunsIncidents(t *testing.T) {
	l := load(t)
	p, err := Open(context.Background(), l, Options{Record: true, Incidents: incident.Options{Env: func(string) (string, bool) { return "", false }}})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	start := time.Now().UTC().Truncate(time.Second).Add(-time.Hour)
	for i := 0; i < 3; i++ {
		at := start.Add(time.Duration(i) * time.Minute)
		rs := []prober.Result{result("ref", at, "150"), result("node", at, "100")}
		p.Finish(rs)
		p.Stage(rs)
		if err := p.Spool(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	commit, err := p.Commit(context.Background())
	if err != nil || commit == "" {
		t.Fatalf("commit %q: %v", commit, err)
	}
	if got := p.Prev("node", "global")["lag_blocks"]; got != "50" {
		t.Errorf("Prev lag_blocks %q, want 50", got)
	}
	out, err := exec.Command("git", "-C", p.Dir(), "ls-files", "incidents").CombinedOutput()
	if err != nil || !strings.Contains(string(out), "node.md") {
		t.Errorf("no incident file for the lagging node committed (%v):\n%s", err, out)
	}
	if commit, err := p.Commit(context.Background()); err != nil || commit != "" {
		t.Errorf("a second commit with nothing staged: %q %v", commit, err)
	}
}
