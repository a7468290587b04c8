package history

import (
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"
	"unicode/utf8"
)

// Damaged lines (a merge-conflict marker left by a hand edit, a truncated
// line, stray bytes) must never stop monitoring: every reader skips a line
// it cannot parse, warns once per file and counts it. `upchain history
// check` reports every one and `--repair` removes them.

// lineError marks a line that cannot be parsed, as opposed to an error of
// the caller's callback, which still stops a walk.
type lineError struct{ err error }

func (e *lineError) Error() string { return e.err.Error() }
func (e *lineError) Unwrap() error { return e.err }

// damaged wraps a parse error so that scanLines skips the line.
func damaged(err error) error {
	if err == nil {
		return nil
	}
	return &lineError{err}
}

func isDamaged(err error) bool {
	var le *lineError
	return errors.As(err, &le)
}

// maxSeen bounds the set of damaged lines remembered for counting: a file
// of garbage must not grow a long-running serve without limit.
const maxSeen = 1 << 16

// damageLog remembers which damaged lines this process has skipped, so
// that the count names distinct lines and each file warns once.
type damageLog struct {
	mu     sync.Mutex
	warned map[string]bool
	seen   map[string]bool
	total  int
	redact func(string) string
}

var damage = &damageLog{warned: map[string]bool{}, seen: map[string]bool{}}

// SetRedactor sets the function that redacts damaged lines before they are
// logged (the config's Redactor: a hand edit may have pasted anything).
// URL credentials are always removed.
func SetRedactor(f func(string) string) {
	damage.mu.Lock()
	defer damage.mu.Unlock()
	damage.redact = f
}

// Skipped returns how many distinct damaged records were skipped while
// reading history since the process started or ResetSkipped.
func Skipped() int {
	damage.mu.Lock()
	defer damage.mu.Unlock()
	return damage.total
}

// ResetSkipped starts a new count for Skipped: a command calls it before
// it reads, to report what it skipped itself. Files that warned already
// do not warn again.
func ResetSkipped() {
	damage.mu.Lock()
	defer damage.mu.Unlock()
	damage.total = 0
	clear(damage.seen)
}

// skip records that line lineNo of path was skipped because of why.
func (d *damageLog) skip(path string, lineNo int, line []byte, why error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	key := fmt.Sprintf("%s:%d", path, lineNo)
	if d.seen[key] {
		return
	}
	if len(d.seen) < maxSeen {
		d.seen[key] = true
	}
	d.total++
	if d.warned[path] {
		return
	}
	if len(d.warned) < maxSeen {
		d.warned[path] = true
	}
	slog.Warn("history: skipping damaged line (further ones in this file are skipped silently; `upchain history check` lists them, --repair removes them)",
		"file", path, "line", lineNo, "text", d.show(line, 120), "error", d.show([]byte(why.Error()), 200))
}

// shown is show under the lock (for callers outside damageLog).
func (d *damageLog) shown(line []byte, n int) string {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.show(line, n)
}

// show is a line as it may be logged: redacted, without control
// characters, at most n characters.
func (d *damageLog) show(line []byte, n int) string {
	s := strings.ToValidUTF8(string(line), "?")
	s = strings.Map(func(r rune) rune {
		if r < ' ' || r == 0x7f {
			return '?'
		}
		return r
	}, s)
	s = scrub(s)
	if d.redact != nil {
		s = d.redact(s)
	}
	return shorten(s, n)
}

// shorten cuts s to at most n runes.
func shorten(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n]) + "..."
}

// stateCorrupt warns (once per file) that the state file is rebuilt.
func (d *damageLog) stateCorrupt(path string, err error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	key := path + ":state"
	if !d.seen[key] {
		d.seen[key] = true
		d.total++
	}
	if d.warned[key] {
		return
	}
	d.warned[key] = true
	slog.Warn("history: state file is damaged: rebuilding the state from the raw samples (the next round writes a clean one)",
		"file", path, "error", shorten(scrub(err.Error()), 200))
}

// future warns (once per file) that samples dated ahead of the reader's
// clock are kept out of the state.
func (d *damageLog) future(path string, t, limit time.Time) {
	d.mu.Lock()
	defer d.mu.Unlock()
	key := path + ":future"
	if d.warned[key] {
		return
	}
	d.warned[key] = true
	slog.Warn("history: samples dated in the future (a runner's clock is ahead?): kept in the files, left out of the current state until their time comes",
		"file", path, "sample", t.UTC().Format(time.RFC3339), "ahead", t.Sub(limit.Add(-FutureTolerance)).Round(time.Second).String())
}
