package prober

import (
	"context"
	"encoding/json"
	"fmt"
	"github.com/upchain-dev/upchain/prober/internal/text"
	"math/big"
	"strconv"
	"sync"
	"time"

	"github.com/upchain-dev/upchain/prober/cond"
	"github.com/upchain-dev/upchain/prober/config"
)

// EVMOptions are the `evm:` options of a check: an Ethereum execution
// client, Conflux eSpace or any EVM chain's JSON-RPC node.
type EVMOptions struct {
	// ChainID the node must serve (eth_chainId), e.g. 1 or 1030.
	ChainID *uint64 `yaml:"chain_id"`
	// MaxHeadAge is how old the latest block may be (default 60s).
	MaxHeadAge config.Duration `yaml:"max_head_age"`
	// MinPeers makes the check degraded below this many peers (0: off).
	MinPeers int `yaml:"min_peers"`
	// InsecureSkipVerify turns TLS verification off.
	InsecureSkipVerify bool `yaml:"insecure_skip_verify"`
	// Balances are accounts to watch (see EVMBalance).
	Balances []EVMBalance `yaml:"balances"`
}

type evmKind struct{ Base }

func (evmKind) Name() string { return "evm" }

func (evmKind) Values() []ValueSpec {
	return append([]ValueSpec{
		{Name: "syncing", Label: "Syncing", Unit: UnitBool},
		valueChainID, valuePeers, valuePeersError, valueVersion,
		valueEVMBalances, valueEVMBalanceLow, valueEVMBalanceLowest,
	}, headValues...)
}
func (evmKind) NewOptions() any { return &EVMOptions{} }

func (evmKind) Vars() []string {
	return []string{"head", "syncing", "sync", "peers", "chain_id", "version", "balances", "balance_low", "balance_down", "latency", "region", "status"}
}

// VarTypes implements config.TypedKind.
func (evmKind) VarTypes() cond.Fields {
	n := cond.Number
	return typedVars(withBalanceVars(cond.Fields{"head": headFields(cond.Fields{"hash": cond.String}), "syncing": cond.Bool, "status": cond.Number,
		"sync":  cond.Fields{"current": n, "highest": n, "starting": n, "distance": n},
		"peers": n, "chain_id": n, "version": cond.String}))
}

func evmOptions(c *config.Check) *EVMOptions {
	if o, ok := c.Options.(*EVMOptions); ok && o != nil {
		return o
	}
	return &EVMOptions{}
}

func (evmKind) Validate(c *config.Check) []config.FieldProblem {
	out := rpcURLProblems(c)
	o := evmOptions(c)
	if o.MaxHeadAge < 0 {
		out = append(out, config.FieldProblem{Field: "evm.max_head_age", Msg: "evm.max_head_age: must be positive, e.g. 60s"})
	}
	if o.MinPeers < 0 {
		out = append(out, config.FieldProblem{Field: "evm.min_peers", Msg: "evm.min_peers: must be 0 (off) or more"})
	}
	return append(out, evmBalanceSet(o).problems()...)
}

func (evmKind) DefaultConditions(c *config.Check) (up, degraded []string) {
	o := evmOptions(c)
	age := DefaultMaxHeadAge
	if o.MaxHeadAge > 0 {
		age = o.MaxHeadAge.D()
	}
	up = append(up, "syncing == false", "head.age < "+condDuration(age))
	if o.ChainID != nil {
		up = append(up, fmt.Sprintf("chain_id == %d", *o.ChainID))
	}
	if o.MinPeers > 0 {
		degraded = append(degraded, fmt.Sprintf("peers >= %d", o.MinPeers))
	}
	bu, bd := evmBalanceSet(o).conditions()
	return append(up, bu...), append(degraded, bd...)
}

// evmBlock is the part of a block header the probe reads.
type evmBlock struct {
	Number    string `json:"number"`
	Hash      string `json:"hash"`
	Timestamp string `json:"timestamp"`
}

type evmCall struct {
	method string
	params []any
	raw    json.RawMessage
	err    error
}

// evmSync is eth_syncing's object form.
type evmSync struct {
	StartingBlock string `json:"startingBlock"`
	CurrentBlock  string `json:"currentBlock"`
	HighestBlock  string `json:"highestBlock"`
}

