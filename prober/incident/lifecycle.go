package incident

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/upchain-dev/upchain/prober"
	"github.com/upchain-dev/upchain/prober/config"
	"github.com/upchain-dev/upchain/prober/history"
	"github.com/upchain-dev/upchain/prober/maintenance"
	"github.com/upchain-dev/upchain/prober/notify"
)

// round is what one Apply evaluates.
type round struct {
	now     time.Time
	st      *history.State
	results map[string]map[string][]prober.Result // check -> region -> results, oldest first
	windows []maintenance.Window
}

func groupResults(results []prober.Result) map[string]map[string][]prober.Result {
	out := map[string]map[string][]prober.Result{}
	for _, r := range results {
		if out[r.Check] == nil {
			out[r.Check] = map[string][]prober.Result{}
		}
		out[r.Check][r.Region] = append(out[r.Check][r.Region], r)
	}
	for _, regions := range out {
		for _, rs := range regions {
			sort.SliceStable(rs, func(i, j int) bool { return rs[i].Time.Before(rs[j].Time) })
		}
	}
	return out
}

// set is the incidents of the history worktree while Apply works on them.
type set struct {
	byID map[string]*Incident
	// removed are files to delete (an incident renamed when it adopted
	// another runner's issue).
	removed map[string]bool
	renamed map[string]string // old id -> new id
	orphans []orphan          // upchain issues unknown here, seen by sync
}

func newSet(list []*Incident) *set {
	s := &set{byID: map[string]*Incident{}, removed: map[string]bool{}, renamed: map[string]string{}}
	for _, inc := range list {
		s.byID[inc.ID] = inc
	}
	return s
}

// sorted returns the incidents oldest first, for stable processing.
func (s *set) sorted() []*Incident {
	out := make([]*Incident, 0, len(s.byID))
	for _, inc := range s.byID {
		out = append(out, inc)
	}
	sort.Slice(out, func(i, j int) bool {
		if !out[i].Started.Equal(out[j].Started) {
			return out[i].Started.Before(out[j].Started)
		}
		return out[i].ID < out[j].ID
	})
	return out
}

// openAuto returns the open automatic incident of check, if any.
func (s *set) openAuto(check string) *Incident {
	var found *Incident
	for _, inc := range s.sorted() {
		if inc.automatic() && inc.IsOpen() && inc.Check() == check {
			if found == nil {
				found = inc
			}
		}
	}
	return found
}

func (s *set) rename(inc *Incident, id string) {
	if inc.ID == id {
		return
	}
	delete(s.byID, inc.ID)
	s.removed[inc.ID] = true
	s.renamed[inc.ID] = id
	inc.ID = id
	delete(s.removed, id)
	s.byID[id] = inc
}

func incidentID(now time.Time, slug string) string {
	return now.UTC().Format("20060102-1504") + "-" + slug
}

// lifecycle opens, changes and resolves automatic incidents from the
// state of every check; it returns lines for the commit summary.
func (m *Manager) lifecycle(in round, s *set) []string {
	var slugs []string
	seen := map[string]bool{}
	for _, c := range m.checkList {
		slugs = append(slugs, c.Slug)
		seen[c.Slug] = true
	}
	var extra []string
	for slug := range in.st.Checks {
		if !seen[slug] {
			extra = append(extra, slug)
		}
	}
	for _, inc := range s.byID {
		if c := inc.Check(); c != "" && inc.IsOpen() && !seen[c] && in.st.Checks[c] == nil {
			extra = append(extra, c)
			seen[c] = true
		}
	}
	sort.Strings(extra)
	open := map[string]*Incident{}
	for _, inc := range s.sorted() {
		if c := inc.Check(); inc.automatic() && inc.IsOpen() && inc.Chain == "" && open[c] == nil {
			open[c] = inc
		}
	}
	covered, notes := m.chainWide(in, s, open)
	for _, slug := range append(slugs, extra...) {
		if covered[slug] {
			continue // the chain-wide incident speaks for it
		}
		notes = append(notes, m.evalCheck(in, s, slug, open[slug])...)
	}
	return notes
}

