// Package oasis reads Oasis consensus validators from the Oasis Nexus
// indexer's REST API (oasisprotocol/nexus api/spec/v1.yaml): the indexer's
// freshness from GET / and one validator from
// GET /consensus/validators/{address}, which alone carries the
// validator's last 100 signed_blocks (nexus storage/client/client.go).
package oasis

import (
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"sort"
	"strings"
	"time"

	"github.com/upchain-dev/upchain/prober/cometbft"
)

// Status is the reply of GET / (operationId getStatus).
type Status struct {
	LatestBlock     int64     `json:"latest_block"`
	LatestNodeBlock int64     `json:"latest_node_block"`
	LatestBlockTime time.Time `json:"latest_block_time"`
	// LatestUpdateAgeMs is how long ago Nexus processed its latest block.
	LatestUpdateAgeMs int64 `json:"latest_update_age_ms"`
}

// ValidatorList is the reply of GET /consensus/validators[/{address}].
type ValidatorList struct {
	Validators []Validator `json:"validators"`
}

// Validator is Nexus's Validator object; only the fields the probe reads.
type Validator struct {
	EntityAddress  string `json:"entity_address"`
	Active         bool   `json:"active"`
	InValidatorSet bool   `json:"in_validator_set"`
	// VotingPower and CurrentRate are integers in the spec; Number also
	// accepts them written as strings.
	VotingPower json.Number `json:"voting_power"`
	Rank        int64       `json:"rank"`
	CurrentRate json.Number `json:"current_rate"`
	Escrow      Escrow      `json:"escrow"`
	Media       *struct {
		Name string `json:"name"`
	} `json:"media"`
	SignedBlocks []SignedBlock `json:"signed_blocks"`
	Uptime       *Uptime       `json:"uptime"`
}

// Escrow holds balances in base units as decimal strings (TextBigInt).
type Escrow struct {
	ActiveBalance    BigInt `json:"active_balance"`
	DebondingBalance BigInt `json:"debonding_balance"`
	NumDelegators    int64  `json:"num_delegators"`
}

// SignedBlock says whether the validator signed the block at Height.
type SignedBlock struct {
	Height int64 `json:"height"`
	Signed bool  `json:"signed"`
}

// Uptime counts signed blocks over the last WindowLength blocks (~24 h).
type Uptime struct {
	WindowLength int64 `json:"window_length"`
	WindowUptime int64 `json:"window_uptime"`
}

// BigInt is a TextBigInt: an exact integer of any size written as a decimal
// string ("^-?[0-9]+$"). Empty means absent.
type BigInt string

// UnmarshalJSON accepts the string form (and a bare number).
func (b *BigInt) UnmarshalJSON(data []byte) error {
	s := strings.Trim(string(data), `"`)
	if s == "null" || s == "" {
		*b = ""
		return nil
	}
	if _, ok := new(big.Int).SetString(s, 10); !ok || len(s) > 80 {
		return fmt.Errorf("not a decimal integer: %.40q", s)
	}
	*b = BigInt(s)
	return nil
}

// CommissionDenominator is what Oasis staking divides commission rates by
// (oasis-core staking: a rate of 100000 is 100 %).
const CommissionDenominator = 100_000

// CommissionPercent is the current commission rate in percent.
func (v *Validator) CommissionPercent() (float64, bool) {
	r, err := v.CurrentRate.Float64()
	if err != nil {
		return 0, false
	}
	return r * 100 / CommissionDenominator, true
}

// Name is the validator's registered media name, if any.
func (v *Validator) Name() string {
	if v.Media == nil {
		return ""
	}
	return v.Media.Name
}

// Signing summarises signed_blocks.
type Signing struct {
	Blocks, Signed, Missed int
	// Consecutive is how many of the newest blocks were missed in a row.
	Consecutive int
	// Latest is the newest height in the list.
	Latest int64
}

// MissedPercent is the missed share of the listed blocks.
func (s Signing) MissedPercent() float64 {
	if s.Blocks == 0 {
		return 0
	}
	return float64(s.Missed) * 100 / float64(s.Blocks)
}

// MaxSignedBlocks bounds how many signed_blocks entries are read: Nexus
// sends 100.
const MaxSignedBlocks = 1000

// Summarise counts signed and missed blocks, newest first whatever order
// Nexus lists them in, ignoring duplicate heights.
func Summarise(blocks []SignedBlock) Signing {
	if len(blocks) > MaxSignedBlocks {
		blocks = blocks[:MaxSignedBlocks]
	}
	sorted := append([]SignedBlock(nil), blocks...)
	sort.SliceStable(sorted, func(i, j int) bool { return sorted[i].Height > sorted[j].Height })
	var s Signing
	streak := true
	for i, b := range sorted {
		if i > 0 && b.Height == sorted[i-1].Height {
			continue
		}
		if i == 0 {
			s.Latest = b.Height
		}
		s.Blocks++
		if b.Signed {
			s.Signed++
			streak = false
			continue
		}
		s.Missed++
		if streak {
			s.Consecutive++
		}
	}
	return s
}

// UptimePercent is window_uptime / window_length in percent.
func (u *Uptime) UptimePercent() (float64, bool) {
	if u == nil || u.WindowLength <= 0 || u.WindowUptime < 0 {
		return 0, false
	}
	return float64(u.WindowUptime) * 100 / float64(u.WindowLength), true
}

// addressHRP and addressLen: an Oasis staking address is bech32 "oasis"
// over a version byte and a 20-byte hash (oasis-core staking/api/address.go).
const (
	addressHRP = "oasis"
	addressLen = 21
)

// CheckAddress validates an entity's staking address (oasis1...).
func CheckAddress(s string) error {
	if s == "" {
		return errors.New("empty address")
	}
	hrp, data, err := cometbft.Bech32Decode(s)
	if err != nil {
		return err
	}
	if hrp != addressHRP {
		return fmt.Errorf("prefix %q: an Oasis staking address starts with oasis1", hrp)
	}
	if len(data) != addressLen {
		return fmt.Errorf("%d bytes: an Oasis staking address holds %d", len(data), addressLen)
	}
	return nil
}

// NewAddress encodes a version byte and a 20-byte hash as oasis1... (for
// fakes and tests).
func NewAddress(hash [20]byte) string {
	s, err := cometbft.Bech32Encode(addressHRP, append([]byte{0}, hash[:]...))
	if err != nil {
		panic(err) // fixed-size input cannot fail
	}
	return s
}
