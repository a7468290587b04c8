// Package jsonrpc is a small JSON-RPC 2.0 client over HTTP and websocket,
// built for probing: every call has a deadline, every read a size limit,
// replies are matched by id (servers may answer out of order), and numbers
// keep their exact value.
package jsonrpc

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"unicode/utf8"

	"github.com/gorilla/websocket"
	"github.com/upchain-dev/upchain/prober/cond"
)

// Error is an error object returned by the server.
type Error struct {
	Code    int             `json:"code"`
	Message string          `json:"message"`
	Data    json.RawMessage `json:"data,omitempty"`
}

func (e *Error) Error() string {
	return fmt.Sprintf("JSON-RPC error %d: %s", e.Code, e.Message)
}

// ProtocolError is a reply that is not valid JSON-RPC: bad JSON, a wrong
// id, neither result nor error.
type ProtocolError struct{ Msg string }

func (e *ProtocolError) Error() string { return e.Msg }

// TooLargeError is a reply larger than the client's limit.
type TooLargeError struct{ Limit int64 }

func (e *TooLargeError) Error() string {
	return fmt.Sprintf("reply larger than %d bytes", e.Limit)
}

// NoReplyError is a websocket call that got no reply with its id in time.
type NoReplyError struct {
	Method string
	ID     uint64
	// Others counts replies that arrived with ids nobody asked for.
	Others int
	Cause  error
}

func (e *NoReplyError) Error() string {
	s := fmt.Sprintf("no reply to %s (id %d) before the deadline", e.Method, e.ID)
	if e.Others > 0 {
		s += fmt.Sprintf("; %d replies arrived with other ids", e.Others)
	}
	return s
}

func (e *NoReplyError) Unwrap() error { return e.Cause }

// Options configure a client.
type Options struct {
	Header http.Header
	// Dial replaces net.Dialer.DialContext (regional backends).
	Dial func(ctx context.Context, network, addr string) (net.Conn, error)
	// TLS configuration; ServerName defaults to the URL's host.
	TLS *tls.Config
	// MaxBytes bounds one reply; default 1 MiB.
	MaxBytes int64
	// UserAgent sent with requests.
	UserAgent string
	// Redact, when set, cleans text quoted from replies (e.g. a server
	// echoing an API key) before it is cut short for an error message.
	Redact func(string) string
}

// Client calls one endpoint. It is safe for concurrent use.
type Client struct {
	url    string
	opts   Options
	nextID atomic.Uint64

	http *http.Client

	ws       *websocket.Conn
	writeMu  sync.Mutex
	mu       sync.Mutex
	pending  map[uint64]chan reply
	stray    int
	readErr  error
	closed   chan struct{}
	notifyCh chan json.RawMessage
	// notify is set by Notifications: until then nobody reads them, and
	// buffering them would let a server fill memory with unsolicited ones.
	notify atomic.Bool
}

type reply struct {
	msg *message
	err error
}

type message struct {
	JSONRPC string          `json:"jsonrpc"`
	ID      json.RawMessage `json:"id,omitempty"`
	Method  string          `json:"method,omitempty"`
	Result  json.RawMessage `json:"result,omitempty"`
	Error   *Error          `json:"error,omitempty"`
	Params  json.RawMessage `json:"params,omitempty"`
}

// Dial returns a client for rawURL: http(s) URLs use one POST per call,
// ws(s) URLs one connection for all calls, opened here.
func Dial(ctx context.Context, rawURL string, opts Options) (*Client, error) {
	if opts.MaxBytes <= 0 {
		opts.MaxBytes = 1 << 20
	}
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, fmt.Errorf("bad url: %w", err)
	}
	if opts.TLS == nil {
		opts.TLS = &tls.Config{MinVersion: tls.VersionTLS12}
	}
	if opts.TLS.ServerName == "" {
		opts.TLS = opts.TLS.Clone()
		opts.TLS.ServerName = u.Hostname()
	}
	c := &Client{url: rawURL, opts: opts}
	switch u.Scheme {
	case "http", "https":
		c.http = &http.Client{
			Transport: &http.Transport{
				DialContext:            opts.Dial,
				TLSClientConfig:        opts.TLS,
				ForceAttemptHTTP2:      true,
				MaxResponseHeaderBytes: 64 << 10,
			},
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		}
		return c, nil
	case "ws", "wss":
		return c, c.dialWS(ctx)
	}
	return nil, fmt.Errorf("unsupported scheme %q: use http, https, ws or wss", u.Scheme)
}

