// Package conflux is a small typed client for the Conflux Core Space
// (cfx_*) and PoS (pos_*) JSON-RPC methods the conflux kind reads, in the
// shapes of conflux-rust (crates/rpc/rpc-cfx-types/src/status.rs and
// pos/*.rs; see /work/shared/reference/chains-detail.md §2), and the
// tracking of a PoS validator's votes across probes.
//
// It is written over the prober's bounded JSON-RPC client instead of
// go-conflux-sdk, which pulls in go-ethereum for a handful of shapes.
package conflux

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math/big"
	"strconv"
	"strings"
)

// Caller is the JSON-RPC client (prober/jsonrpc.Client).
type Caller interface {
	CallInto(ctx context.Context, method string, params, out any) error
}

// U64 is a compact hex QUANTITY ("0x1a") that fits 64 bits.
type U64 uint64

// UnmarshalJSON accepts only a 0x-prefixed hex string.
func (q *U64) UnmarshalJSON(b []byte) error {
	s, err := hexString(b)
	if err != nil {
		return err
	}
	n, err := strconv.ParseUint(s, 16, 64)
	if err != nil {
		return fmt.Errorf("quantity %q does not fit 64 bits", trunc(s))
	}
	*q = U64(n)
	return nil
}

// U256 is a hex QUANTITY of any size (balances and rewards in Drip).
type U256 struct{ big.Int }

// UnmarshalJSON accepts only a 0x-prefixed hex string of at most 256 bits.
func (q *U256) UnmarshalJSON(b []byte) error {
	s, err := hexString(b)
	if err != nil {
		return err
	}
	if len(s) > 64 {
		return fmt.Errorf("quantity %q is larger than 256 bits", trunc(s))
	}
	if _, ok := q.SetString(s, 16); !ok {
		return fmt.Errorf("bad quantity %q", trunc(s))
	}
	return nil
}

func hexString(b []byte) (string, error) {
	var s string
	// Quantities are plain ASCII: read them without a second decoder
	// (a committed PoS block carries one per committee member).
	if n := len(b); n >= 2 && b[0] == '"' && b[n-1] == '"' && !bytes.ContainsAny(b[1:n-1], `"\\`) {
		s = string(b[1 : n-1])
	} else if err := json.Unmarshal(b, &s); err != nil {
		return "", fmt.Errorf("quantity is not a hex string: %s", trunc(string(b)))
	}
	digits, ok := strings.CutPrefix(s, "0x")
	if !ok || digits == "" {
		return "", fmt.Errorf("quantity %q has no 0x prefix", trunc(s))
	}
	return digits, nil
}

func trunc(s string) string {
	if len(s) > 40 {
		return s[:40] + "…"
	}
	return s
}

// Status is cfx_getStatus (status.rs).
type Status struct {
	BestHash        string `json:"bestHash"`
	ChainID         *U64   `json:"chainId"`
	NetworkID       *U64   `json:"networkId"`
	EpochNumber     *U64   `json:"epochNumber"`
	BlockNumber     U64    `json:"blockNumber"`
	LatestState     *U64   `json:"latestState"`
	LatestConfirmed *U64   `json:"latestConfirmed"`
	LatestFinalized *U64   `json:"latestFinalized"`
}

// Block is the part of a Core Space block the probe reads.
type Block struct {
	Hash        string `json:"hash"`
	EpochNumber *U64   `json:"epochNumber"`
	Timestamp   *U64   `json:"timestamp"` // unix seconds
}

// PosStatus is pos_getStatus (pos/status.rs).
type PosStatus struct {
	Epoch           U64  `json:"epoch"`
	LatestCommitted *U64 `json:"latestCommitted"`
	LatestVoted     *U64 `json:"latestVoted"`
}

// Account is pos_getAccount (pos/account.rs, node_lock_status.rs). For
// an unknown address conflux-rust answers an all-zero account, not null.
type Account struct {
	Address     string     `json:"address"`
	BlockNumber U64        `json:"blockNumber"`
	Status      LockStatus `json:"status"`
}

// LockStatus is the stake of a PoS account, in votes (1 vote = 1000 CFX).
type LockStatus struct {
	AvailableVotes U64          `json:"availableVotes"`
	Forfeited      U64          `json:"forfeited"`
	ForceRetired   *U64         `json:"forceRetired"` // block number, null if not retired
	InQueue        []QueueEntry `json:"inQueue"`
	OutQueue       []QueueEntry `json:"outQueue"`
	Locked         U64          `json:"locked"`
	Unlocked       U64          `json:"unlocked"`
}

