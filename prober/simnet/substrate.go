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
	"math/big"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gorilla/websocket"
	"github.com/upchain-dev/upchain/prober/substrate/scale"
	"github.com/upchain-dev/upchain/prober/substrate/ss58"
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
// best block's time unless stored explicitly. Storage read at an older
// block (state_getStorage with a hash) is today's, except Timestamp.Now,
// which goes back BlockTime (else BlockSpacing) per block.
//
// grandpa_roundState answers in the shape of polkadot-sdk's
// ReportedRoundStates (substrate/client/consensus/grandpa/rpc/src/report.rs
// and the reply of its working_rpc_handler test, quoted in
// shared/reference/chains-detail.md): missing voters as SS58 strings in
// the node's prefix (SS58Prefix), and "GRANDPA RPC endpoint not ready"
// as error code 1. Scripted replies (ScriptGrandpa) are served one per
// call, the last one repeating; without a script the rounds follow the
// clock (see GrandpaRound). state_getKeysPaged lists stored keys in
// order, as substrate's state RPC does.
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

	// BlockSpacing is the time between blocks for historical
	// Timestamp.Now on a static chain (default 6s).
	BlockSpacing time.Duration

	// SS58Prefix is the node's default SS58 format (0 Polkadot, 2 Kusama).
	SS58Prefix uint16
	// TokenDecimals and TokenSymbol are system_properties' tokenDecimals
	// and tokenSymbol (default 10, DOT; decimals 0 leaves both out, as a
	// dev chain without properties).
	TokenDecimals int
	TokenSymbol   string
	// GrandpaNotReady answers grandpa_roundState with error code 1.
	GrandpaNotReady bool
	// GrandpaVoters, GrandpaAbsent and GrandpaRound drive unscripted
	// rounds: round n lasts GrandpaRound (default 6s) from Genesis; in its
	// first second every voter is missing (votes still arrive), later
	// only the absent ones. The previous round is the background round.
	GrandpaVoters []scale.AccountID
	GrandpaAbsent map[scale.AccountID]bool
	GrandpaRound  time.Duration
	GrandpaSetID  uint64

	// Results replaces a method's result with raw JSON (malformed answers).
	Results map[string]string
	// RPCErrors answers a method with a JSON-RPC error of this message
	// ("{path}" is replaced by the request path).
	RPCErrors map[string]string

	// Dynamic, when set, answers storage reads before the stored values
	// (hex key, best block): storage that follows the clock.
	Dynamic func(key string, best uint64) (hexValue string, ok bool)

	stopAuthoring map[string]uint64 // NewCumulusParachain: frozen LastAuthoredBlock by key
	grandpaScript []GrandpaReport
	store         map[string]string // hex key -> hex value
	calls         map[string]int
	headers       []http.Header
}

