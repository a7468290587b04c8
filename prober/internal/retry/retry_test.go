package retry

import (
	"context"
	"errors"
	"net/http"
	"testing"
	"time"
)

func TestRetryAfter(t *testing.T) {
	now := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		name   string
		header map[string]string
		want   time.Duration
		ok     bool
	}{
		{"seconds", map[string]string{"Retry-After": "7"}, 7 * time.Second, true},
		{"fraction", map[string]string{"Retry-After": "1.5"}, 1500 * time.Millisecond, true},
		{"http date", map[string]string{"Retry-After": "Wed, 01 Jan 2025 00:00:30 GMT"}, 30 * time.Second, true},
		{"reset", map[string]string{"X-RateLimit-Reset": "1735689620"}, 20 * time.Second, true},
		{"reset passed", map[string]string{"X-RateLimit-Reset": "1735689000"}, 0, true},
		{"retry-after wins", map[string]string{"Retry-After": "3", "X-RateLimit-Reset": "1735689620"}, 3 * time.Second, true},
		{"none", nil, 0, false},
		{"garbage", map[string]string{"Retry-After": "soon"}, 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := http.Header{}
			for k, v := range tt.header {
				h.Set(k, v)
			}
			got, ok := RetryAfter(h, now)
			if got != tt.want || ok != tt.ok {
				t.Fatalf("= %s, %v; want %s, %v", got, ok, tt.want, tt.ok)
			}
		})
	}
}

func TestHTTPStatus(t *testing.T) {
	tests := []struct {
		code      int
		header    map[string]string
		permanent bool
		after     time.Duration // -1: no server-given wait
	}{
		{200, nil, false, 0},
		{400, nil, true, -1},
		{404, nil, true, -1},
		{403, nil, true, -1},
		{403, map[string]string{"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": "0"}, false, 0},
		{429, map[string]string{"Retry-After": "2"}, false, 2 * time.Second},
		{429, nil, false, -1},
		{500, nil, false, -1},
		{503, map[string]string{"Retry-After": "4"}, false, 4 * time.Second},
		{408, nil, false, -1},
	}
	for _, tt := range tests {
		h := http.Header{}
		for k, v := range tt.header {
			h.Set(k, v)
		}
		err := HTTPStatus(tt.code, h, "detail")
		if tt.code == 200 {
			if err != nil {
				t.Errorf("200: %v", err)
			}
			continue
		}
		if err == nil || IsPermanent(err) != tt.permanent {
			t.Errorf("%d %v: err %v, permanent %v", tt.code, tt.header, err, IsPermanent(err))
			continue
		}
		var h2 *hinted
		gotAfter := time.Duration(-1)
		if errors.As(err, &h2) && !h2.permanent {
			gotAfter = h2.after
		}
		if tt.after >= 0 && gotAfter != tt.after && tt.code != 403 {
			t.Errorf("%d: wait %s, want %s", tt.code, gotAfter, tt.after)
		}
	}
}

func TestDo(t *testing.T) {
	fast := Policy{Attempts: 3, Base: time.Millisecond, Max: time.Millisecond}
	errBoom := errors.New("boom")
	t.Run("succeeds after failures", func(t *testing.T) {
		n := 0
		err := fast.Do(context.Background(), func(context.Context) error {
			if n++; n < 3 {
				return errBoom
			}
			return nil
		})
		if err != nil || n != 3 {
			t.Fatalf("err %v after %d", err, n)
		}
	})
	t.Run("gives up after attempts", func(t *testing.T) {
		n := 0
		err := fast.Do(context.Background(), func(context.Context) error { n++; return errBoom })
		if !errors.Is(err, errBoom) || n != 3 {
			t.Fatalf("err %v after %d", err, n)
		}
	})
	t.Run("permanent stops", func(t *testing.T) {
		n := 0
		err := fast.Do(context.Background(), func(context.Context) error { n++; return Permanent(errBoom) })
		if !errors.Is(err, errBoom) || n != 1 {
			t.Fatalf("err %v after %d", err, n)
		}
	})
	t.Run("server wait is used", func(t *testing.T) {
		var waits []time.Duration
		p := fast
		p.OnRetry = func(_ int, d time.Duration, _ error) { waits = append(waits, d) }
		n := 0
		_ = p.Do(context.Background(), func(context.Context) error {
			if n++; n == 1 {
				return After(errBoom, 5*time.Millisecond)
			}
			return nil
		})
		if len(waits) != 1 || waits[0] != 5*time.Millisecond {
			t.Fatalf("waits = %v", waits)
		}
	})
	t.Run("wait past deadline is deferred", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		n := 0
		err := fast.Do(ctx, func(context.Context) error { n++; return After(errBoom, time.Hour) })
		var d *Deferred
		if !errors.As(err, &d) || d.Wait != time.Hour || n != 1 || !errors.Is(err, errBoom) {
			t.Fatalf("err %v after %d", err, n)
		}
	})
	t.Run("cancelled context stops", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		n := 0
		err := Policy{Attempts: 10, Base: time.Hour}.Do(ctx, func(context.Context) error { n++; cancel(); return errBoom })
		if err == nil || n != 1 {
			t.Fatalf("err %v after %d", err, n)
		}
	})
}
