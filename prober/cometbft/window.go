package cometbft

import (
	"fmt"

	"github.com/upchain-dev/upchain/prober/internal/runlength"
	"github.com/upchain-dev/upchain/prober/internal/text"
)

// Mark is what one block says about a validator.
type Mark byte

// Marks. Proposed blocks are marked apart so the window also counts
// proposals without a second list.
const (
	Signed         Mark = 'S'
	Missed         Mark = 'M'
	ProposedSigned Mark = 'P'
	ProposedMissed Mark = 'X'
	NotInSet       Mark = 'N' // not in the validator set at that height
	Unknown        Mark = 'U' // not fetched (capped, or the fetch failed)
)

func (m Mark) valid() bool {
	switch m {
	case Signed, Missed, ProposedSigned, ProposedMissed, NotInSet, Unknown:
		return true
	}
	return false
}

func (m Mark) signed() bool { return m == Signed || m == ProposedSigned }
func (m Mark) missed() bool { return m == Missed || m == ProposedMissed }

// Window is one mark per height, oldest first, ending at the last checked
// height.
type Window []Mark

// String encodes the window run-length, e.g. "97S1M2P": compact in history
// because a healthy validator's window is one long run.
func (w Window) String() string {
	return runlength.Encode(w)
}

// ParseWindow decodes String's form; it refuses windows longer than max.
func ParseWindow(s string, max int) (Window, error) {
	w, err := runlength.Decode(s, max, Mark.valid)
	if err != nil {
		return nil, fmt.Errorf("bad signing window %q", text.Truncate(s, 40))
	}
	return w, nil
}

// Stats summarise a window.
type Stats struct {
	Signed   int
	Missed   int
	Proposed int
	// Counted is Signed+Missed: blocks where the validator was in the set
	// and the outcome is known.
	Counted int
	// Consecutive counts the misses at the newest end of the window; an
	// unknown block ends the run (the run is not known to continue).
	Consecutive int
}

// MissedPercent is the missed share of counted blocks, 0 if none.
func (s Stats) MissedPercent() float64 {
	if s.Counted == 0 {
		return 0
	}
	return float64(s.Missed) * 100 / float64(s.Counted)
}

// Stats counts the window's marks.
func (w Window) Stats() Stats {
	var s Stats
	for _, m := range w {
		switch {
		case m.signed():
			s.Signed++
		case m.missed():
			s.Missed++
		}
		if m == ProposedSigned || m == ProposedMissed {
			s.Proposed++
		}
	}
	s.Counted = s.Signed + s.Missed
	for i := len(w) - 1; i >= 0; i-- {
		if w[i] == NotInSet {
			continue
		}
		if !w[i].missed() {
			break
		}
		s.Consecutive++
	}
	return s
}
