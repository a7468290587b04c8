package prober

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"time"

	"github.com/gorilla/websocket"
	"github.com/upchain-dev/upchain/prober/cond"
	"github.com/upchain-dev/upchain/prober/config"
)

// WebsocketOptions are the `websocket:` options of a check.
type WebsocketOptions struct {
	// Send is the message sent after the handshake. A completed handshake
	// proves nothing, so an answer to it is required.
	Send string `yaml:"send"`
	// InsecureSkipVerify turns TLS verification off.
	InsecureSkipVerify bool `yaml:"insecure_skip_verify"`
}

type websocketKind struct{ Base }

func (websocketKind) Name() string        { return "websocket" }
func (websocketKind) Values() []ValueSpec { return certValues }
func (websocketKind) NewOptions() any     { return &WebsocketOptions{} }
func (websocketKind) Vars() []string {
	return []string{"message", "latency", "status", "region", "cert", "tls", "json"}
}

// VarTypes implements config.TypedKind; json is the server's shape.
func (websocketKind) VarTypes() cond.Fields {
	return typedVars(cond.Fields{"message": cond.String, "status": cond.Number, "json": cond.Dynamic, "cert": certFields, "tls": tlsFields})
}

func (websocketKind) Validate(c *config.Check) []config.FieldProblem {
	var out []config.FieldProblem
	if u, err := url.Parse(c.URL); err == nil && u.Scheme != "ws" && u.Scheme != "wss" {
		out = append(out, config.FieldProblem{Field: "url", Msg: fmt.Sprintf("kind websocket needs a ws:// or wss:// url, not %s://", u.Scheme)})
	}
	if o, _ := c.Options.(*WebsocketOptions); o == nil || o.Send == "" {
		out = append(out, config.FieldProblem{Field: "websocket", Msg: "kind websocket needs `websocket: {send: ...}`: a handshake alone does not show the endpoint works (for JSON-RPC use kind jsonrpc)"})
	}
	return out
}

func (websocketKind) Probe(ctx context.Context, t *Target) (*Observation, error) {
	o, _ := t.Options().(*WebsocketOptions)
	if o == nil {
		return nil, Fail(ReasonConfig, "no websocket options")
	}
	obs := NewObservation()
	u, err := url.Parse(t.Check.URL)
	if err != nil {
		return nil, Fail(ReasonConfig, "bad url: %v", err)
	}
	dial, lift := capHandshake(t.Dial)
	d := websocket.Dialer{NetDialContext: dial, TLSClientConfig: t.TLSConfig(u.Hostname(), o.InsecureSkipVerify)}
	h := http.Header{}
	h.Set("User-Agent", UserAgent)
	for k, v := range t.Check.Headers {
		h.Set(k, v)
	}
	start := time.Now()
	conn, resp, err := d.DialContext(ctx, t.Check.URL, h)
	if err != nil {
		if resp != nil {
			obs.Code = resp.StatusCode
			return obs, &Failure{Code: ReasonHTTPStatus, Msg: fmt.Sprintf("websocket handshake refused with HTTP %d", resp.StatusCode), Transient: resp.StatusCode >= 500, Err: err}
		}
		return obs, err
	}
	lift()
	obs.Phases.Connect = time.Since(start)
	obs.Code = resp.StatusCode
	if tc, ok := conn.UnderlyingConn().(*tls.Conn); ok {
		st := tc.ConnectionState()
		certVars(&st, t.Now(), obs)
	}
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	defer stop()
	defer conn.Close()
	conn.SetReadLimit(t.MaxBody)
	if dl, ok := ctx.Deadline(); ok {
		_ = conn.SetWriteDeadline(dl)
		_ = conn.SetReadDeadline(dl)
	}
	sent := time.Now()
	if err := conn.WriteMessage(websocket.TextMessage, []byte(o.Send)); err != nil {
		return obs, err
	}
	_, msg, err := conn.ReadMessage()
	if err != nil {
		switch {
		case errors.Is(err, websocket.ErrReadLimit):
			return obs, Fail(ReasonTooLarge, "message larger than %d bytes: raise defaults.max_body_bytes if this is expected", t.MaxBody)
		case ctx.Err() != nil || isTimeout(err):
			return obs, &Failure{Code: ReasonNoReply, Msg: "handshake completed but no message arrived before the deadline", Transient: true, Err: err}
		}
		return obs, err
	}
	obs.Phases.FirstByte = time.Since(sent)
	obs.Vars["message"] = string(msg)
	obs.Vars["status"] = obs.Code
	if v, err := decodeJSON(msg); err == nil {
		obs.Vars["json"] = v
	}
	return obs, nil
}
