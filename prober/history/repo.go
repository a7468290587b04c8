package history

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// repo is the git side of the history: a worktree of the history branch in
// the user's repository (or a standalone repository), its remote, and the
// place for the lock and the spool of rounds not yet pushed.
type repo struct {
	git    *git
	dir    string
	branch string
	remote string
	// hasRemote: pushes go to remote.
	hasRemote bool
	shallow   bool
	// fetched: the branch was fetched while creating the checkout.
	fetched bool
	// meta holds the lock file and the spool, inside the git directory so
	// that they survive the worktree and are never committed.
	meta     string
	lockFile *os.File
}

// gitConfig applies to every git call on the history: no user hooks (a
// pre-commit linter must not run on probe data), no signing prompts, no
// background gc racing the next round.
var gitConfig = []string{"-c", "core.hooksPath=/dev/null", "-c", "commit.gpgsign=false", "-c", "gc.autoDetach=false", "-c", "advice.detachedHead=false"}

func newGit(dir string) *git { return &git{dir: dir, config: append([]string{}, gitConfig...)} }

// prepareRepo makes sure histDir is a checkout of branch: an existing
// worktree is used as is; otherwise a worktree of the user's repository at
// cfgDir is added (the branch fetched from remote when it exists there,
// created as an orphan otherwise); outside any repository histDir becomes
// a standalone repository.
func prepareRepo(ctx context.Context, cfgDir, histDir, branch, remote string, log io.Writer) (*repo, error) {
	if _, err := exec.LookPath("git"); err != nil {
		return nil, errors.New("history needs git: install git (https://git-scm.com) or run `upchain probe --once` to record nothing")
	}
	r := &repo{dir: histDir, branch: branch, remote: remote}
	if err := checkBranchName(ctx, branch); err != nil {
		return nil, err
	}
	if isCheckout(ctx, histDir) {
		return r, r.open(ctx, log)
	}
	afterFirstLook()
	user := newGit(cfgDir)
	top, err := user.out(ctx, "rev-parse", "--show-toplevel")
	if err != nil {
		if !strings.Contains(gitOutput(err), "not a git repository") {
			return nil, err
		}
		// Another run may have renamed its new repository into place
		// since the first look: ask again before calling it foreign.
		if nonEmptyDir(histDir) {
			if isCheckout(ctx, histDir) {
				return r, r.open(ctx, log)
			}
			return nil, notCheckout(histDir)
		}
		fmt.Fprintf(log, "history: %s is not in a git repository: keeping history in a standalone repository at %s (nothing is pushed until it has a remote %q)\n", cfgDir, histDir, remote)
		return r, r.initStandalone(ctx, log)
	}
	common, err := user.out(ctx, "rev-parse", "--git-common-dir")
	if err != nil {
		return nil, err
	}
	if !filepath.IsAbs(common) {
		common = filepath.Join(cfgDir, common)
	}
	r.meta = filepath.Join(common, "upchain")
	if err := r.lock(ctx); err != nil {
		return nil, err
	}
	defer r.unlock()
	// Another process may have created the worktree while we waited; only
	// under the lock is a half-made worktree out of sight.
	if isCheckout(ctx, histDir) {
		return r, r.open(ctx, log)
	}
	if nonEmptyDir(histDir) {
		return nil, notCheckout(histDir)
	}
	if err := r.addWorktree(ctx, user, log); err != nil {
		return nil, err
	}
	if err := excludeFromMain(common, top, histDir); err != nil {
		fmt.Fprintf(log, "history: could not add %s to %s: %v\n", histDir, filepath.Join(common, "info", "exclude"), err)
	}
	return r, r.open(ctx, log)
}

func checkBranchName(ctx context.Context, branch string) error {
	if _, err := newGit(os.TempDir()).out(ctx, "check-ref-format", "--branch", branch); err != nil {
		return fmt.Errorf("history.branch %q is not a valid git branch name", branch)
	}
	return nil
}

// afterFirstLook lets a test create the checkout between the two looks,
// as another run starting at the same moment does.
var afterFirstLook = func() {}

// isCheckout: dir is the top of a git worktree of its own.
func isCheckout(ctx context.Context, dir string) bool {
	top, err := newGit(dir).out(ctx, "rev-parse", "--show-toplevel")
	return err == nil && samePath(top, dir)
}

func notCheckout(dir string) error {
	return fmt.Errorf("history.dir %s exists but is not a git checkout: move it away, or set history.dir in upchain.yml to another directory", dir)
}

func samePath(a, b string) bool {
	ea, err1 := filepath.EvalSymlinks(a)
	eb, err2 := filepath.EvalSymlinks(b)
	if err1 != nil || err2 != nil {
		return filepath.Clean(a) == filepath.Clean(b)
	}
	return ea == eb
}