// NewSubstrate is a healthy Polkadot node at block 1000, finalized 998,
// with 12 peers and empty storage.
func NewSubstrate() *Substrate {
	return &Substrate{
		Peers: 12, Version: "1.17.1-5f5b4ab1f3c", Chain: "Polkadot", TokenDecimals: 10, TokenSymbol: "DOT",
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

// timestampAt is Timestamp.Now at block n: stored for the best block,
// earlier blocks one spacing apart.
func (s *Substrate) timestampAt(n, best uint64) (any, string) {
	spacing := s.BlockSpacing
	if spacing <= 0 {
		spacing = 6 * time.Second
	}
	var head time.Time
	if v, ok := s.store[storage.TimestampNow().Hex()]; ok {
		b, err := hex.DecodeString(strings.TrimPrefix(v, "0x"))
		ms, err2 := scale.DecodeU64(b, "Timestamp.Now")
		if err != nil || err2 != nil || n == best {
			return v, "" // malformed on purpose, or the best block
		}
		head = time.UnixMilli(int64(ms))
	} else if s.BlockTime > 0 {
		head, spacing = s.Genesis.Add(time.Duration(best-s.Best)*s.BlockTime), s.BlockTime
	} else {
		return nil, ""
	}
	at := head.Add(-time.Duration(best-n) * spacing)
	return "0x" + hex.EncodeToString(scale.AppendU64(nil, uint64(at.UnixMilli()))), ""
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
	case "system_properties":
		props := map[string]any{"ss58Format": s.SS58Prefix}
		if s.TokenDecimals > 0 {
			props["tokenDecimals"], props["tokenSymbol"] = s.TokenDecimals, s.TokenSymbol
		}
		return props, ""
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
		at := best
		if h := str(1); h != "" {
			n, err := strconv.ParseUint(strings.TrimPrefix(h, "0x"), 16, 64)
			if err != nil || n > best {
				return nil, `{"code":4003,"message":"Client error: UnknownBlock: header not found"}`
			}
			at = n
		}
		if key == storage.TimestampNow().Hex() {
			return s.timestampAt(at, best)
		}
		if s.Dynamic != nil {
			if v, ok := s.Dynamic(key, at); ok {
				return v, ""
			}
		}
		if v, ok := s.store[key]; ok {
			return v, ""
		}
		return nil, ""
	case "state_getKeysPaged":
		var count float64
		if len(req.Params) > 1 {
			count, _ = req.Params[1].(float64)
		}
		var keys []string
		for k := range s.store {
			if strings.HasPrefix(k, str(0)) && k > str(2) {
				keys = append(keys, k)
			}
		}
		sort.Strings(keys)
		return keys[:min(len(keys), int(max(count, 0)))], ""
	case "grandpa_roundState":
		if s.GrandpaNotReady {
			return nil, `{"code":1,"message":"GRANDPA RPC endpoint not ready"}`
		}
		return s.grandpaReply(), ""
	}
	return nil, `{"code":-32601,"message":"Method not found"}`
}

// GrandpaRoundState is one round of a scripted reply.
type GrandpaRoundState struct {
	Round                  uint64
	Prevotes, Precommits   []scale.AccountID // missing voters
	TotalWeight, Threshold uint64
}

// GrandpaReport is one scripted grandpa_roundState reply.
type GrandpaReport struct {
	SetID      uint64
	Best       GrandpaRoundState
	Background []GrandpaRoundState
}

// ScriptGrandpa replaces the replies of grandpa_roundState: served one
// per call, the last one repeating (none: rounds follow the clock).
func (s *Substrate) ScriptGrandpa(replies ...GrandpaReport) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.grandpaScript = append([]GrandpaReport(nil), replies...)
}

func (s *Substrate) grandpaReply() any {
	var r GrandpaReport
	switch {
	case len(s.grandpaScript) > 1:
		r, s.grandpaScript = s.grandpaScript[0], s.grandpaScript[1:]
	case len(s.grandpaScript) == 1:
		r = s.grandpaScript[0]
	default:
		r = s.clockRounds()
	}
	round := func(rs GrandpaRoundState) map[string]any {
		total := rs.TotalWeight
		if total == 0 {
			total = uint64(max(len(s.GrandpaVoters), 1))
		}
		votes := func(missing []scale.AccountID) map[string]any {
			ids := make([]string, 0, len(missing))
			for _, k := range missing {
				a, _ := ss58.Encode(s.SS58Prefix, k)
				ids = append(ids, a)
			}
			return map[string]any{"currentWeight": total - min(total, uint64(len(missing))), "missing": ids}
		}
		th := rs.Threshold
		if th == 0 {
			th = total*2/3 + 1
		}
		return map[string]any{"round": rs.Round, "totalWeight": total, "thresholdWeight": th,
			"prevotes": votes(rs.Prevotes), "precommits": votes(rs.Precommits)}
	}
	bg := make([]any, 0, len(r.Background))
	for _, b := range r.Background {
		bg = append(bg, round(b))
	}
	return map[string]any{"setId": r.SetID, "best": round(r.Best), "background": bg}
}

// clockRounds is the round state now, from the clock.
func (s *Substrate) clockRounds() GrandpaReport {
	d := s.GrandpaRound
	if d <= 0 {
		d = 6 * time.Second
	}
	el := max(s.now().Sub(s.Genesis), 0)
	n := uint64(el/d) + 1
	var absent, all []scale.AccountID
	for _, v := range s.GrandpaVoters {
		all = append(all, v)
		if s.GrandpaAbsent[v] {
			absent = append(absent, v)
		}
	}
	best := GrandpaRoundState{Round: n, Prevotes: absent, Precommits: absent}
	if el%d < time.Second {
		best.Prevotes, best.Precommits = all, all
	}
	r := GrandpaReport{SetID: s.GrandpaSetID, Best: best}
	if n > 1 {
		r.Background = []GrandpaRoundState{{Round: n - 1, Prevotes: absent, Precommits: absent}}
	}
	return r
}

