package incident

import (
	"fmt"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/upchain-dev/upchain/prober"
	"github.com/upchain-dev/upchain/prober/config"
	"github.com/upchain-dev/upchain/prober/history"
	"github.com/upchain-dev/upchain/prober/notify"
)

// Markers in issue and comment bodies make every GitHub action findable,
// hence idempotent: an issue is recognised by its incident id, an update
// comment by incident id and sequence number.
var (
	issueMarker   = regexp.MustCompile(`<!-- upchain:incident id=(\S+) check=(\S+) -->`)
	commentMarker = regexp.MustCompile(`<!-- upchain:(?:update id=(\S+) seq=(\d+)(?: kind=([a-z]+))?|[a-z-]+[^>]*) -->`)
)

func issueMarkerFor(id, check string) string {
	return fmt.Sprintf("<!-- upchain:incident id=%s check=%s -->", id, check)
}

func updateMarker(id string, seq int, kind string) string {
	return fmt.Sprintf("<!-- upchain:update id=%s seq=%d kind=%s -->", id, seq, kind)
}

// parseIssueMarker returns the incident id and check of an upchain issue.
func parseIssueMarker(body string) (id, check string, ok bool) {
	m := issueMarker.FindStringSubmatch(body)
	if m == nil {
		return "", "", false
	}
	return m[1], m[2], true
}

func stripMarkers(s string) string {
	s = issueMarker.ReplaceAllString(s, "")
	return strings.TrimSpace(commentMarker.ReplaceAllString(s, ""))
}

// worst returns the worst status among the tracked regions.
func worst(tracking map[string]*Region) prober.Status {
	w := prober.Up
	for _, r := range tracking {
		if r.Status.Rank() > w.Rank() {
			w = r.Status
		}
	}
	return w
}

// orderRegions sorts region names as the check lists them: the public
// name first, then its regions, then any others alphabetically.
func orderRegions(chk *config.Check, names []string) []string {
	rank := map[string]int{}
	if chk != nil {
		for i, r := range chk.Targets() {
			rank[r.Name] = i + 1
		}
	}
	out := append([]string(nil), names...)
	sort.SliceStable(out, func(i, j int) bool {
		ri, rj := rank[out[i]], rank[out[j]]
		switch {
		case ri != 0 && rj != 0:
			return ri < rj
		case ri != rj:
			return ri != 0
		}
		return out[i] < out[j]
	})
	return out
}

func trackedNames(chk *config.Check, tracking map[string]*Region) []string {
	names := make([]string, 0, len(tracking))
	for n := range tracking {
		names = append(names, n)
	}
	return orderRegions(chk, names)
}

func checkName(chk *config.Check, slug string) string {
	if chk != nil && chk.Name != "" {
		return chk.Name
	}
	return slug
}

// allRegions reports whether names cover every region the check is
// probed from.
func allRegions(chk *config.Check, names []string) bool {
	if chk == nil {
		return true
	}
	for _, r := range chk.Targets() {
		if !hasString(names, r.Name) {
			return false
		}
	}
	return true
}

// title says which check, down or degraded, and where.
func title(chk *config.Check, slug string, tracking map[string]*Region) string {
	names := trackedNames(chk, tracking)
	t := fmt.Sprintf("%s is %s", checkName(chk, slug), worst(tracking))
	if !allRegions(chk, names) {
		t += " in " + strings.Join(names, ", ")
	}
	return t
}

// severity is down when every region is down, degraded otherwise.
func severity(chk *config.Check, tracking map[string]*Region) string {
	names := trackedNames(chk, tracking)
	if allRegions(chk, names) && worst(tracking) == prober.Down {
		for _, r := range tracking {
			if r.Status != prober.Down {
				return string(prober.Degraded)
			}
		}
		return string(prober.Down)
	}
	return string(prober.Degraded)
}

// regionDetail is what is known of a region for a message.
type regionDetail struct {
	Name   string
	Status prober.Status
	Since  time.Time
	Reason string
	Failed []prober.FailedCondition
	Values prober.Values
}

func detail(name string, rs *history.RegionState, results []prober.Result) regionDetail {
	d := regionDetail{Name: name}
	if rs != nil {
		d.Status, d.Since, d.Reason, d.Failed, d.Values = rs.Status, rs.Since, rs.LastReason, rs.LastFailed, rs.Values
	}
	if n := len(results); n > 0 {
		last := results[n-1]
		d.Status, d.Reason, d.Failed = last.Status, last.Reason, last.Failed
		if len(last.Values) > 0 {
			d.Values = last.Values
		}
	}
	return d
}

func utc(t time.Time) string { return t.UTC().Format("2006-01-02 15:04 UTC") }

// code renders s as inline code, safe for any content.
func code(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if s == "" {
		return "—"
	}
	fence := "`"
	for strings.Contains(s, fence) {
		fence += "`"
	}
	if strings.HasPrefix(s, "`") || strings.HasSuffix(s, "`") {
		s = " " + s + " "
	}
	return fence + s + fence
}

// cell makes text safe inside a Markdown table cell.
func cell(s string) string {
	return strings.ReplaceAll(code(s), "|", `\|`)
}

func oneLine(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > n {
		return string(r[:n-1]) + "…"
	}
	return s
}