func nonEmptyDir(dir string) bool {
	entries, err := os.ReadDir(dir)
	return err == nil && len(entries) > 0
}

// open checks an existing checkout and fills in what the recorder needs.
func (r *repo) open(ctx context.Context, log io.Writer) error {
	r.git = newGit(r.dir)
	head, err := r.git.out(ctx, "symbolic-ref", "-q", "HEAD")
	if err != nil || head != "refs/heads/"+r.branch {
		return fmt.Errorf("history.dir %s has %q checked out, not branch %q: check it out there, or point history.dir/history.branch at the right place", r.dir, strings.TrimPrefix(head, "refs/heads/"), r.branch)
	}
	common, err := r.git.out(ctx, "rev-parse", "--git-common-dir")
	if err != nil {
		return err
	}
	if !filepath.IsAbs(common) {
		common = filepath.Join(r.dir, common)
	}
	r.meta = filepath.Join(common, "upchain")
	if err := os.MkdirAll(r.spoolDir(), 0o755); err != nil {
		return err
	}
	if _, err := r.git.out(ctx, "remote", "get-url", r.remote); err == nil {
		r.hasRemote = true
	}
	if s, err := r.git.out(ctx, "rev-parse", "--is-shallow-repository"); err == nil && s == "true" {
		r.shallow = true
	}
	// Commits need an author; automation often has none configured.
	if email, _ := r.git.out(ctx, "config", "user.email"); email == "" {
		r.git.config = append(r.git.config, "-c", "user.name=upchain", "-c", "user.email=upchain@localhost")
	}
	_ = log
	return nil
}

func (r *repo) spoolDir() string {
	return filepath.Join(r.meta, sanitize(r.branch)+".spool")
}

func sanitize(s string) string {
	return strings.Map(func(c rune) rune {
		if c == '/' || c == '\\' || c == ':' {
			return '_'
		}
		return c
	}, s)
}

func (r *repo) remoteRef() string { return "refs/remotes/" + r.remote + "/" + r.branch }

// fetch updates the remote-tracking ref of the branch. It reports false
// when the remote has no such branch yet.
func (r *repo) fetch(ctx context.Context, g *git) (bool, error) {
	args := []string{"fetch", "-q", "--no-tags"}
	if r.shallow {
		args = append(args, "--depth=1")
	}
	args = append(args, r.remote, "+refs/heads/"+r.branch+":"+r.remoteRef())
	_, err := g.run(ctx, networkTimeout, nil, args...)
	if err != nil {
		if strings.Contains(gitOutput(err), "couldn't find remote ref") {
			return false, nil
		}
		return false, err
	}
	return true, nil
}

func (r *repo) addWorktree(ctx context.Context, user *git, log io.Writer) error {
	if _, err := user.out(ctx, "worktree", "prune"); err != nil {
		return err
	}
	if _, err := user.out(ctx, "remote", "get-url", r.remote); err == nil {
		r.hasRemote = true
		if s, err := user.out(ctx, "rev-parse", "--is-shallow-repository"); err == nil && s == "true" {
			r.shallow = true
		}
		if _, err := r.fetch(ctx, user); err == nil {
			r.fetched = true
		} else {
			// Not fatal: the first push will be rejected if the branch
			// exists after all, and the round is then re-applied on it.
			fmt.Fprintf(log, "history: could not fetch %s from %s: %v\n", r.branch, r.remote, err)
		}
	}
	if err := os.MkdirAll(filepath.Dir(r.dir), 0o755); err != nil {
		return err
	}
	local := exists(ctx, user, "refs/heads/"+r.branch)
	switch {
	case local:
		_, err := user.out(ctx, "worktree", "add", "-q", r.dir, r.branch)
		return err
	case r.hasRemote && exists(ctx, user, r.remoteRef()):
		fmt.Fprintf(log, "history: checking out %s from %s at %s\n", r.branch, r.remote, r.dir)
		_, err := user.out(ctx, "worktree", "add", "-q", "--no-track", "-b", r.branch, r.dir, r.remoteRef())
		return err
	}
	fmt.Fprintf(log, "history: creating branch %s (worktree %s)\n", r.branch, r.dir)
	commit, err := rootCommit(ctx, user)
	if err != nil {
		return err
	}
	// An empty old value: fails if the branch appeared meanwhile.
	if _, err := user.out(ctx, "update-ref", "refs/heads/"+r.branch, commit, strings.Repeat("0", len(commit))); err != nil {
		return err
	}
	_, err = user.out(ctx, "worktree", "add", "-q", r.dir, r.branch)
	return err
}