// SetQueuedKeys sets Session.QueuedKeys: each validator with session keys
// whose first 32 bytes are its GRANDPA key (Polkadot's order), padded to
// Polkadot's 193 bytes.
func (s *Substrate) SetQueuedKeys(entries map[scale.AccountID]scale.AccountID) {
	q := make([]storage.QueuedKey, 0, len(entries))
	for acc, gran := range entries {
		k := make([]byte, 193)
		copy(k, gran[:])
		q = append(q, storage.QueuedKey{Account: acc, Keys: k})
	}
	sort.Slice(q, func(i, j int) bool { return string(q[i].Account[:]) < string(q[j].Account[:]) })
	s.Set(storage.SessionQueuedKeys(), storage.AppendQueuedKeys(nil, q))
}

// SetDisabled sets Session.DisabledValidators (the newer shape, with an
// offence severity).
func (s *Substrate) SetDisabled(indices ...uint32) {
	sev := make([]uint32, len(indices))
	for i := range sev {
		sev[i] = 100_000_000 // 10% as Perbill
	}
	s.Set(storage.SessionDisabledValidators(), storage.AppendDisabled(nil, storage.Disabled{Indices: indices, Severity: sev}))
}

// SetBond sets Staking.Bonded(stash) to the stash itself (controllers are
// deprecated) and its ledger's active and total balance.
func (s *Substrate) SetBond(stash scale.AccountID, active *big.Int) {
	s.Set(storage.StakingBonded(stash), stash[:])
	s.Set(storage.StakingLedger(stash), storage.AppendLedger(nil, storage.Ledger{Stash: stash, Total: active, Active: active}))
}

// SetAccount sets System.Account(id): the account's AccountInfo.
func (s *Substrate) SetAccount(id scale.AccountID, a storage.AccountInfo) {
	s.Set(storage.SystemAccount(id), storage.AppendAccountInfo(nil, a))
}

// SetSlashes sets Staking.UnappliedSlashes(era) (the classic map shape).
func (s *Substrate) SetSlashes(era uint32, slashes ...storage.UnappliedSlash) {
	s.Set(storage.StakingUnappliedSlashes(era), storage.AppendUnappliedSlashes(nil, slashes))
}

// SetCollators sets CollatorSelection.Invulnerables and CandidateList.
func (s *Substrate) SetCollators(invulnerables, candidates []scale.AccountID) {
	acc := func(ids []scale.AccountID) [][]byte {
		out := make([][]byte, len(ids))
		for i := range ids {
			out[i] = ids[i][:]
		}
		return out
	}
	s.Set(storage.CollatorSelectionInvulnerables(), storage.AppendAccounts(nil, acc(invulnerables)))
	s.Set(storage.CollatorSelectionCandidateList(), storage.AppendCandidates(nil, acc(candidates), 10_000_000_000_000))
}

// SetLastAuthored sets CollatorSelection.LastAuthoredBlock(account).
func (s *Substrate) SetLastAuthored(account []byte, block uint32) {
	s.Set(storage.CollatorSelectionLastAuthoredBlock(account), scale.AppendU32(nil, block))
}

// SetStakingRound sets Moonbeam's ParachainStaking round, its selected
// collators (H160 or 32-byte accounts) and the points of the round.
func (s *Substrate) SetStakingRound(round storage.Round, selected [][]byte, total uint32, points map[string]uint32) {
	s.Set(storage.ParachainStakingRound(), storage.AppendRound(nil, round))
	s.Set(storage.ParachainStakingSelectedCandidates(), storage.AppendAccounts(nil, selected))
	s.Set(storage.ParachainStakingPoints(round.Current), scale.AppendU32(nil, total))
	for acc, p := range points {
		s.Set(storage.ParachainStakingAwardedPts(round.Current, []byte(acc)), scale.AppendU32(nil, p))
	}
}

