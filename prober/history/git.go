package history

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"time"
)

// Deadlines of git calls: local commands touch only the disk; network
// commands (fetch, push) may wait on a slow remote, but never forever.
// Variables so that tests can shorten them.
var (
	localTimeout   = 2 * time.Minute
	networkTimeout = 3 * time.Minute
)

const maxGitOutput = 8 << 20

// git runs the git CLI in one directory.
type git struct {
	dir string
	// config is passed as -c options before every command.
	config []string
}

// gitError is a failed git command with what it printed.
type gitError struct {
	args   []string
	output string
	err    error
}

func (e *gitError) Error() string {
	out := strings.TrimSpace(e.output)
	if out == "" {
		return fmt.Sprintf("git %s: %v", strings.Join(e.args, " "), e.err)
	}
	return fmt.Sprintf("git %s: %v: %s", strings.Join(e.args, " "), e.err, trim(out, 2000))
}

func (e *gitError) Unwrap() error { return e.err }

// credentials in URLs (https://user:token@host) must never reach logs.
var urlUserinfo = regexp.MustCompile(`([a-zA-Z][a-zA-Z0-9+.-]*://)[^/@\s]+@`)

func scrub(s string) string { return urlUserinfo.ReplaceAllString(s, "${1}***@") }

// capped keeps at most max bytes of a command's output.
type capped struct {
	buf bytes.Buffer
	max int
}

func (c *capped) Write(p []byte) (int, error) {
	if room := c.max - c.buf.Len(); room > 0 {
		c.buf.Write(p[:min(len(p), room)])
	}
	return len(p), nil
}

// run runs git with a deadline and returns its stdout. stdin may be nil.
func (g *git) run(ctx context.Context, timeout time.Duration, stdin []byte, args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	full := append(append([]string{}, g.config...), args...)
	cmd := exec.CommandContext(ctx, "git", full...)
	cmd.Dir = g.dir
	// No prompt may wait for a person; messages in English so that they
	// can be recognised; no pager.
	cmd.Env = append(os.Environ(), "GIT_TERMINAL_PROMPT=0", "LC_ALL=C", "LANGUAGE=C", "GIT_PAGER=cat")
	if stdin != nil {
		cmd.Stdin = bytes.NewReader(stdin)
	}
	stdout := &capped{max: maxGitOutput}
	stderr := &capped{max: 64 << 10}
	cmd.Stdout, cmd.Stderr = stdout, stderr
	killGroup(cmd)
	cmd.WaitDelay = 5 * time.Second
	err := cmd.Run()
	if err != nil {
		if ctx.Err() != nil {
			err = fmt.Errorf("%w (deadline %s)", ctx.Err(), timeout)
		}
		return stdout.buf.String(), &gitError{args: args, output: scrub(stderr.buf.String() + stdout.buf.String()), err: err}
	}
	return stdout.buf.String(), nil
}

// out runs a local git command and returns its trimmed stdout.
func (g *git) out(ctx context.Context, args ...string) (string, error) {
	s, err := g.run(ctx, localTimeout, nil, args...)
	return strings.TrimSpace(s), err
}

// exitCode returns the exit status of a failed git command, or -1.
func exitCode(err error) int {
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return ee.ExitCode()
	}
	return -1
}

// gitOutput is what a failed git command printed.
func gitOutput(err error) string {
	var ge *gitError
	if errors.As(err, &ge) {
		return ge.output
	}
	return ""
}
