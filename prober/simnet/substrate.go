// Package simnet holds local stand-ins for the nodes upchain probes: each
// is an http.Handler that answers the documented wire shapes on 127.0.0.1,
// reads the time from a Now field so that a simulated clock drives it, and
// is changed through mutex-protected methods. Tests and `upchain demo` use
// them.
package simnet

import (
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gorilla/websocket"
	"github.com/upchain-dev/upchain/prober/substrate/scale"
	"github.com/upchain-dev/upchain/prober/substrate/storage"
)

// Substrate is a Substrate node (relay chain, system parachain or solo
// chain). It answers, over websocket and HTTP POST on one address, the
// JSON-RPC methods the substrate kind calls, with the result shapes of the
// Substrate RPC documentation (polkadot.js.org/docs/substrate/rpc:
// system_health, system_syncState, system_version, system_chain,
// chain_getHeader, chain_getFinalizedHead, chain_getBlockHash,
// state_getStorage, state_getKeysPaged) as polkadot-sdk nodes return them:
// header numbers as hex quantities, storage values as 0x-prefixed hex of
// their SCALE encoding, null for an absent value. Storage is a plain
// key/value map that callers fill with the scale and storage packages.
//
// With BlockTime set, the best block follows the clock: Best at Genesis,
// one more every BlockTime, finalized two behind, and Timestamp.Now the
// best block's time unless stored explicitly.
type Substrate struct {
	// Now is the clock (nil: time.Now).
	Now func() time.Time

	mu sync.Mutex

	Peers     int64
	Syncing   bool
	Current   uint64 // system_syncState currentBlock (static chains)
	Highest   *uint64
	Version   string
	Chain     string
	Best      uint64
	Finalized uint64
	// BlockTime and Genesis make the chain advance with Now (see above).
	BlockTime time.Duration
	Genesis   time.Time

	// Results replaces a method's result with raw JSON (malformed answers).
	Results map[string]string
	// RPCErrors answers a method with a JSON-RPC error of this message
	// ("{path}" is replaced by the request path).
	RPCErrors map[string]string

	store   map[string]string // hex key -> hex value
	calls   map[string]int
	headers []http.Header
}

// NewSubstrate is a healthy Polkadot node at block 1000, finalized 998,
// with 12 peers and empty storage.
func NewSubstrate() *Substrate {
	return &Substrate{
		Peers: 12, Version: "1.17.1-5f5b4ab1f3c", Chain: "Polkadot",
		Best: 1000, Finalized: 998, Current: 1000,
		Results: map[string]string{}, RPCErrors: map[string]string{},
		store: map[string]string{}, calls: map[string]int{},
	}
}

func (s *Substrate) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

// Update changes the node's fields under its lock.
func (s *Substrate) Update(fn func(*Substrate)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	fn(s)
}

// Set stores the SCALE value of a storage key.
func (s *Substrate) Set(key storage.Key, value []byte) {
	s.SetRaw(key, "0x"+hex.EncodeToString(value))
}

// SetRaw stores what state_getStorage returns for key, as written.
func (s *Substrate) SetRaw(key storage.Key, hexValue string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.store[key.Hex()] = hexValue
}

// Del removes a storage key (state_getStorage answers null).
func (s *Substrate) Del(key storage.Key) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.store, key.Hex())
}

// Calls is how often a method was called; "storage:<hex key>" counts the
// reads of one key.
func (s *Substrate) Calls(name string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls[name]
}

// AllCalls is a copy of all call counts.
func (s *Substrate) AllCalls() map[string]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[string]int, len(s.calls))
	for k, v := range s.calls {
		out[k] = v
	}
	return out
}

// Headers are the HTTP headers of every request so far.
func (s *Substrate) Headers() []http.Header {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]http.Header(nil), s.headers...)
}

// SetTime sets Timestamp.Now, the best block's time.
func (s *Substrate) SetTime(at time.Time) {
	s.Set(storage.TimestampNow(), scale.AppendU64(nil, uint64(at.UnixMilli())))
}

// SetSession sets Session.CurrentIndex and the active set.
func (s *Substrate) SetSession(index uint32, validators ...scale.AccountID) {
	s.Set(storage.SessionCurrentIndex(), scale.AppendU32(nil, index))
	s.Set(storage.SessionValidators(), scale.AppendAccountIDs(nil, validators))
}

// SetEra sets Staking.ActiveEra with its start (unix ms).
func (s *Substrate) SetEra(index uint32, startMS uint64) {
	s.Set(storage.StakingActiveEra(), storage.AppendActiveEra(nil, storage.ActiveEra{Index: index, StartMS: &startMS}))
}

// SetPoints sets Staking.ErasRewardPoints(era).
func (s *Substrate) SetPoints(era, total uint32, individual ...storage.ValidatorPoints) {
	s.Set(storage.StakingErasRewardPoints(era), storage.AppendEraRewardPoints(nil, storage.EraRewardPoints{Total: total, Individual: individual}))
}

var substrateUpgrader = websocket.Upgrader{CheckOrigin: func(*http.Request) bool { return true }}