// DevAccounts are the well-known Substrate development accounts Alice,
// Bob, Charlie and Dave (sr25519 public keys), the demo's validators and
// collators.
var DevAccounts = []scale.AccountID{
	substrateHexAccount("d43593c715fdd31c61141abd04a99fd6822c8558854ccde39a5684e7a56da27d"),
	substrateHexAccount("8eaf04151687736326c9fea17e25fc5287613693c912909cb226aa4794f26a48"),
	substrateHexAccount("90b5ab205c6974c9ea841be688864633dc9ca8a357843eeacf2314649965fe22"),
	substrateHexAccount("306721211d5404bd9da88e0204360a1a9ab8b87c66c1bc2fcdd37f3c2222cc20"),
}

func substrateHexAccount(s string) (id scale.AccountID) {
	b, _ := hex.DecodeString(s)
	copy(id[:], b)
	return id
}

// SubstrateGrandpaKey is the demo's GRANDPA key of validator i: i+1
// repeated (keys 0x01×32 and 0x02×32 are those of polkadot-sdk's RPC test).
func SubstrateGrandpaKey(i int) (k scale.AccountID) {
	for j := range k {
		k[j] = byte(i + 1)
	}
	return k
}

// NewPolkadotRelay is a relay chain node for the demo: 6 s blocks from
// start, the DevAccounts as the active set, queued for the next session,
// each bonded with 2M DOT, GRANDPA rounds of 6 s that all of them vote
// in. Staking, as on Polkadot since 2025, is elsewhere: probe it with
// `reward_points: false` and `slashes: false`, or point staking_url at a
// node with staking storage. Scenario changes: Update (GrandpaAbsent,
// GrandpaNotReady), SetDisabled, SetQueuedKeys, SetSlashes, SetBond.
func NewPolkadotRelay(now func() time.Time, start time.Time) *Substrate {
	s := NewSubstrate()
	s.Now, s.Genesis, s.BlockTime = now, start, 6*time.Second
	s.Best, s.Finalized = 20_000_000, 19_999_998
	s.GrandpaVoters, s.GrandpaAbsent, s.GrandpaSetID = nil, map[scale.AccountID]bool{}, 1
	queued := map[scale.AccountID]scale.AccountID{}
	for i, a := range DevAccounts {
		g := SubstrateGrandpaKey(i)
		s.GrandpaVoters = append(s.GrandpaVoters, g)
		queued[a] = g
		s.SetBond(a, big.NewInt(2e16))
	}
	s.SetSession(5000, DevAccounts...)
	s.SetQueuedKeys(queued)
	return s
}

// NewCumulusParachain is a system parachain for the demo (Polkadot Asset
// Hub): 12 s blocks from start, DevAccounts[0] invulnerable and the others
// candidates of CollatorSelection, authoring in turn, so that
// CollatorSelection.LastAuthoredBlock follows the clock. StopAuthoring
// makes a collator's last authored block stay where it is.
func NewCumulusParachain(now func() time.Time, start time.Time) *Substrate {
	s := NewSubstrate()
	s.Now, s.Genesis, s.BlockTime = now, start, 12*time.Second
	s.Chain, s.Version, s.Best, s.Finalized = "Polkadot Asset Hub", "1.17.1-demo", 9_000_000, 8_999_998
	s.SetCollators(DevAccounts[:1], DevAccounts[1:])
	stopped := map[string]uint64{}
	s.stopAuthoring = stopped
	keys := map[string]int{}
	for i, a := range DevAccounts {
		keys[storage.CollatorSelectionLastAuthoredBlock(a[:]).Hex()] = i
	}
	s.Dynamic = func(key string, best uint64) (string, bool) {
		i, ok := keys[key]
		if !ok {
			return "", false
		}
		n := best - (best+uint64(len(DevAccounts))-uint64(i))%uint64(len(DevAccounts))
		if at, ok := stopped[key]; ok && at < n {
			n = at
		}
		return "0x" + hex.EncodeToString(scale.AppendU32(nil, uint32(n))), true
	}
	return s
}

// StopAuthoring freezes the collator's LastAuthoredBlock at the current
// best block (NewCumulusParachain chains only).
func (s *Substrate) StopAuthoring(account scale.AccountID) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.stopAuthoring != nil {
		best, _ := s.heads()
		s.stopAuthoring[storage.CollatorSelectionLastAuthoredBlock(account[:]).Hex()] = best
	}
}
