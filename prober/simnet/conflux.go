package simnet

import (
	"encoding/json"
	"fmt"
	"math/big"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/upchain-dev/upchain/prober/conflux/cip37"
)

// Conflux is a simulated conflux-rust node serving Core Space (cfx_*) and
// PoS (pos_*) JSON-RPC over HTTP POST, for tests and `upchain demo`.
//
// Reply shapes follow conflux-rust as summarised, with sources, in
// /work/shared/reference/chains-detail.md §2: cfx_getStatus from
// crates/rpc/rpc-cfx-types/src/status.rs, blocks from the cfx namespace
// docs (timestamp in unix seconds), pos_* from crates/rpc/rpc-cfx-types/
// src/pos/{status,account,node_lock_status,committee,block}.rs and
// pos_handler.rs (an unknown PoS account is an all-zero account, not
// null; rewards list only non-zero accounts; PoS timestamps are in
// microseconds). Every number is a compact 0x hex QUANTITY.
//
// Heights are computed from Now on each request: the Core epoch advances
// every EpochInterval and a PoS block is committed every PosInterval, one
// PoS term (committee) every TermBlocks blocks. Set the exported fields
// before serving; change the scenario with the methods or Update.
type Conflux struct {
	mu sync.Mutex

	// Now is the clock (nil: time.Now).
	Now func() time.Time
	// Start is when the simulation began (zero: the first request).
	Start time.Time

	ChainID, NetworkID uint64 // default 1029
	Version            string
	// EpochInterval is the time per Core epoch (default 1s).
	EpochInterval time.Duration
	// StartEpoch is the Core epoch at Start (default 100000).
	StartEpoch uint64
	// StateLag, ConfirmedLag, FinalizedLag: how far latestState,
	// latestConfirmed and latestFinalized are behind epochNumber
	// (default 5, 30, 400).
	StateLag, ConfirmedLag, FinalizedLag *uint64

	// PosInterval is the time per committed PoS block (default 10s).
	PosInterval time.Duration
	// StartPosHeight is the committed PoS height at Start (default 5000).
	StartPosHeight uint64
	// TermBlocks is the number of PoS blocks per term (default 60).
	TermBlocks uint64
	// NoPos makes pos_* answer "Method not found" (pos RPC not enabled).
	NoPos bool

	// Validators are the PoS accounts the chain knows.
	Validators []*ConfluxValidator
	// Balances in Drip by base32 address (any case).
	Balances map[string]*big.Int

	// Hostile makes every reply misbehave (see ConfluxHostile), or only
	// those of methods starting with HostilePrefix when it is set.
	Hostile       ConfluxHostile
	HostilePrefix string

	coreStop, posStop     time.Time     // zero while advancing
	corePaused, posPaused time.Duration // time spent stopped, before the current stop
	calls                 map[string]int
}

// ConfluxValidator is a PoS account and its behaviour.
type ConfluxValidator struct {
	// Address is the PoS address: 0x and 64 hex digits.
	Address string
	// PowAddress is its Core Space base32 address (for rewards).
	PowAddress                       string
	AvailableVotes, Locked, Unlocked uint64
	Forfeited                        uint64
	ForceRetired                     *uint64
	InQueue, OutQueue                []ConfluxQueueEntry
	VotingPower                      uint64 // in the committee (default AvailableVotes)
	Reward                           *big.Int
	LeftCommitteeAt, StoppedVotingAt uint64 // first PoS height out of the committee / not signed; 0: never
}

// ConfluxQueueEntry is votes moving in or out of the stake.
type ConfluxQueueEntry struct {
	EndBlockNumber, Power uint64
}

// ConfluxHostile is a way of misbehaving.
type ConfluxHostile string

