package prober

import (
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// want describes the expected result of one probe.
type want struct {
	status   Status
	code     ReasonCode // "" when up
	reason   string     // substring of the reason
	failed   string     // substring of the failed conditions' "condition (observed)"
	attempts int        // 0: not checked
	values   map[string]string
}

func (w want) check(t *testing.T, r Result) {
	t.Helper()
	if r.Status != w.status {
		t.Errorf("status %s, want %s (reason_code %q, reason %q, failed %+v)", r.Status, w.status, r.ReasonCode, r.Reason, r.Failed)
	}
	if r.ReasonCode != w.code {
		t.Errorf("reason_code %q, want %q (reason %q)", r.ReasonCode, w.code, r.Reason)
	}
	if w.status != Up && r.Reason == "" {
		t.Errorf("a %s result has no reason", r.Status)
	}
	if !strings.Contains(r.Reason, w.reason) {
		t.Errorf("reason %q does not contain %q", r.Reason, w.reason)
	}
	if w.failed != "" {
		var all []string
		for _, f := range r.Failed {
			all = append(all, f.Condition+" ("+f.Observed+")")
		}
		if s := strings.Join(all, "; "); !strings.Contains(s, w.failed) {
			t.Errorf("failed conditions %q do not contain %q", s, w.failed)
		}
	}
	if w.attempts != 0 && r.Attempts != w.attempts {
		t.Errorf("attempts %d, want %d", r.Attempts, w.attempts)
	}
	for k, v := range w.values {
		if r.Values[k] != v {
			t.Errorf("value %s = %q, want %q (values %v)", k, r.Values[k], v, r.Values)
		}
	}
}

func TestHTTPKind(t *testing.T) {
	mux := http.NewServeMux()
	mux.HandleFunc("/ok", ok)
	mux.HandleFunc("/status", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"result":{"peers":7,"catching_up":false,"height":"0x20000000000001"}}`)
	})
	mux.HandleFunc("/missing", http.NotFound)
	mux.HandleFunc("/broken", func(w http.ResponseWriter, r *http.Request) { http.Error(w, "boom", 500) })
	mux.HandleFunc("/redirect", func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, "/ok", http.StatusFound) })
	mux.HandleFunc("/post", func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		fmt.Fprintf(w, "%s %s %s", r.Method, r.Header.Get("X-Test"), b)
	})
	srv := serveHTTP(t, mux)

	tests := []struct {
		name string
		spec string
		want want
	}{
		{"up with conditions", `
    kind: http
    url: ` + srv + `/ok
    conditions: [status == 200, body contains "ok", latency < 1m]`, want{status: Up, attempts: 1}},
		{"default condition accepts 2xx", `
    kind: http
    url: ` + srv + `/ok`, want{status: Up}},
		{"default condition rejects 404", `
    kind: http
    url: ` + srv + `/missing`, want{status: Down, code: ReasonCondition, reason: "status >= 200", failed: "status=404", attempts: 1}},
		{"500 is down and retried", `
    kind: http
    url: ` + srv + `/broken
    retries: 1
    conditions: [status == 200]`, want{status: Down, code: ReasonCondition, reason: "failed: status == 200 (status=500)", attempts: 2}},
		{"body contains fails with observed body", `
    kind: http
    url: ` + srv + `/ok
    conditions: ['body contains "welcome"']`, want{status: Down, code: ReasonCondition, failed: `body="ok"`}},
		{"json conditions, hex and 2^53+1 exact", `
    kind: http
    url: ` + srv + `/status
    conditions:
      - json.result.peers >= 5
      - json.result.catching_up == false
      - json.result.height == 9007199254740993`, want{status: Up}},
		{"json condition fails with observed value", `
    kind: http
    url: ` + srv + `/status
    conditions: [json.result.peers >= 10]`, want{status: Down, code: ReasonCondition, failed: "json.result.peers >= 10 (json.result.peers=7)"}},
		{"degraded condition", `
    kind: http
    url: ` + srv + `/ok
    degraded: [latency < 1ns]`, want{status: Degraded, code: ReasonCondition, reason: "failed: latency < 1ns (latency="}},
		{"status in a body condition does not drop the default", `
    kind: http
    url: ` + srv + `/missing
    conditions: ['body contains "status"']`, want{status: Down, code: ReasonCondition, failed: "status >= 200 && status < 400 (status=404)"}},
		{"redirect followed", `
    kind: http
    url: ` + srv + `/redirect
    conditions: [status == 200, body == "ok"]`, want{status: Up}},
		{"max_redirects 0 returns the redirect", `
    kind: http
    url: ` + srv + `/redirect
    http: {max_redirects: 0}
    conditions: [status == 302]`, want{status: Up}},
		{"method, headers and body sent", `
    kind: http
    url: ` + srv + `/post
    method: PUT
    headers: {X-Test: hello}
    body: payload
    conditions: ['body == "PUT hello payload"']`, want{status: Up}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.want.check(t, probe(t, tt.spec, nil))
		})
	}
}

func TestHTTPPhases(t *testing.T) {
	srv := serveHTTP(t, http.HandlerFunc(ok))
	r := probe(t, "    kind: http\n    url: "+srv+"/\n", nil)
	if r.Phases.Connect <= 0 || r.Phases.FirstByte <= 0 {
		t.Fatalf("phases not recorded: %+v", r.Phases)
	}
	if r.Code != 200 {
		t.Fatalf("code %d", r.Code)
	}
}

func TestRetryTransient(t *testing.T) {
	// Fails the first request of each kind of failure, then answers.
	var n503, nReset atomic.Int32
	mux := http.NewServeMux()
	mux.HandleFunc("/503-once", func(w http.ResponseWriter, r *http.Request) {
		if n503.Add(1) == 1 {
			http.Error(w, "busy", http.StatusServiceUnavailable)
			return
		}
		ok(w, r)
	})
	mux.HandleFunc("/reset-once", func(w http.ResponseWriter, r *http.Request) {
		if nReset.Add(1) == 1 {
			c, _, _ := w.(http.Hijacker).Hijack()
			_ = c.(*net.TCPConn).SetLinger(0)
			c.Close()
			return
		}
		ok(w, r)
	})
	mux.HandleFunc("/404", http.NotFound)
	srv := serveHTTP(t, mux)
	refused := closedPort(t)

	tests := []struct {
		name string
		spec string
		want want
	}{
		{"503 then ok", "    kind: http\n    url: " + srv + "/503-once\n    retries: 2\n", want{status: Up, attempts: 2}},
		{"reset then ok", "    kind: http\n    url: " + srv + "/reset-once\n    retries: 1\n", want{status: Up, attempts: 2}},
		{"404 is not retried", "    kind: http\n    url: " + srv + "/404\n    retries: 3\n", want{status: Down, code: ReasonCondition, attempts: 1}},
		{"refused is retried until retries run out", "    kind: tcp\n    url: tcp://" + refused + "\n    retries: 2\n", want{status: Down, code: ReasonRefused, reason: "connection refused", attempts: 3}},
		{"retries 0 makes one attempt", "    kind: tcp\n    url: tcp://" + refused + "\n    retries: 0\n", want{status: Down, code: ReasonRefused, attempts: 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.want.check(t, probe(t, tt.spec, nil))
		})
	}
}

// closedPort returns a 127.0.0.1 address nothing listens on.
func closedPort(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

func TestTCPKind(t *testing.T) {
	up := listen(t, silent)
	tests := []struct {
		name, spec string
		want       want
	}{
		{"up", "    kind: tcp\n    url: tcp://" + up + "\n", want{status: Up}},
		{"refused", "    kind: tcp\n    url: tcp://" + closedPort(t) + "\n    retries: 0\n", want{status: Down, code: ReasonRefused}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { tt.want.check(t, probe(t, tt.spec, nil)) })
	}
}

func TestTLSKind(t *testing.T) {
	ca := newCA(t)
	now := time.Now()
	long := leaf(t, ca, []string{"127.0.0.1"}, now.Add(-time.Hour), now.Add(90*24*time.Hour))
	short := leaf(t, ca, []string{"127.0.0.1"}, now.Add(-time.Hour), now.Add(10*24*time.Hour))
	expired := leaf(t, ca, []string{"127.0.0.1"}, now.Add(-48*time.Hour), now.Add(-24*time.Hour))
	self := leaf(t, nil, []string{"127.0.0.1"}, now.Add(-time.Hour), now.Add(90*24*time.Hour))
	wrongName := leaf(t, ca, []string{"other.test"}, now.Add(-time.Hour), now.Add(90*24*time.Hour))
	tests := []struct {
		name  string
		cert  tls.Certificate
		extra string
		want  want
	}{
		{"valid for 90 days", long, "", want{status: Up}},
		{"expires in 10 days is degraded by default", short, "", want{status: Degraded, code: ReasonCondition, failed: "cert.expires_in > 14d (cert.expires_in="}},
		{"user condition on expiry", long, "    conditions: [cert.expires_in > 100d]\n", want{status: Down, code: ReasonCondition, failed: "cert.expires_in > 100d"}},
		{"expired", expired, "", want{status: Down, code: ReasonCert, reason: "expired"}},
		{"self-signed", self, "", want{status: Down, code: ReasonCert, reason: "certificate not trusted"}},
		{"wrong name", wrongName, "", want{status: Down, code: ReasonCert, reason: "cannot validate certificate for 127.0.0.1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := serveTLS(t, tt.cert, http.HandlerFunc(ok))
			spec := "    kind: tls\n    url: tls://" + hostPort(srv) + "\n    retries: 0\n" + tt.extra
			l := testConfig(t, "", oneCheck(spec), nil)
			res := runRound(t, &Runner{Config: l, RootCAs: ca.pool})
			tt.want.check(t, res[0])
			if tt.want.status != Down && res[0].Values["cert_expiry"] == "" {
				t.Errorf("no cert_expiry value: %v", res[0].Values)
			}
		})
	}
}

func TestHTTPSCertificates(t *testing.T) {
	ca := newCA(t)
	now := time.Now()
	tests := []struct {
		name string
		cert tls.Certificate
		spec string
		want want
	}{
		{"trusted", leaf(t, ca, []string{"127.0.0.1"}, now.Add(-time.Hour), now.Add(30*24*time.Hour)), "    conditions: [status == 200, cert.expires_in > 14d]\n", want{status: Up}},
		{"expiring soon", leaf(t, ca, []string{"127.0.0.1"}, now.Add(-time.Hour), now.Add(5*24*time.Hour)), "    degraded: [cert.expires_in > 14d]\n", want{status: Degraded, code: ReasonCondition}},
		{"self-signed", leaf(t, nil, []string{"127.0.0.1"}, now.Add(-time.Hour), now.Add(30*24*time.Hour)), "", want{status: Down, code: ReasonCert, attempts: 1}},
		{"expired", leaf(t, ca, []string{"127.0.0.1"}, now.Add(-72*time.Hour), now.Add(-time.Hour)), "", want{status: Down, code: ReasonCert, reason: "expired"}},
		{"insecure_skip_verify accepts self-signed", leaf(t, nil, []string{"127.0.0.1"}, now.Add(-time.Hour), now.Add(30*24*time.Hour)), "    http: {insecure_skip_verify: true}\n", want{status: Up}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := serveTLS(t, tt.cert, http.HandlerFunc(ok))
			spec := "    kind: http\n    url: " + srv + "/\n    retries: 1\n" + tt.spec
			l := testConfig(t, "", oneCheck(spec), nil)
			res := runRound(t, &Runner{Config: l, RootCAs: ca.pool})
			tt.want.check(t, res[0])
		})
	}
}

func TestDNSKind(t *testing.T) {
	dns := serveDNS(t, map[string]string{"node.upchain.test.": "127.0.0.7"})
	tests := []struct {
		name, spec string
		want       want
	}{
		{"resolves", "    kind: dns\n    url: dns://node.upchain.test\n    dns: {server: '" + dns + "'}\n    conditions: ['\"127.0.0.7\" in answers']\n", want{status: Up}},
		{"wrong answer", "    kind: dns\n    url: dns://node.upchain.test\n    dns: {server: '" + dns + "'}\n    conditions: ['\"127.0.0.8\" in answers']\n", want{status: Down, code: ReasonCondition, failed: "answers=[127.0.0.7]"}},
		{"NXDOMAIN", "    kind: dns\n    url: dns://missing.upchain.test\n    dns: {server: '" + dns + "'}\n", want{status: Down, code: ReasonDNS, reason: "DNS name does not exist: missing.upchain.test", attempts: 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { tt.want.check(t, probe(t, tt.spec, nil)) })
	}
}

func TestWebsocketKind(t *testing.T) {
	up := websocket.Upgrader{}
	echo := serveHTTP(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := up.Upgrade(w, r, nil)
		if err != nil {
			return
		}
		defer c.Close()
		_, msg, err := c.ReadMessage()
		if err != nil {
			return
		}
		_ = c.WriteMessage(websocket.TextMessage, []byte(`{"pong":true,"got":`+fmt.Sprintf("%q", msg)+`}`))
	}))
	refuse := serveHTTP(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { http.Error(w, "no", http.StatusForbidden) }))
	tests := []struct {
		name, spec string
		want       want
	}{
		{"answer required and given", "    kind: websocket\n    url: " + wsURL(echo) + "\n    websocket: {send: ping}\n    conditions: ['message contains \"ping\"', json.pong == true]\n", want{status: Up}},
		{"answer does not match", "    kind: websocket\n    url: " + wsURL(echo) + "\n    websocket: {send: ping}\n    conditions: ['message contains \"nope\"']\n", want{status: Down, code: ReasonCondition, failed: `message="{\"pong\":true`}},
		{"handshake refused", "    kind: websocket\n    url: " + wsURL(refuse) + "\n    websocket: {send: ping}\n    retries: 0\n", want{status: Down, code: ReasonHTTPStatus, reason: "HTTP 403"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { tt.want.check(t, probe(t, tt.spec, nil)) })
	}
}

func TestJSONRPCKind(t *testing.T) {
	health := serveRPC(t, rpcResult(`{"isSyncing":false,"peers":7,"shouldHavePeers":true}`))
	quantities := serveRPC(t, rpcResult(`{"number":"0x1b4","big":"0x20000000000001","exact":9007199254740993,"hash":"0x00ab"}`))
	scalar := serveRPC(t, rpcResult(`"0x20000000000001"`))
	rpcErr := serveRPC(t, func(rpcRequest) string {
		return `{"jsonrpc":"2.0","id":ID,"error":{"code":-32601,"message":"Method not found"}}`
	})
	echoParams := serveRPC(t, func(req rpcRequest) string {
		return `{"jsonrpc":"2.0","id":ID,"result":{"method":"` + req.Method + `","params":` + string(req.Params) + `}}`
	})
	// Over websocket, a subscription notification and a reply to some
	// other call arrive before the reply to ours.
	outOfOrder := serveRPC(t, func(req rpcRequest) string {
		return `{"jsonrpc":"2.0","method":"chain_newHead","params":{"result":1}}`
	})
	outOfOrderWS := wsOutOfOrder(t)

	cases := []struct {
		name, url, opts, conds string
		want                   want
	}{
		{"result conditions", health, "{method: system_health}", "[result.isSyncing == false, result.peers >= 5]", want{status: Up}},
		{"result condition fails with observed", health, "{method: system_health}", "[result.peers >= 10]", want{status: Down, code: ReasonCondition, failed: "result.peers >= 10 (result.peers=7)"}},
		{"hex quantities and 2^53+1", quantities, "{method: eth_x}", "[result.number == 436, result.big == 9007199254740993, result.exact == 9007199254740993, result.big > 9007199254740992, 'result.hash == \"0x00ab\"']", want{status: Up}},
		{"scalar result recorded exactly", scalar, "{method: eth_blockNumber}", "[result > 9007199254740992]", want{status: Up, values: map[string]string{"result": "9007199254740993"}}},
		{"JSON-RPC error", rpcErr, "{method: nope}", "", want{status: Down, code: ReasonRPCError, reason: "JSON-RPC error -32601: Method not found", attempts: 1}},
		{"params sent", echoParams, "{method: m, params: [1, \"two\", {three: 3}]}", "\n      - result.method == \"m\"\n      - result.params[0] == 1\n      - result.params[1] == \"two\"\n      - result.params[2].three == 3", want{status: Up}},
		{"notification only, no reply", outOfOrder, "{method: m}", "", want{status: Down, code: ReasonBadResponse}},
	}
	for _, tt := range cases {
		for _, transport := range []string{"http", "ws"} {
			u := tt.url
			if transport == "ws" {
				u = wsURL(u)
			}
			if tt.name == "notification only, no reply" && transport == "ws" {
				tt.want = want{status: Down, code: ReasonNoReply, reason: "no reply to m"}
			}
			t.Run(tt.name+"/"+transport, func(t *testing.T) {
				spec := "    kind: jsonrpc\n    url: " + u + "\n    timeout: 1s\n    retries: 0\n    jsonrpc: " + tt.opts + "\n"
				if tt.conds != "" {
					spec += "    conditions: " + tt.conds + "\n"
				}
				tt.want.check(t, probe(t, spec, nil))
			})
		}
	}
	t.Run("out of order over websocket", func(t *testing.T) {
		spec := "    kind: jsonrpc\n    url: " + outOfOrderWS + "\n    timeout: 5s\n    jsonrpc: {method: system_health}\n    conditions: [result.peers == 9]\n"
		want{status: Up}.check(t, probe(t, spec, nil))
	})
}

// wsOutOfOrder is a websocket JSON-RPC server that, before answering a
// call, sends a notification and a reply with another id.
func wsOutOfOrder(t *testing.T) string {
	up := websocket.Upgrader{}
	srv := serveHTTP(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := up.Upgrade(w, r, nil)
		if err != nil {
			return
		}
		defer c.Close()
		var req rpcRequest
		if c.ReadJSON(&req) != nil {
			return
		}
		for _, m := range []string{
			`{"jsonrpc":"2.0","method":"chain_newHead","params":{"subscription":"x","result":{}}}`,
			`{"jsonrpc":"2.0","id":424242,"result":{"peers":1}}`,
			`{"jsonrpc":"2.0","id":` + string(req.ID) + `,"result":{"peers":9}}`,
		} {
			if c.WriteMessage(websocket.TextMessage, []byte(m)) != nil {
				return
			}
		}
		_, _, _ = c.ReadMessage() // hold until the client closes
	}))
	return wsURL(srv)
}