// QueueEntry is votes moving in or out until a PoS block number.
type QueueEntry struct {
	EndBlockNumber U64 `json:"endBlockNumber"`
	Power          U64 `json:"power"`
}

// Zero reports an all-zero account: what the node answers for an address
// it does not know.
func (s LockStatus) Zero() bool {
	return s.AvailableVotes == 0 && s.Forfeited == 0 && s.ForceRetired == nil && s.Locked == 0 &&
		s.Unlocked == 0 && len(s.InQueue) == 0 && len(s.OutQueue) == 0
}

// Sum adds the power of queue entries (saturating: a hostile reply cannot
// wrap it).
func Sum(q []QueueEntry) uint64 {
	var n uint64
	for _, e := range q {
		if n+uint64(e.Power) < n {
			return ^uint64(0)
		}
		n += uint64(e.Power)
	}
	return n
}

// Committee is pos_getCommittee (pos/committee.rs).
type Committee struct {
	Current   CommitteeState `json:"currentCommittee"`
	Elections []Election     `json:"elections"`
}

// CommitteeState is the committee of one PoS epoch (term).
type CommitteeState struct {
	EpochNumber       U64         `json:"epochNumber"`
	QuorumVotingPower U64         `json:"quorumVotingPower"`
	TotalVotingPower  U64         `json:"totalVotingPower"`
	Nodes             []NodePower `json:"nodes"`
}

// Election is the election of a coming term.
type Election struct {
	IsFinalized      bool        `json:"isFinalized"`
	StartBlockNumber U64         `json:"startBlockNumber"`
	TopElectingNodes []NodePower `json:"topElectingNodes"`
}

// NodePower is a PoS address with its voting power.
type NodePower struct {
	Address     string `json:"address"`
	VotingPower U64    `json:"votingPower"`
}

// Power returns addr's voting power in nodes and whether it is there.
func Power(nodes []NodePower, addr string) (uint64, bool) {
	for _, n := range nodes {
		if SameAddress(n.Address, addr) {
			return uint64(n.VotingPower), true
		}
	}
	return 0, false
}

// PosBlock is pos_getBlockByNumber (pos/block.rs).
type PosBlock struct {
	Hash       string      `json:"hash"`
	Height     *U64        `json:"height"`
	Epoch      U64         `json:"epoch"`
	Round      U64         `json:"round"`
	Timestamp  *U64        `json:"timestamp"` // microseconds
	Signatures []Signature `json:"signatures"`
}

// Signature is one committee member's votes on a block.
type Signature struct {
	Account string `json:"account"`
	Votes   U64    `json:"votes"`
}

// Signed reports whether addr is among the block's signatures.
func (b *PosBlock) Signed(addr string) bool {
	for _, s := range b.Signatures {
		if SameAddress(s.Account, addr) {
			return true
		}
	}
	return false
}

// EpochReward is pos_getRewardsByEpoch; accounts with zero reward are
// left out by the node.
type EpochReward struct {
	PowEpochHash   string    `json:"powEpochHash"`
	AccountRewards []Rewards `json:"accountRewards"`
}

// Rewards is one account's reward for an epoch, in Drip.
type Rewards struct {
	PosAddress string `json:"posAddress"`
	PowAddress string `json:"powAddress"`
	Reward     U256   `json:"reward"`
}

// SameAddress compares PoS addresses (H256 hex) ignoring case and 0x.
func SameAddress(a, b string) bool {
	return strings.EqualFold(strings.TrimPrefix(a, "0x"), strings.TrimPrefix(b, "0x"))
}

// Client calls the methods with typed results.
type Client struct{ C Caller }

// Status calls cfx_getStatus and checks the fields the probe needs.
func (c Client) Status(ctx context.Context) (*Status, error) {
	var s *Status
	if err := c.C.CallInto(ctx, "cfx_getStatus", []any{}, &s); err != nil {
		return nil, err
	}
	if s == nil || s.EpochNumber == nil || s.ChainID == nil {
		return nil, fmt.Errorf("no epochNumber or chainId in the reply")
	}
	return s, nil
}

