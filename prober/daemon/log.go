package daemon

import (
	"io"
	"sync"

	"github.com/upchain-dev/upchain/prober/redact"
)

// maxRedactors bounds how many configs' secrets the log keeps redacting:
// a secret removed from the config by a reload is still a secret.
const maxRedactors = 8

// redactingWriter redacts every write with the secrets of the current and
// recent configs. slog writes one record per Write, so a secret is never
// split across writes.
type redactingWriter struct {
	mu   sync.Mutex
	w    io.Writer
	reds []*redact.Redactor
}

func (r *redactingWriter) add(red *redact.Redactor) {
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

func (r *redactingWriter) redact(s string) string {
	r.mu.Lock()
	reds := r.reds
	r.mu.Unlock()
	for i := len(reds) - 1; i >= 0; i-- {
		s = reds[i].String(s)
	}
	return s
}

func (r *redactingWriter) Write(p []byte) (int, error) {
	out := r.redact(string(p))
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, err := io.WriteString(r.w, out); err != nil {
		return 0, err
	}
	return len(p), nil
}
