package lotus

import (
	"encoding/json"
	"fmt"
	"time"
)

// PoStState is what the kind keeps between probes (in a hidden value) to
// see a missed WindowPoSt: the miner actor clears a deadline's
// PostSubmissions when the deadline ends, so a missed proof shows only as
// sectors of that deadline turning faulty at its close. The state is the
// deadline that was open at the previous probe and its faulty sectors
// then, plus a missed proof being reported.
type PoStState struct {
	// Epoch of the previous probe; 0 when there was none.
	Epoch    int64  `json:"epoch"`
	Deadline uint64 `json:"dl"`
	Open     int64  `json:"open"`
	Close    int64  `json:"close"`
	Faulty   uint64 `json:"faulty"`
	// Missed is the message of a missed WindowPoSt, reported until the
	// epoch MissedUntil (the deadline's next window).
	Missed      string `json:"missed,omitempty"`
	MissedUntil int64  `json:"missed_until,omitempty"`
}

// maxState bounds the hidden value read back from history.
const maxState = 1024

// ParseState reads the state; anything unreadable is no state (the
// first probe after an upgrade or a corrupted history).
func ParseState(s string) PoStState {
	var st PoStState
	if len(s) > maxState || json.Unmarshal([]byte(s), &st) != nil || st.Epoch < 0 || len(st.Missed) > 300 {
		return PoStState{}
	}
	return st
}

// String writes the state for history.
func (s PoStState) String() string {
	b, _ := json.Marshal(s)
	return string(b)
}

// ClosedSince reports whether the deadline open at the previous probe has
// closed by epoch now: then its partitions are read again to see new
// faults.
func (s PoStState) ClosedSince(now int64) bool {
	return s.Epoch > 0 && s.Close > s.Epoch && now >= s.Close
}

// Faulty counts the faulty sectors of a deadline's partitions.
func Faulty(parts []Partition) uint64 {
	var n uint64
	for _, p := range parts {
		n += p.FaultySectors.Count()
	}
	return n
}

// Unproven counts the partitions with live, non-faulty sectors whose
// proof is missing from PostSubmissions, and the partitions that need
// one.
func Unproven(parts []Partition, d Deadline) (missing, need int) {
	for i, p := range parts {
		if p.LiveSectors.CountMinus(p.FaultySectors) == 0 {
			continue
		}
		need++
		if !d.PostSubmissions.Has(uint64(i)) {
			missing++
		}
	}
	return missing, need
}

// Late is the message for an open deadline whose proofs are still
// missing once less than share of its window remains ("" if none).
func Late(pd ProvingDeadline, missing, need int, share float64, delay time.Duration) string {
	left := pd.Close - pd.CurrentEpoch
	if missing == 0 || float64(left) >= share*float64(pd.WPoStChallengeWindow) {
		return ""
	}
	return fmt.Sprintf("WindowPoSt for deadline %d not submitted (%d of %d partitions), closes in %s",
		pd.Index, missing, need, (time.Duration(left) * delay).Round(time.Second))
}