// regionLine is one line of Markdown for updates: "eu-west: down —
// reason; condition (observed x)", with endpoint text escaped. A failed
// condition is said once: the prober's reason for a failed condition
// already reads "failed: <condition> (<observed>)", so only conditions the
// (possibly shortened) reason does not state are added.
func regionLine(d regionDetail) string {
	s := fmt.Sprintf("%s: %s", escapeMD(d.Name), d.Status)
	reason := oneLine(d.Reason, 200)
	if reason != "" {
		s += " — " + escapeMD(reason)
	}
	for _, f := range d.Failed {
		if strings.Contains(reason, "failed: "+oneLine(f.Condition, 1<<20)) {
			continue
		}
		s += "; " + escapeMD(oneLine(f.Condition, 100))
		if f.Observed != "" {
			s += " (observed " + escapeMD(oneLine(f.Observed, 60)) + ")"
		}
	}
	return s
}

// issueBody renders the description of a new incident.
func (m *Manager) issueBody(inc *Incident, chk *config.Check, details []regionDetail) string {
	var b strings.Builder
	slug := inc.Check()
	fmt.Fprintf(&b, "**%s** is **%s**", escapeMD(checkName(chk, slug)), worstOf(details))
	names := make([]string, len(details))
	for i, d := range details {
		names[i] = d.Name
	}
	if !allRegions(chk, names) {
		fmt.Fprintf(&b, " in %s", escapeMD(strings.Join(names, ", ")))
	}
	fmt.Fprintf(&b, " since %s (first failed round).\n\n", utc(inc.Started))

	b.WriteString("| Region | Status | Since | Reason |\n|---|---|---|---|\n")
	for _, d := range details {
		fmt.Fprintf(&b, "| %s | %s | %s | %s |\n", cell(d.Name), d.Status, utc(d.Since), cell(oneLine(d.Reason, 300)))
	}
	var failed []string
	for _, d := range details {
		for _, f := range d.Failed {
			line := "- " + code(f.Condition)
			if f.Observed != "" {
				line += " — observed " + code(oneLine(f.Observed, 200))
			}
			if f.Degraded {
				line += " (degraded condition)"
			}
			failed = append(failed, line+" in "+escapeMD(d.Name))
		}
	}
	if len(failed) > 0 {
		b.WriteString("\n**Failed conditions**\n\n" + strings.Join(failed, "\n") + "\n")
	}
	var values []string
	for _, d := range details {
		for _, k := range d.Values.Keys() {
			values = append(values, fmt.Sprintf("%s %s = %s", escapeMD(d.Name), code(k), code(oneLine(d.Values[k], 100))))
		}
	}
	if len(values) > 0 {
		b.WriteString("\n**Last observed values:** " + strings.Join(values, "; ") + "\n")
	}
	if chk != nil {
		fmt.Fprintf(&b, "\n**Endpoint:** %s (%s", code(chk.DisplayURL), chk.Kind)
		if chk.Group != "" {
			fmt.Fprintf(&b, ", group %s", escapeMD(chk.Group))
		}
		b.WriteString(")\n")
	}
	var links []string
	for _, l := range m.links(inc, chk) {
		links = append(links, fmt.Sprintf("[%s](%s)", escapeMD(l.Name), l.URL))
	}
	if len(links) > 0 {
		b.WriteString("\n**Links:** " + strings.Join(links, " · ") + "\n")
	}
	fmt.Fprintf(&b, "\n_Opened by upchain after %d failed rounds in a row; it comments when the incident changes and closes it after %d good rounds._\n",
		m.cfg.FailureThreshold, m.cfg.SuccessThreshold)
	return m.red.String(b.String())
}

func worstOf(ds []regionDetail) prober.Status {
	w := prober.Up
	for _, d := range ds {
		if d.Status.Rank() > w.Rank() {
			w = d.Status
		}
	}
	return w
}

var mdSpecial = strings.NewReplacer(`\`, `\\`, `*`, `\*`, `_`, `\_`, "`", "\\`", `[`, `\[`, `]`, `\]`, `<`, `&lt;`, `>`, `&gt;`, `|`, `\|`, `#`, `\#`)

// escapeMD keeps names from config or endpoints from being read as
// Markdown or HTML.
func escapeMD(s string) string { return mdSpecial.Replace(s) }

// links are the check's links (Grafana, Kibana, telemetry, ...), the
// incident's page on the status site and its file in the history branch.
func (m *Manager) links(inc *Incident, chk *config.Check) []notify.Link {
	var out []notify.Link
	if chk != nil {
		for _, name := range chk.LinkNames() {
			out = append(out, notify.Link{Name: linkTitle(name), URL: m.red.URL(chk.Links[name])})
		}
	}
	if m.siteURL != "" {
		// The page the site generator writes for this incident.
		out = append(out, notify.Link{Name: "Status page", URL: m.red.URL(strings.TrimSuffix(m.siteURL, "/") + "/incidents/" + inc.ID + ".html")})
	}
	if u := m.historyURL(inc.ID); u != "" {
		out = append(out, notify.Link{Name: "History", URL: u})
	}
	return out
}

func linkTitle(name string) string {
	switch name {
	case "grafana":
		return "Grafana"
	case "kibana":
		return "Kibana"
	case "telemetry":
		return "Telemetry"
	}
	if name == "" {
		return name
	}
	return strings.ToUpper(name[:1]) + name[1:]
}

// historyURL is the incident's file on the history branch, when the
// repository is on GitHub.
func (m *Manager) historyURL(id string) string {
	if m.repo == "" {
		return ""
	}
	return fmt.Sprintf("%s/%s/blob/%s/%s/%s.md", m.serverURL, m.repo, m.branch, Dir, id)
}