// LatestMined is the newest block (cfx_getBlockByEpochNumber
// "latest_mined", without transactions).
func (c Client) LatestMined(ctx context.Context) (*Block, error) {
	var b *Block
	if err := c.C.CallInto(ctx, "cfx_getBlockByEpochNumber", []any{"latest_mined", false}, &b); err != nil {
		return nil, err
	}
	if b == nil || b.Timestamp == nil {
		return nil, fmt.Errorf("no block with a timestamp")
	}
	return b, nil
}

// ClientVersion calls cfx_clientVersion.
func (c Client) ClientVersion(ctx context.Context) (string, error) {
	var s string
	err := c.C.CallInto(ctx, "cfx_clientVersion", []any{}, &s)
	return s, err
}

// Balance calls cfx_getBalance for a base32 address, in Drip.
func (c Client) Balance(ctx context.Context, addr string) (*big.Int, error) {
	var q *U256
	if err := c.C.CallInto(ctx, "cfx_getBalance", []any{addr}, &q); err != nil {
		return nil, err
	}
	if q == nil {
		return nil, fmt.Errorf("null balance")
	}
	return &q.Int, nil
}

// PosStatus calls pos_getStatus.
func (c Client) PosStatus(ctx context.Context) (*PosStatus, error) {
	var s *PosStatus
	if err := c.C.CallInto(ctx, "pos_getStatus", []any{}, &s); err != nil {
		return nil, err
	}
	if s == nil || s.LatestCommitted == nil {
		return nil, fmt.Errorf("no latestCommitted in the reply")
	}
	return s, nil
}

// Account calls pos_getAccount for a PoS address (0x + 64 hex).
func (c Client) Account(ctx context.Context, addr string) (*Account, error) {
	var a *Account
	if err := c.C.CallInto(ctx, "pos_getAccount", []any{addr}, &a); err != nil {
		return nil, err
	}
	if a == nil {
		// Older nodes and the docs: null for an unknown account.
		return &Account{Address: addr}, nil
	}
	return a, nil
}

// Committee calls pos_getCommittee, at a PoS block number when
// block > 0 (the committee that signed that block), else the latest.
func (c Client) Committee(ctx context.Context, block uint64) (*Committee, error) {
	params := []any{}
	if block > 0 {
		params = []any{hexU64(block)}
	}
	var cm *Committee
	if err := c.C.CallInto(ctx, "pos_getCommittee", params, &cm); err != nil {
		return nil, err
	}
	if cm == nil {
		return nil, fmt.Errorf("null committee")
	}
	return cm, nil
}

// PosBlock calls pos_getBlockByNumber for a committed height.
func (c Client) PosBlock(ctx context.Context, height uint64) (*PosBlock, error) {
	var b *PosBlock
	if err := c.C.CallInto(ctx, "pos_getBlockByNumber", []any{hexU64(height)}, &b); err != nil {
		return nil, err
	}
	if b == nil {
		return nil, fmt.Errorf("pos_getBlockByNumber(%d): no such block", height)
	}
	if b.Height == nil || uint64(*b.Height) != height {
		return nil, fmt.Errorf("pos_getBlockByNumber(%d): answered another block", height)
	}
	return b, nil
}

// LatestCommitted calls pos_getBlockByNumber("latest_committed").
func (c Client) LatestCommitted(ctx context.Context) (*PosBlock, error) {
	var b *PosBlock
	if err := c.C.CallInto(ctx, "pos_getBlockByNumber", []any{"latest_committed"}, &b); err != nil {
		return nil, err
	}
	if b == nil || b.Height == nil || b.Timestamp == nil {
		return nil, fmt.Errorf("no block with height and timestamp")
	}
	return b, nil
}

// Reward returns addr's reward for a PoS epoch in Drip (zero when the
// node lists none for it), and whether the node knows the epoch.
func (c Client) Reward(ctx context.Context, epoch uint64, addr string) (*big.Int, bool, error) {
	var r *EpochReward
	if err := c.C.CallInto(ctx, "pos_getRewardsByEpoch", []any{hexU64(epoch)}, &r); err != nil {
		return nil, false, err
	}
	if r == nil {
		return new(big.Int), false, nil
	}
	for _, a := range r.AccountRewards {
		if SameAddress(a.PosAddress, addr) {
			return new(big.Int).Set(&a.Reward.Int), true, nil
		}
	}
	return new(big.Int), true, nil
}

func hexU64(n uint64) string { return "0x" + strconv.FormatUint(n, 16) }