func exists(ctx context.Context, g *git, ref string) bool {
	_, err := g.out(ctx, "rev-parse", "-q", "--verify", ref+"^{commit}")
	return err == nil
}

// rootCommit creates the first commit of a new history branch (only the
// format README) without touching the user's index or worktree.
func rootCommit(ctx context.Context, g *git) (string, error) {
	blob, err := g.run(ctx, localTimeout, []byte(FormatDoc), "hash-object", "-w", "--stdin")
	if err != nil {
		return "", err
	}
	tree, err := g.run(ctx, localTimeout, []byte("100644 blob "+strings.TrimSpace(blob)+"\t"+Readme+"\n"), "mktree")
	if err != nil {
		return "", err
	}
	ident := []string{}
	if email, _ := g.out(ctx, "config", "user.email"); email == "" {
		ident = []string{"-c", "user.name=upchain", "-c", "user.email=upchain@localhost"}
	}
	gg := &git{dir: g.dir, config: append(append([]string{}, g.config...), ident...)}
	c, err := gg.run(ctx, localTimeout, nil, "commit-tree", strings.TrimSpace(tree), "-m", "history: start")
	return strings.TrimSpace(c), err
}

func (r *repo) initStandalone(ctx context.Context, log io.Writer) error {
	// Initialise beside and rename into place: two runs starting at once
	// must not run git init in the same directory.
	parent := filepath.Dir(r.dir)
	if err := os.MkdirAll(parent, 0o755); err != nil {
		return err
	}
	tmp, err := os.MkdirTemp(parent, tmpPrefix+"init-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	if _, err := newGit(tmp).out(ctx, "init", "-q", "-b", r.branch); err != nil {
		return err
	}
	if err := os.Rename(tmp, r.dir); err != nil {
		if top, err2 := newGit(r.dir).out(ctx, "rev-parse", "--show-toplevel"); err2 != nil || !samePath(top, r.dir) {
			return fmt.Errorf("create %s: %w", r.dir, err)
		}
		// Another run created it first.
	}
	r.meta = filepath.Join(r.dir, ".git", "upchain")
	if err := r.lock(ctx); err != nil {
		return err
	}
	defer r.unlock()
	if err := r.open(ctx, log); err != nil {
		return err
	}
	if exists(ctx, r.git, "HEAD") {
		return nil
	}
	if err := writeFileAtomic(filepath.Join(r.dir, Readme), []byte(FormatDoc)); err != nil {
		return err
	}
	if _, err := r.git.out(ctx, "add", Readme); err != nil {
		return err
	}
	_, err = r.git.out(ctx, "commit", "-q", "--no-verify", "-m", "history: start")
	return err
}

// excludeFromMain keeps the history worktree out of `git status` of the
// user's main worktree (info/exclude is local and never committed).
func excludeFromMain(common, top, histDir string) error {
	rel, err := filepath.Rel(top, histDir)
	if err != nil || rel == "." || strings.HasPrefix(rel, "..") {
		return nil
	}
	line := "/" + filepath.ToSlash(rel) + "/"
	path := filepath.Join(common, "info", "exclude")
	old, err := os.ReadFile(path)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	for _, l := range strings.Split(string(old), "\n") {
		if strings.TrimSpace(l) == line {
			return nil
		}
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	f, err := os.OpenFile(path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		return err
	}
	prefix := ""
	if len(old) > 0 && old[len(old)-1] != '\n' {
		prefix = "\n"
	}
	_, err = fmt.Fprintf(f, "%s# upchain history worktree\n%s\n", prefix, line)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// lockWait bounds how long a run waits for another one on the same
// machine to finish with the history.
const lockWait = 10 * time.Minute

// lock serialises upchain processes using this history on this machine.
func (r *repo) lock(ctx context.Context) error {
	if err := os.MkdirAll(r.meta, 0o755); err != nil {
		return err
	}
	path := filepath.Join(r.meta, sanitize(r.branch)+".lock")
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return err
	}
	deadline := time.Now().Add(lockWait)
	for {
		ok, err := tryLock(f)
		if err != nil {
			f.Close()
			return err
		}
		if ok {
			_ = f.Truncate(0)
			_, _ = f.WriteAt([]byte(strconv.Itoa(os.Getpid())+"\n"), 0)
			r.lockFile = f
			return nil
		}
		if time.Now().After(deadline) {
			f.Close()
			return fmt.Errorf("history is in use by another upchain process (lock %s held for over %s)", path, lockWait)
		}
		select {
		case <-ctx.Done():
			f.Close()
			return ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
}

func (r *repo) unlock() {
	if r.lockFile != nil {
		_ = unlock(r.lockFile)
		r.lockFile.Close()
		r.lockFile = nil
	}
}
