package prober

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"strings"
	"time"

	"github.com/upchain-dev/upchain/prober/cond"
	"github.com/upchain-dev/upchain/prober/config"
)

// HTTPOptions are the `http:` options of a check.
type HTTPOptions struct {
	// MaxRedirects to follow; default 5, 0 means do not follow.
	MaxRedirects *int `yaml:"max_redirects"`
	// InsecureSkipVerify turns TLS verification off (it is on by default).
	InsecureSkipVerify bool `yaml:"insecure_skip_verify"`
}

type httpKind struct{ Base }

func (httpKind) Name() string        { return "http" }
func (httpKind) Values() []ValueSpec { return certValues }

func (httpKind) NewOptions() any { return &HTTPOptions{} }

func (httpKind) Vars() []string {
	return []string{"status", "latency", "body", "json", "headers", "cert", "tls", "phases", "region"}
}

// VarTypes implements config.TypedKind; json is the server's shape.
func (httpKind) VarTypes() cond.Fields {
	d := cond.Duration
	return typedVars(cond.Fields{"body": cond.String, "status": cond.Number, "json": cond.Dynamic, "headers": cond.StringMap,
		"cert": certFields, "tls": tlsFields,
		"phases": cond.Fields{"dns": d, "connect": d, "tls": d, "first_byte": d}})
}

func (httpKind) Validate(c *config.Check) []config.FieldProblem {
	var out []config.FieldProblem
	if u, err := url.Parse(c.URL); err == nil && u.Scheme != "http" && u.Scheme != "https" {
		out = append(out, config.FieldProblem{Field: "url", Msg: fmt.Sprintf("kind http needs an http:// or https:// url, not %s://", u.Scheme)})
	}
	if o, ok := c.Options.(*HTTPOptions); ok && o.MaxRedirects != nil && *o.MaxRedirects < 0 {
		out = append(out, config.FieldProblem{Field: "http.max_redirects", Msg: "max_redirects must be 0 or more"})
	}
	return out
}

// DefaultConditions: without a condition on the status, any 2xx or 3xx
// (after redirects) is up.
func (httpKind) DefaultConditions(c *config.Check) ([]string, []string) {
	for _, s := range c.Conditions {
		if cond.References(s, "status") {
			return nil, nil
		}
	}
	return []string{"status >= 200 && status < 400"}, nil
}

func (httpKind) Probe(ctx context.Context, t *Target) (*Observation, error) {
	opts, _ := t.Options().(*HTTPOptions)
	if opts == nil {
		opts = &HTTPOptions{}
	}
	obs := NewObservation()
	resp, body, err := doHTTP(ctx, t, opts, t.Check.Method, t.Check.Body, t.Check.Headers, obs)
	if err != nil {
		return obs, err
	}
	obs.Code = resp.StatusCode
	obs.Retry = resp.StatusCode >= 500 || resp.StatusCode == http.StatusTooManyRequests
	obs.Vars["status"] = resp.StatusCode
	obs.Vars["body"] = string(body)
	obs.Vars["headers"] = flatHeaders(resp.Header)
	obs.Vars["phases"] = map[string]any{"dns": obs.Phases.DNS, "connect": obs.Phases.Connect, "tls": obs.Phases.TLS, "first_byte": obs.Phases.FirstByte}
	if strings.Contains(resp.Header.Get("Content-Type"), "json") || looksJSON(body) {
		if v, err := decodeJSON(body); err == nil {
			obs.Vars["json"] = v
		}
	}
	return obs, nil
}

// decodeJSON decodes a body for conditions: exact integers, hex quantities
// as numbers.
func decodeJSON(b []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	return cond.FromJSON(v), nil
}

func looksJSON(b []byte) bool {
	s := strings.TrimSpace(string(b[:min(len(b), 16)]))
	return strings.HasPrefix(s, "{") || strings.HasPrefix(s, "[")
}

func flatHeaders(h http.Header) map[string]any {
	out := make(map[string]any, len(h))
	for k, v := range h {
		out[strings.ToLower(k)] = strings.Join(v, ", ")
	}
	return out
}

