package conflux

import (
	"context"
	"sync"

	"github.com/upchain-dev/upchain/prober/cometbft"
)

// Votes reuses the CometBFT signing window (one mark per committed PoS
// block, run-length encoded in history): Signed, Missed, NotInSet (not in
// that term's committee) and Unknown (not read).
type Window = cometbft.Window

// VoteState is what a probe keeps for the next: the last committed PoS
// height read and the window ending there.
type VoteState struct {
	LastChecked uint64
	Window      Window
}

// VoteParams bound one probe's reading.
type VoteParams struct {
	Address string
	// Window is how many committed blocks the counts cover.
	Window int
	// MaxBlocks caps the blocks read in one probe; older unread blocks
	// are marked unknown.
	MaxBlocks int
	// Parallel requests at a time (default 4).
	Parallel int
}

// VoteRound is one probe's outcome.
type VoteRound struct {
	State   VoteState
	Stats   cometbft.Stats
	Fetched int
	Failed  int
	// Err is the first failure (a block or a committee not read).
	Err error
}

// committees caches whether the address sat in the committee of a PoS
// epoch, so that one term's blocks cost one pos_getCommittee.
type committees struct {
	mu    sync.Mutex
	known map[uint64]bool
}

// TrackVotes reads the committed PoS blocks after prev.LastChecked up to
// latest and marks each by whether p.Address signed it. current is the
// committee the probe already read (its epoch needs no call).
func TrackVotes(ctx context.Context, c Client, p VoteParams, prev VoteState, latest uint64, current *CommitteeState) VoteRound {
	if p.Parallel <= 0 {
		p.Parallel = 4
	}
	r := VoteRound{State: prev}
	from := prev.LastChecked + 1
	if prev.LastChecked == 0 || prev.LastChecked > latest {
		// First probe, or a chain that went back: start afresh with the
		// newest blocks one probe may read.
		r.State.Window = nil
		from = 1
		if n := uint64(min(p.Window, p.MaxBlocks)); latest > n {
			from = latest - n + 1
		}
	}
	var marks Window
	if latest >= from && latest-from+1 > uint64(p.MaxBlocks) {
		skip := latest - from + 1 - uint64(p.MaxBlocks)
		for i := uint64(0); i < min(skip, uint64(p.Window)); i++ {
			marks = append(marks, cometbft.Unknown)
		}
		from = latest - uint64(p.MaxBlocks) + 1
	}
	cm := &committees{known: map[uint64]bool{}}
	if current != nil {
		_, in := Power(current.Nodes, p.Address)
		cm.known[uint64(current.EpochNumber)] = in
	}
	if latest >= from {
		n := int(latest - from + 1)
		got := make([]cometbft.Mark, n)
		errs := make([]error, n)
		sem := make(chan struct{}, p.Parallel)
		var wg sync.WaitGroup
		for i := range n {
			wg.Add(1)
			sem <- struct{}{}
			go func() {
				defer func() { <-sem; wg.Done() }()
				got[i], errs[i] = markBlock(ctx, c, cm, p.Address, from+uint64(i))
			}()
		}
		wg.Wait()
		for i, m := range got {
			if errs[i] != nil {
				r.Failed++
				if r.Err == nil {
					r.Err = errs[i]
				}
				m = cometbft.Unknown
			} else {
				r.Fetched++
			}
			marks = append(marks, m)
		}
	}
	w := append(r.State.Window, marks...)
	if len(w) > p.Window {
		w = append(Window(nil), w[len(w)-p.Window:]...)
	}
	r.State = VoteState{LastChecked: latest, Window: w}
	r.Stats = w.Stats()
	return r
}

// markBlock reads one committed block: signed, missed (in that term's
// committee but not among the signatures) or not in the committee.
func markBlock(ctx context.Context, c Client, cm *committees, addr string, h uint64) (cometbft.Mark, error) {
	b, err := c.PosBlock(ctx, h)
	if err != nil {
		return cometbft.Unknown, err
	}
	if b.Signed(addr) {
		return cometbft.Signed, nil
	}
	in, err := cm.member(ctx, c, addr, uint64(b.Epoch), h)
	if err != nil {
		return cometbft.Unknown, err
	}
	if !in {
		return cometbft.NotInSet, nil
	}
	return cometbft.Missed, nil
}

func (cm *committees) member(ctx context.Context, c Client, addr string, epoch, h uint64) (bool, error) {
	cm.mu.Lock()
	in, ok := cm.known[epoch]
	cm.mu.Unlock()
	if ok {
		return in, nil
	}
	com, err := c.Committee(ctx, h)
	if err != nil {
		return false, err
	}
	_, in = Power(com.Current.Nodes, addr)
	cm.mu.Lock()
	cm.known[epoch] = in
	cm.mu.Unlock()
	return in, nil
}
