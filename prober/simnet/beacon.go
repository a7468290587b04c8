package simnet

import (
	"encoding/json"
	"fmt"
	"hash/fnv"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Beacon is a simulated Ethereum beacon node speaking the standard Beacon
// API over HTTP. Reply shapes follow ethereum/beacon-APIs (apis/node/*.yaml,
// apis/beacon/genesis.yaml, apis/beacon/blocks/header.yaml,
// apis/beacon/states/finality_checkpoints.yaml, apis/beacon/states/
// validators.yaml, apis/validator/liveness.yaml, apis/validator/duties/
// proposer.yaml and sync.yaml, apis/config/spec.yaml), as summarised in
// shared/reference/chains-detail.md section 1: payloads under `data`,
// integers as decimal strings, errors as {code, message}.
//
// The chain is computed from the clock on every request: the slot is
// (Now - Genesis) / SecondsPerSlot, so a simulated clock moves it. Change
// the scenario with Update; the zero value plus Validators is a healthy
// mainnet-like node (12 s slots, 32 slots per epoch).
type Beacon struct {
	mu sync.Mutex

	// Now is the clock (nil: time.Now).
	Now func() time.Time
	// Genesis is the chain's genesis time (zero: an hour before the first
	// request).
	Genesis        time.Time
	SecondsPerSlot uint64 // default 12
	SlotsPerEpoch  uint64 // default 32
	Version        string
	Peers          int

	// Syncing, SyncDistance, Optimistic and ELOffline make the node
	// unhealthy: /node/health answers 206, /node/syncing says why.
	Syncing      bool
	SyncDistance uint64
	Optimistic   bool
	ELOffline    bool
	// HealthCode, when set, is what /node/health answers.
	HealthCode int
	// HeadLag slots: the node's head is that far behind the clock (a
	// stalled chain or node).
	HeadLag uint64
	// FinalityStalledAt, when set, is the newest epoch ever finalized (a
	// chain that stopped finalizing); otherwise finality is 2 epochs behind.
	FinalityStalledAt *uint64

	// Validators by index. TotalValidators is the size of the whole set,
	// from which proposers are drawn (default 1,000,000).
	Validators      map[uint64]*BeaconValidator
	TotalValidators uint64
	// Proposers fixes the proposer of some slots.
	Proposers map[uint64]uint64
	// EmptySlots have no block (a missed proposal).
	EmptySlots map[uint64]bool
	// Offline reports whether a validator failed to attest in epoch.
	Offline func(index, epoch uint64) bool
	// SyncCommittee holds the indices in the current sync committee.
	SyncCommittee map[uint64]bool
	// Hook, when set, may answer a request itself (hostile replies); it
	// returns false to let the node answer.
	Hook func(w http.ResponseWriter, r *http.Request) bool

	calls map[string]int
}

// BeaconValidator is one validator's state, amounts in Gwei.
type BeaconValidator struct {
	Pubkey           string
	Balance          uint64
	EffectiveBalance uint64
	// Status is a ValidatorStatus: active_ongoing, pending_queued, ...
	Status          string
	Slashed         bool
	ActivationEpoch uint64
}

// NewBeacon is a healthy node on clock now (nil: time.Now) whose chain
// began at genesis, with healthy validators of the given indices.
func NewBeacon(now func() time.Time, genesis time.Time, indices ...uint64) *Beacon {
	b := &Beacon{Now: now, Genesis: genesis, Peers: 50, Validators: map[uint64]*BeaconValidator{}}
	for _, i := range indices {
		b.Validators[i] = NewBeaconValidator(i)
	}
	return b
}

// NewBeaconValidator is a healthy 32 ETH validator active since genesis,
// with a pubkey derived from its index.
func NewBeaconValidator(index uint64) *BeaconValidator {
	return &BeaconValidator{
		Pubkey:           BeaconPubkey(index),
		Balance:          32_001_000_000,
		EffectiveBalance: 32_000_000_000,
		Status:           "active_ongoing",
	}
}

// BeaconPubkey is the simulated 48-byte pubkey of index, in 0x hex.
func BeaconPubkey(index uint64) string {
	return fmt.Sprintf("0x%096x", index+0xa0)
}

// Update changes the scenario under the lock.
func (b *Beacon) Update(f func(*Beacon)) {
	b.mu.Lock()
	defer b.mu.Unlock()
	f(b)
}

// Calls returns how often each path (numbers and ids cut off) was called.
func (b *Beacon) Calls() map[string]int {
	b.mu.Lock()
	defer b.mu.Unlock()
	out := map[string]int{}
	for k, v := range b.calls {
		out[k] = v
	}
	return out
}

// Slot is the current slot by the clock.
func (b *Beacon) Slot() uint64 {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.beaconClockSlot()
}

// Epoch is the current epoch by the clock.
func (b *Beacon) Epoch() uint64 {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.beaconClockSlot() / b.beaconSlotsPerEpoch()
}

// ProposerOf returns the proposer of slot.
func (b *Beacon) ProposerOf(slot uint64) uint64 {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.beaconProposer(slot)
}

func (b *Beacon) beaconNow() time.Time {
	if b.Now != nil {
		return b.Now()
	}
	return time.Now()
}

func (b *Beacon) beaconSecondsPerSlot() uint64 {
	if b.SecondsPerSlot == 0 {
		return 12
	}
	return b.SecondsPerSlot
}

func (b *Beacon) beaconSlotsPerEpoch() uint64 {
	if b.SlotsPerEpoch == 0 {
		return 32
	}
	return b.SlotsPerEpoch
}

func (b *Beacon) beaconClockSlot() uint64 {
	now := b.beaconNow()
	if b.Genesis.IsZero() {
		b.Genesis = now.Add(-time.Hour).Truncate(time.Second)
	}
	d := now.Sub(b.Genesis)
	if d < 0 {
		return 0
	}
	return uint64(d/time.Second) / b.beaconSecondsPerSlot()
}

// beaconHead is the newest slot with a block, at most the clock minus HeadLag.
func (b *Beacon) beaconHead() uint64 {
	s := b.beaconClockSlot()
	if b.HeadLag > s {
		return 0
	}
	s -= b.HeadLag
	for s > 0 && b.EmptySlots[s] {
		s--
	}
	return s
}

func (b *Beacon) beaconProposer(slot uint64) uint64 {
	if p, ok := b.Proposers[slot]; ok {
		return p
	}
	total := b.TotalValidators
	if total == 0 {
		total = 1_000_000
	}
	h := fnv.New64a()
	fmt.Fprint(h, slot)
	return h.Sum64() % total
}

func (b *Beacon) beaconFinalized() uint64 {
	epoch := b.beaconHead() / b.beaconSlotsPerEpoch()
	f := uint64(0)
	if epoch >= 2 {
		f = epoch - 2
	}
	if b.FinalityStalledAt != nil && *b.FinalityStalledAt < f {
		f = *b.FinalityStalledAt
	}
	return f
}

func beaconWriteJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(v)
}

