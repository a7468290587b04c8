package prober

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// evmNode answers the Ethereum JSON-RPC methods the evm kind calls, in the
// shapes of the Ethereum execution-apis specification (eth_syncing,
// eth_getBlockByNumber, eth_chainId, net_peerCount, web3_clientVersion),
// over HTTP POST and websocket. The websocket answers pairs of requests in
// reverse order, as geth did on one connection.
type evmNode struct {
	mu       sync.Mutex
	results  map[string]string // method -> raw JSON result
	errors   map[string]string // method -> error message
	upgrader websocket.Upgrader
}

func newEVMNode(blockTime time.Time) *evmNode {
	return &evmNode{
		results: map[string]string{
			"eth_getBlockByNumber": fmt.Sprintf(`{"number":"0x1b4","hash":"0xabc","timestamp":"0x%x","transactions":[]}`, blockTime.Unix()),
			"eth_syncing":          `false`,
			"eth_chainId":          `"0x406"`,
			"net_peerCount":        `"0x19"`,
			"web3_clientVersion":   `"conflux-rust/v2.4.0"`,
		},
		errors: map[string]string{},
	}
}

func (n *evmNode) set(method, raw string) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.results[method] = raw
	delete(n.errors, method)
}

func (n *evmNode) fail(method, msg string) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.errors[method] = msg
}

func (n *evmNode) reply(data []byte) []byte {
	var req struct {
		ID     json.RawMessage `json:"id"`
		Method string          `json:"method"`
	}
	_ = json.Unmarshal(data, &req)
	n.mu.Lock()
	defer n.mu.Unlock()
	if msg, ok := n.errors[req.Method]; ok {
		return []byte(fmt.Sprintf(`{"jsonrpc":"2.0","id":%s,"error":{"code":-32601,"message":%q}}`, req.ID, msg))
	}
	res, ok := n.results[req.Method]
	if !ok {
		return []byte(fmt.Sprintf(`{"jsonrpc":"2.0","id":%s,"error":{"code":-32601,"message":"the method %s does not exist/is not available"}}`, req.ID, req.Method))
	}
	return []byte(fmt.Sprintf(`{"jsonrpc":"2.0","id":%s,"result":%s}`, req.ID, res))
}

func (n *evmNode) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if websocket.IsWebSocketUpgrade(r) {
		conn, err := n.upgrader.Upgrade(w, r, nil)
		if err != nil {
			return
		}
		defer conn.Close()
		replies := make(chan []byte, 16)
		done := make(chan struct{})
		go func() {
			defer close(done)
			for first := range replies {
				select {
				case second := <-replies:
					if second != nil {
						_ = conn.WriteMessage(websocket.TextMessage, second)
					}
				case <-time.After(20 * time.Millisecond):
				}
				_ = conn.WriteMessage(websocket.TextMessage, first)
			}
		}()
		for {
			_, data, err := conn.ReadMessage()
			if err != nil {
				break
			}
			replies <- n.reply(data)
		}
		close(replies)
		<-done
		return
	}
	var buf [1 << 16]byte
	k, _ := r.Body.Read(buf[:])
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(n.reply(buf[:k]))
}

func TestEVMValidateAndDefaults(t *testing.T) {
	_, err := loadYAML(t, "checks:\n  - name: x\n    kind: evm\n    url: tcp://127.0.0.1:1\n    evm: {chain_id: 0x1}\n", nil)
	if err == nil || !strings.Contains(err.Error(), "needs an http(s):// or ws(s):// url") {
		t.Errorf("tcp url: %v", err)
	}
	_, err = loadYAML(t, "checks:\n  - name: x\n    kind: evm\n    url: http://127.0.0.1:1\n    evm: {chain_id: mainnet}\n", nil)
	if err == nil || !strings.Contains(err.Error(), ":5:") {
		t.Errorf("chain id not a number: %v", err)
	}
	l := mustLoad(t, "checks:\n  - name: x\n    kind: evm\n    url: http://127.0.0.1:1\n    evm: {chain_id: 1030, min_peers: 5, max_head_age: 2m}\n")
	up, deg := evmKind{}.DefaultConditions(l.Checks[0])
	if fmt.Sprint(up) != "[syncing == false head.age < 2m chain_id == 1030]" || fmt.Sprint(deg) != "[peers >= 5]" {
		t.Errorf("defaults: %q %q", up, deg)
	}
}

