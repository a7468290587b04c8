package incident

import (
	"fmt"
	"sort"
	"time"

	"github.com/upchain-dev/upchain/prober"
	"github.com/upchain-dev/upchain/prober/config"
	"github.com/upchain-dev/upchain/prober/notify"
)

// staleAfter is stale_after, else 3 times the default interval.
func staleAfter(l *config.Loaded) time.Duration {
	if d := l.StaleAfter.D(); d > 0 {
		return d
	}
	iv := l.Defaults.Interval.D()
	if iv <= 0 {
		iv = config.DefaultInterval
	}
	return 3 * iv
}

// staleLocations opens "probes from <location> stopped" when a location
// recorded nothing for longer than stale_after, as seen by whichever
// runner records next, and resolves it once the location records again
// (or is forgotten by history after a week of silence).
func (m *Manager) staleLocations(in round, s *set) []string {
	open := map[string]*Incident{}
	for _, inc := range s.sorted() {
		if inc.Location != "" && inc.automatic() && inc.IsOpen() && open[inc.Location] == nil {
			open[inc.Location] = inc
		}
	}
	var locs []string
	for loc := range in.st.Locations {
		locs = append(locs, loc)
	}
	for loc := range open {
		if _, ok := in.st.Locations[loc]; !ok {
			locs = append(locs, loc)
		}
	}
	sort.Strings(locs)
	var notes []string
	for _, loc := range locs {
		last, known := in.st.Locations[loc]
		stale := known && in.now.Sub(last) > m.staleAfter
		switch inc := open[loc]; {
		case stale && inc == nil:
			notes = append(notes, m.openStale(in, s, loc, last))
		case !stale && inc != nil:
			text := fmt.Sprintf("**Resolved** after %s: %s records again.", notify.HumanDuration(inc.Duration(in.now)), loc)
			if !known {
				text = fmt.Sprintf("**Resolved** after %s: %s was silent for a week and is no longer tracked.", notify.HumanDuration(inc.Duration(in.now)), loc)
			}
			inc.State, inc.Resolved = Resolved, in.now
			u := Update{Time: in.now, Kind: KindResolved, Status: string(prober.Up), Text: text}
			u.Pending = m.targetsFor(inc, u)
			inc.addUpdate(u)
			notes = append(notes, "resolved location "+loc)
		}
	}
	return notes
}

func (m *Manager) openStale(in round, s *set, loc string, last time.Time) string {
	slug := "location-" + loc
	id := incidentID(in.now, slug)
	for n := 2; s.byID[id] != nil; n++ {
		id = fmt.Sprintf("%s-%d", incidentID(in.now, slug), n)
	}
	inc := &Incident{ID: id, Source: FromProber, State: Open, Location: loc, Started: last, Severity: string(prober.Degraded),
		Title: "Probes from " + loc + " stopped", Labels: append([]string{"incident", "location"}, m.cfg.Labels...)}
	text := fmt.Sprintf("No probe round from location **%s** since %s (%s ago; stale_after is %s). Its runner stopped or cannot record: the checks are still probed from the other locations.",
		loc, last.UTC().Format(time.RFC3339), notify.HumanDuration(in.now.Sub(last)), notify.HumanDuration(m.staleAfter))
	inc.Body = text
	u := Update{Time: in.now, Kind: KindOpened, Status: string(prober.Degraded), Text: m.red.String(text)}
	u.Pending = m.targetsFor(inc, u)
	inc.addUpdate(u)
	s.byID[id] = inc
	return "opened location " + loc + " stopped"
}
