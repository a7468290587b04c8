// Package grandpa reads grandpa_roundState replies and keeps a bounded
// window of a validator's GRANDPA votes across reads.
//
// The reply shape is polkadot-sdk's ReportedRoundStates
// (substrate/client/consensus/grandpa/rpc/src/report.rs): setId, best and
// background rounds, each with prevotes and precommits {currentWeight,
// missing}, where missing lists the SS58 authority ids of the current
// voters whose vote the node has not seen yet, in the node's own SS58
// prefix. Keys are compared as decoded 32-byte keys.
//
// How sure a verdict is: a read lands at a random moment of a round, and
// missing only shrinks as votes arrive. So a read that does not list the
// key proves the node saw the vote (Voted); a first read that lists it
// proves nothing (Pending); a later read of the same round (in the same
// probe or a later one, as best or background round) that still lists it
// makes the round Missed. A round read only once while the key was listed
// stays Pending and is counted neither way. A validator whose vote arrives
// later than the gap between two reads counts as missing that round; a
// vote the probed node never received (its own peers being slow) does too.
package grandpa

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/upchain-dev/upchain/prober/substrate/ss58"
)

// Votes is the prevotes or precommits part of a round state.
type Votes struct {
	CurrentWeight uint64   `json:"currentWeight"`
	Missing       []string `json:"missing"`
}

// RoundState is one round of grandpa_roundState.
type RoundState struct {
	Round           uint64 `json:"round"`
	TotalWeight     uint64 `json:"totalWeight"`
	ThresholdWeight uint64 `json:"thresholdWeight"`
	Prevotes        Votes  `json:"prevotes"`
	Precommits      Votes  `json:"precommits"`
}

// Report is the result of grandpa_roundState.
type Report struct {
	SetID      uint64       `json:"setId"`
	Best       RoundState   `json:"best"`
	Background []RoundState `json:"background"`
}

// MaxMissing bounds the ids decoded per list: more than any real
// authority set (Polkadot has 600 validators).
const MaxMissing = 10_000

// Lists reports whether key is in the list of SS58 ids. An id that is
// not SS58 is an error: the reply is not what the spec says.
func Lists(missing []string, key [32]byte) (bool, error) {
	if len(missing) > MaxMissing {
		return false, fmt.Errorf("%d missing voters: more than %d", len(missing), MaxMissing)
	}
	for _, s := range missing {
		_, k, err := ss58.Decode(s)
		if err != nil {
			return false, fmt.Errorf("missing voter %q: %v", cut(s), err)
		}
		if k == key {
			return true, nil
		}
	}
	return false, nil
}

func cut(s string) string {
	if len(s) > 60 {
		return s[:60] + "…"
	}
	return s
}

// Vote is what the reads so far say about one vote of one round.
type Vote byte

// Vote states, written into history as one letter each.
const (
	Unseen  Vote = 'u' // no read of the round yet
	Pending Vote = 'p' // one read listed the key
	Voted   Vote = 'v' // a read did not list the key
	Missed  Vote = 'm' // two or more reads listed it
)

// observe folds one read into the vote's state.
func (v Vote) observe(listed bool) Vote {
	switch {
	case !listed:
		return Voted
	case v == Voted || v == Missed:
		return v // votes are not withdrawn; a miss stays a miss
	case v == Pending:
		return Missed
	}
	return Pending
}

// Round is a round's verdict so far.
type Round struct {
	Set, Round uint64
	Prevote    Vote
	Precommit  Vote
}

// Window is a bounded, ordered list of rounds.
type Window struct {
	Rounds []Round
	Max    int
}

// Observe folds one read of a round into the window.
func (w *Window) Observe(set, round uint64, prevoteListed, precommitListed bool) {
	i := sort.Search(len(w.Rounds), func(i int) bool {
		r := w.Rounds[i]
		return r.Set > set || (r.Set == set && r.Round >= round)
	})
	if i == len(w.Rounds) || w.Rounds[i].Set != set || w.Rounds[i].Round != round {
		w.Rounds = append(w.Rounds, Round{})
		copy(w.Rounds[i+1:], w.Rounds[i:])
		w.Rounds[i] = Round{Set: set, Round: round, Prevote: Unseen, Precommit: Unseen}
	}
	r := &w.Rounds[i]
	r.Prevote, r.Precommit = r.Prevote.observe(prevoteListed), r.Precommit.observe(precommitListed)
	if w.Max > 0 && len(w.Rounds) > w.Max {
		w.Rounds = append(w.Rounds[:0], w.Rounds[len(w.Rounds)-w.Max:]...)
	}
}

// Stats counts decided votes over the window.
type Stats struct {
	Rounds                            int // rounds in the window
	PrevotesDecided, PrevotesMissed   int
	PrecommitDecided, PrecommitMissed int
}

// Stats counts the window.
func (w *Window) Stats() Stats {
	s := Stats{Rounds: len(w.Rounds)}
	for _, r := range w.Rounds {
		if r.Prevote == Voted || r.Prevote == Missed {
			s.PrevotesDecided++
		}
		if r.Prevote == Missed {
			s.PrevotesMissed++
		}
		if r.Precommit == Voted || r.Precommit == Missed {
			s.PrecommitDecided++
		}
		if r.Precommit == Missed {
			s.PrecommitMissed++
		}
	}
	return s
}

// Percent is the share of decided votes that were cast, 100 when none
// are decided yet.
func Percent(decided, missed int) float64 {
	if decided == 0 {
		return 100
	}
	return float64(decided-missed) * 100 / float64(decided)
}

// Encode writes the window for history: "set.round:PC" entries separated
// by spaces, P and C being the vote letters.
func (w *Window) Encode() string {
	var b strings.Builder
	for i, r := range w.Rounds {
		if i > 0 {
			b.WriteByte(' ')
		}
		fmt.Fprintf(&b, "%d.%d:%c%c", r.Set, r.Round, r.Prevote, r.Precommit)
	}
	return b.String()
}

// Decode reads a window written by Encode, keeping at most max rounds.
// Entries it cannot read are dropped: history is not trusted input.
func Decode(s string, max int) *Window {
	w := &Window{Max: max}
	fields := strings.Fields(s)
	if max > 0 && len(fields) > max {
		fields = fields[len(fields)-max:]
	}
	for _, f := range fields {
		id, votes, ok := strings.Cut(f, ":")
		setS, roundS, ok2 := strings.Cut(id, ".")
		if !ok || !ok2 || len(votes) != 2 || !valid(Vote(votes[0])) || !valid(Vote(votes[1])) {
			continue
		}
		set, err1 := strconv.ParseUint(setS, 10, 64)
		round, err2 := strconv.ParseUint(roundS, 10, 64)
		if err1 != nil || err2 != nil {
			continue
		}
		n := len(w.Rounds)
		if n > 0 && (w.Rounds[n-1].Set > set || (w.Rounds[n-1].Set == set && w.Rounds[n-1].Round >= round)) {
			continue // out of order or repeated
		}
		w.Rounds = append(w.Rounds, Round{Set: set, Round: round, Prevote: Vote(votes[0]), Precommit: Vote(votes[1])})
	}
	return w
}

func valid(v Vote) bool { return v == Unseen || v == Pending || v == Voted || v == Missed }
