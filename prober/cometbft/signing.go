package cometbft

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"
)

// SetInfo is a validator's place in one validator set.
type SetInfo struct {
	// Hash is the set's validators_hash as in block headers.
	Hash string
	// Index in the set (-1: not in it) and voting power.
	Index int
	Power int64
}

// InSet reports whether the validator is in the set with power.
func (s SetInfo) InSet() bool { return s.Index >= 0 && s.Power > 0 }

// State is what a probe keeps between rounds (recorded in history).
type State struct {
	// LastChecked is the newest height in Window (0: none yet).
	LastChecked int64
	Window      Window
	// Set is the validator set of the newest checked block, so that the
	// next round needs no /validators call while the set is unchanged.
	Set SetInfo
}

// Params bound one round of signature tracking.
type Params struct {
	// Address is the validator's consensus address (hex).
	Address string
	// Window is how many recent blocks are kept and counted.
	Window int
	// MaxBlocks caps the commits fetched in one round.
	MaxBlocks int
	// Concurrency of commit fetches (default 4).
	Concurrency int
	// MaxValidatorPages bounds one /validators read (default 20 pages).
	MaxValidatorPages int
	// Reserve is time kept back from ctx's deadline for the rest of the
	// probe: fetching stops early rather than failing the probe.
	Reserve time.Duration
}

// Round is the outcome of one round.
type Round struct {
	State State
	Stats Stats
	// Fetched counts the commits read this round, Failed those that could
	// not be read (marked unknown).
	Fetched, Failed int
	// Err is the first fetch error, if any.
	Err error
}

// Track brings prev up to the node's latest canonical commit: it fetches
// only blocks after prev.LastChecked, newest first, at most p.MaxBlocks
// of them; blocks skipped by the cap are marked unknown. latest and
// earliest come from /status. Commits for heights below latest are
// canonical; the latest block's commit is not final yet and is left for
// the next round.
func Track(ctx context.Context, r RPC, p Params, prev State, latest, earliest int64) Round {
	if p.Concurrency <= 0 {
		p.Concurrency = 4
	}
	if p.MaxValidatorPages <= 0 {
		p.MaxValidatorPages = 20
	}
	addr := strings.ToUpper(p.Address)
	to := latest - 1
	out := Round{State: prev}
	if prev.LastChecked > to {
		if prev.LastChecked-to <= int64(p.Window) {
			// A load-balanced endpoint answered from a backend a little
			// behind the previous one: keep the window, nothing new.
			out.Stats = prev.Window.Stats()
			return out
		}
		prev = State{} // far ahead: the chain was restarted
	}
	from := max(prev.LastChecked+1, to-int64(p.Window)+1, earliest, 1)
	if to-from+1 > int64(p.MaxBlocks) {
		from = to - int64(p.MaxBlocks) + 1
	}

	var marks []Mark
	if to >= from {
		fctx := ctx
		if dl, ok := ctx.Deadline(); ok && p.Reserve > 0 {
			var cancel context.CancelFunc
			fctx, cancel = context.WithDeadline(ctx, dl.Add(-p.Reserve))
			defer cancel()
		}
		commits, errs := fetchCommits(fctx, r, from, to, p.Concurrency)
		sets := map[string]SetInfo{}
		if prev.Set.Hash != "" {
			sets[prev.Set.Hash] = prev.Set
		}
		marks = make([]Mark, len(commits))
		for i, c := range commits {
			h := from + int64(i)
			if c == nil {
				marks[i] = Unknown
				out.Failed++
				if out.Err == nil {
					out.Err = errs[i]
				}
				continue
			}
			out.Fetched++
			hdr := c.SignedHeader.Header
			set, ok := sets[hdr.ValidatorsHash]
			if !ok {
				vals, err := r.Validators(fctx, h, p.MaxValidatorPages)
				if err != nil {
					marks[i] = Unknown
					out.Failed++
					if out.Err == nil {
						out.Err = err
					}
					continue
				}
				idx, power := IndexOf(vals, addr)
				set = SetInfo{Hash: hdr.ValidatorsHash, Index: idx, Power: power}
				if len(vals) != len(c.SignedHeader.Commit.Signatures) {
					// The set does not belong to this commit: nothing can
					// be matched by index.
					marks[i] = Unknown
					out.Failed++
					if out.Err == nil {
						out.Err = fmt.Errorf("height %d: %d signatures for %d validators", h, len(c.SignedHeader.Commit.Signatures), len(vals))
					}
					continue
				}
				sets[hdr.ValidatorsHash] = set
			}
			marks[i] = markOf(c, set, addr)
			out.State.Set = set
		}
	}

	// Join the previous window, unknown marks for any gap, and the new
	// marks, keeping the newest p.Window.
	var w Window
	switch {
	case to < from: // nothing new
		w = append(w, prev.Window...)
	case prev.LastChecked > 0:
		if gap := from - prev.LastChecked - 1; gap < int64(p.Window) {
			w = append(w, prev.Window...)
			for range gap {
				w = append(w, Unknown)
			}
		}
	}
	w = append(w, marks...)
	if len(w) > p.Window {
		w = w[len(w)-p.Window:]
	}
	out.State.Window = w
	if to >= from {
		out.State.LastChecked = to
	}
	if out.State.Set.Hash == "" && out.Fetched == 0 {
		// Nothing to learn the set from (first blocks of a chain, or every
		// fetch failed): ask for the latest set directly.
		if vals, err := r.Validators(ctx, 0, p.MaxValidatorPages); err != nil {
			if out.Err == nil {
				out.Err = err
			}
		} else {
			idx, power := IndexOf(vals, addr)
			out.State.Set = SetInfo{Index: idx, Power: power}
		}
	}
	out.Stats = w.Stats()
	return out
}

// markOf reads the validator's signature in a canonical commit.
func markOf(c *Commit, set SetInfo, addr string) Mark {
	proposed := strings.EqualFold(c.SignedHeader.Header.ProposerAddress, addr)
	pick := func(signed bool) Mark {
		switch {
		case signed && proposed:
			return ProposedSigned
		case signed:
			return Signed
		case proposed:
			return ProposedMissed
		}
		return Missed
	}
	if set.Index < 0 {
		return NotInSet
	}
	sigs := c.SignedHeader.Commit.Signatures
	// Signed entries carry the address; prefer it to the index.
	for _, s := range sigs {
		if s.ValidatorAddress != "" && strings.EqualFold(s.ValidatorAddress, addr) {
			return pick(s.BlockIDFlag == FlagCommit || s.BlockIDFlag == FlagNil)
		}
	}
	if set.Index >= len(sigs) {
		return Unknown
	}
	s := sigs[set.Index]
	if s.ValidatorAddress != "" {
		return Unknown // the index holds someone else: set and commit disagree
	}
	return pick(false)
}

// fetchCommits reads canonical commits for heights from..to, newest first,
// with bounded concurrency. Missing entries (nil) failed or were not
// canonical; errs holds why.
func fetchCommits(ctx context.Context, r RPC, from, to int64, conc int) ([]*Commit, []error) {
	n := int(to - from + 1)
	commits := make([]*Commit, n)
	errs := make([]error, n)
	sem := make(chan struct{}, conc)
	var wg sync.WaitGroup
	for h := to; h >= from; h-- {
		i := int(h - from)
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
			errs[i] = ctx.Err()
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			c, err := r.Commit(ctx, h)
			switch {
			case err != nil:
				errs[i] = err
			case !c.Canonical:
				errs[i] = fmt.Errorf("commit for height %d is not canonical", h)
			default:
				commits[i] = c
			}
		}()
	}
	wg.Wait()
	return commits, errs
}
