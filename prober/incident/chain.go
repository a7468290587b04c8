package incident

import (
	"fmt"
	"sort"
	"strings"

	"github.com/upchain-dev/upchain/prober"
	"github.com/upchain-dev/upchain/prober/config"
	"github.com/upchain-dev/upchain/prober/maintenance"
	"github.com/upchain-dev/upchain/prober/notify"
)

// A chain that halts fails every check of it in the same round. Instead of
// one incident per check, chainWide opens one incident for the chain that
// lists them; checks that fail on their own keep their own incidents.
//
// A chain is named by a chain-identifying value the checks recorded
// (chain_id for CometBFT and EVM, chain for Substrate, ...; see
// prober.ValueSpec.Chain), and needs at least two configured checks.

// chainOf is the chain a check's recorded values name ("" if none).
func (m *Manager) chainOf(in round, slug string) string {
	names := make([]string, 0, len(in.st.Checks[slug]))
	for name := range in.st.Checks[slug] {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		rs := in.st.Checks[slug][name]
		for _, v := range m.chainValues {
			if id := rs.Values[v]; id != "" {
				return v + "=" + id
			}
		}
	}
	return ""
}

// failingRegions are the regions of slug that would open an incident.
func (m *Manager) failingRegions(in round, slug string) []string {
	chk := m.checks[slug]
	if chk == nil || maintenance.Covering(in.windows, slug, in.now) != nil {
		return nil // in maintenance, failures are expected
	}
	var out []string
	for _, r := range chk.Targets() {
		rs := in.st.Checks[slug][r.Name]
		if rs != nil && rs.Status != prober.Up && !rs.Partial && rs.ConsecutiveFailures >= m.cfg.FailureThreshold {
			out = append(out, r.Name)
		}
	}
	return out
}

// chainWide opens, and resolves, chain-wide incidents. It returns the
// checks an open chain incident covers (their own lifecycle is skipped)
// and lines for the commit summary.
func (m *Manager) chainWide(in round, s *set, open map[string]*Incident) (covered map[string]bool, notes []string) {
	covered = map[string]bool{}
	groups := map[string][]string{}
	for _, c := range m.checkList {
		if id := m.chainOf(in, c.Slug); id != "" {
			groups[id] = append(groups[id], c.Slug)
		}
	}
	openChain := map[string]*Incident{}
	for _, inc := range s.sorted() {
		if inc.Chain != "" && inc.automatic() && inc.IsOpen() && openChain[inc.Chain] == nil {
			openChain[inc.Chain] = inc
		}
	}
	var chains []string
	for id := range groups {
		chains = append(chains, id)
	}
	for id := range openChain {
		if groups[id] == nil {
			chains = append(chains, id)
		}
	}
	sort.Strings(chains)
	for _, id := range chains {
		if inc := openChain[id]; inc != nil {
			if m.chainRecovered(in, inc) {
				notes = append(notes, m.resolveChain(in, inc))
				continue
			}
			for _, slug := range inc.Checks {
				covered[slug] = true
			}
			continue
		}
		slugs := groups[id]
		if len(slugs) < 2 {
			continue
		}
		all := true
		for _, slug := range slugs {
			if open[slug] != nil || len(m.failingRegions(in, slug)) == 0 {
				all = false
				break
			}
		}
		if !all {
			continue
		}
		notes = append(notes, m.openChain(in, s, id, slugs))
		for _, slug := range slugs {
			covered[slug] = true
		}
	}
	return covered, notes
}

func chainName(id string) string {
	_, name, _ := strings.Cut(id, "=")
	return name
}

func (m *Manager) openChain(in round, s *set, id string, slugs []string) string {
	name := chainName(id)
	slug := "chain-" + config.Slugify(name)
	iid := incidentID(in.now, slug)
	for n := 2; s.byID[iid] != nil; n++ {
		iid = fmt.Sprintf("%s-%d", incidentID(in.now, slug), n)
	}
	inc := &Incident{ID: iid, Source: FromProber, State: Open, Chain: id, Checks: slugs, Severity: string(prober.Down),
		Title: name + " stopped producing blocks", Labels: append([]string{"incident", "chain"}, m.cfg.Labels...)}
	var lines []string
	for _, c := range slugs {
		for _, r := range m.failingRegions(in, c) {
			rs := in.st.Checks[c][r]
			rs.Incident = iid
			if inc.Started.IsZero() || rs.Since.Before(inc.Started) {
				inc.Started = rs.Since
			}
			lines = append(lines, fmt.Sprintf("- %s (%s): %s", checkName(m.checks[c], c), r, rs.LastReason))
		}
	}
	if inc.Started.IsZero() || inc.Started.After(in.now) {
		inc.Started = in.now
	}
	text := fmt.Sprintf("Every check of %s failed together: the chain stopped producing blocks (one incident for all %d checks).\n\n%s", name, len(slugs), strings.Join(lines, "\n"))
	inc.Body = m.red.String(text)
	u := Update{Time: in.now, Kind: KindOpened, Status: string(prober.Down), Text: m.red.String(text)}
	u.Pending = m.targetsFor(inc, u)
	inc.addUpdate(u)
	s.byID[iid] = inc
	return fmt.Sprintf("opened chain %s (%d checks)", name, len(slugs))
}

// chainRecovered: every region of every listed check passed the success
// threshold.
func (m *Manager) chainRecovered(in round, inc *Incident) bool {
	for _, c := range inc.Checks {
		chk := m.checks[c]
		if chk == nil {
			continue
		}
		for _, r := range chk.Targets() {
			if rs := in.st.Checks[c][r.Name]; rs != nil && rs.ConsecutiveSuccesses < m.cfg.SuccessThreshold {
				return false
			}
		}
	}
	return true
}

func (m *Manager) resolveChain(in round, inc *Incident) string {
	inc.State, inc.Resolved = Resolved, in.now
	for _, c := range inc.Checks {
		for _, rs := range in.st.Checks[c] {
			if rs.Incident == inc.ID {
				rs.Incident = ""
			}
		}
	}
	text := fmt.Sprintf("**Resolved** after %s: every check of %s passed %d rounds in a row.", notify.HumanDuration(inc.Duration(in.now)), chainName(inc.Chain), m.cfg.SuccessThreshold)
	u := Update{Time: in.now, Kind: KindResolved, Status: string(prober.Up), Text: text}
	u.Pending = m.targetsFor(inc, u)
	inc.addUpdate(u)
	return "resolved chain " + chainName(inc.Chain)
}