func beaconError(w http.ResponseWriter, code int, msg string) {
	beaconWriteJSON(w, code, map[string]any{"code": code, "message": msg})
}

func beaconU(n uint64) string { return strconv.FormatUint(n, 10) }

// beaconCallKey names a request for Calls: the path without its numeric
// or id tail.
func beaconCallKey(r *http.Request) string {
	p := r.URL.Path
	parts := strings.Split(p, "/")
	last := parts[len(parts)-1]
	if _, err := strconv.ParseUint(last, 10, 64); err == nil || strings.HasPrefix(last, "0x") {
		p = strings.Join(parts[:len(parts)-1], "/")
	}
	return r.Method + " " + p
}

// ServeHTTP answers the Beacon API.
func (b *Beacon) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	b.mu.Lock()
	if b.calls == nil {
		b.calls = map[string]int{}
	}
	b.calls[beaconCallKey(r)]++
	hook := b.Hook
	b.mu.Unlock()
	if hook != nil && hook(w, r) {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	p := r.URL.Path
	get, post := r.Method == http.MethodGet, r.Method == http.MethodPost
	switch {
	case get && p == "/eth/v1/node/health":
		code := http.StatusOK
		if b.Syncing || b.Optimistic || b.ELOffline {
			code = http.StatusPartialContent
		}
		if b.HealthCode != 0 {
			code = b.HealthCode
		}
		w.WriteHeader(code)
	case get && p == "/eth/v1/node/syncing":
		beaconWriteJSON(w, 200, map[string]any{"data": map[string]any{
			"head_slot": beaconU(b.beaconHead()), "sync_distance": beaconU(b.SyncDistance),
			"is_syncing": b.Syncing, "is_optimistic": b.Optimistic, "el_offline": b.ELOffline,
		}})
	case get && p == "/eth/v1/node/peer_count":
		beaconWriteJSON(w, 200, map[string]any{"data": map[string]string{
			"disconnected": "3", "connecting": "0", "connected": strconv.Itoa(b.Peers), "disconnecting": "0",
		}})
	case get && p == "/eth/v1/node/version":
		v := b.Version
		if v == "" {
			v = "Simnet/v1.0.0 (linux x86_64)"
		}
		beaconWriteJSON(w, 200, map[string]any{"data": map[string]string{"version": v}})
	case get && p == "/eth/v1/beacon/genesis":
		b.beaconClockSlot() // fixes a zero genesis
		beaconWriteJSON(w, 200, map[string]any{"data": map[string]string{
			"genesis_time": beaconU(uint64(b.Genesis.Unix())), "genesis_validators_root": "0x" + strings.Repeat("4b", 32), "genesis_fork_version": "0x00000000",
		}})
	case get && p == "/eth/v1/config/spec":
		beaconWriteJSON(w, 200, map[string]any{"data": map[string]string{
			"CONFIG_NAME": "simnet", "SECONDS_PER_SLOT": beaconU(b.beaconSecondsPerSlot()), "SLOTS_PER_EPOCH": beaconU(b.beaconSlotsPerEpoch()),
			"EPOCHS_PER_SYNC_COMMITTEE_PERIOD": "256", "DEPOSIT_CONTRACT_ADDRESS": "0x00000000219ab540356cbb839cbe05303d7705fa",
		}})
	case get && strings.HasPrefix(p, "/eth/v1/beacon/headers/"):
		b.beaconServeHeader(w, strings.TrimPrefix(p, "/eth/v1/beacon/headers/"))
	case get && p == "/eth/v1/beacon/states/head/finality_checkpoints":
		cp := func(e uint64) map[string]string {
			return map[string]string{"epoch": beaconU(e), "root": fmt.Sprintf("0x%064x", e)}
		}
		f := b.beaconFinalized()
		beaconWriteJSON(w, 200, map[string]any{"execution_optimistic": false, "finalized": false, "data": map[string]any{
			"previous_justified": cp(f), "current_justified": cp(f + 1), "finalized": cp(f),
		}})
	case post && p == "/eth/v1/beacon/states/head/validators":
		var body struct {
			IDs []string `json:"ids"`
		}
		if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<20)).Decode(&body); err != nil {
			beaconError(w, 400, "invalid request body")
			return
		}
		out := []any{}
		var keys map[string]uint64
		for _, id := range body.IDs {
			if idx, v := b.beaconFind(id, &keys); v != nil {
				out = append(out, beaconValidatorJSON(idx, v))
			}
		}
		beaconWriteJSON(w, 200, map[string]any{"execution_optimistic": false, "finalized": false, "data": out})
	case get && strings.HasPrefix(p, "/eth/v1/beacon/states/head/validators/"):
		var keys map[string]uint64
		idx, v := b.beaconFind(strings.TrimPrefix(p, "/eth/v1/beacon/states/head/validators/"), &keys)
		if v == nil {
			beaconError(w, 404, "Validator not found")
			return
		}
		beaconWriteJSON(w, 200, map[string]any{"execution_optimistic": false, "finalized": false, "data": beaconValidatorJSON(idx, v)})
	case post && strings.HasPrefix(p, "/eth/v1/validator/liveness/"):
		b.beaconServeLiveness(w, r, strings.TrimPrefix(p, "/eth/v1/validator/liveness/"))
	case get && strings.HasPrefix(p, "/eth/v1/validator/duties/proposer/"):
		epoch, err := strconv.ParseUint(strings.TrimPrefix(p, "/eth/v1/validator/duties/proposer/"), 10, 64)
		if err != nil {
			beaconError(w, 400, "invalid epoch")
			return
		}
		spe := b.beaconSlotsPerEpoch()
		duties := make([]any, 0, spe)
		for s := epoch * spe; s < (epoch+1)*spe; s++ {
			idx := b.beaconProposer(s)
			duties = append(duties, map[string]string{"pubkey": BeaconPubkey(idx), "validator_index": beaconU(idx), "slot": beaconU(s)})
		}
		beaconWriteJSON(w, 200, map[string]any{"dependent_root": "0x" + strings.Repeat("00", 32), "execution_optimistic": false, "data": duties})
	case post && strings.HasPrefix(p, "/eth/v1/validator/duties/sync/"):
		var ids []string
		if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<20)).Decode(&ids); err != nil {
			beaconError(w, 400, "invalid request body")
			return
		}
		out := []any{}
		for _, id := range ids {
			idx, err := strconv.ParseUint(id, 10, 64)
			if err == nil && b.SyncCommittee[idx] {
				out = append(out, map[string]any{"pubkey": BeaconPubkey(idx), "validator_index": id, "validator_sync_committee_indices": []string{"7"}})
			}
		}
		beaconWriteJSON(w, 200, map[string]any{"execution_optimistic": false, "data": out})
	default:
		beaconError(w, 404, "not found")
	}
}