func TestEVMProbe(t *testing.T) {
	node := newEVMNode(time.Now())
	srv := httptest.NewServer(node)
	defer srv.Close()
	ws := "ws" + strings.TrimPrefix(srv.URL, "http")
	l := mustLoad(t, fmt.Sprintf(`group: Conflux
checks:
  - name: espace http
    kind: evm
    url: %s
    evm: {chain_id: 1030, min_peers: 5}
  - name: espace ws
    kind: evm
    url: %s
    evm: {chain_id: 1030}
    conditions:
      - version contains "conflux"
  - name: wrong chain
    kind: evm
    url: %s
    evm: {chain_id: 71}
`, srv.URL, ws, srv.URL))
	rs := newRounds(l)
	res := rs.round(t)
	for _, slug := range []string{"espace-http", "espace-ws"} {
		r := byCheck(t, res, slug)
		if r.Status != Up {
			t.Errorf("%s: %s %q", slug, r.Status, r.Reason)
		}
		for k, want := range map[string]string{"height": "436", "chain_id": "1030", "peers": "25", "syncing": "false", "version": "conflux-rust/v2.4.0"} {
			if r.Values[k] != want {
				t.Errorf("%s: %s = %q, want %q", slug, k, r.Values[k], want)
			}
		}
	}
	if r := byCheck(t, res, "wrong-chain"); r.Status != Down || !strings.Contains(r.Reason, "chain_id == 71 (chain_id=1030)") {
		t.Errorf("wrong chain: %s %q", r.Status, r.Reason)
	}

	tests := []struct {
		name   string
		change func()
		slug   string
		status Status
		reason string
	}{
		{"syncing", func() {
			node.set("eth_syncing", `{"startingBlock":"0x0","currentBlock":"0x1b4","highestBlock":"0x2000000000000001"}`)
		}, "espace-ws", Down, "syncing == false (syncing=true)"},
		{"stale head", func() {
			node.set("eth_syncing", "false")
			node.set("eth_getBlockByNumber", fmt.Sprintf(`{"number":"0x1b4","hash":"0xabc","timestamp":"0x%x"}`, time.Now().Add(-5*time.Minute).Unix()))
		}, "espace-http", Down, "head.age < 1m (head.age=5m0"},
		{"peers refused", func() {
			node.set("eth_getBlockByNumber", fmt.Sprintf(`{"number":"0xffffffffffffffffff","hash":"0xabc","timestamp":"0x%x"}`, time.Now().Unix()))
			node.fail("net_peerCount", "method not allowed")
		}, "espace-http", Degraded, "peers >= 5 (peers=null"},
		{"peers refused, no peers condition", func() {}, "espace-ws", Up, ""},
		{"no block", func() { node.set("eth_getBlockByNumber", "null") }, "espace-http", Down, "returned no block"},
		{"chain id refused", func() { node.fail("eth_chainId", "boom") }, "espace-ws", Down, "eth_chainId: JSON-RPC error -32601: boom"},
	}
	for _, tt := range tests {
		tt.change()
		r := byCheck(t, rs.round(t), tt.slug)
		if r.Status != tt.status || !strings.Contains(r.Reason, tt.reason) {
			t.Errorf("%s: %s %q, want %s with %q", tt.name, r.Status, r.Reason, tt.status, tt.reason)
		}
		if tt.name == "peers refused" && r.Values["height"] != "4722366482869645213695" {
			t.Errorf("huge height recorded as %q", r.Values["height"])
		}
	}
}
