//go:build integration

package sitegen

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/upchain-dev/upchain/sitegen/browsertest"
)

// TestIntegrationAxe runs axe-core (testdata/axe, installed by .ci/deps)
// in the real Chromium over the home, a check, an incident and the
// incidents page, in the light and the dark theme and on a phone: the site stays at zero
// WCAG violations (the dark Down badge was 4.28:1 once), with the world
// map on the home page.
func TestIntegrationAxe(t *testing.T) {
	dir, _ := filepath.Abs("testdata/axe")
	if _, err := os.Stat(filepath.Join(dir, "node_modules", "axe-core")); err != nil {
		t.Fatalf("axe-core is needed in %s/node_modules (npm ci there; .ci/deps does it): %v", dir, err)
	}
	node, err := exec.LookPath("node")
	if err != nil {
		t.Fatalf("node is needed for axe-core: %v", err)
	}
	base, _ := serveSite(t, build(t, withPlaces(fixture(fixtureSize{checks: 6, days: 100}))))
	pages := []string{"", "checks/cosmos-node-1.html", "incidents/2025-03-14-rpc-errors.html", "incidents.html"}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, append([]string{filepath.Join(dir, "run.mjs"), browsertest.ChromiumPath, base}, pages...)...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "HOME="+t.TempDir())
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.WaitDelay = 5 * time.Second
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if cmd.Process != nil {
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	}
	if err != nil {
		t.Fatalf("axe: %v\n%s", err, stderr.String())
	}
	done := 0
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		var line struct {
			Theme, Path, ID, Help string
			Nodes                 []string
			Done                  bool
		}
		if err := json.Unmarshal(sc.Bytes(), &line); err != nil {
			t.Fatalf("axe output %q: %v", sc.Text(), err)
		}
		if line.Done {
			done++
			continue
		}
		t.Errorf("%s theme, /%s: %s (%s): %v", line.Theme, line.Path, line.ID, line.Help, line.Nodes)
	}
	if want := 3 * len(pages); done != want {
		t.Errorf("axe checked %d page views, want %d", done, want)
	}
}
