package simnet

import (
	"net/http"
	"sync/atomic"
)

// Switch wraps a handler that can be turned off: while off, every
// request's connection is closed without an answer, as a restarting
// process's port does.
type Switch struct {
	http.Handler
	off atomic.Bool
}

// Off turns the endpoint off (true) or on again (false).
func (s *Switch) Off(off bool) { s.off.Store(off) }

func (s *Switch) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if s.off.Load() {
		if hj, ok := w.(http.Hijacker); ok {
			if c, _, err := hj.Hijack(); err == nil {
				c.Close()
				return
			}
		}
		http.Error(w, "restarting", http.StatusServiceUnavailable)
		return
	}
	s.Handler.ServeHTTP(w, r)
}