// Hostile modes.
const (
	ConfluxGarbage   ConfluxHostile = "garbage"   // not JSON
	ConfluxNumbers   ConfluxHostile = "numbers"   // JSON numbers where hex strings belong
	ConfluxNull      ConfluxHostile = "null"      // every result null
	ConfluxOverflow  ConfluxHostile = "overflow"  // quantities beyond 64 bits
	ConfluxHuge      ConfluxHostile = "huge"      // a reply of 8 MiB
	ConfluxWrongID   ConfluxHostile = "wrong_id"  // replies carry another id
	ConfluxRPCErrors ConfluxHostile = "rpc_error" // every call a JSON-RPC error
)

// Defaults of a zero Conflux.
const (
	confluxDefaultEpochInterval = time.Second
	confluxDefaultPosInterval   = 10 * time.Second
)

func (c *Conflux) now() time.Time {
	if c.Now != nil {
		return c.Now()
	}
	return time.Now()
}

// Update changes the simulation under its lock.
func (c *Conflux) Update(f func(*Conflux)) {
	c.mu.Lock()
	defer c.mu.Unlock()
	f(c)
}

// Calls returns how often each method was called.
func (c *Conflux) Calls() map[string]int {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := map[string]int{}
	for k, v := range c.calls {
		out[k] = v
	}
	return out
}

// StopEpochs freezes the Core chain (a node that stops advancing epochs);
// ResumeEpochs lets it go on from where it stopped.
func (c *Conflux) StopEpochs() { c.Update(func(c *Conflux) { c.coreStop = c.started() }) }

// ResumeEpochs undoes StopEpochs.
func (c *Conflux) ResumeEpochs() {
	c.Update(func(c *Conflux) {
		if !c.coreStop.IsZero() {
			c.corePaused += c.now().Sub(c.coreStop)
			c.coreStop = time.Time{}
		}
	})
}

// StopCommitting stalls the PoS chain; ResumeCommitting undoes it.
func (c *Conflux) StopCommitting() { c.Update(func(c *Conflux) { c.posStop = c.started() }) }

// ResumeCommitting undoes StopCommitting.
func (c *Conflux) ResumeCommitting() {
	c.Update(func(c *Conflux) {
		if !c.posStop.IsZero() {
			c.posPaused += c.now().Sub(c.posStop)
			c.posStop = time.Time{}
		}
	})
}

// StopVoting makes the validator sign no block committed from now on.
func (c *Conflux) StopVoting(addr string) {
	c.Update(func(c *Conflux) {
		if v := c.validator(addr); v != nil {
			v.StoppedVotingAt = c.posHeight() + 1
		}
	})
}

// LeaveCommittee takes the validator out of the committee from the next
// term on (committees change only at terms).
func (c *Conflux) LeaveCommittee(addr string) {
	c.Update(func(c *Conflux) {
		if v := c.validator(addr); v != nil {
			v.LeftCommitteeAt = c.nextTermStart(c.posHeight())
		}
	})
}

// ForceRetire retires the validator as the chain does after missed
// consensus messages: its votes move to the out queue and it leaves the
// committee from the next term.
func (c *Conflux) ForceRetire(addr string) {
	c.Update(func(c *Conflux) {
		v := c.validator(addr)
		if v == nil {
			return
		}
		h := c.posHeight()
		v.ForceRetired = &h
		v.OutQueue = append(v.OutQueue, ConfluxQueueEntry{EndBlockNumber: h + 8640, Power: v.AvailableVotes})
		v.AvailableVotes = 0
		if v.StoppedVotingAt == 0 {
			v.StoppedVotingAt = h + 1
		}
		v.LeftCommitteeAt = c.nextTermStart(h)
	})
}

// Forfeit locks votes of the validator as forfeited (slashed).
func (c *Conflux) Forfeit(addr string, votes uint64) {
	c.Update(func(c *Conflux) {
		if v := c.validator(addr); v != nil {
			v.Forfeited = votes
		}
	})
}

// SetBalance sets the balance of a base32 address in Drip.
func (c *Conflux) SetBalance(addr string, drip *big.Int) {
	c.Update(func(c *Conflux) {
		if c.Balances == nil {
			c.Balances = map[string]*big.Int{}
		}
		c.Balances[strings.ToLower(addr)] = drip
	})
}

