package history

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/upchain-dev/upchain/prober"
)

// Seen is what one location saw last of a check in a region.
type Seen struct {
	Status prober.Status     `json:"status"`
	Time   time.Time         `json:"time"`
	Reason prober.ReasonCode `json:"reason,omitempty"`
	// LatencyMs is the probe's latency in milliseconds.
	LatencyMs float64 `json:"latency_ms,omitempty"`
}

// Quorum says how the locations' views of a check are combined.
type Quorum struct {
	// N locations must see the check down (in their latest sample within
	// Window) for it to be down; fewer make it degraded. 0 or 1: any
	// location seeing it down makes it down, as with a single runner.
	N int
	// Window is how far back a location's latest sample still counts;
	// 0 counts every location's latest sample.
	Window time.Duration
}

// QuorumOf gives the quorum of a check (nil: the default, 1).
type QuorumOf func(check string) Quorum

// maxLocations bounds the locations remembered per check and region; the
// stalest go first.
const maxLocations = 32

// forgetSeen drops a location's view after this long without a sample.
const forgetSeen = 7 * 24 * time.Hour

// observe records what loc saw at t, unless rs knows something newer from
// it, and forgets locations long silent.
func (rs *RegionState) observe(loc string, s Seen) {
	if loc == "" {
		loc = DefaultLocation
	}
	if rs.Locations == nil {
		rs.Locations = map[string]*Seen{}
	}
	if old := rs.Locations[loc]; old != nil && s.Time.Before(old.Time) {
		return
	}
	rs.Locations[loc] = &s
	for name, v := range rs.Locations {
		if s.Time.Sub(v.Time) > forgetSeen {
			delete(rs.Locations, name)
		}
	}
	for len(rs.Locations) > maxLocations {
		oldest := ""
		for name, v := range rs.Locations {
			if oldest == "" || v.Time.Before(rs.Locations[oldest].Time) {
				oldest = name
			}
		}
		delete(rs.Locations, oldest)
	}
}

// decide is the status of rs at now across its locations (see Quorum):
// down when at least q.N locations saw it down in their latest sample
// within the window, degraded when some did but fewer, or when any saw it
// degraded, else up. It is a pure function of rs.Locations, rs.Quorum and
// rs.Window, so that replaying samples decides as the recorder did.
func (rs *RegionState) decide(now time.Time) (prober.Status, []string) {
	st, down := rs.decideAt(now)
	// Degraded only because fewer than quorum locations saw it down: a
	// blip on a runner's own network, which must not open an incident.
	rs.Partial = st == prober.Degraded && len(down) > 0 && !rs.anyDegraded(now)
	return st, down
}

func (rs *RegionState) anyDegraded(now time.Time) bool {
	for _, v := range rs.Locations {
		if v.Status == prober.Degraded && rs.counts(v, now) {
			return true
		}
	}
	return false
}

func (rs *RegionState) counts(v *Seen, now time.Time) bool {
	return !v.Time.After(now) && (rs.WindowS <= 0 || now.Sub(v.Time) <= time.Duration(rs.WindowS)*time.Second)
}

func (rs *RegionState) decideAt(now time.Time) (prober.Status, []string) {
	n := max(rs.Quorum, 1)
	var down []string
	degraded := false
	for name, v := range rs.Locations {
		if !rs.counts(v, now) {
			continue
		}
		switch v.Status {
		case prober.Down:
			down = append(down, name)
		case prober.Degraded:
			degraded = true
		}
	}
	sort.Strings(down)
	switch {
	case len(down) >= n:
		return prober.Down, down
	case len(down) > 0 || degraded:
		return prober.Degraded, down
	}
	return prober.Up, down
}

// views is "down from fra, iad; up from sgp": which locations saw what,
// for reasons, issues and notifications.
func (rs *RegionState) views(now time.Time) string {
	by := map[prober.Status][]string{}
	for name, v := range rs.Locations {
		if !rs.counts(v, now) {
			continue
		}
		by[v.Status] = append(by[v.Status], name)
	}
	var parts []string
	for _, s := range []prober.Status{prober.Down, prober.Degraded, prober.Up} {
		if l := by[s]; len(l) > 0 {
			sort.Strings(l)
			parts = append(parts, fmt.Sprintf("%s from %s", s, strings.Join(l, ", ")))
		}
	}
	return strings.Join(parts, "; ")
}

// Decide records what the runner at location saw in results and returns
// the results with the status decided across locations (see Quorum). With
// one location and quorum 1 the results come back unchanged. Results
// older than what the state already knows are returned as they are.
func (s *State) Decide(location string, results []prober.Result, quorumOf QuorumOf) []prober.Result {
	if s.Checks == nil {
		s.Checks = map[string]map[string]*RegionState{}
	}
	out := make([]prober.Result, len(results))
	for i, r := range results {
		out[i] = r
		s.sawLocation(location, r.Time)
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
		q := Quorum{N: 1}
		if quorumOf != nil {
			q = quorumOf(r.Check)
		}
		rs.Quorum, rs.WindowS = q.N, int64(q.Window/time.Second)
		if rs.Quorum <= 1 {
			rs.Quorum = 0 // the default, kept out of state.json
		}
		rs.observe(location, Seen{Status: r.Status, Time: r.Time, Reason: r.ReasonCode, LatencyMs: float64(r.Latency) / float64(time.Millisecond)})
		rs.Partial = false
		if len(rs.Locations) == 1 && rs.Quorum == 0 && rs.Locations[DefaultLocation] != nil {
			// One unnamed runner, quorum 1: nothing to decide, nothing
			// to keep (state.json stays as it was).
			rs.Locations = nil
			continue
		}
		if r.Time.Before(rs.Last) {
			continue
		}
		st, down := rs.decide(r.Time)
		out[i].Status = st
		if st != r.Status || len(down) > 0 {
			reason := rs.views(r.Time)
			if r.Reason != "" {
				reason += ": " + r.Reason
			}
			out[i].Reason = reason
		}
		if st != prober.Down && r.Status == prober.Down {
			out[i].Failed = nil
		}
	}
	return out
}

// replayStatus is the status a replayed sample of loc stands for: decided
// across locations like Decide when the entry keeps locations.
func (rs *RegionState) replayStatus(loc string, s Sample) prober.Status {
	if rs.Locations == nil && rs.Quorum == 0 {
		rs.Partial = false
		return s.Status
	}
	rs.observe(loc, Seen{Status: s.Status, Time: s.Time, Reason: s.Reason, LatencyMs: float64(s.Latency) / float64(time.Millisecond)})
	st, _ := rs.decide(s.Time)
	return st
}

// cloneSeen copies a location map (nil stays nil).
func cloneSeen(m map[string]*Seen) map[string]*Seen {
	if m == nil {
		return nil
	}
	out := make(map[string]*Seen, len(m))
	for k, v := range m {
		x := *v
		out[k] = &x
	}
	return out
}
