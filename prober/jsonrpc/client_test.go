package jsonrpc

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// The servers here follow the JSON-RPC 2.0 specification: a request
// object with jsonrpc, id, method and params; a response with the same id
// and either result or error {code, message}; notifications without id.

type request struct {
	ID     json.RawMessage `json:"id"`
	Method string          `json:"method"`
	Params json.RawMessage `json:"params"`
}

func httpServer(t *testing.T, h func(w http.ResponseWriter, req request)) string {
	t.Helper()
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var req request
		if err := json.NewDecoder(r.Body).Decode(&req); err != nil || r.Method != http.MethodPost || r.Header.Get("Content-Type") != "application/json" {
			http.Error(w, "bad request", 400)
			return
		}
		h(w, req)
	}))
	t.Cleanup(s.Close)
	return s.URL
}

func ctx(t *testing.T, d time.Duration) context.Context {
	c, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return c
}

func TestHTTPCalls(t *testing.T) {
	big := strings.Repeat("x", 2<<20)
	srv := httpServer(t, func(w http.ResponseWriter, req request) {
		switch req.Method {
		case "ok":
			fmt.Fprintf(w, `{"jsonrpc":"2.0","id":%s,"result":{"n":9007199254740993,"q":"0x1b4","params":%s}}`, req.ID, req.Params)
		case "error":
			fmt.Fprintf(w, `{"jsonrpc":"2.0","id":%s,"error":{"code":-32602,"message":"invalid params"}}`, req.ID)
		case "error-null-id":
			_, _ = io.WriteString(w, `{"jsonrpc":"2.0","id":null,"error":{"code":-32700,"message":"parse error"}}`)
		case "wrong-id":
			_, _ = io.WriteString(w, `{"jsonrpc":"2.0","id":12345,"result":1}`)
		case "no-id":
			_, _ = io.WriteString(w, `{"jsonrpc":"2.0","result":1}`)
		case "null-id":
			_, _ = io.WriteString(w, `{"jsonrpc":"2.0","id":null,"result":1}`)
		case "string-id":
			fmt.Fprintf(w, `{"jsonrpc":"2.0","id":"%s","result":1}`, req.ID)
		case "garbage":
			_, _ = io.WriteString(w, `<html>502 Bad Gateway</html>`)
		case "status":
			http.Error(w, "upstream unavailable", http.StatusBadGateway)
		case "empty":
			fmt.Fprintf(w, `{"jsonrpc":"2.0","id":%s}`, req.ID)
		case "big":
			fmt.Fprintf(w, `{"jsonrpc":"2.0","id":%s,"result":"%s"}`, req.ID, big)
		}
	})
	c, err := Dial(ctx(t, 5*time.Second), srv, Options{MaxBytes: 1 << 20})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()

	v, err := c.CallValue(ctx(t, 5*time.Second), "ok", []any{"a", 1})
	if err != nil {
		t.Fatal(err)
	}
	m := v.(map[string]any)
	if m["n"] != int64(9007199254740993) || m["q"] != int64(436) || fmt.Sprint(m["params"]) != "[a 1]" {
		t.Fatalf("value %#v", m)
	}
	var into struct{ N uint64 }
	if err := c.CallInto(ctx(t, 5*time.Second), "ok", nil, &into); err != nil || into.N != 9007199254740993 {
		t.Fatalf("CallInto: %v %d", err, into.N)
	}
	var wrongShape []int
	var pe *ProtocolError
	if err := c.CallInto(ctx(t, 5*time.Second), "ok", nil, &wrongShape); !errors.As(err, &pe) {
		t.Fatalf("CallInto wrong shape: %v", err)
	}

	tests := []struct {
		method string
		check  func(error) bool
		text   string
	}{
		{"error", func(e error) bool { var x *Error; return errors.As(e, &x) && x.Code == -32602 }, "JSON-RPC error -32602: invalid params"},
		{"error-null-id", func(e error) bool { var x *Error; return errors.As(e, &x) && x.Code == -32700 }, "parse error"},
		{"wrong-id", func(e error) bool { var x *ProtocolError; return errors.As(e, &x) }, "reply has id 12345, expected"},
		{"no-id", func(e error) bool { var x *ProtocolError; return errors.As(e, &x) }, "reply has no id, expected "},
		{"null-id", func(e error) bool { var x *ProtocolError; return errors.As(e, &x) }, "reply has no id, expected "},
		{"string-id", func(e error) bool { return e == nil }, ""},
		{"garbage", func(e error) bool { var x *ProtocolError; return errors.As(e, &x) }, "not valid JSON-RPC"},
		{"status", func(e error) bool { var x *HTTPStatusError; return errors.As(e, &x) && x.Code == 502 }, "HTTP 502: upstream unavailable"},
		{"empty", func(e error) bool { var x *ProtocolError; return errors.As(e, &x) }, "has neither result nor error"},
		{"big", func(e error) bool { var x *TooLargeError; return errors.As(e, &x) }, "reply larger than 1048576 bytes"},
	}
	for _, tt := range tests {
		t.Run(tt.method, func(t *testing.T) {
			_, err := c.Call(ctx(t, 5*time.Second), tt.method, nil)
			if !tt.check(err) {
				t.Fatalf("error %T %v", err, err)
			}
			if err != nil && !strings.Contains(err.Error(), tt.text) {
				t.Fatalf("error %q does not contain %q", err, tt.text)
			}
		})
	}
}

