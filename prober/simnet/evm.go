package simnet

import (
	"encoding/json"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/gorilla/websocket"
)

// EVM is an Ethereum-style execution node answering JSON-RPC 2.0 over HTTP
// POST and websocket on one handler, in the shapes of the Ethereum
// execution API specification (ethereum/execution-apis: eth_blockNumber,
// eth_getBlockByNumber, eth_syncing, eth_chainId, eth_getBalance) plus
// net_peerCount and web3_clientVersion. Quantities are 0x hex. A block
// is produced every BlockTime since Genesis.
type EVM struct {
	ChainID   uint64
	Genesis   time.Time
	BlockTime time.Duration
	Version   string
	Peers     int
	// Balances of addresses (lower-case 0x hex), in wei.
	Balances map[string]*big.Int
	// Now is the clock; nil means time.Now.
	Now func() time.Time

	mu        sync.Mutex
	stalledAt time.Time // zero: producing blocks
	upgrader  websocket.Upgrader
}

// Stall stops block production (true) or resumes it (false). A resumed
// node catches up at once: its height is again the clock's.
func (e *EVM) Stall(stalled bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	switch {
	case stalled && e.stalledAt.IsZero():
		e.stalledAt = e.now()
	case !stalled:
		e.stalledAt = time.Time{}
	}
}

func (e *EVM) now() time.Time {
	if e.Now != nil {
		return e.Now()
	}
	return time.Now()
}

// head returns the latest block's number and time.
func (e *EVM) head() (uint64, time.Time) {
	e.mu.Lock()
	defer e.mu.Unlock()
	at := e.now()
	if !e.stalledAt.IsZero() {
		at = e.stalledAt
	}
	bt := e.BlockTime
	if bt <= 0 {
		bt = 12 * time.Second
	}
	if at.Before(e.Genesis) {
		return 0, e.Genesis
	}
	n := uint64(at.Sub(e.Genesis) / bt)
	return n, e.Genesis.Add(time.Duration(n) * bt)
}

type evmRequest struct {
	ID     json.RawMessage `json:"id"`
	Method string          `json:"method"`
	Params []any           `json:"params"`
}

func (e *EVM) answer(data []byte) []byte {
	var req evmRequest
	if err := json.Unmarshal(data, &req); err != nil || len(req.ID) == 0 {
		return []byte(`{"jsonrpc":"2.0","id":null,"error":{"code":-32700,"message":"parse error"}}`)
	}
	result, err := e.call(req)
	var out []byte
	if err != nil {
		out, _ = json.Marshal(map[string]any{"jsonrpc": "2.0", "id": req.ID, "error": map[string]any{"code": -32601, "message": err.Error()}})
	} else {
		out, _ = json.Marshal(map[string]any{"jsonrpc": "2.0", "id": req.ID, "result": result})
	}
	return out
}

func (e *EVM) call(req evmRequest) (any, error) {
	n, t := e.head()
	switch req.Method {
	case "eth_blockNumber":
		return hexQuantity(n), nil
	case "eth_getBlockByNumber":
		return map[string]any{
			"number":       hexQuantity(n),
			"hash":         fmt.Sprintf("0x%064x", n),
			"timestamp":    hexQuantity(uint64(t.Unix())),
			"transactions": []any{},
		}, nil
	case "eth_syncing":
		return false, nil
	case "eth_chainId":
		return hexQuantity(e.ChainID), nil
	case "net_peerCount":
		return hexQuantity(uint64(e.Peers)), nil
	case "web3_clientVersion":
		return e.Version, nil
	case "eth_getBalance":
		addr := ""
		if len(req.Params) > 0 {
			addr, _ = req.Params[0].(string)
		}
		b := e.Balances[strings.ToLower(addr)]
		if b == nil {
			b = new(big.Int)
		}
		return "0x" + b.Text(16), nil
	}
	return nil, fmt.Errorf("the method %s does not exist/is not available", req.Method)
}

func hexQuantity(n uint64) string { return fmt.Sprintf("0x%x", n) }

func (e *EVM) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if websocket.IsWebSocketUpgrade(r) {
		conn, err := e.upgrader.Upgrade(w, r, nil)
		if err != nil {
			return
		}
		defer conn.Close()
		conn.SetReadLimit(1 << 20)
		for {
			_, data, err := conn.ReadMessage()
			if err != nil {
				return
			}
			if conn.WriteMessage(websocket.TextMessage, e.answer(data)) != nil {
				return
			}
		}
	}
	if r.Method != http.MethodPost {
		http.Error(w, "JSON-RPC wants POST", http.StatusMethodNotAllowed)
		return
	}
	data, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err != nil {
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(e.answer(data))
}