// evalCheck runs the lifecycle of one check; inc is its open automatic
// incident, if any.
func (m *Manager) evalCheck(in round, s *set, slug string, inc *Incident) []string {
	chk := m.checks[slug]
	states := in.st.Checks[slug]
	F, S := m.cfg.FailureThreshold, m.cfg.SuccessThreshold
	probed := func(name string) bool {
		if chk == nil {
			return false
		}
		for _, r := range chk.Targets() {
			if r.Name == name {
				return true
			}
		}
		return false
	}
	failing := func(name string) bool {
		rs := states[name]
		// Partial: fewer than quorum locations see it down (see
		// history.State.Decide), a location's own trouble.
		return probed(name) && rs != nil && rs.Status != prober.Up && !rs.Partial && rs.ConsecutiveFailures >= F
	}
	// A region no longer probed counts as recovered: nothing will ever
	// tell otherwise.
	recovered := func(name string) bool {
		rs := states[name]
		return !probed(name) || rs == nil || rs.ConsecutiveSuccesses >= S
	}
	// Regions held by an incident the prober no longer manages (closed or
	// reopened by people) stay quiet until they recover.
	for name, rs := range states {
		if rs.Incident == "" || (inc != nil && rs.Incident == inc.ID) {
			continue
		}
		if other := s.byID[rs.Incident]; other == nil || (other.automatic() && (other.IsOpen() || other.lastKind() == KindResolved)) || recovered(name) {
			rs.Incident = ""
		}
	}
	var names []string
	for name := range states {
		names = append(names, name)
	}
	names = orderRegions(chk, names)
	maint := maintenance.Covering(in.windows, slug, in.now)

	if inc == nil {
		if chk == nil || maint != nil {
			return nil
		}
		var cand []string
		for _, name := range names {
			if failing(name) && states[name].Incident == "" {
				cand = append(cand, name)
			}
		}
		if len(cand) == 0 {
			return nil
		}
		return []string{m.open(in, s, chk, cand)}
	}

	if chk == nil {
		return []string{m.resolve(in, inc, "The check was removed from the configuration.")}
	}
	if len(inc.Tracking) == 0 {
		// Adopted from GitHub without a history of its own: take the
		// regions failing now, or resolve if all are healthy.
		inc.Tracking = map[string]*Region{}
		for _, name := range names {
			if failing(name) {
				inc.Tracking[name] = &Region{Status: states[name].Status, Since: states[name].Since}
				states[name].Incident = inc.ID
			}
		}
		if len(inc.Tracking) == 0 {
			for _, r := range chk.Targets() {
				if !recovered(r.Name) {
					return nil
				}
			}
			return []string{m.resolve(in, inc, "")}
		}
		inc.Title, inc.Severity = title(chk, slug, inc.Tracking), severity(chk, inc.Tracking)
		return nil
	}

	var gone, added, lines []string
	for _, name := range trackedNames(chk, inc.Tracking) {
		if recovered(name) {
			gone = append(gone, name)
		}
	}
	if maint == nil {
		for _, name := range trackedNames(chk, inc.Tracking) {
			if hasString(gone, name) {
				continue
			}
			tr := inc.Tracking[name]
			for _, r := range in.results[slug][name] {
				switch {
				case r.Status == prober.Up || r.Status == tr.Status:
					tr.Candidate, tr.CandidateRounds = "", 0
				case r.Status == tr.Candidate:
					tr.CandidateRounds++
				default:
					tr.Candidate, tr.CandidateRounds = r.Status, 1
				}
				if tr.Candidate != "" && tr.CandidateRounds >= F {
					lines = append(lines, fmt.Sprintf("Now **%s** in %s (was %s).", tr.Candidate, escapeMD(name), tr.Status))
					tr.Status, tr.Since = tr.Candidate, r.Time
					tr.Candidate, tr.CandidateRounds = "", 0
				}
			}
		}
		for _, name := range names {
			rs := states[name]
			if inc.Tracking[name] == nil && failing(name) && (rs.Incident == "" || rs.Incident == inc.ID) {
				added = append(added, name)
				d := detail(name, rs, in.results[slug][name])
				lines = append(lines, "Also failing in "+regionLine(d)+".")
			}
		}
	}
	for _, name := range gone {
		delete(inc.Tracking, name)
		if rs := states[name]; rs != nil && rs.Incident == inc.ID {
			rs.Incident = ""
		}
		lines = append(lines, fmt.Sprintf("Recovered in %s (%d good rounds in a row).", escapeMD(name), S))
	}
	for _, name := range added {
		inc.Tracking[name] = &Region{Status: states[name].Status, Since: states[name].Since}
	}
	if len(inc.Tracking) == 0 {
		return []string{m.resolve(in, inc, "")}
	}
	for name := range inc.Tracking {
		if rs := states[name]; rs != nil {
			rs.Incident = inc.ID
		}
	}
	if len(lines) == 0 {
		return nil
	}
	inc.addRegions(added...)
	inc.Title, inc.Severity = title(chk, slug, inc.Tracking), severity(chk, inc.Tracking)
	u := Update{Time: in.now, Kind: KindChanged, Status: string(worst(inc.Tracking)), Regions: trackedNames(chk, inc.Tracking), Text: m.red.String(strings.Join(lines, "\n"))}
	u.Pending = m.targetsFor(inc, u)
	inc.addUpdate(u)
	return []string{fmt.Sprintf("changed %s (%s)", slug, inc.Title)}
}