func TestSnippetRedacted(t *testing.T) {
	secret := "sk_live_0123456789abcdef"
	srv := httpServer(t, func(w http.ResponseWriter, req request) {
		_, _ = io.WriteString(w, strings.Repeat(".", 70)+secret+" garbage")
	})
	c, err := Dial(ctx(t, 5*time.Second), srv, Options{Redact: func(s string) string { return strings.ReplaceAll(s, secret, "${KEY}") }})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_, err = c.Call(ctx(t, 5*time.Second), "m", nil)
	if err == nil || strings.Contains(err.Error(), secret[:8]) || !strings.Contains(err.Error(), "${KEY}") {
		t.Fatalf("error %v: want the secret redacted before the cut", err)
	}
}

// wsServer serves each websocket connection with handle.
func wsServer(t *testing.T, handle func(c *websocket.Conn)) string {
	t.Helper()
	up := websocket.Upgrader{}
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := up.Upgrade(w, r, nil)
		if err != nil {
			return
		}
		defer c.Close()
		handle(c)
	}))
	t.Cleanup(s.Close)
	return "ws" + strings.TrimPrefix(s.URL, "http")
}

func TestWebsocketRepliesOutOfOrder(t *testing.T) {
	srv := wsServer(t, func(c *websocket.Conn) {
		// Read both calls, then answer the second first, with a
		// notification and a reply nobody asked for in between.
		var reqs []request
		for len(reqs) < 2 {
			var r request
			if c.ReadJSON(&r) != nil {
				return
			}
			reqs = append(reqs, r)
		}
		for _, m := range []string{
			fmt.Sprintf(`{"jsonrpc":"2.0","id":%s,"result":"%s"}`, reqs[1].ID, reqs[1].Method),
			`{"jsonrpc":"2.0","method":"chain_newHead","params":{"subscription":"s","result":{"number":"0x10"}}}`,
			`{"jsonrpc":"2.0","id":777,"result":"stray"}`,
			fmt.Sprintf(`{"jsonrpc":"2.0","id":%s,"result":"%s"}`, reqs[0].ID, reqs[0].Method),
		} {
			if c.WriteMessage(websocket.TextMessage, []byte(m)) != nil {
				return
			}
		}
		_, _, _ = c.ReadMessage()
	})
	c, err := Dial(ctx(t, 5*time.Second), srv, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	notes := c.Notifications()
	var wg sync.WaitGroup
	got := make([]string, 2)
	errs := make([]error, 2)
	for i, method := range []string{"first", "second"} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var s string
			errs[i] = c.CallInto(ctx(t, 10*time.Second), method, nil, &s)
			got[i] = s
		}()
		time.Sleep(20 * time.Millisecond) // send "first" first (order only, not asserted on time)
	}
	wg.Wait()
	if errs[0] != nil || errs[1] != nil || got[0] != "first" || got[1] != "second" {
		t.Fatalf("results %q errors %v", got, errs)
	}
	select {
	case n := <-notes:
		if !strings.Contains(string(n), "chain_newHead") {
			t.Fatalf("notification %s", n)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("notification not delivered")
	}
}

func TestUnsolicitedNotificationsAreBounded(t *testing.T) {
	srv := wsServer(t, func(c *websocket.Conn) {
		for {
			var r request
			if c.ReadJSON(&r) != nil {
				return
			}
			for i := 0; i < 100; i++ {
				_ = c.WriteMessage(websocket.TextMessage, []byte(`{"jsonrpc":"2.0","method":"spam","params":{"result":"`+strings.Repeat("x", 1000)+`"}}`))
			}
			_ = c.WriteMessage(websocket.TextMessage, []byte(`{"jsonrpc":"2.0","id":`+string(r.ID)+`,"result":1}`))
		}
	})
	for _, subscribe := range []bool{false, true} {
		c, err := Dial(ctx(t, 5*time.Second), srv, Options{})
		if err != nil {
			t.Fatal(err)
		}
		if subscribe {
			c.Notifications()
		}
		if _, err := c.Call(ctx(t, 5*time.Second), "m", nil); err != nil {
			t.Fatal(err)
		}
		queued := len(c.notifyCh)
		c.Close()
		if want := map[bool]int{false: 0, true: notifyBuffer}[subscribe]; queued != want {
			t.Errorf("subscribed=%v: %d notifications queued, want %d", subscribe, queued, want)
		}
	}
}

