// Package browsertest runs real headless Chromium for tests that look at
// the generated site (DOM dumps, screenshots).
package browsertest

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"
)

// ChromiumPath is where Debian's chromium package puts the browser
// (installed by .ci/deps).
const ChromiumPath = "/usr/bin/chromium"

// Chromium runs headless Chromium once (--dump-dom or --screenshot) with
// its own profile, and kills its whole process group when done or after a
// deadline. It returns what Chromium printed.
func Chromium(t testing.TB, args ...string) []byte {
	t.Helper()
	if _, err := os.Stat(ChromiumPath); err != nil {
		t.Fatalf("headless Chromium is needed at %s (Debian package chromium, installed by .ci/deps): %v", ChromiumPath, err)
	}
	base := []string{
		"--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
		"--disable-component-update", "--disable-sync", "--disable-quic", "--disable-extensions",
		"--hide-scrollbars", "--user-data-dir=" + t.TempDir(),
	}
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, ChromiumPath, append(base, args...)...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.WaitDelay = 5 * time.Second
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	if cmd.Process != nil {
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) // helpers left behind, if any
	}
	if err != nil {
		t.Fatalf("chromium %v: %v\n%s", args, err, lastLines(stderr.String(), 20))
	}
	return stdout.Bytes()
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
