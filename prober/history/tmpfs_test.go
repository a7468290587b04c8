package history

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/upchain-dev/upchain/prober/config"
)

// TestDiskFullOnTmpfs records onto a small tmpfs that the test fills up:
// the round fails, the last commit and the repository stay intact, and once
// there is room the next run completes. It needs root to mount; without it
// TestWriteFailureMidRound covers the same with injected faults.
func TestDiskFullOnTmpfs(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("not root: cannot mount a tmpfs (TestWriteFailureMidRound injects the same failures)")
	}
	mnt := filepath.Join(t.TempDir(), "mnt")
	if err := os.Mkdir(mnt, 0o755); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size=8m", "tmpfs", mnt).CombinedOutput(); err != nil {
		t.Skipf("cannot mount a tmpfs here (%v: %s)", err, bytes.TrimSpace(out))
	}
	t.Cleanup(func() { exec.Command("umount", "-l", mnt).Run() })
	ctx := context.Background()
	cfgDir := filepath.Join(mnt, "cfg")
	if err := os.Mkdir(cfgDir, 0o755); err != nil {
		t.Fatal(err)
	}
	rec, err := OpenRecorder(ctx, testConfig(cfgDir, config.History{}), nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 2; i++ {
		if _, err := rec.Record(ctx, round("a", i, day0)); err != nil {
			t.Fatal(err)
		}
	}
	histDir := rec.Dir()
	head := sh(t, histDir, "rev-parse", "HEAD")

	// Fill the file system.
	filler := filepath.Join(mnt, "filler")
	f, err := os.Create(filler)
	if err != nil {
		t.Fatal(err)
	}
	chunk := make([]byte, 64<<10)
	for {
		if _, err := f.Write(chunk); err != nil {
			break
		}
	}
	f.Close()
	if _, err := rec.Record(ctx, round("a", 2, day0)); err == nil {
		t.Fatal("recorded a round on a full disk")
	}
	spooled, _ := rec.spoolFiles()
	rec.Close()
	if got := sh(t, histDir, "rev-parse", "HEAD"); got != head {
		t.Errorf("HEAD moved from %s to %s", head, got)
	}
	wantRounds(t, samplesByKey(t, histDir), "a", 0, 1)

	// Room again: the next run completes.
	if err := os.Remove(filler); err != nil {
		t.Fatal(err)
	}
	rec2, err := OpenRecorder(ctx, testConfig(cfgDir, config.History{}), nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := rec2.Record(ctx, round("a", 3, day0)); err != nil {
		t.Fatal(err)
	}
	got := samplesByKey(t, histDir)
	want := []int{0, 1, 3}
	if len(spooled) == 1 {
		want = append(want, 2) // the spool had room: the round survives
		t.Log("the failed round was spooled and is completed by the next run")
	}
	wantRounds(t, got, "a", want...)
	if len(got) != 4*len(want) {
		t.Errorf("%d samples, want %d", len(got), 4*len(want))
	}
	sh(t, histDir, "fsck", "--no-dangling")
	if st := sh(t, histDir, "status", "--porcelain"); st != "" {
		t.Errorf("checkout not clean: %q", st)
	}
}