func TestWebsocketFailures(t *testing.T) {
	silent := wsServer(t, func(c *websocket.Conn) {
		for {
			if _, _, err := c.ReadMessage(); err != nil {
				return
			}
		}
	})
	wrongID := wsServer(t, func(c *websocket.Conn) {
		for {
			if _, _, err := c.ReadMessage(); err != nil {
				return
			}
			_ = c.WriteMessage(websocket.TextMessage, []byte(`{"jsonrpc":"2.0","id":999,"result":1}`))
		}
	})
	closes := wsServer(t, func(c *websocket.Conn) { _, _, _ = c.ReadMessage() })
	huge := wsServer(t, func(c *websocket.Conn) {
		_, _, _ = c.ReadMessage()
		w, err := c.NextWriter(websocket.TextMessage)
		if err != nil {
			return
		}
		chunk := make([]byte, 64<<10)
		for i := 0; i < 100; i++ {
			if _, err := w.Write(chunk); err != nil {
				return
			}
		}
		w.Close()
	})
	garbage := wsServer(t, func(c *websocket.Conn) {
		_, _, _ = c.ReadMessage()
		_ = c.WriteMessage(websocket.TextMessage, []byte("not json"))
		_, _, _ = c.ReadMessage()
	})
	serverError := wsServer(t, func(c *websocket.Conn) {
		_, _, _ = c.ReadMessage()
		_ = c.WriteMessage(websocket.TextMessage, []byte(`{"jsonrpc":"2.0","id":null,"error":{"code":-32700,"message":"parse error"}}`))
		_, _, _ = c.ReadMessage()
	})
	tests := []struct {
		name  string
		url   string
		check func(error) bool
		text  string
	}{
		{"never replies", silent, func(e error) bool { var x *NoReplyError; return errors.As(e, &x) && x.Others == 0 }, "no reply to m (id 1) before the deadline"},
		{"wrong id", wrongID, func(e error) bool { var x *NoReplyError; return errors.As(e, &x) && x.Others == 1 }, "1 replies arrived with other ids"},
		{"closes", closes, func(e error) bool { var x *NoReplyError; return e != nil && !errors.As(e, &x) }, ""},
		{"too large", huge, func(e error) bool { var x *TooLargeError; return errors.As(e, &x) }, "reply larger than 1048576 bytes"},
		{"not json", garbage, func(e error) bool { var x *ProtocolError; return errors.As(e, &x) }, "not valid JSON"},
		{"error without id", serverError, func(e error) bool { var x *Error; return errors.As(e, &x) && x.Code == -32700 }, "parse error"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c, err := Dial(ctx(t, 5*time.Second), tt.url, Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			done := make(chan error, 1)
			go func() {
				_, err := c.Call(ctx(t, 500*time.Millisecond), "m", nil)
				done <- err
			}()
			select {
			case err = <-done:
			case <-time.After(30 * time.Second):
				t.Fatal("call hangs past its deadline")
			}
			if !tt.check(err) {
				t.Fatalf("error %T %v", err, err)
			}
			if !strings.Contains(fmt.Sprint(err), tt.text) {
				t.Fatalf("error %q does not contain %q", err, tt.text)
			}
			// After the connection failed, further calls fail at once.
			if tt.name == "closes" || tt.name == "not json" {
				if _, err := c.Call(ctx(t, 5*time.Second), "again", nil); err == nil {
					t.Fatal("call on a failed connection succeeded")
				}
			}
		})
	}
}

func TestDialErrors(t *testing.T) {
	if _, err := Dial(context.Background(), "ftp://x.test/", Options{}); err == nil || !strings.Contains(err.Error(), "unsupported scheme") {
		t.Fatalf("err %v", err)
	}
	refuse := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { http.Error(w, "no", http.StatusForbidden) }))
	defer refuse.Close()
	_, err := Dial(ctx(t, 5*time.Second), "ws"+strings.TrimPrefix(refuse.URL, "http"), Options{})
	if err == nil || !strings.Contains(err.Error(), "handshake refused with HTTP 403") {
		t.Fatalf("err %v", err)
	}
}

// A Host header from config reaches the server as the request's Host
// (net/http ignores it in the header map), e.g. for a virtual host behind
// an IP address.
func TestHTTPHostHeader(t *testing.T) {
	var gotHost string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		gotHost = r.Host
		io.WriteString(w, `{"jsonrpc":"2.0","id":1,"result":"0x1"}`)
	}))
	defer srv.Close()
	c, err := Dial(context.Background(), srv.URL, Options{Header: http.Header{"Host": {"rpc.example.test"}}})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := c.Call(context.Background(), "eth_blockNumber", nil); err != nil {
		t.Fatal(err)
	}
	if gotHost != "rpc.example.test" {
		t.Fatalf("server saw Host %q, want rpc.example.test", gotHost)
	}
}