func (c *Client) dialWS(ctx context.Context) error {
	d := websocket.Dialer{
		NetDialContext:  c.opts.Dial,
		TLSClientConfig: c.opts.TLS,
		ReadBufferSize:  16 << 10,
		WriteBufferSize: 16 << 10,
	}
	h := c.opts.Header.Clone()
	if h == nil {
		h = http.Header{}
	}
	if c.opts.UserAgent != "" {
		h.Set("User-Agent", c.opts.UserAgent)
	}
	conn, resp, err := d.DialContext(ctx, c.url, h)
	if err != nil {
		if resp != nil {
			return fmt.Errorf("websocket handshake refused with HTTP %d: %w", resp.StatusCode, err)
		}
		return err
	}
	conn.SetReadLimit(c.opts.MaxBytes)
	c.ws = conn
	c.pending = map[uint64]chan reply{}
	c.closed = make(chan struct{})
	c.notifyCh = make(chan json.RawMessage, notifyBuffer)
	go c.readLoop()
	return nil
}

// Notifications delivers messages without an id (subscription events) on
// websocket clients; when nobody reads, further ones are dropped.
// Call it before subscribing: until the first call, notifications are
// dropped. At most notifyBuffer unread ones are kept.
func (c *Client) Notifications() <-chan json.RawMessage {
	c.notify.Store(true)
	return c.notifyCh
}

const notifyBuffer = 16

func (c *Client) readLoop() {
	var err error
	for {
		var data []byte
		_, data, err = c.ws.ReadMessage()
		if err != nil {
			break
		}
		var m message
		if jerr := json.Unmarshal(data, &m); jerr != nil {
			err = &ProtocolError{Msg: "reply is not valid JSON: " + jerr.Error()}
			break
		}
		if len(m.ID) == 0 || string(m.ID) == "null" {
			if m.Error != nil {
				err = m.Error // an error the server could not tie to a call
				break
			}
			if c.notify.Load() {
				select {
				case c.notifyCh <- data:
				default:
				}
			}
			continue
		}
		id, ok := parseID(m.ID)
		c.mu.Lock()
		ch, found := c.pending[id]
		if ok && found {
			delete(c.pending, id)
		} else {
			c.stray++
		}
		c.mu.Unlock()
		if ok && found {
			ch <- reply{msg: &m}
		}
	}
	if errors.Is(err, websocket.ErrReadLimit) {
		err = &TooLargeError{Limit: c.opts.MaxBytes}
	}
	c.mu.Lock()
	c.readErr = err
	for id, ch := range c.pending {
		ch <- reply{err: err}
		delete(c.pending, id)
	}
	c.mu.Unlock()
	close(c.closed)
}

func parseID(raw json.RawMessage) (uint64, bool) {
	var n json.Number
	d := json.NewDecoder(bytes.NewReader(raw))
	d.UseNumber()
	if d.Decode(&n) != nil {
		var s string
		if json.Unmarshal(raw, &s) != nil {
			return 0, false
		}
		n = json.Number(s)
	}
	var id uint64
	_, err := fmt.Sscan(string(n), &id)
	return id, err == nil
}

// Call invokes method with params and returns the raw result.
func (c *Client) Call(ctx context.Context, method string, params any) (json.RawMessage, error) {
	if params == nil {
		params = []any{}
	}
	id := c.nextID.Add(1)
	req, err := json.Marshal(map[string]any{"jsonrpc": "2.0", "id": id, "method": method, "params": params})
	if err != nil {
		return nil, err
	}
	var m *message
	if c.ws != nil {
		m, err = c.callWS(ctx, id, method, req)
	} else {
		m, err = c.callHTTP(ctx, id, req)
	}
	if err != nil {
		return nil, err
	}
	if m.Error != nil {
		return nil, m.Error
	}
	if m.Result == nil {
		return nil, &ProtocolError{Msg: "reply to " + method + " has neither result nor error"}
	}
	return m.Result, nil
}

// CallInto calls method and decodes the result into out.
func (c *Client) CallInto(ctx context.Context, method string, params, out any) error {
	raw, err := c.Call(ctx, method, params)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(raw, out); err != nil {
		return &ProtocolError{Msg: fmt.Sprintf("result of %s has an unexpected shape: %v", method, err)}
	}
	return nil
}