func (b *Beacon) beaconServeHeader(w http.ResponseWriter, id string) {
	head := b.beaconHead()
	slot := head
	if id != "head" {
		s, err := strconv.ParseUint(id, 10, 64)
		if err != nil {
			beaconError(w, 400, "invalid block id")
			return
		}
		if s > head || b.EmptySlots[s] {
			beaconError(w, 404, "Block not found")
			return
		}
		slot = s
	}
	root := fmt.Sprintf("0x%064x", slot+1)
	beaconWriteJSON(w, 200, map[string]any{"execution_optimistic": false, "finalized": false, "data": map[string]any{
		"root": root, "canonical": true,
		"header": map[string]any{"message": map[string]string{
			"slot": beaconU(slot), "proposer_index": beaconU(b.beaconProposer(slot)),
			"parent_root": fmt.Sprintf("0x%064x", slot), "state_root": root, "body_root": root,
		}, "signature": "0x" + strings.Repeat("ab", 96)},
	}})
}

func (b *Beacon) beaconServeLiveness(w http.ResponseWriter, r *http.Request, epochText string) {
	epoch, err := strconv.ParseUint(epochText, 10, 64)
	if err != nil {
		beaconError(w, 400, "invalid epoch")
		return
	}
	cur := b.beaconClockSlot() / b.beaconSlotsPerEpoch()
	// The spec asks for the current and previous epoch only.
	if epoch > cur || epoch+1 < cur {
		beaconError(w, 400, "epoch out of range")
		return
	}
	var ids []string
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<20)).Decode(&ids); err != nil || len(ids) == 0 {
		beaconError(w, 400, "invalid request body")
		return
	}
	out := make([]any, 0, len(ids))
	for _, id := range ids {
		idx, err := strconv.ParseUint(id, 10, 64)
		if err != nil {
			beaconError(w, 400, "invalid index")
			return
		}
		v := b.Validators[idx]
		live := v != nil && strings.HasPrefix(v.Status, "active") && !v.Slashed && (b.Offline == nil || !b.Offline(idx, epoch))
		out = append(out, map[string]any{"index": id, "is_live": live})
	}
	beaconWriteJSON(w, 200, map[string]any{"data": out})
}