// Every variable a kind declares for conditions is set by a successful
// probe (in the best case: TLS, a JSON answer), so that a condition the
// loader accepts never reads a name that is always missing.
func TestKindVarsAreProvided(t *testing.T) {
	ca := newCA(t)
	cert := leaf(t, ca, []string{"127.0.0.1"}, time.Now().Add(-time.Hour), time.Now().Add(90*24*time.Hour))
	up := websocket.Upgrader{}
	srv := serveTLS(t, cert, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if websocket.IsWebSocketUpgrade(r) {
			c, err := up.Upgrade(w, r, nil)
			if err != nil {
				return
			}
			defer c.Close()
			var req rpcRequest
			if c.ReadJSON(&req) == nil {
				_ = c.WriteMessage(websocket.TextMessage, []byte(`{"jsonrpc":"2.0","id":1,"result":{}}`))
			}
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"jsonrpc":"2.0","id":1,"result":{}}`)
	}))
	dns := serveDNS(t, map[string]string{"a.upchain.test.": "127.0.0.1"})
	hp := hostPort(srv)
	specs := map[string]string{
		"http":      "    kind: http\n    url: " + srv + "/\n",
		"tcp":       "    kind: tcp\n    url: tcp://" + hp + "\n",
		"tls":       "    kind: tls\n    url: tls://" + hp + "\n",
		"dns":       "    kind: dns\n    url: dns://a.upchain.test\n    dns: {server: '" + dns + "'}\n",
		"websocket": "    kind: websocket\n    url: wss://" + hp + "/\n    websocket: {send: '{\"id\":1}'}\n",
		"jsonrpc":   "    kind: jsonrpc\n    url: " + srv + "/\n    jsonrpc: {method: m}\n",
	}
	for _, k := range Builtin().All() {
		spec, ok := specs[k.Name()]
		if !ok {
			continue // kinds added by other files have their own tests
		}
		t.Run(k.Name(), func(t *testing.T) {
			l := testConfig(t, "", oneCheck(spec), nil)
			c := l.Checks[0]
			tg := &Target{Check: c, Region: c.Targets()[0], MaxBody: 1 << 20, Now: time.Now, RootCAs: ca.pool}
			obs, err := k.Probe(context.Background(), tg)
			if err != nil {
				t.Fatal(err)
			}
			for _, v := range k.Vars() {
				switch v {
				case "latency", "region":
					continue // set by the Runner for every kind
				case "status":
					if obs.Code != 0 {
						continue
					}
				}
				if _, ok := obs.Vars[v]; !ok {
					t.Errorf("kind %s declares %q but does not set it (vars %v)", k.Name(), v, keys(obs.Vars))
				}
			}
		})
	}
}

func keys(m map[string]any) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}
