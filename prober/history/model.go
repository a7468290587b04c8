// Package history stores every probe result in a git repository: raw
// samples, roll-ups and the current state of each check and region.
package history

import (
	"time"

	"github.com/upchain-dev/upchain/prober"
)

// Sample is one stored probe result.
type Sample struct {
	Time   time.Time
	Check  string
	Region string
	// Location is the runner that probed (see DefaultLocation).
	Location string
	Status   prober.Status
	Latency  time.Duration
	Code     int
	Reason   prober.ReasonCode
	// Values are observed values (height, peers, version, ...).
	Values prober.Values
}

// FromResult converts a probe result of a runner at location to a sample.
func FromResult(r prober.Result, location string) Sample {
	if location == "" {
		location = DefaultLocation
	}
	return Sample{Time: r.Time, Check: r.Check, Region: r.Region, Location: location, Status: r.Status, Latency: r.Latency, Code: r.Code, Reason: r.ReasonCode, Values: r.Values}
}

// State is the current-state file: per check and region, what the
// incident logic and the next probe need to know.
type State struct {
	// Updated is the time of the last round recorded.
	Updated time.Time `json:"updated"`
	// Round is the id of the last round of the newest raw file: where the
	// next round's samples go after.
	Round string `json:"round,omitempty"`
	// Checks maps check slug -> region -> state.
	Checks map[string]map[string]*RegionState `json:"checks"`
	// Locations maps each location to the time of its newest recorded
	// sample, so that every runner sees when another one stopped.
	Locations map[string]time.Time `json:"locations,omitempty"`
}

// sawLocation records that loc probed at t.
func (s *State) sawLocation(loc string, t time.Time) {
	if loc == "" {
		loc = DefaultLocation
	}
	if s.Locations == nil {
		s.Locations = map[string]time.Time{}
	}
	if t.After(s.Locations[loc]) {
		s.Locations[loc] = t
	}
	// Bounded: a location silent for longer than forgetSeen is dropped
	// (its stale incident resolves as forgotten).
	for name, last := range s.Locations {
		if t.Sub(last) > forgetSeen {
			delete(s.Locations, name)
		}
	}
}

// RegionState is the state of one check in one region.
type RegionState struct {
	Status prober.Status `json:"status"`
	// Since is when Status began.
	Since time.Time `json:"since"`
	// ConsecutiveFailures counts rounds in a row that were not up;
	// ConsecutiveSuccesses rounds in a row that were up.
	ConsecutiveFailures  int `json:"consecutive_failures"`
	ConsecutiveSuccesses int `json:"consecutive_successes"`
	// LastReason is the last failure's redacted reason.
	LastReason string `json:"last_reason,omitempty"`
	// Values are the last observed values, given back to the kind as
	// Target.Prev on the next probe.
	Values prober.Values `json:"values,omitempty"`
	// LastFailed are the failed conditions of the last round, if any.
	LastFailed []prober.FailedCondition `json:"last_failed,omitempty"`
	// Incident is the id of the open incident this region belongs to.
	Incident string `json:"incident,omitempty"`
	// Round is only used in the state file: the round after which the
	// counts of this entry must be replayed from the raw files (the
	// recorder rewrites an entry only when more than its counts, times and
	// values changed). Empty in a loaded state.
	Round string `json:"round,omitempty"`
	// Locations is what each location saw last (see Decide); Status is
	// decided across them. Quorum and WindowS are the rule used, kept so
	// that replaying raw samples decides the same way.
	Locations map[string]*Seen `json:"locations,omitempty"`
	Quorum    int              `json:"quorum,omitempty"`
	WindowS   int64            `json:"window_s,omitempty"`
	// Partial: degraded only because fewer than Quorum locations see the
	// check down. It does not open incidents.
	Partial bool `json:"partial,omitempty"`
	// Last is the time of the newest result folded in. An older result
	// (a round recorded late, e.g. after a runner was offline) goes into
	// the samples but does not change the current state.
	Last time.Time `json:"last,omitempty"`
}

