package channel

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/upchain-dev/upchain/prober/internal/retry"
)

// Env is what the notifier lends a channel to send with.
type Env struct {
	// HTTP sends requests (bounded replies, the configured timeout).
	HTTP *http.Client
	// Now is the clock.
	Now func() time.Time
}

// PostJSON sends body to url and classifies the answer for retry.
func (e Env) PostJSON(ctx context.Context, url string, body []byte, header http.Header) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return nil, retry.Permanent(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "upchain")
	for k, v := range header {
		req.Header[k] = v
	}
	resp, err := e.HTTP.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	data, readErr := io.ReadAll(resp.Body)
	if err := retry.HTTPStatus(resp.StatusCode, resp.Header, excerpt(data)); err != nil {
		return data, err
	}
	return data, readErr
}

func excerpt(b []byte) string {
	s := strings.Join(strings.Fields(string(b)), " ")
	if len(s) > 200 {
		s = s[:200] + "…"
	}
	return s
}

// truncate cuts s to at most n runes, marking the cut.
func truncate(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}
