// Package retry repeats an operation against a remote service (GitHub, a
// notification channel) with exponential backoff, honouring the waits the
// service asks for (Retry-After, rate-limit reset), and never past the
// context's deadline: what does not fit is left for the next round.
package retry

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Policy bounds the retries of one operation.
type Policy struct {
	// Attempts is the most tries, default 5.
	Attempts int
	// Base is the first backoff, doubled on each retry up to Max
	// (defaults 500ms and 30s).
	Base, Max time.Duration
	// OnRetry, if set, is told of every retry before its wait.
	OnRetry func(attempt int, wait time.Duration, err error)
}

// Defaults.
const (
	DefaultAttempts = 5
	DefaultBase     = 500 * time.Millisecond
	DefaultMax      = 30 * time.Second
)

type hinted struct {
	err       error
	after     time.Duration
	permanent bool
}

func (h *hinted) Error() string { return h.err.Error() }
func (h *hinted) Unwrap() error { return h.err }

// After marks err as retryable after d, as the service asked.
func After(err error, d time.Duration) error {
	if d < 0 {
		d = 0
	}
	return &hinted{err: err, after: d}
}

// Permanent marks err as not worth retrying (a 4xx, bad configuration).
func Permanent(err error) error { return &hinted{err: err, permanent: true} }

// IsPermanent reports whether err was marked Permanent.
func IsPermanent(err error) bool {
	var h *hinted
	return errors.As(err, &h) && h.permanent
}

// Deferred is returned when the next try would fall after the deadline:
// the operation is left for the next round.
type Deferred struct {
	Err  error
	Wait time.Duration
}

func (d *Deferred) Error() string {
	return fmt.Sprintf("%v (next try in %s would pass the deadline: left for the next round)", d.Err, d.Wait.Round(time.Millisecond))
}
func (d *Deferred) Unwrap() error { return d.Err }

// Do runs op until it succeeds, fails permanently, runs out of attempts or
// the next wait would pass ctx's deadline.
func (p Policy) Do(ctx context.Context, op func(context.Context) error) error {
	attempts := p.Attempts
	if attempts <= 0 {
		attempts = DefaultAttempts
	}
	for attempt := 1; ; attempt++ {
		err := op(ctx)
		if err == nil {
			return nil
		}
		if ctx.Err() != nil {
			return err
		}
		var h *hinted
		asked := errors.As(err, &h)
		if asked && h.permanent {
			return err
		}
		if attempt >= attempts {
			return err
		}
		wait := p.backoff(attempt)
		if asked {
			wait = h.after
		}
		if dl, ok := ctx.Deadline(); ok && time.Now().Add(wait).After(dl) {
			return &Deferred{Err: err, Wait: wait}
		}
		if p.OnRetry != nil {
			p.OnRetry(attempt, wait, err)
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return err
		case <-t.C:
		}
	}
}

func (p Policy) backoff(attempt int) time.Duration {
	base, max := p.Base, p.Max
	if base <= 0 {
		base = DefaultBase
	}
	if max <= 0 {
		max = DefaultMax
	}
	d := base << (attempt - 1)
	if d > max || d <= 0 {
		d = max
	}
	// Half fixed, half random: runners that failed together do not retry
	// together.
	return d/2 + rand.N(d/2+1)
}

// RetryAfter reads how long a server asked to wait: Retry-After (seconds
// or an HTTP date), or X-RateLimit-Reset (Unix seconds, as GitHub sends).
func RetryAfter(h http.Header, now time.Time) (time.Duration, bool) {
	if v := strings.TrimSpace(h.Get("Retry-After")); v != "" {
		if s, err := strconv.ParseFloat(v, 64); err == nil && s >= 0 {
			return time.Duration(s * float64(time.Second)), true
		}
		if t, err := http.ParseTime(v); err == nil {
			return max(t.Sub(now), 0), true
		}
	}
	if v := strings.TrimSpace(h.Get("X-RateLimit-Reset")); v != "" {
		if s, err := strconv.ParseInt(v, 10, 64); err == nil {
			return max(time.Unix(s, 0).Sub(now), 0), true
		}
	}
	return 0, false
}

// HTTPStatus classifies an HTTP response: nil for 2xx; retryable (with the
// server's wait if it gave one) for 408, 425, 429, 5xx and rate-limited
// 403s; permanent otherwise. detail is a short excerpt of the body.
func HTTPStatus(code int, h http.Header, detail string) error {
	if code >= 200 && code < 300 {
		return nil
	}
	err := fmt.Errorf("HTTP %d %s", code, http.StatusText(code))
	if detail = strings.TrimSpace(detail); detail != "" {
		err = fmt.Errorf("%w: %s", err, detail)
	}
	wait, asked := RetryAfter(h, time.Now())
	rateLimited := code == http.StatusForbidden && (h.Get("Retry-After") != "" || h.Get("X-RateLimit-Remaining") == "0")
	switch {
	case code == http.StatusTooManyRequests || rateLimited:
		if asked {
			return After(err, wait)
		}
		return err
	case code == http.StatusRequestTimeout || code == http.StatusTooEarly || code >= 500:
		if asked {
			return After(err, wait)
		}
		return err
	}
	return Permanent(err)
}
