package history

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/upchain-dev/upchain/prober/config"
)

// failingGit puts a git wrapper first on PATH that fails the given git
// subcommand while the returned file exists, as a full disk or a broken
// repository would make git fail.
func failingGit(t *testing.T, sub string) (arm func(bool)) {
	t.Helper()
	real, err := exec.LookPath("git")
	if err != nil {
		t.Skip("no git")
	}
	bin := t.TempDir()
	marker := filepath.Join(bin, "fail")
	script := "#!/bin/sh\nfor a in \"$@\"; do\n  if [ \"$a\" = " + sub + " ] && [ -e " + marker + " ]; then\n    echo 'fatal: unable to write new index file: No space left on device' >&2; exit 128\n  fi\ndone\nexec " + real + " \"$@\"\n"
	if err := os.WriteFile(filepath.Join(bin, "git"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", bin+string(os.PathListSeparator)+os.Getenv("PATH"))
	return func(on bool) {
		if on {
			os.WriteFile(marker, nil, 0o644)
		} else {
			os.Remove(marker)
		}
	}
}

// TestWriteFailureMidRound: a write or commit that fails in the middle of
// a round leaves the previous commit and the spool intact, and the next
// run completes the round.
func TestWriteFailureMidRound(t *testing.T) {
	for _, tt := range []struct {
		name string
		// fail makes the failure happen (on true) and go away (false).
		fail func(t *testing.T) func(bool)
	}{
		{"disk full writing a raw file", func(*testing.T) func(bool) {
			return func(on bool) { faultOn(on, RawDir, syscall.ENOSPC) }
		}},
		{"read-only file system writing the state", func(*testing.T) func(bool) {
			return func(on bool) { faultOn(on, StateFile, syscall.EROFS) }
		}},
		{"git commit fails", func(t *testing.T) func(bool) { return failingGit(t, "commit") }},
		{"git add fails", func(t *testing.T) func(bool) { return failingGit(t, "add") }},
	} {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			fail := tt.fail(t)
			t.Cleanup(func() { fail(false) })
			cfgDir, histDir := recorded(t, 2)
			head := sh(t, histDir, "rev-parse", "HEAD")

			rec, err := OpenRecorder(ctx, testConfig(cfgDir, config.History{}), nil)
			if err != nil {
				t.Fatal(err)
			}
			fail(true)
			if _, err := rec.Record(ctx, round("a", 2, day0)); err == nil {
				t.Fatal("round recorded although writing failed")
			}
			fail(false)
			if got := sh(t, histDir, "rev-parse", "HEAD"); got != head {
				t.Errorf("HEAD moved from %s to %s", head, got)
			}
			if files, _ := rec.spoolFiles(); len(files) != 1 {
				t.Errorf("%d spooled rounds after the failure, want 1", len(files))
			}
			rec.Close()

			// The next run completes the round.
			rec2, err := OpenRecorder(ctx, testConfig(cfgDir, config.History{}), nil)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := rec2.Record(ctx, round("a", 3, day0)); err != nil {
				t.Fatal(err)
			}
			got := samplesByKey(t, histDir)
			wantRounds(t, got, "a", 0, 1, 2, 3)
			if len(got) != 16 {
				t.Errorf("%d samples, want 16", len(got))
			}
			if files, _ := rec2.spoolFiles(); len(files) != 0 {
				t.Errorf("%d rounds still spooled", len(files))
			}
			if st := sh(t, histDir, "status", "--porcelain"); st != "" {
				t.Errorf("checkout not clean: %q", st)
			}
			if rs := rec2.State().Get("alpha", "global"); rs == nil || rs.ConsecutiveSuccesses != 4 {
				t.Errorf("alpha/global %+v, want 4 rounds up", rs)
			}
		})
	}
}

// faultOn makes writes of files whose path contains part fail with err.
func faultOn(on bool, part string, err error) {
	if !on {
		writeFault = nil
		return
	}
	writeFault = func(path string) error {
		if strings.Contains(filepath.ToSlash(path), "/"+part) {
			return err
		}
		return nil
	}
}

