// Package httplimit gives HTTP clients for remote services a deadline per
// request and a bound on how much of a response is read: a hostile or
// broken endpoint can make a call fail, never hang or exhaust memory.
package httplimit

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"
)

// ErrTooLarge is returned by reads past the limit.
var ErrTooLarge = errors.New("response body exceeds the size limit")

// Client returns an http.Client whose requests time out after timeout and
// whose response bodies fail after max bytes.
func Client(timeout time.Duration, max int64) *http.Client {
	return &http.Client{Timeout: timeout, Transport: Transport(nil, max)}
}

// Transport wraps rt (default http.DefaultTransport) so that response
// bodies fail with ErrTooLarge after max bytes.
func Transport(rt http.RoundTripper, max int64) http.RoundTripper {
	if rt == nil {
		rt = http.DefaultTransport
	}
	return roundTripper{rt: rt, max: max}
}

type roundTripper struct {
	rt  http.RoundTripper
	max int64
}

func (t roundTripper) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := t.rt.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	if resp.ContentLength > t.max {
		resp.Body.Close()
		return nil, fmt.Errorf("%s %s: %w (%d > %d bytes)", req.Method, req.URL.Redacted(), ErrTooLarge, resp.ContentLength, t.max)
	}
	resp.Body = &limited{rc: resp.Body, left: t.max}
	return resp, nil
}

type limited struct {
	rc   io.ReadCloser
	left int64
}

func (l *limited) Read(p []byte) (int, error) {
	if l.left <= 0 {
		// Distinguish "exactly at the limit" from "beyond it".
		var one [1]byte
		if n, _ := l.rc.Read(one[:]); n > 0 {
			return 0, ErrTooLarge
		}
		return 0, io.EOF
	}
	if int64(len(p)) > l.left {
		p = p[:l.left]
	}
	n, err := l.rc.Read(p)
	l.left -= int64(n)
	return n, err
}

func (l *limited) Close() error { return l.rc.Close() }

// Excerpt reads at most n bytes of r for an error message.
func Excerpt(r io.Reader, n int64) string {
	b, _ := io.ReadAll(io.LimitReader(r, n))
	return string(b)
}
