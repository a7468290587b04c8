package prober

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// Hostile and broken endpoints, all on 127.0.0.1. Each must end as a down
// result with a reason code and a reason a person can act on, within the
// check's timeout: never a hang (runRound's guard fails the test), a crash,
// or unbounded memory (the 1 GB and 100 MB cases are streamed, and only
// end because the prober stops reading at its size limit).
func TestHostileEndpoints(t *testing.T) {
	now := time.Now()
	ca := newCA(t)
	selfSigned := leaf(t, nil, []string{"127.0.0.1"}, now.Add(-time.Hour), now.Add(30*24*time.Hour))
	expired := leaf(t, ca, []string{"127.0.0.1"}, now.Add(-72*time.Hour), now.Add(-time.Hour))

	silentAddr := listen(t, silent)
	dripAddr := listen(t, dripper)
	resetAddr := listen(t, resetter)
	closeAddr := listen(t, func(c net.Conn) { // reads the request, then closes
		_, _ = http.ReadRequest(bufio.NewReader(c))
	})
	gigabyte := serveHTTP(t, hugeBody(1<<30))
	endlessHeaders := listen(t, func(c net.Conn) {
		if _, err := http.ReadRequest(bufio.NewReader(c)); err != nil {
			return
		}
		line := []byte("X-Padding: " + strings.Repeat("a", 1000) + "\r\n")
		if _, err := c.Write([]byte("HTTP/1.1 101 Switching Protocols\r\n")); err != nil {
			return
		}
		for {
			if _, err := c.Write(line); err != nil {
				return
			}
		}
	})
	invalidJSON := serveHTTP(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"jsonrpc":"2.0","id":1,"result":{"peers":`)
	}))
	wrongID := serveRPC(t, func(rpcRequest) string { return `{"jsonrpc":"2.0","id":99,"result":{"peers":9}}` })
	loop := serveHTTP(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, r.URL.Path, http.StatusFound)
	}))
	wsSilent := wsServer(t, func(c *websocket.Conn) {
		for {
			if _, _, err := c.ReadMessage(); err != nil {
				return
			}
		}
	})
	wsHuge := wsServer(t, func(c *websocket.Conn) {
		if _, _, err := c.ReadMessage(); err != nil {
			return
		}
		w, err := c.NextWriter(websocket.TextMessage)
		if err != nil {
			return
		}
		chunk := []byte(`"` + strings.Repeat("x", 64<<10-2) + `"`)
		for sent := 0; sent < 100<<20; sent += len(chunk) {
			if _, err := w.Write(chunk); err != nil {
				return
			}
		}
		w.Close()
	})
	wsInvalid := wsServer(t, func(c *websocket.Conn) {
		if _, _, err := c.ReadMessage(); err == nil {
			_ = c.WriteMessage(websocket.TextMessage, []byte("<html>not json"))
			_, _, _ = c.ReadMessage()
		}
	})
	dns := serveDNS(t, map[string]string{})
	selfTLS := serveTLS(t, selfSigned, http.HandlerFunc(ok))
	expiredTLS := serveTLS(t, expired, http.HandlerFunc(ok))

	rpc := func(url string) string {
		return "    kind: jsonrpc\n    url: " + url + "\n    jsonrpc: {method: system_health}\n"
	}
	wsk := func(url string) string {
		return "    kind: websocket\n    url: " + url + "\n    websocket: {send: ping}\n"
	}
	httpk := func(url string) string { return "    kind: http\n    url: " + url + "\n" }

	tests := []struct {
		name string
		spec string
		want want
	}{
		{"http: accepts, never answers", httpk("http://" + silentAddr + "/"), want{status: Down, code: ReasonTimeout, reason: "no complete answer within 1s", attempts: 1}},
		{"jsonrpc http: accepts, never answers", rpc("http://" + silentAddr + "/"), want{status: Down, code: ReasonTimeout, reason: "within 1s"}},
		{"jsonrpc ws: handshake never answered", rpc("ws://" + silentAddr + "/"), want{status: Down, code: ReasonTimeout, reason: "within 1s"}},
		{"websocket: handshake never answered", wsk("ws://" + silentAddr + "/"), want{status: Down, code: ReasonTimeout, reason: "within 1s"}},
		{"tls: handshake never answered", "    kind: tls\n    url: tls://" + silentAddr + "\n", want{status: Down, code: ReasonTimeout, reason: "within 1s"}},
		{"http: drips one byte a second", httpk("http://" + dripAddr + "/"), want{status: Down, code: ReasonTimeout, reason: "no complete answer within 1s", attempts: 1}},
		{"http: 1 GB body", httpk(gigabyte), want{status: Down, code: ReasonTooLarge, reason: "response larger than 1048576 bytes", attempts: 1}},
		{"jsonrpc http: 1 GB reply", rpc(gigabyte), want{status: Down, code: ReasonTooLarge, reason: "reply larger than 1048576 bytes", attempts: 1}},
		{"websocket: endless handshake headers", wsk("ws://" + endlessHeaders + "/"), want{status: Down, code: ReasonTooLarge, reason: "websocket handshake response larger than 262144 bytes", attempts: 1}},
		{"jsonrpc ws: endless handshake headers", rpc("ws://" + endlessHeaders + "/"), want{status: Down, code: ReasonTooLarge, reason: "websocket handshake response larger than 262144 bytes", attempts: 1}},
		{"http: endless headers", httpk("http://" + endlessHeaders + "/"), want{status: Down, code: ReasonTooLarge, reason: "response headers larger than 64 KiB", attempts: 1}},
		{"jsonrpc http: invalid JSON", rpc(invalidJSON), want{status: Down, code: ReasonBadResponse, reason: "not valid JSON", attempts: 1}},
		{"jsonrpc ws: invalid JSON", rpc(wsInvalid), want{status: Down, code: ReasonBadResponse, reason: "not valid JSON", attempts: 1}},
		{"http: invalid JSON for a json condition", httpk(invalidJSON) + "    conditions: [json.result.peers > 1]\n", want{status: Down, code: ReasonCondition, failed: "json.result.peers=<missing>"}},
		{"jsonrpc http: reply with the wrong id", rpc(wrongID), want{status: Down, code: ReasonBadResponse, reason: "reply has id 99, expected 1", attempts: 1}},
		{"jsonrpc ws: reply with the wrong id", rpc(wsURL(wrongID)), want{status: Down, code: ReasonNoReply, reason: "1 replies arrived with other ids", attempts: 1}},
		{"websocket: accepts, never replies", wsk(wsSilent), want{status: Down, code: ReasonNoReply, reason: "handshake completed but no message arrived", attempts: 1}},
		{"jsonrpc ws: accepts, never replies", rpc(wsSilent), want{status: Down, code: ReasonNoReply, reason: "no reply to system_health"}},
		{"websocket: sends 100 MB", wsk(wsHuge), want{status: Down, code: ReasonTooLarge, reason: "message larger than 1048576 bytes", attempts: 1}},
		{"jsonrpc ws: sends 100 MB", rpc(wsHuge), want{status: Down, code: ReasonTooLarge, reason: "reply larger than 1048576 bytes", attempts: 1}},
		{"http: self-signed certificate", httpk(selfTLS), want{status: Down, code: ReasonCert, reason: "unknown authority", attempts: 1}},
		{"http: expired certificate", httpk(expiredTLS), want{status: Down, code: ReasonCert, reason: "expired", attempts: 1}},
		{"tls: self-signed certificate", "    kind: tls\n    url: tls://" + hostPort(selfTLS) + "\n", want{status: Down, code: ReasonCert, reason: "unknown authority"}},
		{"tls: expired certificate", "    kind: tls\n    url: tls://" + hostPort(expiredTLS) + "\n", want{status: Down, code: ReasonCert, reason: "expired"}},
		{"jsonrpc https: self-signed certificate", rpc(selfTLS), want{status: Down, code: ReasonCert, reason: "unknown authority"}},
		{"jsonrpc wss: expired certificate", rpc("wss://" + hostPort(expiredTLS)), want{status: Down, code: ReasonCert, reason: "expired"}},
		{"websocket wss: self-signed certificate", wsk("wss://" + hostPort(selfTLS)), want{status: Down, code: ReasonCert, reason: "unknown authority"}},
		{"http: connection reset", httpk("http://" + resetAddr + "/"), want{status: Down, code: ReasonReset, reason: "connection reset", attempts: 2}},
		{"jsonrpc http: connection reset", rpc("http://" + resetAddr + "/"), want{status: Down, code: ReasonReset, attempts: 2}},
		{"websocket: connection reset", wsk("ws://" + resetAddr + "/"), want{status: Down, code: ReasonReset, attempts: 2}},
		{"http: closed without an answer", httpk("http://" + closeAddr + "/"), want{status: Down, code: ReasonReset, reason: "closed", attempts: 2}},
		{"dns: name does not exist", "    kind: dns\n    url: dns://nothing.upchain.test\n    dns: {server: '" + dns + "'}\n", want{status: Down, code: ReasonDNS, reason: "DNS name does not exist: nothing.upchain.test", attempts: 1}},
		{"http: redirect loop", httpk(loop + "/loop"), want{status: Down, code: ReasonRedirects, reason: "stopped after 5 redirects", attempts: 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			spec := tt.spec + "    timeout: 1s\n    retries: 1\n"
			l := testConfig(t, "", oneCheck(spec), nil)
			res := runRound(t, &Runner{Config: l, RootCAs: ca.pool})
			if len(res) != 1 {
				t.Fatalf("%d results", len(res))
			}
			t.Logf("%s after %d attempt(s): [%s] %s", res[0].Status, res[0].Attempts, res[0].ReasonCode, res[0].Reason)
			tt.want.check(t, res[0])
		})
	}
}

// wsServer starts a websocket server that runs handle for each connection.
func wsServer(t *testing.T, handle func(*websocket.Conn)) string {
	up := websocket.Upgrader{}
	return wsURL(serveHTTP(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := up.Upgrade(w, r, nil)
		if err != nil {
			return
		}
		defer c.Close()
		handle(c)
	})))
}

func TestClassify(t *testing.T) {
	tests := []struct {
		err  error
		code ReasonCode
		msg  string
	}{
		{context.DeadlineExceeded, ReasonTimeout, "timed out"},
		{&net.DNSError{Name: "x.test", Err: "no such host", IsNotFound: true}, ReasonDNS, "DNS name does not exist: x.test"},
		{&net.DNSError{Name: "x.test", Err: "server misbehaving", IsTemporary: true}, ReasonDNS, "server misbehaving"},
		{&net.OpError{Op: "dial", Err: syscall.ECONNREFUSED}, ReasonRefused, "connection refused"},
		{&net.OpError{Op: "read", Err: syscall.ECONNRESET}, ReasonReset, "connection reset"},
		{io.ErrUnexpectedEOF, ReasonReset, "connection closed early"},
		{errors.New("net/http: HTTP/1.x transport connection broken: readLoopPeekFailLocked: <nil>"), ReasonBadResponse, "sent data before any request"},
		{&net.OpError{Op: "write", Err: errors.New("something odd")}, ReasonNetwork, "something odd"},
		{Fail(ReasonChain, "head is %d blocks behind", 12), ReasonChain, "head is 12 blocks behind"},
		{errors.New("anything else"), ReasonBadResponse, "anything else"},
	}
	for _, tt := range tests {
		f := Classify(tt.err)
		if f.Code != tt.code || !strings.Contains(f.Msg, tt.msg) {
			t.Errorf("Classify(%v) = [%s] %q, want [%s] containing %q", tt.err, f.Code, f.Msg, tt.code, tt.msg)
		}
	}
	if Classify(nil) != nil {
		t.Error("Classify(nil) != nil")
	}
	if !Classify(&net.OpError{Op: "dial", Err: syscall.ECONNREFUSED}).Transient || Classify(errors.New("x")).Transient {
		t.Error("transient classification wrong")
	}
}
