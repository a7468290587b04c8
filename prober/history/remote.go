package history

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// A history branch that someone force-pushes or deletes on the remote must
// never make a runner drop its rounds silently. After every push the runner
// remembers the last round it pushed (the marker); when the remote's branch
// no longer holds that round while the local branch still does, the
// histories diverged, and the runner stops with a message that says what
// to do instead of resetting onto the remote's tip. The check is by round
// id, not commit ancestry, so it also holds in shallow clones, where
// ancestry is unknown.

// ErrDiverged is wrapped by the error a runner returns when the remote's
// history branch was rewritten or deleted.
var ErrDiverged = errors.New("history branch diverged from the remote")

// pushMarker is the last round this runner pushed.
type pushMarker struct {
	round string
	day   time.Time
}

func (r *repo) markerFile() string { return filepath.Join(r.meta, sanitize(r.branch)+".pushed") }

func (r *repo) readMarker() (pushMarker, bool) {
	data, err := os.ReadFile(r.markerFile())
	if err != nil {
		return pushMarker{}, false
	}
	id, day, ok := strings.Cut(strings.TrimSpace(string(data)), " ")
	d, err := time.Parse(dayLayout, day)
	if !ok || err != nil || id == "" {
		return pushMarker{}, false
	}
	return pushMarker{id, d}, true
}

func (r *repo) writeMarker(m pushMarker) error {
	if m.round == "" {
		return nil
	}
	return writeFileAtomic(r.markerFile(), []byte(m.round+" "+m.day.Format(dayLayout)+"\n"))
}

// holds reports whether commit still has round m: in its raw file of the
// day, or rolled up (the raw file of a rolled-up day may be gone).
func (r *repo) holds(ctx context.Context, commit string, m pushMarker) bool {
	day := m.day.Format(dayLayout) + ".txt"
	if data, err := r.git.run(ctx, localTimeout, nil, "show", commit+":"+RawDir+"/"+day); err == nil {
		return rawContains([]byte(data), m.round)
	}
	if _, err := r.git.out(ctx, "cat-file", "-e", commit+":"+HourlyDir+"/"+day); err == nil {
		return true
	}
	// Hourly roll-ups expire too; daily ones are kept forever.
	data, err := r.git.run(ctx, localTimeout, nil, "show", commit+":"+DailyDir+"/"+strconv.Itoa(m.day.Year())+".txt")
	return err == nil && strings.Contains(data, "\n"+m.day.Format(dayLayout)+" ")
}

// checkDiverged returns an error wrapping ErrDiverged when the local
// branch holds the last round this runner pushed and the remote's branch
// does not (remoteGone: the remote has no such branch any more).
func (r *Recorder) checkDiverged(ctx context.Context, remoteGone bool) error {
	m, ok := r.repo.readMarker()
	if !ok || !r.repo.holds(ctx, "HEAD", m) {
		return nil // nothing pushed yet, or the local branch was reset on purpose
	}
	dir, branch, remote := r.repo.dir, r.repo.branch, r.repo.remote
	if remoteGone {
		return fmt.Errorf("%w: branch %s was deleted on remote %s, but this runner pushed rounds to it (last %s). Nothing was changed here: every round is still on the local branch in %s. To publish it again: git -C %s push %s %s; to start a new history instead, delete the local branch too (git -C %s checkout --orphan tmp && git branch -D %s) and run again",
			ErrDiverged, branch, remote, m.round, dir, dir, remote, branch, dir, branch)
	}
	if r.repo.holds(ctx, r.repo.remoteRef(), m) {
		return nil
	}
	return fmt.Errorf("%w: branch %s on remote %s was rewritten (force-pushed): it no longer holds round %s that this runner pushed. Nothing was changed here: every round is still on the local branch in %s. To keep them, merge the two histories (git -C %s merge %s/%s) or push the local one back (git -C %s push --force-with-lease %s %s); to accept the remote's history and drop the local rounds, git -C %s reset --hard %s/%s. Then run again",
		ErrDiverged, branch, remote, m.round, dir, dir, remote, branch, dir, remote, branch, dir, remote, branch)
}

// explainPush says in upchain's words what a failed push means, next to
// git's output.
func (r *repo) explainPush(err error) error {
	out := strings.ToLower(gitOutput(err))
	why := "the push failed"
	has := func(ss ...string) bool {
		for _, s := range ss {
			if strings.Contains(out, s) {
				return true
			}
		}
		return false
	}
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		why = "the remote did not answer before the deadline (network or server down?)"
	case has("authentication failed", "could not read username", "could not read password", "permission denied", "permission to", "invalid username or password", "terminal prompts disabled", "403", "401", "access denied", "not authorized"):
		why = "authentication failed: the remote refused the credentials (check the token or deploy key and that it may write)"
	case has("protected branch", "pre-receive hook declined", "refusing to", "denied", "hook declined"):
		why = fmt.Sprintf("the remote refused branch %s (a protected branch or a server hook?)", r.branch)
	case has("does not appear to be a git repository", "repository not found", "not found", "no such file or directory"):
		why = fmt.Sprintf("remote %s does not exist or is not a git repository (check its URL: git -C %s remote -v)", r.remote, r.dir)
	case has("could not resolve host", "connection refused", "connection timed out", "network is unreachable", "unable to access", "operation timed out"):
		why = fmt.Sprintf("remote %s could not be reached (network or server down?)", r.remote)
	}
	return fmt.Errorf("push of branch %s to remote %s failed: %s: %w", r.branch, r.remote, why, err)
}
