package simnet

import (
	"fmt"
	"net/http"
	"sync"
	"time"
)

// Web is a website with a health endpoint: GET / answers an HTML page,
// GET /health "ok" (HTTP/1.1 semantics, RFC 9110). It can be made to fail
// with a status code or to answer slowly.
type Web struct {
	// Title appears in the page's <title> and body.
	Title string

	mu     sync.Mutex
	status int
	delay  time.Duration
}

// Set makes every answer carry status (0 means 200) after delay.
func (w *Web) Set(status int, delay time.Duration) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.status, w.delay = status, delay
}

func (w *Web) ServeHTTP(rw http.ResponseWriter, r *http.Request) {
	w.mu.Lock()
	status, delay := w.status, w.delay
	w.mu.Unlock()
	if delay > 0 {
		t := time.NewTimer(delay)
		select {
		case <-t.C:
		case <-r.Context().Done():
			t.Stop()
			return
		}
	}
	if status == 0 {
		status = http.StatusOK
	}
	switch r.URL.Path {
	case "/health":
		rw.Header().Set("Content-Type", "text/plain; charset=utf-8")
		rw.WriteHeader(status)
		if status == http.StatusOK {
			fmt.Fprintln(rw, "ok")
		} else {
			fmt.Fprintln(rw, http.StatusText(status))
		}
	case "/":
		rw.Header().Set("Content-Type", "text/html; charset=utf-8")
		rw.WriteHeader(status)
		fmt.Fprintf(rw, "<!doctype html><title>%s</title><h1>%s</h1><p>Simulated website.</p>\n", w.Title, w.Title)
	default:
		http.NotFound(rw, r)
	}
}