// TestRewrittenBranch: when the history branch is force-pushed or deleted
// on the remote, the next run notices, stops with a message that says what
// to do, and keeps every local round; following the advice carries on.
func TestRewrittenBranch(t *testing.T) {
	for _, tt := range []struct {
		name string
		// rewrite changes the remote's branch (in the bare repository).
		rewrite func(t *testing.T, bare, first string)
		say     string
		// fix follows the advice of the message in the history checkout.
		fix func(t *testing.T, histDir string)
	}{
		{"force-pushed to an older commit", func(t *testing.T, bare, first string) {
			sh(t, bare, "update-ref", "refs/heads/upchain-history", first)
		}, "was rewritten", func(t *testing.T, histDir string) {
			sh(t, histDir, "push", "-q", "--force-with-lease", "origin", "upchain-history")
		}},
		{"deleted", func(t *testing.T, bare, _ string) {
			sh(t, bare, "branch", "-D", "upchain-history")
		}, "was deleted", func(t *testing.T, histDir string) {
			sh(t, histDir, "push", "-q", "origin", "upchain-history")
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			root := t.TempDir()
			bare := filepath.Join(root, "remote.git")
			sh(t, root, "init", "-q", "--bare", bare)
			cfgDir := filepath.Join(root, "cfg")
			userRepo(t, cfgDir, bare)
			rec, err := OpenRecorder(ctx, testConfig(cfgDir, config.History{}), nil)
			if err != nil {
				t.Fatal(err)
			}
			for i := 0; i < 3; i++ {
				if _, err := rec.Record(ctx, round("a", i, day0)); err != nil {
					t.Fatal(err)
				}
			}
			histDir := rec.Dir()
			head := sh(t, histDir, "rev-parse", "HEAD")
			tt.rewrite(t, bare, sh(t, histDir, "rev-list", "--max-parents=0", "HEAD"))

			_, err = OpenRecorder(ctx, testConfig(cfgDir, config.History{}), nil)
			if !errors.Is(err, ErrDiverged) {
				t.Fatalf("next run: %v, want ErrDiverged", err)
			}
			for _, s := range []string{tt.say, "git -C " + histDir, "every round is still on the local branch"} {
				if !strings.Contains(err.Error(), s) {
					t.Errorf("message does not say %q: %v", s, err)
				}
			}
			if got := sh(t, histDir, "rev-parse", "HEAD"); got != head {
				t.Errorf("local branch moved from %s to %s", head, got)
			}
			wantRounds(t, samplesByKey(t, histDir), "a", 0, 1, 2)

			tt.fix(t, histDir)
			rec2, err := OpenRecorder(ctx, testConfig(cfgDir, config.History{}), nil)
			if err != nil {
				t.Fatalf("after following the advice: %v", err)
			}
			if _, err := rec2.Record(ctx, round("a", 3, day0)); err != nil {
				t.Fatal(err)
			}
			check := filepath.Join(root, "check")
			sh(t, root, "clone", "-q", "-b", "upchain-history", "file://"+bare, check)
			got := samplesByKey(t, check)
			wantRounds(t, got, "a", 0, 1, 2, 3)
		})
	}
}

// TestExplainPush: a failing push says in upchain's words what failed,
// next to git's output.
func TestExplainPush(t *testing.T) {
	r := &repo{dir: "/h", branch: "upchain-history", remote: "origin"}
	for _, tt := range []struct {
		output, want string
	}{
		{"remote: Invalid username or password.\nfatal: Authentication failed for 'https://github.com/o/r.git/'", "authentication failed"},
		{"fatal: could not read Username for 'https://github.com': terminal prompts disabled", "authentication failed"},
		{"ERROR: Permission to o/r.git denied to bot.\nfatal: unable to access", "authentication failed"},
		{"remote: error: GH006: Protected branch update failed for refs/heads/upchain-history.\n ! [remote rejected] HEAD -> upchain-history (protected branch hook declined)", "refused branch upchain-history"},
		{"fatal: '/nope.git' does not appear to be a git repository", "remote origin does not exist"},
		{"fatal: unable to access 'https://x/': Could not resolve host: x", "could not be reached"},
		{"something else entirely", "the push failed"},
	} {
		err := r.explainPush(&gitError{args: []string{"push"}, output: tt.output, err: errors.New("exit status 128")})
		msg := err.Error()
		if !strings.Contains(msg, tt.want) || !strings.Contains(msg, "branch upchain-history to remote origin") || !strings.Contains(msg, strings.SplitN(tt.output, "\n", 2)[0]) {
			t.Errorf("%q:\n got %s\nwant it to say %q, remote, branch and git's output", tt.output, msg, tt.want)
		}
	}
}

// TestRewrittenWhileRecording: the branch is replaced by an unrelated
// history after this run fetched; the rejected push notices, and the round
// stays committed locally and spooled.
func TestRewrittenWhileRecording(t *testing.T) {
	ctx := context.Background()
	root := t.TempDir()
	bare := filepath.Join(root, "remote.git")
	sh(t, root, "init", "-q", "--bare", bare)
	cfgDir := filepath.Join(root, "cfg")
	userRepo(t, cfgDir, bare)
	rec, err := OpenRecorder(ctx, testConfig(cfgDir, config.History{}), nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 2; i++ {
		if _, err := rec.Record(ctx, round("a", i, day0)); err != nil {
			t.Fatal(err)
		}
	}
	// Someone replaces the branch with a history of its own.
	other := filepath.Join(root, "other")
	sh(t, root, "clone", "-q", bare, other)
	sh(t, other, "checkout", "-q", "--orphan", "fresh")
	os.WriteFile(filepath.Join(other, "README.md"), []byte("new\n"), 0o644)
	sh(t, other, "add", "README.md")
	sh(t, other, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q", "-m", "fresh start")
	sh(t, other, "push", "-q", "--force", "origin", "fresh:upchain-history")

	_, err = rec.Record(ctx, round("a", 2, day0))
	if !errors.Is(err, ErrDiverged) || !strings.Contains(err.Error(), "was rewritten") {
		t.Fatalf("record after the rewrite: %v, want ErrDiverged", err)
	}
	wantRounds(t, samplesByKey(t, rec.Dir()), "a", 0, 1, 2)
	if files, _ := rec.spoolFiles(); len(files) != 1 {
		t.Errorf("%d rounds spooled, want the unpushed one", len(files))
	}
}
