package prober

import (
	"context"
	"errors"
	"fmt"
	"math/big"
	"net"
	"net/http"
	"net/url"

	"github.com/upchain-dev/upchain/prober/cond"
	"github.com/upchain-dev/upchain/prober/config"
	"github.com/upchain-dev/upchain/prober/jsonrpc"
)

// JSONRPCOptions are the `jsonrpc:` options of a check.
type JSONRPCOptions struct {
	Method string `yaml:"method"`
	Params []any  `yaml:"params"`
	// InsecureSkipVerify turns TLS verification off.
	InsecureSkipVerify bool `yaml:"insecure_skip_verify"`
}

type jsonrpcKind struct{ Base }

func (jsonrpcKind) Name() string { return "jsonrpc" }

func (jsonrpcKind) Values() []ValueSpec {
	return []ValueSpec{{Name: "result", Label: "Result", Unit: UnitText}}
}
func (jsonrpcKind) NewOptions() any { return &JSONRPCOptions{} }
func (jsonrpcKind) Vars() []string {
	return []string{"result", "latency", "region"}
}

// VarTypes implements config.TypedKind; result is the server's shape.
func (jsonrpcKind) VarTypes() cond.Fields {
	return typedVars(cond.Fields{"result": cond.Dynamic})
}

func (jsonrpcKind) Validate(c *config.Check) []config.FieldProblem {
	var out []config.FieldProblem
	o, _ := c.Options.(*JSONRPCOptions)
	if o == nil || o.Method == "" {
		out = append(out, config.FieldProblem{Field: "jsonrpc", Msg: "kind jsonrpc needs `jsonrpc: {method: ..., params: [...]}`"})
	}
	out = append(out, rpcURLProblems(c)...)
	return out
}

func rpcURLProblems(c *config.Check) []config.FieldProblem {
	u, err := url.Parse(c.URL)
	if err != nil {
		return nil
	}
	switch u.Scheme {
	case "http", "https", "ws", "wss":
		return nil
	}
	return []config.FieldProblem{{Field: "url", Msg: fmt.Sprintf("kind %s needs an http(s):// or ws(s):// url, not %s://", c.Kind, u.Scheme)}}
}

func (jsonrpcKind) Probe(ctx context.Context, t *Target) (*Observation, error) {
	o, _ := t.Options().(*JSONRPCOptions)
	if o == nil {
		return nil, Fail(ReasonConfig, "no jsonrpc options")
	}
	obs := NewObservation()
	cl, err := DialRPC(ctx, t, o.InsecureSkipVerify)
	if err != nil {
		return obs, err
	}
	defer cl.Close()
	params := o.Params
	if params == nil {
		params = []any{}
	}
	v, err := cl.CallValue(ctx, o.Method, params)
	if err != nil {
		return obs, RPCFailure(err)
	}
	obs.Vars["result"] = v
	if s, ok := scalarText(v); ok {
		obs.Values["result"] = s
	}
	return obs, nil
}

// DialRPC opens a JSON-RPC client for the target (HTTP or websocket per the
// URL), through the region's address, with the check's headers and the
// size limit. Chain kinds use it too.
func DialRPC(ctx context.Context, t *Target, insecure bool) (*jsonrpc.Client, error) {
	return DialRPCURL(ctx, t, t.Check.URL, insecure)
}

// DialRPCURL is DialRPC for another URL of the same check (e.g. a
// separately configured staking or LCD endpoint).
func DialRPCURL(ctx context.Context, t *Target, rawURL string, insecure bool) (*jsonrpc.Client, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, Fail(ReasonConfig, "bad url: %v", err)
	}
	// The check's headers (often an API key) and the region's backend
	// address belong to the check's own host; another endpoint of the same
	// check (a staking or LCD node elsewhere) gets neither.
	h := http.Header{}
	dial := t.Dial
	if sameHost(t.Check.URL, u) {
		for k, v := range t.Check.Headers {
			h.Set(k, v)
		}
	} else {
		dial = (&net.Dialer{}).DialContext
	}
	// Over websocket the handshake is read with a cap; over HTTP the
	// transport's own header limit applies to every call.
	lift := func() {}
	if u.Scheme == "ws" || u.Scheme == "wss" {
		dial, lift = capHandshake(dial)
	}
	cl, err := jsonrpc.Dial(ctx, rawURL, jsonrpc.Options{
		Header:    h,
		Dial:      dial,
		TLS:       t.TLSConfig(u.Hostname(), insecure),
		MaxBytes:  t.MaxBody,
		UserAgent: UserAgent,
		Redact:    t.Redactor.String,
	})
	if err != nil {
		return nil, RPCFailure(err)
	}
	lift()
	return cl, nil
}

func sameHost(checkURL string, u *url.URL) bool {
	cu, err := url.Parse(checkURL)
	return err == nil && cu.Host == u.Host
}

// RPCFailure classifies JSON-RPC client errors.
func RPCFailure(err error) error {
	var (
		rpcErr   *jsonrpc.Error
		protoErr *jsonrpc.ProtocolError
		big      *jsonrpc.TooLargeError
		noReply  *jsonrpc.NoReplyError
		status   *jsonrpc.HTTPStatusError
	)
	switch {
	case errors.As(err, &rpcErr):
		return &Failure{Code: ReasonRPCError, Msg: rpcErr.Error(), Err: err}
	case errors.As(err, &protoErr):
		return &Failure{Code: ReasonBadResponse, Msg: protoErr.Msg, Err: err}
	case errors.As(err, &big):
		return &Failure{Code: ReasonTooLarge, Msg: big.Error() + ": raise defaults.max_body_bytes if this is expected", Err: err}
	case errors.As(err, &noReply):
		// Replies with other ids mean a broken server, not a slow one.
		return &Failure{Code: ReasonNoReply, Msg: noReply.Error(), Transient: noReply.Others == 0, Err: err}
	case errors.As(err, &status):
		return &Failure{Code: ReasonHTTPStatus, Msg: status.Error(), Transient: status.Code >= 500 || status.Code == 429, Err: err}
	}
	return Classify(err)
}

// scalarText is the exact text of a scalar result (a block number, a
// version string), recorded as the value "result"; objects are not.
func scalarText(v any) (string, bool) {
	switch x := v.(type) {
	case string:
		if len(x) > 200 {
			return "", false
		}
		return x, true
	case bool, int64, uint64, float64:
		return fmt.Sprint(x), true
	case *big.Int:
		return x.String(), true
	}
	return "", false
}