func (evmKind) Probe(ctx context.Context, t *Target) (*Observation, error) {
	o := evmOptions(t.Check)
	obs := NewObservation()
	cl, err := DialRPC(ctx, t, o.InsecureSkipVerify)
	if err != nil {
		return obs, err
	}
	defer cl.Close()

	// The calls are independent: sent together (over a websocket the
	// replies may come back in any order; the client matches ids).
	calls := []evmCall{
		{method: "eth_getBlockByNumber", params: []any{"latest", false}},
		{method: "eth_syncing"},
		{method: "eth_chainId"},
		{method: "net_peerCount"},
		{method: "web3_clientVersion"},
	}
	var wg sync.WaitGroup
	for i := range calls {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := &calls[i]
			p := c.params
			if p == nil {
				p = []any{}
			}
			c.raw, c.err = cl.Call(ctx, c.method, p)
		}()
	}
	wg.Wait()
	block, syncing, chainID, peers, version := &calls[0], &calls[1], &calls[2], &calls[3], &calls[4]

	// The head, sync state and chain id are essential; peers and version
	// are often refused by public endpoints and only recorded.
	for _, c := range []*evmCall{block, syncing, chainID} {
		if c.err != nil {
			f := Classify(RPCFailure(c.err))
			return obs, &Failure{Code: f.Code, Msg: c.method + ": " + f.Msg, Transient: f.Transient, Err: c.err}
		}
	}

	var b *evmBlock
	if err := json.Unmarshal(block.raw, &b); err != nil || b == nil {
		return obs, Fail(ReasonBadResponse, "eth_getBlockByNumber(latest) returned no block")
	}
	height, ok := quantity(b.Number)
	ts, ok2 := quantity(b.Timestamp)
	if !ok || !ok2 {
		return obs, Fail(ReasonBadResponse, "latest block has a bad number %q or timestamp %q", text.Truncate(b.Number, 80), text.Truncate(b.Timestamp, 80))
	}
	now := t.Now()
	blockTime := time.Unix(0, 0)
	if ts.IsInt64() && ts.Int64() < 1<<40 {
		blockTime = time.Unix(ts.Int64(), 0)
	}
	head := headVars(condNumber(height), blockTime, now)
	head["hash"] = b.Hash
	obs.Vars["head"] = head
	setHeadValues(obs.Values, height.String(), blockTime, now)

	isSyncing, syncVars, err := parseSyncing(syncing.raw)
	if err != nil {
		return obs, Fail(ReasonBadResponse, "eth_syncing: %v", err)
	}
	obs.Vars["syncing"] = isSyncing
	obs.Vars["sync"] = syncVars
	obs.Values["syncing"] = strconv.FormatBool(isSyncing)

	var idHex string
	if err := json.Unmarshal(chainID.raw, &idHex); err != nil {
		return obs, Fail(ReasonBadResponse, "eth_chainId: not a hex quantity: %s", text.Truncate(string(chainID.raw), 80))
	}
	id, ok := quantity(idHex)
	if !ok {
		return obs, Fail(ReasonBadResponse, "eth_chainId: not a hex quantity: %q", text.Truncate(idHex, 80))
	}
	obs.Vars["chain_id"] = condNumber(id)
	obs.Values["chain_id"] = id.String()

	if peers.err == nil {
		var s string
		if json.Unmarshal(peers.raw, &s) == nil {
			if n, ok := quantity(s); ok {
				obs.Vars["peers"] = condNumber(n)
				obs.Values["peers"] = n.String()
			}
		}
	} else if o.MinPeers > 0 {
		obs.Values["peers_error"] = shorten(Classify(RPCFailure(peers.err)).Msg)
	}
	if version.err == nil {
		var s string
		if json.Unmarshal(version.raw, &s) == nil {
			obs.Vars["version"] = s
			obs.Values["version"] = text.Truncate(s, 80)
		}
	}
	evmBalances(ctx, t, cl, o, obs)
	return obs, nil
}

// parseSyncing reads eth_syncing: false, or an object with block numbers
// (then syncing, with distance = highest - current).
func parseSyncing(raw json.RawMessage) (bool, map[string]any, error) {
	var flag bool
	if err := json.Unmarshal(raw, &flag); err == nil {
		if flag {
			return true, map[string]any{}, nil
		}
		return false, map[string]any{}, nil
	}
	var s evmSync
	if err := json.Unmarshal(raw, &s); err != nil {
		return false, nil, fmt.Errorf("neither false nor a sync status: %s", text.Truncate(string(raw), 80))
	}
	vars := map[string]any{}
	cur, okC := quantity(s.CurrentBlock)
	high, okH := quantity(s.HighestBlock)
	if okC {
		vars["current"] = condNumber(cur)
	}
	if okH {
		vars["highest"] = condNumber(high)
	}
	if start, ok := quantity(s.StartingBlock); ok {
		vars["starting"] = condNumber(start)
	}
	if okC && okH {
		vars["distance"] = condNumber(new(big.Int).Sub(high, cur))
	}
	return true, vars, nil
}

// quantity parses an Ethereum hex quantity ("0x1b4") of any size.
func quantity(s string) (*big.Int, bool) {
	if len(s) < 3 || s[0] != '0' || (s[1] != 'x' && s[1] != 'X') {
		return nil, false
	}
	return new(big.Int).SetString(s[2:], 16)
}

// condNumber gives conditions an int64 when it fits (exact, comparable
// with literals), else the value cond uses for big quantities.
func condNumber(n *big.Int) any {
	if n.IsInt64() {
		return n.Int64()
	}
	v, _ := cond.ParseQuantity("0x" + n.Text(16))
	return v
}