// doHTTP sends one request for t (through the region's address, keeping
// the public name as Host and SNI), records phases and certificate facts in
// obs, and reads at most t.MaxBody bytes of the body.
func doHTTP(ctx context.Context, t *Target, opts *HTTPOptions, method, body string, headers map[string]string, obs *Observation) (*http.Response, []byte, error) {
	maxRedirects := 5
	if opts.MaxRedirects != nil {
		maxRedirects = *opts.MaxRedirects
	}
	tr := &http.Transport{
		DialContext: t.Dial,
		// No fixed ServerName: the transport uses each request's host, the
		// public name also when dialing a region, and the new host after a
		// redirect to another name (example.org -> www.example.org).
		TLSClientConfig:        t.TLSConfig("", opts.InsecureSkipVerify),
		ForceAttemptHTTP2:      true,
		DisableKeepAlives:      true,
		MaxResponseHeaderBytes: 64 << 10,
		TLSHandshakeTimeout:    0, // the attempt's context bounds everything
	}
	defer tr.CloseIdleConnections()
	client := &http.Client{
		Transport: tr,
		CheckRedirect: func(req *http.Request, via []*http.Request) error {
			if maxRedirects == 0 {
				return http.ErrUseLastResponse // the redirect is the answer
			}
			if len(via) > maxRedirects {
				return Fail(ReasonRedirects, "stopped after %d redirects (last to %s): a redirect loop, or raise http.max_redirects if this is expected", maxRedirects, req.URL.Redacted())
			}
			return nil
		},
	}
	if method == "" {
		method = http.MethodGet
		if body != "" {
			method = http.MethodPost
		}
	}
	var rb io.Reader
	if body != "" {
		rb = strings.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, t.Check.URL, rb)
	if err != nil {
		return nil, nil, Fail(ReasonConfig, "bad request: %v", err)
	}
	req.Header.Set("User-Agent", UserAgent)
	for k, v := range headers {
		if strings.EqualFold(k, "Host") {
			req.Host = v
			continue
		}
		req.Header.Set(k, v)
	}
	var start, dnsStart, connStart, tlsStart time.Time
	trace := &httptrace.ClientTrace{
		DNSStart:             func(httptrace.DNSStartInfo) { dnsStart = time.Now() },
		DNSDone:              func(httptrace.DNSDoneInfo) { obs.Phases.DNS = since(dnsStart) },
		ConnectStart:         func(string, string) { connStart = time.Now() },
		ConnectDone:          func(string, string, error) { obs.Phases.Connect = since(connStart) },
		TLSHandshakeStart:    func() { tlsStart = time.Now() },
		TLSHandshakeDone:     func(tls.ConnectionState, error) { obs.Phases.TLS = since(tlsStart) },
		GotFirstResponseByte: func() { obs.Phases.FirstByte = since(start) },
	}
	req = req.WithContext(httptrace.WithClientTrace(ctx, trace))
	start = time.Now()
	resp, err := client.Do(req)
	if err != nil {
		return nil, nil, unwrapURLError(err)
	}
	defer resp.Body.Close()
	certVars(resp.TLS, t.Now(), obs)
	obs.Code = resp.StatusCode
	b, err := readLimited(resp.Body, t.MaxBody)
	if err != nil {
		return resp, nil, err
	}
	return resp, b, nil
}

func since(t time.Time) time.Duration {
	if t.IsZero() {
		return 0
	}
	return time.Since(t)
}

// readLimited reads all of r, failing (not truncating) past max bytes: a
// body larger than expected is a broken endpoint, not a slow one.
func readLimited(r io.Reader, max int64) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(r, max+1))
	if err != nil {
		return nil, err
	}
	if int64(len(b)) > max {
		return nil, Fail(ReasonTooLarge, "response larger than %d bytes: raise defaults.max_body_bytes if this is expected", max)
	}
	return b, nil
}

// unwrapURLError drops net/http's `Get "URL": ` prefix once the cause is
// classified, keeping messages short (the URL is on the check anyway).
func unwrapURLError(err error) error {
	var ue *url.Error
	if e, ok := err.(*url.Error); ok {
		ue = e
		if f, ok := ue.Err.(*Failure); ok {
			return f
		}
		return ue.Err
	}
	return err
}

// UserAgent identifies the prober to endpoints.
const UserAgent = "upchain-prober/1 (+https://github.com/upchain-dev/upchain)"
