package incident

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/upchain-dev/upchain/prober"
	"github.com/upchain-dev/upchain/prober/config"
	"github.com/upchain-dev/upchain/prober/history"
	"github.com/upchain-dev/upchain/prober/internal/retry"
	"github.com/upchain-dev/upchain/prober/testlog"
)

// chainRunner is a runner over eight checks of one CometBFT chain (RPC
// and validator checks of a 4-validator network) plus one check of
// another chain.
func chainRunner(t *testing.T, e *env) *runner {
	t.Helper()
	cfgDir := t.TempDir()
	var b strings.Builder
	b.WriteString("group: Cosmos\nchecks:\n")
	for i := 1; i <= 8; i++ {
		fmt.Fprintf(&b, "  - name: Node %d\n    slug: node-%d\n    kind: http\n    url: http://127.0.0.1:1/%d\n", i, i, i)
	}
	b.WriteString("  - name: Other chain\n    slug: other\n    kind: http\n    url: http://127.0.0.1:1/other\n")
	if err := os.MkdirAll(filepath.Join(cfgDir, "checks"), 0o755); err != nil {
		t.Fatal(err)
	}
	for name, data := range map[string]string{"upchain.yml": e.cfg, "checks/c.yml": b.String()} {
		if err := os.WriteFile(filepath.Join(cfgDir, name), []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	l, err := prober.Load(filepath.Join(cfgDir, "upchain.yml"), config.Options{})
	if err != nil {
		t.Fatal(err)
	}
	r := &runner{t: t, dir: t.TempDir(), st: &history.State{}, l: l, now: epoch, logs: &testlog.Buffer{}}
	r.m, err = New(l, Options{Env: func(string) (string, bool) { return "", false },
		Retry: retry.Policy{Attempts: 2, Base: time.Millisecond, Max: time.Millisecond}, Log: r.logs.Logf})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// chainRound: the listed checks are down; every result names its chain.
func (r *runner) chainRound(down ...string) string {
	r.now = r.now.Add(5 * time.Minute)
	isDown := map[string]bool{}
	for _, d := range down {
		isDown[d] = true
	}
	var rs []prober.Result
	for _, c := range r.l.Checks {
		chain := "cosmoshub-4"
		if c.Slug == "other" {
			chain = "osmosis-1"
		}
		res := prober.Result{Check: c.Slug, Name: c.Name, Group: c.Group, Kind: c.Kind, Region: "global", Time: r.now, Status: prober.Up,
			Values: prober.Values{"chain_id": chain}}
		if isDown[c.Slug] {
			res.Status, res.Reason = prober.Down, "head.age < 60s: 5m0s"
		}
		rs = append(rs, res)
	}
	return r.apply(rs)
}

func TestHaltedChainOneIncident(t *testing.T) {
	e := newEnv(t, false, "")
	r := chainRunner(t, e)
	all := []string{"node-1", "node-2", "node-3", "node-4", "node-5", "node-6", "node-7", "node-8"}
	r.chainRound()
	r.chainRound(all...)
	if sum := r.chainRound(all...); !strings.Contains(sum, "opened chain cosmoshub-4 (8 checks)") {
		t.Fatalf("summary %q, want one chain-wide incident", sum)
	}
	r.chainRound(all...)
	incs := r.incidents()
	if len(incs) != 1 || incs[0].Title != "cosmoshub-4 stopped producing blocks" || len(incs[0].Checks) != 8 {
		t.Fatalf("incidents %+v, want one chain-wide incident listing 8 checks", incs)
	}
	if msgs := e.chat.messages(); len(msgs) != 1 {
		t.Errorf("%d notifications, want one: %q", len(msgs), msgs)
	}
	r.chainRound()
	if sum := r.chainRound(); !strings.Contains(sum, "resolved chain cosmoshub-4") {
		t.Errorf("summary %q, want the chain incident resolved", sum)
	}

	// One check failing on its own gets its own incident.
	r.chainRound("node-3")
	if sum := r.chainRound("node-3"); !strings.Contains(sum, "opened node-3") {
		t.Errorf("summary %q, want node-3's own incident", sum)
	}
}
