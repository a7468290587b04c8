package prober

import (
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/upchain-dev/upchain/prober/substrate/scale"
	"github.com/upchain-dev/upchain/prober/substrate/storage"
)

// fakeSubstrate is a local stand-in for a Substrate node (no node can run
// here). It answers, over websocket and HTTP POST on one address, the
// JSON-RPC methods the substrate kind calls, with the result shapes of the
// Substrate RPC documentation (polkadot.js.org/docs/substrate/rpc:
// system_health, system_syncState, system_version, system_chain,
// chain_getHeader, chain_getFinalizedHead, state_getStorage) as
// polkadot-sdk nodes return them: header numbers as hex quantities, storage
// values as 0x-prefixed hex of their SCALE encoding, null for an absent
// value. Tests build the SCALE values with the scale and storage packages.
type fakeSubstrate struct {
	srv *httptest.Server

	mu        sync.Mutex
	peers     int64
	syncing   bool
	current   uint64 // system_syncState currentBlock
	highest   *uint64
	version   string
	chain     string
	best      uint64
	finalized uint64
	store     map[string]string // hex key -> hex value
	// results replaces a method's result with raw JSON (malformed answers).
	results map[string]string
	// rpcErrors answers a method with a JSON-RPC error of this message.
	rpcErrors map[string]string
	calls     map[string]int
	headers   []http.Header
}

func newFakeSubstrate(t testing.TB) *fakeSubstrate {
	f := &fakeSubstrate{
		peers: 12, version: "1.17.1-5f5b4ab1f3c", chain: "Polkadot",
		best: 1000, finalized: 998, current: 1000,
		store: map[string]string{}, results: map[string]string{}, rpcErrors: map[string]string{}, calls: map[string]int{},
	}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeSubstrate) wsURL() string   { return "ws" + strings.TrimPrefix(f.srv.URL, "http") }
func (f *fakeSubstrate) httpURL() string { return f.srv.URL }
func (f *fakeSubstrate) addr() string    { return strings.TrimPrefix(f.srv.URL, "http://") }

func (f *fakeSubstrate) set(key storage.Key, value []byte) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.store[key.Hex()] = "0x" + hex.EncodeToString(value)
}

func (f *fakeSubstrate) setRaw(key storage.Key, hexValue string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.store[key.Hex()] = hexValue
}

func (f *fakeSubstrate) del(key storage.Key) {
	f.mu.Lock()
	defer f.mu.Unlock()
	delete(f.store, key.Hex())
}

func (f *fakeSubstrate) update(fn func(f *fakeSubstrate)) {
	f.mu.Lock()
	defer f.mu.Unlock()
	fn(f)
}

func (f *fakeSubstrate) callCount(name string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.calls[name]
}

func (f *fakeSubstrate) seenHeaders() []http.Header {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]http.Header(nil), f.headers...)
}

// setTime sets Timestamp.Now, the best block's time.
func (f *fakeSubstrate) setTime(at time.Time) {
	f.set(storage.TimestampNow(), scale.AppendU64(nil, uint64(at.UnixMilli())))
}

func (f *fakeSubstrate) setSession(index uint32, validators ...scale.AccountID) {
	f.set(storage.SessionCurrentIndex(), scale.AppendU32(nil, index))
	f.set(storage.SessionValidators(), scale.AppendAccountIDs(nil, validators))
}

func (f *fakeSubstrate) setEra(index uint32, start uint64) {
	f.set(storage.StakingActiveEra(), storage.AppendActiveEra(nil, storage.ActiveEra{Index: index, StartMS: &start}))
}

func (f *fakeSubstrate) setPoints(era, total uint32, individual ...storage.ValidatorPoints) {
	f.set(storage.StakingErasRewardPoints(era), storage.AppendEraRewardPoints(nil, storage.EraRewardPoints{Total: total, Individual: individual}))
}

var upgrader = websocket.Upgrader{CheckOrigin: func(*http.Request) bool { return true }}

func (f *fakeSubstrate) serve(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	f.headers = append(f.headers, r.Header.Clone())
	f.mu.Unlock()
	if websocket.IsWebSocketUpgrade(r) {
		conn, err := upgrader.Upgrade(w, r, nil)
		if err != nil {
			return
		}
		defer conn.Close()
		for {
			_, msg, err := conn.ReadMessage()
			if err != nil {
				return
			}
			if err := conn.WriteMessage(websocket.TextMessage, f.answer(msg, r.URL.Path)); err != nil {
				return
			}
		}
	}
	if r.Method != http.MethodPost {
		http.Error(w, "POST JSON-RPC or open a websocket", http.StatusMethodNotAllowed)
		return
	}
	body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(f.answer(body, r.URL.Path))
}

func blockHash(n uint64) string { return fmt.Sprintf("0x%064x", n) }

func header(n uint64) map[string]any {
	return map[string]any{
		"parentHash": blockHash(n - 1), "number": "0x" + strconv.FormatUint(n, 16),
		"stateRoot": blockHash(0xfeed), "extrinsicsRoot": blockHash(0xbeef), "digest": map[string]any{"logs": []any{}},
	}
}

func (f *fakeSubstrate) answer(msg []byte, path string) []byte {
	var req struct {
		ID     json.RawMessage `json:"id"`
		Method string          `json:"method"`
		Params []any           `json:"params"`
	}
	if err := json.Unmarshal(msg, &req); err != nil {
		return []byte(`{"jsonrpc":"2.0","id":null,"error":{"code":-32700,"message":"Parse error"}}`)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls[req.Method]++
	reply := func(result any) []byte {
		raw, _ := json.Marshal(result)
		return []byte(fmt.Sprintf(`{"jsonrpc":"2.0","id":%s,"result":%s}`, req.ID, raw))
	}
	if m, ok := f.rpcErrors[req.Method]; ok {
		m = strings.ReplaceAll(m, "{path}", path)
		e, _ := json.Marshal(m)
		return []byte(fmt.Sprintf(`{"jsonrpc":"2.0","id":%s,"error":{"code":-32000,"message":%s}}`, req.ID, e))
	}
	if raw, ok := f.results[req.Method]; ok {
		return []byte(fmt.Sprintf(`{"jsonrpc":"2.0","id":%s,"result":%s}`, req.ID, raw))
	}
	switch req.Method {
	case "system_health":
		return reply(map[string]any{"peers": f.peers, "isSyncing": f.syncing, "shouldHavePeers": true})
	case "system_syncState":
		s := map[string]any{"startingBlock": 0, "currentBlock": f.current}
		if f.highest != nil {
			s["highestBlock"] = *f.highest
		}
		return reply(s)
	case "system_version":
		return reply(f.version)
	case "system_chain":
		return reply(f.chain)
	case "chain_getFinalizedHead":
		return reply(blockHash(f.finalized))
	case "chain_getHeader":
		if len(req.Params) == 0 || req.Params[0] == nil {
			return reply(header(f.best))
		}
		h, _ := req.Params[0].(string)
		n, err := strconv.ParseUint(strings.TrimPrefix(h, "0x"), 16, 64)
		if err != nil || n > f.best {
			return reply(nil)
		}
		return reply(header(n))
	case "state_getStorage":
		key, _ := req.Params[0].(string)
		f.calls["storage:"+key]++
		if v, ok := f.store[key]; ok {
			return reply(v)
		}
		return reply(nil)
	}
	return []byte(fmt.Sprintf(`{"jsonrpc":"2.0","id":%s,"error":{"code":-32601,"message":"Method not found"}}`, req.ID))
}
