package simnet

import (
	"encoding/json"
	"net/http"
	"strings"
	"sync"
	"time"
)

// Nexus is a simulated Oasis Nexus indexer API (oasisprotocol/nexus
// api/spec/v1.yaml) serving one validator, as an http.Handler mounted at
// the API root (the /v1 of https://nexus.oasis.io/v1). It answers
//
//   - GET /: getStatus {latest_block, latest_node_block, latest_block_time,
//     latest_update_age_ms};
//   - GET /consensus/validators/{address}: a ValidatorList with one
//     Validator, signed_blocks (the last 100 blocks) and uptime filled, as
//     Nexus does only for a single validator (nexus
//     storage/client/client.go); an unknown address gets 404 with an empty
//     body, other paths 400 {"msg": ...}.
//
// Blocks follow the clock: height = Height0 + elapsed/BlockTime since
// Start. Scenario state is changed with Update.
type Nexus struct {
	// Now is the clock (nil: time.Now).
	Now func() time.Time

	mu sync.Mutex
	st NexusState
}

// NexusState is the scenario of a Nexus.
type NexusState struct {
	// Start and Height0: the chain is at Height0 at Start.
	Start     time.Time
	Height0   int64
	BlockTime time.Duration
	// IndexerStalledAt, when set, freezes the indexer at the height it had
	// reached then, while its node keeps following the chain.
	IndexerStalledAt time.Time

	Address        string
	Name           string
	Active         bool
	InValidatorSet bool
	VotingPower    int64
	Rank           int64
	// Escrow balances in base units (1e-9 ROSE), decimal strings.
	EscrowActive, EscrowDebonding string
	Delegators                    int64
	// CommissionRate is in 1/100000 (2000 = 2 %).
	CommissionRate int64
	// Missed reports whether the validator missed block h.
	Missed func(h int64) bool
	// UptimeWindow is the uptime window in blocks (Nexus: 14400).
	UptimeWindow int64
}

// NewNexus returns a healthy validator at height 20 000 000 on 6 s blocks
// from now on clock now (nil: time.Now).
func NewNexus(now func() time.Time, address string) *Nexus {
	n := &Nexus{Now: now}
	n.st = NexusState{
		Start: n.now(), Height0: 20_000_000, BlockTime: 6 * time.Second,
		Address: address, Name: "simnet validator", Active: true, InValidatorSet: true,
		VotingPower: 4_200_000, Rank: 12, EscrowActive: "4200000123456789", EscrowDebonding: "1000000000",
		Delegators: 321, CommissionRate: 5000, UptimeWindow: 14400,
	}
	return n
}

func (n *Nexus) now() time.Time {
	if n.Now != nil {
		return n.Now()
	}
	return time.Now()
}

// Update changes the scenario under the lock.
func (n *Nexus) Update(f func(*NexusState)) {
	n.mu.Lock()
	defer n.mu.Unlock()
	f(&n.st)
}

// heightAt is the chain's height at t.
func (s *NexusState) heightAt(t time.Time) int64 {
	if s.BlockTime <= 0 || t.Before(s.Start) {
		return s.Height0
	}
	return s.Height0 + int64(t.Sub(s.Start)/s.BlockTime)
}

func (s *NexusState) timeOf(h int64) time.Time {
	return s.Start.Add(time.Duration(h-s.Height0) * s.BlockTime)
}

func (n *Nexus) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	n.mu.Lock()
	st := n.st
	n.mu.Unlock()
	now := n.now()
	node := st.heightAt(now)
	indexed, processed := node, st.timeOf(node)
	if !st.IndexerStalledAt.IsZero() && now.After(st.IndexerStalledAt) {
		indexed = st.heightAt(st.IndexerStalledAt)
		processed = st.timeOf(indexed)
	}
	path := strings.TrimSuffix(r.URL.Path, "/")
	switch {
	case r.Method != http.MethodGet:
		oasisWriteJSON(w, http.StatusBadRequest, map[string]any{"msg": "method not allowed"})
	case path == "":
		oasisWriteJSON(w, http.StatusOK, map[string]any{
			"latest_block":         indexed,
			"latest_node_block":    node,
			"latest_block_time":    st.timeOf(indexed).UTC().Format(time.RFC3339),
			"latest_update_age_ms": now.Sub(processed).Milliseconds(),
		})
	case strings.HasPrefix(path, "/consensus/validators/"):
		addr := strings.TrimPrefix(path, "/consensus/validators/")
		if addr != st.Address {
			w.WriteHeader(http.StatusNotFound)
			return
		}
		oasisWriteJSON(w, http.StatusOK, map[string]any{
			"total_count": 1, "is_total_count_clipped": false,
			"validators": []any{oasisValidator(&st, indexed)},
		})
	default:
		oasisWriteJSON(w, http.StatusBadRequest, map[string]any{"msg": "unknown path " + r.URL.Path})
	}
}

// oasisValidator is the Validator object as of the indexed height.
func oasisValidator(st *NexusState, indexed int64) map[string]any {
	missed := func(h int64) bool { return st.Missed != nil && st.Missed(h) }
	var signed []any
	for h := indexed; h > indexed-100; h-- {
		signed = append(signed, map[string]any{"height": h, "signed": !missed(h)})
	}
	window := st.UptimeWindow
	var up int64
	for h := indexed - window + 1; h <= indexed; h++ {
		if !missed(h) {
			up++
		}
	}
	return map[string]any{
		"entity_address":   st.Address,
		"entity_id":        "c2ltbmV0LWVudGl0eS1pZC0wMDAwMDAwMDAwMDAwMDA=",
		"node_id":          "c2ltbmV0LW5vZGUtaWQtMDAwMDAwMDAwMDAwMDAwMDA=",
		"active":           st.Active,
		"in_validator_set": st.InValidatorSet,
		"voting_power":     st.VotingPower,
		"rank":             st.Rank,
		"current_rate":     st.CommissionRate,
		"start_date":       st.Start.Add(-365 * 24 * time.Hour).UTC().Format(time.RFC3339),
		"current_commission_bound": map[string]any{
			"lower": 0, "upper": 20000, "epoch_start": 0, "epoch_end": 0,
		},
		"escrow": map[string]any{
			"active_balance": st.EscrowActive, "active_shares": st.EscrowActive,
			"debonding_balance": st.EscrowDebonding, "debonding_shares": st.EscrowDebonding,
			"self_delegation_balance": "100000000000", "self_delegation_shares": "100000000000",
			"num_delegators": st.Delegators,
		},
		"media":         map[string]any{"name": st.Name},
		"signed_blocks": signed,
		"uptime": map[string]any{
			"window_length": window, "segment_length": 1200, "window_uptime": up,
		},
	}
}

func oasisWriteJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(v)
}
