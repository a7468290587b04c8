// Package lotus holds the parts of the Lotus JSON-RPC API (methods
// "Filecoin.<Name>") that the lotus kind reads, in the shapes of
// shared/reference/chains-detail.md §3 (filecoin-project/lotus @ b835fab,
// api/api_full.go and documentation/en/api-methods-v1-stable.md), plus
// the exact FIL arithmetic and the WindowPoSt bookkeeping kept between
// probes.
package lotus

import (
	"encoding/json"
	"fmt"
	"math/big"

	"github.com/upchain-dev/upchain/prober/lotus/rleplus"
)

// TipSet is the part of Filecoin.ChainHead / ChainGetGenesis read.
type TipSet struct {
	Cids   []json.RawMessage `json:"Cids"`
	Height int64             `json:"Height"`
	Blocks []struct {
		Miner     string `json:"Miner"`
		Height    int64  `json:"Height"`
		Timestamp int64  `json:"Timestamp"`
	} `json:"Blocks"`
}

// Key is the tipset's key for state calls, so that they all read one
// tipset; nil (the current head) when the reply had none.
func (t *TipSet) Key() []json.RawMessage {
	if len(t.Cids) == 0 || len(t.Cids) > 16 {
		return nil
	}
	return t.Cids
}

// SyncState is Filecoin.SyncState.
type SyncState struct {
	ActiveSyncs []struct {
		Stage  int   `json:"Stage"`
		Height int64 `json:"Height"`
	} `json:"ActiveSyncs"`
}

// StageName names SyncState stages (api/api_full.go SyncStateStage).
func StageName(s int) string {
	switch s {
	case 0:
		return "idle"
	case 1:
		return "header sync"
	case 2:
		return "persisting headers"
	case 3:
		return "message sync"
	case 4:
		return "complete"
	case 5:
		return "error"
	case 6:
		return "fetching messages"
	}
	return fmt.Sprintf("stage %d", s)
}

// StageError is the stage of a failed sync.
const StageError = 5

// Version is Filecoin.Version.
type Version struct {
	Version    string `json:"Version"`
	APIVersion uint32 `json:"APIVersion"`
	BlockDelay uint64 `json:"BlockDelay"`
}

// Power is Filecoin.StateMinerPower.
type Power struct {
	MinerPower struct {
		RawBytePower    Int `json:"RawBytePower"`
		QualityAdjPower Int `json:"QualityAdjPower"`
	} `json:"MinerPower"`
	HasMinPower bool `json:"HasMinPower"`
}

// MinerInfo is the part of Filecoin.StateMinerInfo read.
type MinerInfo struct {
	Owner            string   `json:"Owner"`
	Worker           string   `json:"Worker"`
	ControlAddresses []string `json:"ControlAddresses"`
}

// ProvingDeadline is Filecoin.StateMinerProvingDeadline.
type ProvingDeadline struct {
	CurrentEpoch         int64  `json:"CurrentEpoch"`
	PeriodStart          int64  `json:"PeriodStart"`
	Index                uint64 `json:"Index"`
	Open                 int64  `json:"Open"`
	Close                int64  `json:"Close"`
	WPoStPeriodDeadlines uint64 `json:"WPoStPeriodDeadlines"`
	WPoStChallengeWindow int64  `json:"WPoStChallengeWindow"`
}

// Check reports a reply that cannot be a deadline, so that arithmetic on
// it is safe.
func (d *ProvingDeadline) Check() error {
	switch {
	case d.WPoStPeriodDeadlines == 0 || d.WPoStPeriodDeadlines > 1024:
		return fmt.Errorf("WPoStPeriodDeadlines %d out of range", d.WPoStPeriodDeadlines)
	case d.Index >= d.WPoStPeriodDeadlines:
		return fmt.Errorf("deadline index %d of %d", d.Index, d.WPoStPeriodDeadlines)
	case d.WPoStChallengeWindow <= 0 || d.Close-d.Open != d.WPoStChallengeWindow:
		return fmt.Errorf("window %d..%d is not the challenge window of %d epochs", d.Open, d.Close, d.WPoStChallengeWindow)
	case d.CurrentEpoch > d.Close || d.Open < 0:
		// Before a new miner's first period the deadline may still be
		// ahead; it is never behind.
		return fmt.Errorf("current epoch %d after deadline %d..%d", d.CurrentEpoch, d.Open, d.Close)
	}
	return nil
}

// NextIn is how many epochs remain until the next deadline opens: the
// open one's close, or the opening of one that has not begun.
func (d *ProvingDeadline) NextIn() int64 {
	if d.CurrentEpoch < d.Open {
		return d.Open - d.CurrentEpoch
	}
	return d.Close - d.CurrentEpoch
}

// Deadline is one entry of Filecoin.StateMinerDeadlines.
type Deadline struct {
	PostSubmissions rleplus.Bitfield `json:"PostSubmissions"`
}

// Partition is one entry of Filecoin.StateMinerPartitions.
type Partition struct {
	AllSectors        rleplus.Bitfield `json:"AllSectors"`
	FaultySectors     rleplus.Bitfield `json:"FaultySectors"`
	RecoveringSectors rleplus.Bitfield `json:"RecoveringSectors"`
	LiveSectors       rleplus.Bitfield `json:"LiveSectors"`
}

// Actor is the part of Filecoin.StateGetActor read.
type Actor struct {
	Nonce uint64 `json:"Nonce"`
}

// Int is a Filecoin BigInt: a decimal string in JSON.
type Int struct{ big.Int }

// UnmarshalJSON reads the decimal string form, bounded to 100 digits
// (total network power is around 10^19 bytes; balances 10^27 attoFIL).
func (i *Int) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("not a decimal string: %.40s", b)
	}
	n, err := ParseInt(s)
	if err != nil {
		return err
	}
	i.Int = *n
	return nil
}

// ParseInt reads a Filecoin BigInt decimal string (possibly negative).
func ParseInt(s string) (*big.Int, error) {
	if len(s) == 0 || len(s) > 100 {
		return nil, fmt.Errorf("not a decimal amount: %.40q", s)
	}
	for i, c := range s {
		if (c < '0' || c > '9') && !(i == 0 && c == '-' && len(s) > 1) {
			return nil, fmt.Errorf("not a decimal amount: %.40q", s)
		}
	}
	n, _ := new(big.Int).SetString(s, 10)
	return n, nil
}
