package history

import (
	"archive/tar"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/upchain-dev/upchain/prober/config"
)

// Source finds the history to read (the site is built from it): the history worktree when
// `upchain probe` ran in this checkout, else the history branch's tip from
// the repository (local or fetched remote-tracking branch, as the site
// workflow fetches it), extracted into a temporary directory. Without
// either, the site is built from config alone.
func Source(l *config.Loaded) (dir string, cleanup func(), err error) {
	noop := func() {}
	h := l.History.WithDefaults()
	wt := h.Path(l.Dir)
	if _, err := os.Stat(filepath.Join(wt, StateFile)); err == nil {
		return wt, noop, nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	for _, ref := range []string{"refs/heads/" + h.Branch, "refs/remotes/" + h.Remote + "/" + h.Branch} {
		if exec.CommandContext(ctx, "git", "-C", l.Dir, "rev-parse", "--verify", "--quiet", ref).Run() != nil {
			continue
		}
		tmp, err := os.MkdirTemp("", "upchain-history-")
		if err != nil {
			return "", noop, err
		}
		clean := func() { os.RemoveAll(tmp) }
		if err := extractRef(ctx, l.Dir, ref, tmp); err != nil {
			clean()
			return "", noop, fmt.Errorf("reading history branch %s: %w", ref, err)
		}
		return tmp, clean, nil
	}
	return "", noop, nil
}

// extractRef writes the tree of ref into dir with `git archive`, without
// touching the repository's worktrees or index.
func extractRef(ctx context.Context, repo, ref, dir string) error {
	cmd := exec.CommandContext(ctx, "git", "-C", repo, "archive", "--format=tar", ref)
	out, err := cmd.StdoutPipe()
	if err != nil {
		return err
	}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		return err
	}
	terr := untar(out, dir)
	if werr := cmd.Wait(); werr != nil {
		return fmt.Errorf("git archive: %v: %s", werr, strings.TrimSpace(stderr.String()))
	}
	return terr
}

func untar(r io.Reader, dir string) error {
	tr := tar.NewReader(r)
	for {
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		name := filepath.Clean(hdr.Name)
		if !filepath.IsLocal(name) {
			return fmt.Errorf("unsafe path %q in history branch", hdr.Name)
		}
		p := filepath.Join(dir, name)
		switch hdr.Typeflag {
		case tar.TypeDir:
			if err := os.MkdirAll(p, 0o755); err != nil {
				return err
			}
		case tar.TypeReg:
			if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
				return err
			}
			f, err := os.OpenFile(p, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, fs.FileMode(0o644))
			if err != nil {
				return err
			}
			_, err = io.Copy(f, tr)
			if cerr := f.Close(); err == nil {
				err = cerr
			}
			if err != nil {
				return err
			}
		}
	}
}