// Get returns the state of check in region, or nil.
func (s *State) Get(check, region string) *RegionState {
	if s == nil || s.Checks == nil {
		return nil
	}
	return s.Checks[check][region]
}

// FutureTolerance is how far ahead of a reader's clock a result may be
// dated before it counts as clock skew: such a result is stored, but the
// state (status, counts, the time of the data) does not jump ahead to it.
const FutureTolerance = 2 * time.Minute

// Apply folds a round's results into the state.
func (s *State) Apply(results []prober.Result) { s.applyAt(results, time.Time{}) }

// applyAt is Apply for a reader whose clock allows results up to limit
// (zero: any). Results dated after limit are left out and counted. An entry
// whose newest result lies after limit was written by a runner whose clock
// was ahead: it no longer hides the present results that follow.
func (s *State) applyAt(results []prober.Result, limit time.Time) (future int) {
	if s.Checks == nil {
		s.Checks = map[string]map[string]*RegionState{}
	}
	for _, r := range results {
		if !limit.IsZero() && r.Time.After(limit) {
			future++
			continue
		}
		regions := s.Checks[r.Check]
		if regions == nil {
			regions = map[string]*RegionState{}
			s.Checks[r.Check] = regions
		}
		rs := regions[r.Region]
		if rs == nil {
			rs = &RegionState{Status: r.Status, Since: r.Time}
			regions[r.Region] = rs
		}
		if r.Time.Before(rs.Last) && !skewed(rs.Last, limit) {
			continue // older than what the state already knows
		}
		rs.Last = r.Time
		if rs.Status != r.Status {
			rs.Status, rs.Since = r.Status, r.Time
		}
		if r.Status == prober.Up {
			rs.ConsecutiveSuccesses++
			rs.ConsecutiveFailures = 0
			rs.LastReason = ""
		} else {
			rs.ConsecutiveFailures++
			rs.ConsecutiveSuccesses = 0
			rs.LastReason = r.Reason
		}
		rs.LastFailed = r.Failed
		if len(r.Values) > 0 {
			rs.Values = r.Values
		}
		if r.Time.After(s.Updated) || skewed(s.Updated, limit) {
			s.Updated = r.Time
		}
	}
	return future
}

// skewed reports whether t lies beyond what a reader's clock allows.
func skewed(t, limit time.Time) bool { return !limit.IsZero() && t.After(limit) }

// CheckStatus is the status of a check over its regions (see
// prober.Aggregate), or "" when the state does not know the check.
func (s *State) CheckStatus(check string) prober.Status {
	if s == nil {
		return ""
	}
	regions := s.Checks[check]
	if len(regions) == 0 {
		return ""
	}
	rs := make([]prober.Result, 0, len(regions))
	for _, r := range regions {
		if r != nil {
			rs = append(rs, prober.Result{Status: r.Status})
		}
	}
	return prober.Aggregate(rs)
}

// Clone returns a deep copy of the state.
func (s *State) Clone() *State {
	if s == nil {
		return &State{Checks: map[string]map[string]*RegionState{}}
	}
	out := &State{Updated: s.Updated, Round: s.Round, Checks: make(map[string]map[string]*RegionState, len(s.Checks))}
	if s.Locations != nil {
		out.Locations = make(map[string]time.Time, len(s.Locations))
		for k, v := range s.Locations {
			out.Locations[k] = v
		}
	}
	for c, regions := range s.Checks {
		m := make(map[string]*RegionState, len(regions))
		for name, r := range regions {
			if r == nil {
				continue
			}
			x := *r
			if r.Values != nil {
				x.Values = make(prober.Values, len(r.Values))
				for k, v := range r.Values {
					x.Values[k] = v
				}
			}
			x.LastFailed = append([]prober.FailedCondition(nil), r.LastFailed...)
			x.Locations = cloneSeen(r.Locations)
			m[name] = &x
		}
		out.Checks[c] = m
	}
	return out
}
