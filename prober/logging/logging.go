// Package logging gives every command one kind of logger: log/slog text
// records, redacted of the secrets of the current and recent configs
// before they are written.
package logging

import (
	"io"
	"log/slog"
	"strings"
	"sync"

	"github.com/upchain-dev/upchain/prober/redact"
)

// maxRedactors bounds how many configs' secrets the log keeps redacting:
// a secret removed from the config by a reload is still a secret.
const maxRedactors = 8

// Writer redacts every write with the secrets of the configs added to it.
// slog writes one record per Write, so a secret is never split across
// writes.
type Writer struct {
	mu   sync.Mutex
	w    io.Writer
	reds []*redact.Redactor
}

// NewWriter returns a redacting writer to w.
func NewWriter(w io.Writer) *Writer { return &Writer{w: w} }

// Add makes the writer redact red's secrets too.
func (r *Writer) Add(red *redact.Redactor) {
	if red == nil {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.reds = append(r.reds, red)
	if len(r.reds) > maxRedactors {
		r.reds = r.reds[len(r.reds)-maxRedactors:]
	}
}

// Redact removes the known secrets from s.
func (r *Writer) Redact(s string) string {
	r.mu.Lock()
	reds := r.reds
	r.mu.Unlock()
	for i := len(reds) - 1; i >= 0; i-- {
		s = reds[i].String(s)
	}
	return s
}

func (r *Writer) Write(p []byte) (int, error) {
	out := r.Redact(string(p))
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, err := io.WriteString(r.w, out); err != nil {
		return 0, err
	}
	return len(p), nil
}

// New returns a text logger writing to w through a redacting Writer,
// which it also returns so that reloaded configs can add their secrets.
// The daemon's records carry their time; a command's (a person watching
// the terminal, or CI's log, which stamps lines itself) do not.
func New(w io.Writer, level slog.Level, reds ...*redact.Redactor) (*slog.Logger, *Writer) {
	return newLogger(w, &slog.HandlerOptions{Level: level}, reds)
}

// NewCommand is New for a one-shot command: records without a time.
func NewCommand(w io.Writer, reds ...*redact.Redactor) (*slog.Logger, *Writer) {
	return newLogger(w, &slog.HandlerOptions{ReplaceAttr: func(groups []string, a slog.Attr) slog.Attr {
		if len(groups) == 0 && a.Key == slog.TimeKey {
			return slog.Attr{}
		}
		return a
	}}, reds)
}

func newLogger(w io.Writer, opts *slog.HandlerOptions, reds []*redact.Redactor) (*slog.Logger, *Writer) {
	rw := NewWriter(w)
	for _, red := range reds {
		rw.Add(red)
	}
	return slog.New(slog.NewTextHandler(rw, opts)), rw
}

// LineWriter adapts a logger for code that writes plain lines (git's
// output, progress notes): each line becomes one Info record.
type LineWriter struct{ Log *slog.Logger }

func (l LineWriter) Write(p []byte) (int, error) {
	for _, line := range strings.Split(strings.TrimRight(string(p), "\n"), "\n") {
		if line = strings.TrimSpace(line); line != "" {
			l.Log.Info(line)
		}
	}
	return len(p), nil
}