// Epoch is the current Core epoch (latest_mined).
func (c *Conflux) Epoch() uint64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.epoch()
}

// PosHeight is the current committed PoS height.
func (c *Conflux) PosHeight() uint64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.posHeight()
}

// --- the simulated chain (callers hold mu) ---

func (c *Conflux) started() time.Time {
	if c.Start.IsZero() {
		c.Start = c.now()
	}
	return c.now()
}

func confluxOr[T comparable](v, def T) T {
	var zero T
	if v == zero {
		return def
	}
	return v
}

func confluxLag(p *uint64, def uint64) uint64 {
	if p == nil {
		return def
	}
	return *p
}

// elapsed is the advancing time since Start, without stops.
func (c *Conflux) elapsed(stop time.Time, paused time.Duration) time.Duration {
	now := c.started()
	if !stop.IsZero() {
		now = stop
	}
	return max(now.Sub(c.Start)-paused, 0)
}

func (c *Conflux) epoch() uint64 {
	iv := confluxOr(c.EpochInterval, confluxDefaultEpochInterval)
	return confluxOr(c.StartEpoch, 100000) + uint64(c.elapsed(c.coreStop, c.corePaused)/iv)
}

func (c *Conflux) epochTime(e uint64) time.Time {
	iv := confluxOr(c.EpochInterval, confluxDefaultEpochInterval)
	base := confluxOr(c.StartEpoch, 100000)
	return c.Start.Add(time.Duration(int64(e)-int64(base)) * iv)
}

func (c *Conflux) posHeight() uint64 {
	iv := confluxOr(c.PosInterval, confluxDefaultPosInterval)
	return confluxOr(c.StartPosHeight, 5000) + uint64(c.elapsed(c.posStop, c.posPaused)/iv)
}

func (c *Conflux) posTime(h uint64) time.Time {
	iv := confluxOr(c.PosInterval, confluxDefaultPosInterval)
	base := confluxOr(c.StartPosHeight, 5000)
	return c.Start.Add(time.Duration(int64(h)-int64(base)) * iv)
}

func (c *Conflux) term(h uint64) uint64 { return 1 + (h-1)/confluxOr(c.TermBlocks, 60) }

func (c *Conflux) nextTermStart(h uint64) uint64 { return c.term(h)*confluxOr(c.TermBlocks, 60) + 1 }

func (c *Conflux) termStart(term uint64) uint64 { return (term-1)*confluxOr(c.TermBlocks, 60) + 1 }

func (c *Conflux) validator(addr string) *ConfluxValidator {
	for _, v := range c.Validators {
		if strings.EqualFold(strings.TrimPrefix(v.Address, "0x"), strings.TrimPrefix(addr, "0x")) {
			return v
		}
	}
	return nil
}

// inCommittee: membership is decided per term, at the term's first block.
func (c *Conflux) inCommittee(v *ConfluxValidator, h uint64) bool {
	start := c.termStart(c.term(h))
	return (v.AvailableVotes > 0 || v.ForceRetired != nil) && (v.LeftCommitteeAt == 0 || start < v.LeftCommitteeAt)
}

func (c *Conflux) signs(v *ConfluxValidator, h uint64) bool {
	return c.inCommittee(v, h) && (v.StoppedVotingAt == 0 || h < v.StoppedVotingAt)
}

// --- JSON-RPC ---

type confluxRequest struct {
	ID     json.RawMessage   `json:"id"`
	Method string            `json:"method"`
	Params []json.RawMessage `json:"params"`
}

type confluxError struct {
	Code    int    `json:"code"`
	Message string `json:"message"`
	Data    string `json:"data,omitempty"`
}

func confluxHex(n uint64) string { return "0x" + strconv.FormatUint(n, 16) }

func confluxBigHex(n *big.Int) string {
	if n == nil {
		return "0x0"
	}
	return "0x" + n.Text(16)
}

