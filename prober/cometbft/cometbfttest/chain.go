// Package cometbfttest is a scripted CometBFT node for unit tests: it
// answers the JSON-RPC methods the probes use (status, net_info, commit,
// validators) over HTTP POST and the /websocket endpoint, in the shapes of
// the CometBFT v0.38 RPC documentation (docs.cometbft.com/v0.38/rpc), so
// that edge cases real nodes rarely show (ABSENT entries, paging, huge
// heights, non-canonical commits, replies out of order) are tested
// deterministically. Integration tests use real nodes instead.
package cometbfttest

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gorilla/websocket"
)

// Validator is a member of a validator set.
type Validator struct {
	Address string
	Power   int64
}

// Chain is the scripted node. Set the fields before serving; read Calls
// and Commits (under Lock) after.
type Chain struct {
	mu sync.Mutex

	ChainID    string
	Version    string
	Latest     int64
	Earliest   int64
	LatestTime time.Time
	CatchingUp bool
	Peers      int
	// NoNetInfo makes net_info answer with an error (public endpoints).
	NoNetInfo bool

	// Set returns the validator set at height h.
	Set func(h int64) []Validator
	// Absent reports whether addr's vote is missing from the commit of h.
	Absent func(h int64, addr string) bool
	// Proposer of block h (default: the first validator).
	Proposer func(h int64) string
	// NonCanonical heights answer with canonical=false.
	NonCanonical map[int64]bool
	// DropSignature heights lose their last signature entry (a set and a
	// commit that disagree).
	DropSignature map[int64]bool
	// NoCommits makes commit answer with an error (a pruned or limited node).
	NoCommits bool
	// OutOfOrder makes the websocket answer pairs of requests in reverse.
	OutOfOrder bool

	calls   map[string]int
	commits []int64
}

// Calls returns how often each method was called.
func (c *Chain) Calls() map[string]int {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := map[string]int{}
	for k, v := range c.calls {
		out[k] = v
	}
	return out
}

// Commits returns the heights of the commits asked for, and forgets them.
func (c *Chain) Commits() []int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := c.commits
	c.commits = nil
	return out
}

// Update changes the chain under its lock.
func (c *Chain) Update(f func(c *Chain)) {
	c.mu.Lock()
	defer c.mu.Unlock()
	f(c)
}

// Hash is the validators_hash the fake gives a set.
func Hash(set []Validator) string {
	h := sha256.New()
	for _, v := range set {
		fmt.Fprintf(h, "%s:%d;", v.Address, v.Power)
	}
	return strings.ToUpper(hex.EncodeToString(h.Sum(nil)))
}

type request struct {
	JSONRPC string            `json:"jsonrpc"`
	ID      json.RawMessage   `json:"id"`
	Method  string            `json:"method"`
	Params  map[string]string `json:"params"`
}

type rpcError struct {
	Code    int    `json:"code"`
	Message string `json:"message"`
	Data    string `json:"data,omitempty"`
}

func (c *Chain) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path == "/websocket" {
		c.serveWS(w, r)
		return
	}
	var req request
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<20)).Decode(&req); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(c.answer(req))
}

func (c *Chain) serveWS(w http.ResponseWriter, r *http.Request) {
	up := websocket.Upgrader{}
	conn, err := up.Upgrade(w, r, nil)
	if err != nil {
		return
	}
	defer conn.Close()
	replies := make(chan []byte, 16)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for first := range replies {
			batch := [][]byte{first}
			if c.OutOfOrder {
				select {
				case second, ok := <-replies:
					if ok {
						batch = [][]byte{second, first}
					}
				case <-time.After(20 * time.Millisecond):
				}
			}
			for _, m := range batch {
				if conn.WriteMessage(websocket.TextMessage, m) != nil {
					return
				}
			}
		}
	}()
	for {
		_, data, err := conn.ReadMessage()
		if err != nil {
			break
		}
		var req request
		if json.Unmarshal(data, &req) != nil {
			break
		}
		replies <- c.answer(req)
	}
	close(replies)
	<-done
}

func (c *Chain) answer(req request) []byte {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.calls == nil {
		c.calls = map[string]int{}
	}
	c.calls[req.Method]++
	result, rerr := c.call(req)
	msg := map[string]any{"jsonrpc": "2.0", "id": req.ID}
	if rerr != nil {
		msg["error"] = rerr
	} else {
		msg["result"] = result
	}
	b, _ := json.Marshal(msg)
	return b
}

