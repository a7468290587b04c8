package pipeline

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"time"
)

// Heartbeat pings are bounded: a slow or hostile endpoint costs a round at
// most this long and never more than heartbeatMaxBody bytes of reading.
const (
	heartbeatTimeout = 10 * time.Second
	heartbeatMaxBody = 4 << 10
)

// heartbeat fetches url once (GET, as dead man's switch services expect).
// The error is redacted: the URL usually is the secret.
func heartbeat(ctx context.Context, client *http.Client, url string, redact func(error) string) error {
	ctx, cancel := context.WithTimeout(ctx, heartbeatTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return fmt.Errorf("heartbeat: %s", redact(err))
	}
	req.Header.Set("User-Agent", "upchain")
	resp, err := client.Do(req)
	if err != nil {
		return fmt.Errorf("heartbeat: %s", redact(err))
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, heartbeatMaxBody))
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("heartbeat: HTTP %d", resp.StatusCode)
	}
	return nil
}