// ServeHTTP answers one JSON-RPC request per POST.
func (c *Conflux) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		http.Error(w, "Used HTTP Method is not allowed. POST or OPTIONS is required", http.StatusMethodNotAllowed)
		return
	}
	var req confluxRequest
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<20)).Decode(&req); err != nil {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"jsonrpc":"2.0","error":{"code":-32700,"message":"Parse error"},"id":null}`))
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(c.answer(req))
}

func (c *Conflux) answer(req confluxRequest) []byte {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.calls == nil {
		c.calls = map[string]int{}
	}
	c.calls[req.Method]++
	c.started()
	id := req.ID
	hostile := c.Hostile
	if c.HostilePrefix != "" && !strings.HasPrefix(req.Method, c.HostilePrefix) {
		hostile = ""
	}
	switch hostile {
	case ConfluxGarbage:
		return []byte("<html>502 Bad Gateway</html>")
	case ConfluxHuge:
		return []byte(`{"jsonrpc":"2.0","id":` + string(id) + `,"result":"` + strings.Repeat("a", 8<<20) + `"}`)
	case ConfluxWrongID:
		id = json.RawMessage(`987654321`)
	case ConfluxRPCErrors:
		return confluxMarshal(id, nil, &confluxError{Code: -32603, Message: "Internal error"})
	}
	result, rerr := c.call(req)
	switch hostile {
	case ConfluxNull:
		result, rerr = nil, nil
	case ConfluxNumbers, ConfluxOverflow:
		result = confluxMangle(result, hostile)
	}
	return confluxMarshal(id, result, rerr)
}

func confluxMarshal(id json.RawMessage, result any, rerr *confluxError) []byte {
	msg := map[string]any{"jsonrpc": "2.0", "id": id}
	if rerr != nil {
		msg["error"] = rerr
	} else {
		msg["result"] = result
	}
	b, _ := json.Marshal(msg)
	return b
}

// confluxMangle rewrites every hex quantity: as a JSON number, or as a
// quantity of 80 bits.
func confluxMangle(v any, mode ConfluxHostile) any {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			x[k] = confluxMangle(e, mode)
		}
	case []any:
		for i, e := range x {
			x[i] = confluxMangle(e, mode)
		}
	case string:
		if n, err := strconv.ParseUint(strings.TrimPrefix(x, "0x"), 16, 64); err == nil && strings.HasPrefix(x, "0x") && len(x) <= 18 {
			if mode == ConfluxNumbers {
				return n
			}
			return "0xffffffffffffffffffff"
		}
	}
	return v
}

func (c *Conflux) call(req confluxRequest) (any, *confluxError) {
	if strings.HasPrefix(req.Method, "pos_") && c.NoPos {
		return nil, &confluxError{Code: -32601, Message: "Method not found"}
	}
	switch req.Method {
	case "cfx_getStatus":
		return c.status(), nil
	case "cfx_epochNumber":
		return confluxHex(c.epoch()), nil
	case "cfx_clientVersion":
		return confluxOr(c.Version, "conflux-rust-2.4.0-testnet"), nil
	case "cfx_getBlockByEpochNumber":
		return c.block(req.Params)
	case "cfx_getBalance":
		return c.balance(req.Params)
	case "pos_getStatus":
		h := c.posHeight()
		return map[string]any{
			"epoch":           confluxHex(c.term(h)),
			"latestCommitted": confluxHex(h),
			"latestVoted":     confluxHex(h + 2),
			"latestTxNumber":  confluxHex(h * 3),
			"pivotDecision":   map[string]any{"height": confluxHex(c.epoch() - confluxLag(c.FinalizedLag, 400)), "blockHash": confluxHash("pivot", h)},
		}, nil
	case "pos_getAccount":
		return c.account(req.Params)
	case "pos_getCommittee":
		return c.committee(req.Params)
	case "pos_getBlockByNumber":
		return c.posBlock(req.Params)
	case "pos_getRewardsByEpoch":
		return c.rewards(req.Params)
	}
	return nil, &confluxError{Code: -32601, Message: "Method not found"}
}

func confluxHash(kind string, n uint64) string {
	return fmt.Sprintf("0x%016x%048x", n, len(kind))
}

func (c *Conflux) status() map[string]any {
	e := c.epoch()
	lag := func(p *uint64, def uint64) string {
		return confluxHex(e - min(confluxLag(p, def), e))
	}
	return map[string]any{
		"bestHash":             confluxHash("block", e),
		"chainId":              confluxHex(confluxOr(c.ChainID, 1029)),
		"networkId":            confluxHex(confluxOr(c.NetworkID, confluxOr(c.ChainID, 1029))),
		"ethereumSpaceChainId": confluxHex(1030),
		"epochNumber":          confluxHex(e),
		"blockNumber":          confluxHex(e * 2),
		"pendingTxNumber":      "0x0",
		"latestCheckpoint":     lag(nil, 2000),
		"latestConfirmed":      lag(c.ConfirmedLag, 30),
		"latestState":          lag(c.StateLag, 5),
		"latestFinalized":      lag(c.FinalizedLag, 400),
	}
}

// confluxParam decodes params[i] into out when present.
func confluxParam(params []json.RawMessage, i int, out any) bool {
	return i < len(params) && json.Unmarshal(params[i], out) == nil
}

func confluxInvalid(msg string) *confluxError {
	return &confluxError{Code: -32602, Message: "Invalid params: " + msg + "."}
}

func (c *Conflux) block(params []json.RawMessage) (any, *confluxError) {
	var tag string
	if !confluxParam(params, 0, &tag) {
		return nil, confluxInvalid("invalid type: expected an epoch number or tag")
	}
	e := c.epoch()
	switch tag {
	case "latest_mined":
	case "latest_state":
		e -= min(confluxLag(c.StateLag, 5), e)
	default:
		n, err := strconv.ParseUint(strings.TrimPrefix(tag, "0x"), 16, 64)
		if err != nil || !strings.HasPrefix(tag, "0x") {
			return nil, confluxInvalid("invalid epoch number " + strconv.Quote(tag))
		}
		if n > e {
			return nil, nil
		}
		e = n
	}
	return map[string]any{
		"hash":         confluxHash("block", e),
		"parentHash":   confluxHash("block", e-1),
		"epochNumber":  confluxHex(e),
		"height":       confluxHex(e),
		"blockNumber":  confluxHex(e * 2),
		"timestamp":    confluxHex(uint64(c.epochTime(e).Unix())),
		"miner":        "cfx:aarc9abycue0hhzgyrr53m6cxedgccrmmyybjgh4xg",
		"posReference": confluxHash("pos", c.posHeight()),
		"gasLimit":     "0x1c9c380",
		"gasUsed":      "0x0",
		"difficulty":   "0x3e8",
		"blame":        "0x0",
	}, nil
}

func (c *Conflux) balance(params []json.RawMessage) (any, *confluxError) {
	var s string
	if !confluxParam(params, 0, &s) {
		return nil, confluxInvalid("invalid type: expected a base32 address")
	}
	a, err := cip37.Decode(s)
	if err != nil {
		return nil, confluxInvalid("Invalid base32 address: " + err.Error())
	}
	if a.Network != uint32(confluxOr(c.NetworkID, confluxOr(c.ChainID, 1029))) {
		return nil, confluxInvalid(fmt.Sprintf("address %s is for network %d", s, a.Network))
	}
	for k, v := range c.Balances {
		if b, err := cip37.Decode(k); err == nil && b == a {
			return confluxBigHex(v), nil
		}
	}
	return "0x0", nil
}

func (c *Conflux) account(params []json.RawMessage) (any, *confluxError) {
	var addr string
	if !confluxParam(params, 0, &addr) || len(strings.TrimPrefix(addr, "0x")) != 64 {
		return nil, confluxInvalid("invalid length, expected a 0x-prefixed hex string with length of 64")
	}
	h := c.posHeight()
	queue := func(q []ConfluxQueueEntry) []any {
		out := []any{}
		for _, e := range q {
			out = append(out, map[string]any{"endBlockNumber": confluxHex(e.EndBlockNumber), "power": confluxHex(e.Power)})
		}
		return out
	}
	status := map[string]any{
		"availableVotes": "0x0", "forfeited": "0x0", "forceRetired": nil,
		"inQueue": []any{}, "outQueue": []any{}, "locked": "0x0", "unlocked": "0x0",
	}
	if v := c.validator(addr); v != nil {
		status["availableVotes"] = confluxHex(v.AvailableVotes)
		status["forfeited"] = confluxHex(v.Forfeited)
		if v.ForceRetired != nil {
			status["forceRetired"] = confluxHex(*v.ForceRetired)
		}
		status["inQueue"] = queue(v.InQueue)
		status["outQueue"] = queue(v.OutQueue)
		status["locked"] = confluxHex(v.Locked)
		status["unlocked"] = confluxHex(v.Unlocked)
	}
	return map[string]any{"address": strings.ToLower(addr), "blockNumber": confluxHex(h), "status": status}, nil
}

// posHeightParam reads an optional PoS block number (0x hex).
func (c *Conflux) posHeightParam(params []json.RawMessage, i int) (uint64, *confluxError) {
	h := c.posHeight()
	var s string
	if i >= len(params) || string(params[i]) == "null" {
		return h, nil
	}
	if !confluxParam(params, i, &s) {
		return 0, confluxInvalid("invalid type: expected a block number")
	}
	switch s {
	case "latest_committed":
		return h, nil
	case "latest_voted":
		return h + 2, nil
	case "earliest":
		return 1, nil
	}
	if !strings.HasPrefix(s, "0x") {
		return 0, confluxInvalid("missing 0x prefix")
	}
	n, err := strconv.ParseUint(s[2:], 16, 64)
	if err != nil {
		return 0, confluxInvalid(err.Error())
	}
	return n, nil
}

func (c *Conflux) nodes(h uint64) []any {
	out := []any{}
	for _, v := range c.Validators {
		if c.inCommittee(v, h) {
			out = append(out, map[string]any{"address": strings.ToLower(v.Address), "votingPower": confluxHex(confluxOr(v.VotingPower, max(v.AvailableVotes, 1)))})
		}
	}
	return out
}

func (c *Conflux) committee(params []json.RawMessage) (any, *confluxError) {
	h, rerr := c.posHeightParam(params, 0)
	if rerr != nil {
		return nil, rerr
	}
	if h > c.posHeight() {
		return nil, &confluxError{Code: -32602, Message: "Invalid params: Specified block " + strconv.FormatUint(h, 10) + " is not executed"}
	}
	var total uint64
	nodes := c.nodes(h)
	for _, v := range c.Validators {
		if c.inCommittee(v, h) {
			total += confluxOr(v.VotingPower, max(v.AvailableVotes, 1))
		}
	}
	next := c.nextTermStart(h)
	return map[string]any{
		"currentCommittee": map[string]any{
			"epochNumber":       confluxHex(c.term(h)),
			"quorumVotingPower": confluxHex(total*2/3 + 1),
			"totalVotingPower":  confluxHex(total),
			"nodes":             nodes,
		},
		"elections": []any{map[string]any{
			"isFinalized":      false,
			"startBlockNumber": confluxHex(next),
			"topElectingNodes": c.nodes(next),
		}},
	}, nil
}

func (c *Conflux) posBlock(params []json.RawMessage) (any, *confluxError) {
	h, rerr := c.posHeightParam(params, 0)
	if rerr != nil {
		return nil, rerr
	}
	if h > c.posHeight() || h == 0 {
		return nil, nil
	}
	sigs := []any{}
	for _, v := range c.Validators {
		if c.signs(v, h) {
			sigs = append(sigs, map[string]any{"account": strings.ToLower(v.Address), "votes": confluxHex(confluxOr(v.VotingPower, max(v.AvailableVotes, 1)))})
		}
	}
	var miner any
	if len(c.Validators) > 0 {
		miner = strings.ToLower(c.Validators[int(h)%len(c.Validators)].Address)
	}
	return map[string]any{
		"hash":          confluxHash("posblock", h),
		"height":        confluxHex(h),
		"epoch":         confluxHex(c.term(h)),
		"round":         confluxHex((h - 1) % confluxOr(c.TermBlocks, 60)),
		"lastTxNumber":  confluxHex(h * 3),
		"miner":         miner,
		"parentHash":    confluxHash("posblock", h-1),
		"timestamp":     confluxHex(uint64(c.posTime(h).UnixMicro())),
		"pivotDecision": map[string]any{"height": confluxHex(c.epoch() - min(confluxLag(c.FinalizedLag, 400), c.epoch())), "blockHash": confluxHash("pivot", h)},
		"signatures":    sigs,
	}, nil
}

func (c *Conflux) rewards(params []json.RawMessage) (any, *confluxError) {
	var s string
	if !confluxParam(params, 0, &s) || !strings.HasPrefix(s, "0x") {
		return nil, confluxInvalid("expected an epoch number")
	}
	term, err := strconv.ParseUint(s[2:], 16, 64)
	if err != nil {
		return nil, confluxInvalid(err.Error())
	}
	if term == 0 || term >= c.term(c.posHeight()) {
		return nil, nil // not yet rewarded
	}
	start := c.termStart(term)
	list := []any{}
	for _, v := range c.Validators {
		if v.Reward == nil || v.Reward.Sign() == 0 || !c.signs(v, start) {
			continue
		}
		list = append(list, map[string]any{"posAddress": strings.ToLower(v.Address), "powAddress": v.PowAddress, "reward": confluxBigHex(v.Reward)})
	}
	return map[string]any{"powEpochHash": confluxHash("reward", term), "accountRewards": list}, nil
}

// Addresses of the demo network NewConflux builds.
const (
	// ConfluxDemoValidator is the PoS address of the validator a demo
	// check follows.
	ConfluxDemoValidator = "0x046ca462890f25ed9394ca9f92c979ff48e1738a81822ecab96d83813c1a433c"
	// ConfluxDemoTreasury is a Core Space address with 250 CFX.
	ConfluxDemoTreasury = "cfx:aarc9abycue0hhzgyrr53m6cxedgccrmmyybjgh4xg"
)

// NewConflux is a healthy mainnet node for the demo: Core epochs every
// second, a PoS block every 10 s, a committee of 20 with
// ConfluxDemoValidator among them earning 1.5 CFX a term, and
// ConfluxDemoTreasury holding 250 CFX. A demo check of it:
//
//	kind: conflux
//	url: <the server's URL>
//	conflux:
//	  chain_id: 1029
//	  balances: [{name: treasury, address: <ConfluxDemoTreasury>, min: "100"}]
//	  pos: {address: <ConfluxDemoValidator>}
//
// Scenarios: StopEpochs, StopCommitting, StopVoting then ForceRetire,
// LeaveCommittee, Forfeit, SetBalance.
func NewConflux(now func() time.Time) *Conflux {
	c := &Conflux{Now: now, Version: "conflux-rust-2.4.0"}
	c.Start = c.now()
	reward, _ := new(big.Int).SetString("1500000000000000000", 10)
	c.Validators = append(c.Validators, &ConfluxValidator{Address: ConfluxDemoValidator, PowAddress: ConfluxDemoTreasury,
		AvailableVotes: 500, Locked: 500, Reward: reward})
	for i := 1; i < 20; i++ {
		c.Validators = append(c.Validators, &ConfluxValidator{Address: fmt.Sprintf("0x%064x", 0xc0ffee00+i),
			AvailableVotes: uint64(100 * i), Locked: uint64(100 * i), Reward: big.NewInt(int64(i) * 1e17)})
	}
	treasury, _ := new(big.Int).SetString("250000000000000000000", 10)
	c.Balances = map[string]*big.Int{ConfluxDemoTreasury: treasury}
	return c
}
