package prober

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"

	"github.com/upchain-dev/upchain/prober/internal/httplimit"
)

// limitedReply is one answer of limitedGET.
type limitedReply struct {
	Code   int
	Header http.Header
	Body   []byte
}

// limitedGET GETs rawURL (on the check's own host: its headers, such as
// API keys, are sent) through the region's address, with the attempt's
// deadline from ctx and at most max bytes of body: a body beyond max
// fails with ReasonTooLarge before anything parses it.
func limitedGET(ctx context.Context, t *Target, rawURL, accept string, insecure bool, max int64) (*limitedReply, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, Fail(ReasonConfig, "bad url: %v", err)
	}
	tr := &http.Transport{
		DialContext:            t.Dial,
		TLSClientConfig:        t.TLSConfig(u.Hostname(), insecure),
		ForceAttemptHTTP2:      true,
		DisableKeepAlives:      true,
		MaxResponseHeaderBytes: 64 << 10,
	}
	defer tr.CloseIdleConnections()
	client := &http.Client{
		Transport:     httplimit.Transport(tr, max),
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, rawURL, nil)
	if err != nil {
		return nil, Fail(ReasonConfig, "bad url: %v", err)
	}
	for k, v := range t.Check.Headers {
		req.Header.Set(k, v)
	}
	req.Header.Set("Accept", accept)
	req.Header.Set("User-Agent", UserAgent)
	resp, err := client.Do(req)
	if err != nil {
		return nil, limitedErr(unwrapURLError(err), max)
	}
	defer resp.Body.Close()
	body, err := readLimited(resp.Body, max)
	if err != nil {
		return nil, limitedErr(err, max)
	}
	return &limitedReply{Code: resp.StatusCode, Header: resp.Header, Body: body}, nil
}

func limitedErr(err error, max int64) error {
	if errors.Is(err, httplimit.ErrTooLarge) {
		return Fail(ReasonTooLarge, "response larger than %d bytes: raise the size limit if this is expected", max)
	}
	return err
}

// limitedExcerpt is the start of a body for a message, on one line.
func limitedExcerpt(b []byte, n int) string {
	s := strings.Join(strings.Fields(string(b[:min(len(b), 4*n)])), " ")
	if len(s) > n {
		s = strings.ToValidUTF8(s[:n], "") + "…"
	}
	return strings.ToValidUTF8(s, "�")
}
