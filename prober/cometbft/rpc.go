// Package cometbft reads what a CometBFT node says about itself and about
// a validator: node status, peers, canonical commits and validator sets
// over JSON-RPC, and the Cosmos SDK slashing and staking state over the
// LCD (REST). The check kind in package prober uses it; nothing here
// decides up or down.
package cometbft

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"github.com/upchain-dev/upchain/prober/internal/text"
	"strconv"
	"strings"
	"time"
)

// Caller makes one JSON-RPC call (jsonrpc.Client implements it, over HTTP
// or websocket).
type Caller interface {
	CallInto(ctx context.Context, method string, params, out any) error
}

// Int64 is a CometBFT integer: written as a decimal string ("123") in
// JSON, sometimes as a number. Heights up to 2^63-1 stay exact.
type Int64 int64

// UnmarshalJSON accepts "123", 123 and null.
func (n *Int64) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if string(b) == "null" {
		return nil
	}
	s := string(b)
	if len(b) >= 2 && b[0] == '"' {
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
	}
	v, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
	if err != nil {
		return fmt.Errorf("not an integer: %s", text.Truncate(string(b), 40))
	}
	*n = Int64(v)
	return nil
}

// Status is the part of /status a probe reads.
type Status struct {
	NodeInfo struct {
		Network string `json:"network"`
		Version string `json:"version"`
		Moniker string `json:"moniker"`
	} `json:"node_info"`
	SyncInfo struct {
		LatestBlockHeight   Int64     `json:"latest_block_height"`
		LatestBlockTime     time.Time `json:"latest_block_time"`
		EarliestBlockHeight Int64     `json:"earliest_block_height"`
		CatchingUp          bool      `json:"catching_up"`
	} `json:"sync_info"`
	ValidatorInfo struct {
		Address     string `json:"address"`
		VotingPower Int64  `json:"voting_power"`
	} `json:"validator_info"`
}

// NetInfo is the part of /net_info a probe reads.
type NetInfo struct {
	NPeers Int64 `json:"n_peers"`
}

// Commit is /commit?height=H: the header of block H and the signatures
// for it. Only a canonical commit (one included in block H+1) is final.
type Commit struct {
	SignedHeader struct {
		Header struct {
			Height          Int64     `json:"height"`
			Time            time.Time `json:"time"`
			ValidatorsHash  string    `json:"validators_hash"`
			ProposerAddress string    `json:"proposer_address"`
		} `json:"header"`
		Commit struct {
			Height     Int64       `json:"height"`
			Signatures []Signature `json:"signatures"`
		} `json:"commit"`
	} `json:"signed_header"`
	Canonical bool `json:"canonical"`
}

// Block ID flags of a commit signature (CometBFT types.BlockIDFlag).
const (
	FlagAbsent = 1 // no vote received: the validator missed the block
	FlagCommit = 2 // voted for the block
	FlagNil    = 3 // voted nil: online, counted as signed by the SDK's slashing module
)

// Signature is one entry of a commit. An ABSENT entry carries no address:
// it is matched to a validator by its index in the validator set.
type Signature struct {
	BlockIDFlag      int    `json:"block_id_flag"`
	ValidatorAddress string `json:"validator_address"`
}

// Validator is an entry of /validators.
type Validator struct {
	Address     string `json:"address"`
	VotingPower Int64  `json:"voting_power"`
}

type validatorsPage struct {
	BlockHeight Int64       `json:"block_height"`
	Validators  []Validator `json:"validators"`
	Count       Int64       `json:"count"`
	Total       Int64       `json:"total"`
}

// RPC reads a node through its JSON-RPC interface.
type RPC struct{ C Caller }

// Status calls /status.
func (r RPC) Status(ctx context.Context) (*Status, error) {
	var s Status
	if err := r.C.CallInto(ctx, "status", map[string]any{}, &s); err != nil {
		return nil, err
	}
	return &s, nil
}

// NetInfo calls /net_info.
func (r RPC) NetInfo(ctx context.Context) (*NetInfo, error) {
	var n NetInfo
	if err := r.C.CallInto(ctx, "net_info", map[string]any{}, &n); err != nil {
		return nil, err
	}
	return &n, nil
}

// Commit calls /commit?height=h.
func (r RPC) Commit(ctx context.Context, h int64) (*Commit, error) {
	var c Commit
	if err := r.C.CallInto(ctx, "commit", map[string]any{"height": strconv.FormatInt(h, 10)}, &c); err != nil {
		return nil, err
	}
	if got := int64(c.SignedHeader.Header.Height); got != h {
		return nil, fmt.Errorf("commit for height %d came back for height %d", h, got)
	}
	return &c, nil
}

// PerPage is the page size asked of /validators (CometBFT's maximum).
const PerPage = 100

// Validators returns the whole validator set at height h (0: latest), in
// the set's order, which is the order of commit signatures. It reads at
// most maxPages pages.
func (r RPC) Validators(ctx context.Context, h int64, maxPages int) ([]Validator, error) {
	var all []Validator
	for page := 1; ; page++ {
		params := map[string]any{"page": strconv.Itoa(page), "per_page": strconv.Itoa(PerPage)}
		if h > 0 {
			params["height"] = strconv.FormatInt(h, 10)
		}
		var p validatorsPage
		if err := r.C.CallInto(ctx, "validators", params, &p); err != nil {
			return nil, err
		}
		total := int(p.Total)
		all = append(all, p.Validators...)
		if len(all) >= total || len(p.Validators) == 0 {
			if len(all) != total {
				return nil, fmt.Errorf("validators at height %d: got %d of %d", h, len(all), total)
			}
			return all, nil
		}
		if page >= maxPages {
			return nil, fmt.Errorf("validators at height %d: %d validators need more than %d pages", h, total, maxPages)
		}
	}
}

// IndexOf returns addr's index in vals and its voting power, or -1.
func IndexOf(vals []Validator, addr string) (int, int64) {
	for i, v := range vals {
		if strings.EqualFold(v.Address, addr) {
			return i, int64(v.VotingPower)
		}
	}
	return -1, 0
}