func (m *Manager) open(in round, s *set, chk *config.Check, cand []string) string {
	slug := chk.Slug
	id := incidentID(in.now, slug)
	for n := 2; s.byID[id] != nil; n++ {
		id = fmt.Sprintf("%s-%d", incidentID(in.now, slug), n)
	}
	states := in.st.Checks[slug]
	inc := &Incident{ID: id, Source: FromProber, State: Open, Checks: []string{slug}, Tracking: map[string]*Region{}, Labels: m.issueLabels(chk)}
	var details []regionDetail
	var lines []string
	for _, name := range cand {
		rs := states[name]
		inc.Tracking[name] = &Region{Status: rs.Status, Since: rs.Since}
		if inc.Started.IsZero() || rs.Since.Before(inc.Started) {
			inc.Started = rs.Since
		}
		d := detail(name, rs, in.results[slug][name])
		details = append(details, d)
		lines = append(lines, regionLine(d))
		rs.Incident = id
	}
	if inc.Started.IsZero() || inc.Started.After(in.now) {
		inc.Started = in.now
	}
	inc.Regions = cand
	inc.Title, inc.Severity = title(chk, slug, inc.Tracking), severity(chk, inc.Tracking)
	inc.Body = m.issueBody(inc, chk, details)
	u := Update{Time: in.now, Kind: KindOpened, Status: string(worst(inc.Tracking)), Regions: cand, Text: m.red.String(strings.Join(lines, "\n"))}
	u.Pending = m.targetsFor(inc, u)
	inc.addUpdate(u)
	s.byID[id] = inc
	return fmt.Sprintf("opened %s (%s)", slug, inc.Title)
}

func (m *Manager) resolve(in round, inc *Incident, reason string) string {
	inc.State, inc.Resolved = Resolved, in.now
	slug := inc.Check()
	for _, rs := range in.st.Checks[slug] {
		if rs.Incident == inc.ID {
			rs.Incident = ""
		}
	}
	inc.Tracking = nil
	text := fmt.Sprintf("**Resolved** after %s: every affected region passed %d rounds in a row.", notify.HumanDuration(inc.Duration(in.now)), m.cfg.SuccessThreshold)
	if reason != "" {
		text = fmt.Sprintf("**Resolved** after %s. %s", notify.HumanDuration(inc.Duration(in.now)), reason)
	}
	u := Update{Time: in.now, Kind: KindResolved, Status: string(prober.Up), Text: text}
	u.Pending = m.targetsFor(inc, u)
	inc.addUpdate(u)
	return fmt.Sprintf("resolved %s after %s", slug, notify.HumanDuration(inc.Duration(in.now)))
}

// targetsFor lists where an update must go: the issue (when GitHub is
// used) and every notification target that takes it.
func (m *Manager) targetsFor(inc *Incident, u Update) []string {
	var out []string
	if m.gh != nil {
		out = append(out, TargetGitHub)
	}
	ev := m.event(inc, &u)
	for _, t := range m.notifier.Targets() {
		if m.notifier.Wants(t, ev) {
			out = append(out, t)
		}
	}
	return out
}

// issueLabels are the labels of a new incident issue: the incident label,
// the check's slug, its tags and the configured labels (at most 50
// characters each, as GitHub requires).
func (m *Manager) issueLabels(chk *config.Check) []string {
	var out []string
	add := func(l string) {
		l = strings.TrimSpace(l)
		if r := []rune(l); len(r) > 50 {
			l = string(r[:50])
		}
		if l != "" && !hasString(out, l) {
			out = append(out, l)
		}
	}
	add(m.cfg.Label)
	add(chk.Slug)
	for _, t := range chk.Tags {
		add(t)
	}
	for _, l := range m.cfg.Labels {
		add(l)
	}
	return out
}

func checkLabel(slug string) string {
	if r := []rune(slug); len(r) > 50 {
		return string(r[:50])
	}
	return slug
}