// ServeHTTP answers JSON-RPC over a websocket or an HTTP POST.
func (s *Substrate) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	if len(s.headers) < 1000 { // bounded: the demo serves for hours
		s.headers = append(s.headers, r.Header.Clone())
	}
	s.mu.Unlock()
	if websocket.IsWebSocketUpgrade(r) {
		conn, err := substrateUpgrader.Upgrade(w, r, nil)
		if err != nil {
			return
		}
		defer conn.Close()
		conn.SetReadLimit(1 << 20)
		for {
			_, msg, err := conn.ReadMessage()
			if err != nil {
				return
			}
			if err := conn.WriteMessage(websocket.TextMessage, s.answer(msg, r.URL.Path)); err != nil {
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
	_, _ = w.Write(s.answer(body, r.URL.Path))
}

func substrateBlockHash(n uint64) string { return fmt.Sprintf("0x%064x", n) }

func substrateHeader(n uint64) map[string]any {
	return map[string]any{
		"parentHash": substrateBlockHash(n - 1), "number": "0x" + strconv.FormatUint(n, 16),
		"stateRoot": substrateBlockHash(0xfeed), "extrinsicsRoot": substrateBlockHash(0xbeef), "digest": map[string]any{"logs": []any{}},
	}
}

// heads are the best and finalized heights now; with a BlockTime they
// follow the clock.
func (s *Substrate) heads() (best, finalized uint64) {
	if s.BlockTime <= 0 {
		return s.Best, s.Finalized
	}
	el := s.now().Sub(s.Genesis)
	if el < 0 {
		el = 0
	}
	best = s.Best + uint64(el/s.BlockTime)
	return best, max(best, 2) - 2
}

type substrateRequest struct {
	ID     json.RawMessage `json:"id"`
	Method string          `json:"method"`
	Params []any           `json:"params"`
}

func (s *Substrate) answer(msg []byte, path string) []byte {
	var req substrateRequest
	if err := json.Unmarshal(msg, &req); err != nil {
		return []byte(`{"jsonrpc":"2.0","id":null,"error":{"code":-32700,"message":"Parse error"}}`)
	}
	if len(req.ID) == 0 {
		req.ID = json.RawMessage("null")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls[req.Method]++
	if m, ok := s.RPCErrors[req.Method]; ok {
		m = strings.ReplaceAll(m, "{path}", path)
		e, _ := json.Marshal(m)
		return []byte(fmt.Sprintf(`{"jsonrpc":"2.0","id":%s,"error":{"code":-32000,"message":%s}}`, req.ID, e))
	}
	if raw, ok := s.Results[req.Method]; ok {
		return []byte(fmt.Sprintf(`{"jsonrpc":"2.0","id":%s,"result":%s}`, req.ID, raw))
	}
	result, rpcErr := s.result(&req)
	if rpcErr != "" {
		return []byte(fmt.Sprintf(`{"jsonrpc":"2.0","id":%s,"error":%s}`, req.ID, rpcErr))
	}
	raw, _ := json.Marshal(result)
	return []byte(fmt.Sprintf(`{"jsonrpc":"2.0","id":%s,"result":%s}`, req.ID, raw))
}

// result answers one method, or returns a JSON-RPC error object. It runs
// under the lock.
func (s *Substrate) result(req *substrateRequest) (any, string) {
	best, finalized := s.heads()
	str := func(i int) string {
		if i < len(req.Params) {
			v, _ := req.Params[i].(string)
			return v
		}
		return ""
	}
	switch req.Method {
	case "system_health":
		return map[string]any{"peers": s.Peers, "isSyncing": s.Syncing, "shouldHavePeers": true}, ""
	case "system_syncState":
		cur := s.Current
		if s.BlockTime > 0 {
			cur = best
		}
		st := map[string]any{"startingBlock": 0, "currentBlock": cur}
		if s.Highest != nil {
			st["highestBlock"] = *s.Highest
		}
		return st, ""
	case "system_version":
		return s.Version, ""
	case "system_chain":
		return s.Chain, ""
	case "chain_getFinalizedHead":
		return substrateBlockHash(finalized), ""
	case "chain_getBlockHash":
		if len(req.Params) == 0 || req.Params[0] == nil {
			return substrateBlockHash(best), ""
		}
		n, ok := req.Params[0].(float64)
		if !ok || n < 0 || uint64(n) > best {
			return nil, ""
		}
		return substrateBlockHash(uint64(n)), ""
	case "chain_getHeader":
		if len(req.Params) == 0 || req.Params[0] == nil {
			return substrateHeader(best), ""
		}
		n, err := strconv.ParseUint(strings.TrimPrefix(str(0), "0x"), 16, 64)
		if err != nil || n > best {
			return nil, ""
		}
		return substrateHeader(n), ""
	case "state_getStorage":
		key := str(0)
		s.calls["storage:"+key]++
		if v, ok := s.store[key]; ok {
			return v, ""
		}
		if key == storage.TimestampNow().Hex() && s.BlockTime > 0 {
			at := s.Genesis.Add(time.Duration(best-s.Best) * s.BlockTime)
			return "0x" + hex.EncodeToString(scale.AppendU64(nil, uint64(at.UnixMilli()))), ""
		}
		return nil, ""
	}
	return nil, `{"code":-32601,"message":"Method not found"}`
}