func (c *Chain) height(p map[string]string) (int64, *rpcError) {
	s, ok := p["height"]
	if !ok || s == "" {
		return c.Latest, nil
	}
	h, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return 0, &rpcError{Code: -32602, Message: "Invalid params", Data: err.Error()}
	}
	if h > c.Latest {
		return 0, &rpcError{Code: -32603, Message: "Internal error", Data: fmt.Sprintf("height %d must be less than or equal to the current blockchain height %d", h, c.Latest)}
	}
	if h < c.Earliest {
		return 0, &rpcError{Code: -32603, Message: "Internal error", Data: fmt.Sprintf("height %d is not available, lowest height is %d", h, c.Earliest)}
	}
	return h, nil
}

func (c *Chain) blockTime(h int64) time.Time {
	return c.LatestTime.Add(-time.Duration(c.Latest-h) * time.Second)
}

func (c *Chain) call(req request) (any, *rpcError) {
	i64 := func(n int64) string { return strconv.FormatInt(n, 10) }
	switch req.Method {
	case "status":
		return map[string]any{
			"node_info": map[string]any{"network": c.ChainID, "version": c.Version, "moniker": "fake"},
			"sync_info": map[string]any{
				"latest_block_height":   i64(c.Latest),
				"latest_block_time":     c.LatestTime.UTC().Format(time.RFC3339Nano),
				"earliest_block_height": i64(c.Earliest),
				"catching_up":           c.CatchingUp,
			},
			"validator_info": map[string]any{"address": "", "voting_power": "0"},
		}, nil
	case "net_info":
		if c.NoNetInfo {
			return nil, &rpcError{Code: -32601, Message: "Method not found"}
		}
		return map[string]any{"listening": true, "n_peers": strconv.Itoa(c.Peers), "peers": []any{}}, nil
	case "commit":
		if c.NoCommits {
			return nil, &rpcError{Code: -32603, Message: "Internal error", Data: "commit not available"}
		}
		h, err := c.height(req.Params)
		if err != nil {
			return nil, err
		}
		c.commits = append(c.commits, h)
		set := c.Set(h)
		var sigs []map[string]any
		for _, v := range set {
			if c.Absent != nil && c.Absent(h, v.Address) {
				// An ABSENT vote names no validator: only its index tells whose.
				sigs = append(sigs, map[string]any{"block_id_flag": 1, "validator_address": "", "timestamp": "0001-01-01T00:00:00Z", "signature": nil})
				continue
			}
			sigs = append(sigs, map[string]any{"block_id_flag": 2, "validator_address": v.Address, "timestamp": c.blockTime(h).Format(time.RFC3339Nano), "signature": "c2ln"})
		}
		if c.DropSignature[h] && len(sigs) > 0 {
			sigs = sigs[:len(sigs)-1]
		}
		proposer := ""
		if c.Proposer != nil {
			proposer = c.Proposer(h)
		} else if len(set) > 0 {
			proposer = set[0].Address
		}
		return map[string]any{
			"signed_header": map[string]any{
				"header": map[string]any{
					"chain_id":         c.ChainID,
					"height":           i64(h),
					"time":             c.blockTime(h).Format(time.RFC3339Nano),
					"validators_hash":  Hash(set),
					"proposer_address": proposer,
				},
				"commit": map[string]any{"height": i64(h), "round": 0, "signatures": sigs},
			},
			"canonical": h < c.Latest && !c.NonCanonical[h],
		}, nil
	case "validators":
		h, err := c.height(req.Params)
		if err != nil {
			return nil, err
		}
		set := c.Set(h)
		page, _ := strconv.Atoi(req.Params["page"])
		per, _ := strconv.Atoi(req.Params["per_page"])
		if page == 0 {
			page = 1
		}
		if per <= 0 || per > 100 {
			per = 30 // CometBFT's default page size; 100 is the maximum
		}
		pages := max(1, (len(set)+per-1)/per)
		if page > pages {
			return nil, &rpcError{Code: -32603, Message: "Internal error", Data: fmt.Sprintf("page should be within [1, %d] range, given %d", pages, page)}
		}
		lo, hi := (page-1)*per, min(page*per, len(set))
		var vals []map[string]any
		for _, v := range set[lo:hi] {
			vals = append(vals, map[string]any{"address": v.Address, "voting_power": i64(v.Power), "proposer_priority": "0"})
		}
		return map[string]any{"block_height": i64(h), "validators": vals, "count": strconv.Itoa(len(vals)), "total": strconv.Itoa(len(set))}, nil
	}
	return nil, &rpcError{Code: -32601, Message: "Method not found"}
}