// beaconFind looks id (an index or a 0x pubkey) up; keys, built once per
// request, maps lower-case pubkeys to indices.
func (b *Beacon) beaconFind(id string, keys *map[string]uint64) (uint64, *BeaconValidator) {
	if strings.HasPrefix(id, "0x") {
		if *keys == nil {
			*keys = make(map[string]uint64, len(b.Validators))
			for k, v := range b.Validators {
				(*keys)[strings.ToLower(v.Pubkey)] = k
			}
		}
		idx, ok := (*keys)[strings.ToLower(id)]
		if !ok {
			return 0, nil
		}
		return idx, b.Validators[idx]
	}
	idx, err := strconv.ParseUint(id, 10, 64)
	if err != nil {
		return 0, nil
	}
	return idx, b.Validators[idx]
}

func beaconValidatorJSON(idx uint64, v *BeaconValidator) map[string]any {
	const far = "18446744073709551615"
	return map[string]any{
		"index": beaconU(idx), "balance": beaconU(v.Balance), "status": v.Status,
		"validator": map[string]any{
			"pubkey": v.Pubkey, "withdrawal_credentials": "0x01" + strings.Repeat("00", 31),
			"effective_balance": beaconU(v.EffectiveBalance), "slashed": v.Slashed,
			"activation_eligibility_epoch": beaconU(v.ActivationEpoch), "activation_epoch": beaconU(v.ActivationEpoch),
			"exit_epoch": far, "withdrawable_epoch": far,
		},
	}
}