// CallValue calls method and returns the result as condition values:
// integers exact, hex quantities as numbers.
func (c *Client) CallValue(ctx context.Context, method string, params any) (any, error) {
	raw, err := c.Call(ctx, method, params)
	if err != nil {
		return nil, err
	}
	return Value(raw)
}

// Value decodes raw JSON for conditions (see cond.FromJSON).
func Value(raw json.RawMessage) (any, error) {
	d := json.NewDecoder(bytes.NewReader(raw))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil {
		return nil, &ProtocolError{Msg: "result is not valid JSON: " + err.Error()}
	}
	return cond.FromJSON(v), nil
}

func (c *Client) callHTTP(ctx context.Context, id uint64, body []byte) (*message, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.url, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	for k, v := range c.opts.Header {
		req.Header[k] = v
	}
	// net/http sends req.Host, not a Host header: honour one from config.
	if h := c.opts.Header.Get("Host"); h != "" {
		req.Host = h
	}
	req.Header.Set("Content-Type", "application/json")
	if c.opts.UserAgent != "" {
		req.Header.Set("User-Agent", c.opts.UserAgent)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			return nil, ue.Err
		}
		return nil, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, c.opts.MaxBytes+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > c.opts.MaxBytes {
		return nil, &TooLargeError{Limit: c.opts.MaxBytes}
	}
	var m message
	if err := json.Unmarshal(data, &m); err != nil {
		if resp.StatusCode >= 400 {
			return nil, &HTTPStatusError{Code: resp.StatusCode, Body: c.snippet(data)}
		}
		return nil, &ProtocolError{Msg: "reply is not valid JSON-RPC: " + err.Error() + ": " + c.snippet(data)}
	}
	if m.Error == nil || len(m.ID) > 0 && string(m.ID) != "null" {
		if got, ok := parseID(m.ID); !ok || got != id {
			if len(m.ID) == 0 || string(m.ID) == "null" {
				return nil, &ProtocolError{Msg: fmt.Sprintf("reply has no id, expected %d", id)}
			}
			return nil, &ProtocolError{Msg: fmt.Sprintf("reply has id %s, expected %d", string(m.ID), id)}
		}
	}
	return &m, nil
}

// HTTPStatusError is an HTTP error status without a JSON-RPC body.
type HTTPStatusError struct {
	Code int
	Body string
}

func (e *HTTPStatusError) Error() string {
	return fmt.Sprintf("HTTP %d: %s", e.Code, e.Body)
}

// snippet quotes the start of a reply for an error message.
func (c *Client) snippet(b []byte) string {
	s := strings.Join(strings.Fields(string(b[:min(len(b), 4096)])), " ")
	if c.opts.Redact != nil {
		s = c.opts.Redact(s)
	}
	if len(s) > 80 {
		cut := 80
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		return s[:cut] + "…"
	}
	return s
}

func (c *Client) callWS(ctx context.Context, id uint64, method string, req []byte) (*message, error) {
	ch := make(chan reply, 1)
	c.mu.Lock()
	if c.readErr != nil {
		err := c.readErr
		c.mu.Unlock()
		return nil, err
	}
	c.pending[id] = ch
	c.mu.Unlock()

	c.writeMu.Lock()
	if dl, ok := ctx.Deadline(); ok {
		_ = c.ws.SetWriteDeadline(dl)
	}
	err := c.ws.WriteMessage(websocket.TextMessage, req)
	c.writeMu.Unlock()
	if err != nil {
		c.forget(id)
		return nil, err
	}
	select {
	case r := <-ch:
		return r.msg, r.err
	case <-ctx.Done():
		c.mu.Lock()
		stray := c.stray
		c.mu.Unlock()
		c.forget(id)
		return nil, &NoReplyError{Method: method, ID: id, Others: stray, Cause: ctx.Err()}
	}
}

func (c *Client) forget(id uint64) {
	c.mu.Lock()
	delete(c.pending, id)
	c.mu.Unlock()
}

// Close releases the connection.
func (c *Client) Close() error {
	if c.ws != nil {
		err := c.ws.Close()
		<-c.closed
		return err
	}
	if c.http != nil {
		c.http.CloseIdleConnections()
	}
	return nil
}
