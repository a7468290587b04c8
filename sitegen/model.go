package sitegen

import (
	"fmt"
	"html"
	"html/template"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

// model is the input resolved for rendering: effective statuses, look-ups
// and every figure already formatted, so that templates stay simple.
type model struct {
	in      *Input
	now     time.Time
	base    *url.URL // nil without site.base_url
	checks  []*checkView
	bySlug  map[string]*checkView
	groups  []groupView
	overall overall

	incidents []*incidentView // open first, then newest first
	byID      map[string]*incidentView
	maint     []*maintView // by start
	// badges are the SVGs drawn so far, by badge (see badgeSVG).
	badges sync.Map
	// dayRow is the dates of the last bar drawn: every check's bar ends
	// on the same day, so 90 dates are formatted once, not per check.
	dayRowMu sync.Mutex
	dayRow   *barDates
	// chromes are the rendered chromes by root and navigation (chromeOf).
	chromeMu sync.Mutex
	chromes  map[string]chrome
}

// barDates are the days of a bar ending on last, and their labels.
type barDates struct {
	last   time.Time
	dates  [barDays]time.Time
	labels [barDays]string
}

func (m *model) barDates(last time.Time) *barDates {
	m.dayRowMu.Lock()
	defer m.dayRowMu.Unlock()
	if m.dayRow != nil && m.dayRow.last.Equal(last) {
		return m.dayRow
	}
	bd := &barDates{last: last}
	for i := range bd.dates {
		bd.dates[i] = last.AddDate(0, 0, i-(barDays-1))
		bd.labels[i] = fmtDay(bd.dates[i])
	}
	m.dayRow = bd
	return bd
}

type groupView struct {
	Name   string
	ID     string
	Checks []*checkView
	// Summary counts the group's checks by status, e.g. "3 operational".
	Summary string
}

// statusView is how a status is shown: never by colour alone.
type statusView struct {
	Class string // CSS class suffix: up, degraded, partial, down, maintenance, nodata
	Label string // words
	Icon  string // id of the icon symbol
}

var statusViews = map[string]statusView{
	"up":          {"up", "Operational", "i-up"},
	"degraded":    {"degraded", "Degraded", "i-degraded"},
	"partial":     {"partial", "Partial outage", "i-down"},
	"down":        {"down", "Down", "i-down"},
	"maintenance": {"maintenance", "Maintenance", "i-maintenance"},
	"nodata":      {"nodata", "No data", "i-nodata"},
}

func viewOf(s Status) statusView {
	if v, ok := statusViews[string(s)]; ok {
		return v
	}
	return statusViews["nodata"]
}

type checkView struct {
	*Check
	Page string // path from the site root: checks/<slug>.html
	// Status is the effective status: Maintenance when an active window
	// covers a check that is not up.
	Status      statusView
	Raw         Status // effective status as a value
	InMaint     []*maintView
	Partial     bool // down in some regions, not all
	Stale       bool
	StaleNote   string
	Since       string
	SinceISO    string
	For         string
	Checked     string
	CheckedISO  string
	LatencyText string
	Reason      string
	URLText     string
	Links       []linkView
	Regions     []regionView
	// Locations is the location x region table (empty with one runner).
	Locations   []locationRow
	MultiRegion bool
	Uptime      []uptimeView
	Up24        uptimeView
	Up30        uptimeView
	Up90        uptimeView
	Values      valueTable
	Incidents   []*incidentView
	Maintenance []*maintView
	m           *model
}

// Bar is the 90-day bar as inline SVG, drawn where a page shows it (the
// home page and the check page) and not kept: a thousand checks' bars were
// a quarter of a build's live memory. It is drawn in Go because
// html/template is slow for 90 cells x 1,000 checks.
func (c *checkView) Bar() template.HTML { return barSVG(c.Name, c.m.days(c.Check)) }

type linkView struct {
	Name string
	Href string
}

// locationRow is one cell row of the location x region table.
type locationRow struct {
	Location    string
	Region      string
	Status      statusView
	LatencyText string
	Checked     string
	CheckedISO  string
}

type regionView struct {
	Name        string
	Status      statusView
	Since       string
	SinceISO    string
	For         string
	Checked     string
	CheckedISO  string
	LatencyText string
	Reason      string
	Place       string // where the backend is (worldmap.go)
}

type uptimeView struct {
	Window string
	Label  string
	Value  string // "99.95%" or "no data"
	Has    bool
	Class  string
	Basis  string // "288 probes over 1 d" / "no data"
}

type dayView struct {
	X     int
	Class string
	Date  string
	Text  string
}

type valueTable struct {
	Regions []string
	Rows    []valueRow
}

type valueRow struct {
	Name  string
	Cells []string
}

type overall struct {
	Class string // up, degraded, partial, major, nodata
	Label string
	Icon  string
	// Indicator is Statuspage's none/minor/major/critical.
	Indicator string
	Counts    string
}

type incidentView struct {
	*Incident
	Page       string // incidents/<id>.html
	Open       bool
	StatusText string
	Severity   string
	Started    string
	StartedISO string
	Resolved   string
	ResolvISO  string
	Duration   string
	Checks     []*checkView
	Unknown    []string // affected slugs that are not configured checks
	RegionText string
	BodyHTML   template.HTML
	Timeline   []updateView
	Updated    time.Time
	Month      string
}

type updateView struct {
	Status  string
	Time    string
	TimeISO string
	HTML    template.HTML
	Anchor  string
}

type maintView struct {
	*Maintenance
	ID       string
	Anchor   string
	State    MaintenanceState
	Start    string
	StartISO string
	End      string
	EndISO   string
	Duration string
	Checks   []*checkView
	All      bool // no checks listed: the whole site
	BodyHTML template.HTML
}

func newModel(in *Input) *model {
	m := &model{in: in, now: in.Now.UTC(), bySlug: map[string]*checkView{}, byID: map[string]*incidentView{}}
	if u, err := url.Parse(strings.TrimSpace(in.Site.BaseURL)); err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != "" {
		if !strings.HasSuffix(u.Path, "/") {
			u.Path += "/"
		}
		u.RawQuery, u.Fragment = "", ""
		m.base = u
	}
	m.buildMaintenance()
	for gi := range in.Groups {
		g := &in.Groups[gi]
		gv := groupView{Name: g.Name, ID: "group-" + slugify(g.Name)}
		if gv.ID == "group-" {
			gv.ID = fmt.Sprintf("group-%d", gi+1)
		}
		for ci := range g.Checks {
			cv := m.newCheck(&g.Checks[ci])
			m.checks = append(m.checks, cv)
			m.bySlug[cv.Slug] = cv
			gv.Checks = append(gv.Checks, cv)
		}
		gv.Summary = countSummary(gv.Checks)
		m.groups = append(m.groups, gv)
	}
	for _, mv := range m.maint {
		for _, s := range mv.Maintenance.Checks {
			if cv := m.bySlug[s]; cv != nil {
				mv.Checks = append(mv.Checks, cv)
			}
		}
	}
	m.buildIncidents()
	m.overall = overallOf(m.checks)
	return m
}

func (m *model) buildMaintenance() {
	for i := range m.in.Maintenance {
		mt := &m.in.Maintenance[i]
		v := &maintView{Maintenance: mt, ID: maintenanceID(*mt), State: mt.State}
		v.Anchor = "maintenance-" + v.ID
		if v.State == "" {
			switch {
			case m.now.IsZero() || m.now.Before(mt.Start):
				v.State = MaintenanceUpcoming
			case m.now.Before(mt.End):
				v.State = MaintenanceActive
			default:
				v.State = MaintenancePast
			}
		}
		v.Start, v.StartISO = fmtTime(mt.Start), isoTime(mt.Start)
		v.End, v.EndISO = fmtTime(mt.End), isoTime(mt.End)
		v.Duration = fmtDuration(mt.End.Sub(mt.Start))
		v.All = len(mt.Checks) == 0
		v.BodyHTML = renderMarkdown(mt.Body)
		m.maint = append(m.maint, v)
	}
	sort.SliceStable(m.maint, func(i, j int) bool {
		a, b := m.maint[i], m.maint[j]
		if !a.Maintenance.Start.Equal(b.Maintenance.Start) {
			return a.Maintenance.Start.Before(b.Maintenance.Start)
		}
		return a.ID < b.ID
	})
}

func (m *model) maintenanceFor(slug string) []*maintView {
	var out []*maintView
	for _, v := range m.maint {
		if v.All || contains(v.Maintenance.Checks, slug) {
			out = append(out, v)
		}
	}
	return out
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func (m *model) newCheck(c *Check) *checkView {
	cv := &checkView{Check: c, Page: "checks/" + c.Slug + ".html", URLText: displayURL(c.DisplayURL), m: m}
	cur := c.Current
	if cur.Status == "" || (cur.Checked.IsZero() && cur.Status != InMaintenance) {
		cur.Status = NoData
	}
	cv.Maintenance = m.maintenanceFor(c.Slug)
	for _, mv := range cv.Maintenance {
		if mv.State == MaintenanceActive {
			cv.InMaint = append(cv.InMaint, mv)
		}
	}
	raw := cur.Status
	if len(cv.InMaint) > 0 && raw != Up && raw != NoData {
		raw = InMaintenance
	}
	cv.Raw = raw
	cv.Status = viewOf(raw)
	if raw == Down {
		for _, r := range c.Regions {
			if r.Status != Down && r.Status != NoData && r.Status != "" {
				cv.Partial = true
			}
		}
		if cv.Partial {
			cv.Status = statusViews["partial"]
		}
	}
	if raw != NoData {
		cv.Since, cv.SinceISO = fmtTime(cur.Since), isoTime(cur.Since)
		if !cur.Since.IsZero() && !m.now.IsZero() {
			cv.For = fmtDuration(m.now.Sub(cur.Since))
		}
		cv.Checked, cv.CheckedISO = fmtTime(cur.Checked), isoTime(cur.Checked)
		cv.LatencyText = fmtLatency(cur.Latency)
		if cur.Status != Up {
			cv.Reason = cur.Reason
		}
	}
	interval := c.Interval
	if interval <= 0 {
		interval = 5 * time.Minute
	}
	if !cur.Checked.IsZero() && m.now.Sub(cur.Checked) > 2*interval {
		cv.Stale = true
		cv.StaleNote = "last probed " + fmtDuration(m.now.Sub(cur.Checked)) + " before the newest data"
	}
	for _, l := range c.Links {
		if h := safeHref(l.URL); h != "" {
			cv.Links = append(cv.Links, linkView{Name: titleCase(l.Name), Href: h})
		}
	}
	for _, r := range c.Regions {
		rv := regionView{Name: r.Name, Place: m.placeOf(c.Slug, r.Name)}
		st := r.Status
		if st == "" || r.Checked.IsZero() {
			st = NoData
		}
		rv.Status = viewOf(st)
		if st != NoData {
			rv.Since, rv.SinceISO = fmtTime(r.Since), isoTime(r.Since)
			if !r.Since.IsZero() && !m.now.IsZero() {
				rv.For = fmtDuration(m.now.Sub(r.Since))
			}
			rv.Checked, rv.CheckedISO = fmtTime(r.Checked), isoTime(r.Checked)
			rv.LatencyText = fmtLatency(r.Latency)
			if st != Up {
				rv.Reason = r.Reason
			}
		}
		cv.Regions = append(cv.Regions, rv)
		for _, l := range r.Locations {
			cv.Locations = append(cv.Locations, locationRow{Location: l.Name, Region: r.Name, Status: viewOf(l.Status),
				LatencyText: fmtLatency(l.Latency), Checked: fmtTime(l.Checked), CheckedISO: isoTime(l.Checked)})
		}
	}
	cv.MultiRegion = len(c.Regions) > 1
	for _, w := range UptimeWindows() {
		uv := uptimeOf(c, w)
		cv.Uptime = append(cv.Uptime, uv)
		switch w {
		case Window24h:
			cv.Up24 = uv
		case Window30d:
			cv.Up30 = uv
		case Window90d:
			cv.Up90 = uv
		}
	}
	cv.Values = valuesOf(c)
	return cv
}

func uptimeOf(c *Check, w Window) uptimeView {
	uv := uptimeView{Window: string(w), Label: windowLabel(w), Value: "no data", Class: "nodata", Basis: "no data"}
	for _, u := range c.Uptime {
		if u.Window != w || u.Samples <= 0 {
			continue
		}
		uv.Has = true
		uv.Value = fmtPercent(u.Ratio)
		uv.Class = uptimeClass(u.Ratio)
		uv.Basis = plural(u.Samples, "probe", "probes")
		if u.Observed > 0 {
			uv.Basis += " over " + fmtDuration(u.Observed)
		}
	}
	return uv
}

func uptimeClass(r float64) string {
	switch {
	case r >= 0.999:
		return "up"
	case r >= 0.99:
		return "degraded"
	case r >= 0.95:
		return "partial"
	}
	return "down"
}

// valuesOf lays out observed values as a table: a row per value name
// (sorted), a column per region that has values.
func valuesOf(c *Check) valueTable {
	var t valueTable
	type col struct {
		name string
		vals map[string]string
	}
	var cols []col
	names := map[string]bool{}
	labels := map[string]string{}
	add := func(region string, vs []Value) {
		if len(vs) == 0 {
			return
		}
		m := map[string]string{}
		for _, v := range vs {
			m[v.Name] = v.Value
			names[v.Name] = true
			if v.Label != "" {
				labels[v.Name] = v.Label
			}
		}
		cols = append(cols, col{region, m})
	}
	if len(c.Regions) == 0 {
		add("value", c.Current.Values)
	}
	for _, r := range c.Regions {
		add(r.Name, r.Values)
	}
	if len(cols) == 0 {
		return t
	}
	for _, cl := range cols {
		t.Regions = append(t.Regions, cl.name)
	}
	sorted := make([]string, 0, len(names))
	for n := range names {
		sorted = append(sorted, n)
	}
	sort.Strings(sorted)
	for _, n := range sorted {
		label := labels[n]
		if label == "" {
			label = n
		}
		row := valueRow{Name: label}
		for _, cl := range cols {
			v, ok := cl.vals[n]
			if !ok {
				v = "–"
			}
			row.Cells = append(row.Cells, v)
		}
		t.Rows = append(t.Rows, row)
	}
	return t
}

// barDays is how many days a bar shows.
const barDays = 90

// days lays out the 90 cells ending with the day of Now (or the newest day
// given when there is no Now).
func (m *model) days(c *Check) []dayView {
	const n = barDays
	last := m.now
	if last.IsZero() {
		for i := range c.Days {
			if d := c.Days[i].Date; d.After(last) {
				last = d
			}
		}
	}
	if last.IsZero() {
		// Nothing recorded yet: cells without dates.
		out := make([]dayView, n)
		for i := range out {
			out[i] = dayView{X: i * 10, Class: "nodata", Date: fmt.Sprintf("Day %d of 90", i+1), Text: "no data yet"}
		}
		return out
	}
	lastDay := time.Date(last.Year(), last.Month(), last.Day(), 0, 0, 0, 0, time.UTC)
	// The cells' days by UTC date (a Day's Date may be in any zone); a
	// later Day of the same date wins.
	var byCell [n]*Day
	for i := range c.Days {
		d := &c.Days[i]
		y, mo, dd := d.Date.UTC().Date()
		if k := n - 1 - int(lastDay.Sub(time.Date(y, mo, dd, 0, 0, 0, 0, time.UTC))/(24*time.Hour)); k >= 0 && k < n {
			byCell[k] = d
		}
	}
	bd := m.barDates(lastDay)
	out := make([]dayView, 0, n)
	for i := 0; i < n; i++ {
		dv := dayView{X: i * 10, Class: "nodata", Date: bd.labels[i], Text: "no data"}
		d := byCell[i]
		if d != nil && d.Samples > 0 {
			var b strings.Builder
			dv.Class = dayClass(d)
			b.WriteString(fmtPercent(d.Uptime))
			b.WriteString(" uptime")
			if d.Failures > 0 {
				b.WriteString(", " + plural(d.Failures, "failed probe", "failed probes"))
			}
			if d.Degraded > 0 {
				b.WriteString(", " + fmtPercent(d.Degraded) + " degraded")
			}
			for _, id := range d.Incidents {
				if iv := m.byID[id]; iv != nil {
					b.WriteString("; incident: " + iv.Title)
				}
			}
			dv.Text = b.String()
		}
		out = append(out, dv)
	}
	return out
}

// barSVG draws the 90 daily cells. Each cell's <title> is its tooltip and
// its accessible name; days without data are drawn short so that they
// differ from measured days by shape as well as colour.
func barSVG(name string, days []dayView) template.HTML {
	var b strings.Builder
	b.Grow(256 + len(days)*128) // about 125 bytes a day: no regrowth
	b.WriteString(`<svg class="bar" viewBox="0 0 898 32" preserveAspectRatio="none" role="group" aria-label="Daily uptime of `)
	b.WriteString(html.EscapeString(name))
	b.WriteString(`, last 90 days">`)
	for _, d := range days {
		b.WriteString(`<rect x="`)
		b.WriteString(strconv.Itoa(d.X))
		if d.Class == "nodata" {
			b.WriteString(`" y="10" height="12`)
		} else {
			b.WriteString(`" y="0" height="32`)
		}
		b.WriteString(`" width="8" class="d-`)
		b.WriteString(d.Class)
		b.WriteString(`" role="img"><title>`)
		b.WriteString(html.EscapeString(d.Date))
		b.WriteString(": ")
		b.WriteString(html.EscapeString(d.Text))
		b.WriteString(`</title></rect>`)
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String()) //nolint:gosec // every text escaped above
}

func dayClass(d *Day) string {
	switch {
	case d.Uptime >= 1 && d.Failures == 0 && d.Degraded < 0.05:
		return "up"
	case d.Uptime >= 1 && d.Failures == 0:
		return "degraded"
	case d.Uptime >= 0.99:
		return "minor"
	case d.Uptime >= 0.95:
		return "partial"
	}
	return "down"
}

func countSummary(checks []*checkView) string {
	counts := map[string]int{}
	for _, c := range checks {
		counts[c.Status.Label]++
	}
	var parts []string
	for _, k := range []string{"up", "degraded", "partial", "down", "maintenance", "nodata"} {
		v := statusViews[k]
		if n := counts[v.Label]; n > 0 {
			label := strings.ToLower(v.Label)
			if k == "nodata" {
				label = "without data"
			}
			parts = append(parts, fmt.Sprintf("%d %s", n, label))
		}
	}
	return strings.Join(parts, ", ")
}

// overallOf decides the banner. Checks without data or under maintenance
// do not count; a majority of counted checks down is a major outage.
func overallOf(checks []*checkView) overall {
	var counted, down, degraded int
	for _, c := range checks {
		switch c.Raw {
		case Up:
			counted++
		case Degraded:
			counted++
			degraded++
		case Down:
			counted++
			down++
			if c.Partial {
				// A check down in some regions only is degraded for the site.
				down--
				degraded++
			}
		}
	}
	o := overall{Counts: countSummary(checks)}
	switch {
	case counted == 0:
		o.Class, o.Label, o.Icon, o.Indicator = "nodata", "No data yet", "i-nodata", "none"
	case down == 0 && degraded == 0:
		o.Class, o.Label, o.Icon, o.Indicator = "up", "All systems operational", "i-up", "none"
	case down == 0:
		o.Class, o.Label, o.Icon, o.Indicator = "degraded", "Degraded performance", "i-degraded", "minor"
	case down*2 <= counted:
		o.Class, o.Label, o.Icon, o.Indicator = "partial", "Partial outage", "i-down", "major"
	default:
		o.Class, o.Label, o.Icon, o.Indicator = "down", "Major outage", "i-down", "critical"
	}
	return o
}

func (m *model) buildIncidents() {
	for i := range m.in.Incidents {
		inc := &m.in.Incidents[i]
		v := &incidentView{Incident: inc, Page: "incidents/" + inc.ID + ".html"}
		v.Open = inc.Status != IncidentResolved
		v.StatusText = "Resolved"
		if v.Open {
			v.StatusText = "Ongoing"
		}
		v.Severity = string(inc.Severity)
		if v.Severity == "" {
			v.Severity = string(SeverityMinor)
		}
		v.Started, v.StartedISO = fmtTime(inc.Started), isoTime(inc.Started)
		v.Month = inc.Started.UTC().Format("January 2006")
		switch {
		case !v.Open && !inc.Resolved.IsZero():
			v.Resolved, v.ResolvISO = fmtTime(inc.Resolved), isoTime(inc.Resolved)
			v.Duration = fmtDuration(inc.Resolved.Sub(inc.Started))
		case v.Open && !m.now.IsZero() && m.now.After(inc.Started):
			v.Duration = fmtDuration(m.now.Sub(inc.Started)) + " so far"
		}
		for _, s := range inc.Checks {
			if cv := m.bySlug[s]; cv != nil {
				v.Checks = append(v.Checks, cv)
				cv.Incidents = append(cv.Incidents, v)
			} else {
				v.Unknown = append(v.Unknown, s)
			}
		}
		if len(inc.Regions) > 0 {
			v.RegionText = strings.Join(inc.Regions, ", ")
		} else {
			v.RegionText = "all regions"
		}
		v.BodyHTML = renderMarkdown(inc.Body)
		v.Updated = inc.Started
		if inc.Resolved.After(v.Updated) {
			v.Updated = inc.Resolved
		}
		ups := append([]Update(nil), inc.Updates...)
		sort.SliceStable(ups, func(i, j int) bool { return ups[i].Time.After(ups[j].Time) })
		for j, u := range ups {
			v.Timeline = append(v.Timeline, updateView{
				Status: titleCase(u.Status), Time: fmtTime(u.Time), TimeISO: isoTime(u.Time),
				HTML: renderMarkdown(u.Body), Anchor: fmt.Sprintf("update-%d", len(ups)-j),
			})
			if u.Time.After(v.Updated) {
				v.Updated = u.Time
			}
		}
		m.incidents = append(m.incidents, v)
		m.byID[inc.ID] = v
	}
	sort.SliceStable(m.incidents, func(i, j int) bool {
		a, b := m.incidents[i], m.incidents[j]
		if a.Open != b.Open {
			return a.Open
		}
		if !a.Incident.Started.Equal(b.Incident.Started) {
			return a.Incident.Started.After(b.Incident.Started)
		}
		return a.ID < b.ID
	})
	for _, cv := range m.checks {
		sort.SliceStable(cv.Incidents, func(i, j int) bool {
			a, b := cv.Incidents[i], cv.Incidents[j]
			if a.Open != b.Open {
				return a.Open
			}
			if !a.Incident.Started.Equal(b.Incident.Started) {
				return a.Incident.Started.After(b.Incident.Started)
			}
			return a.ID < b.ID
		})
	}
}

// openIncidents and maintenance by state, for the home page.
func (m *model) openIncidents() []*incidentView {
	var out []*incidentView
	for _, v := range m.incidents {
		if v.Open {
			out = append(out, v)
		}
	}
	return out
}

func (m *model) maintenanceIn(states ...MaintenanceState) []*maintView {
	var out []*maintView
	for _, v := range m.maint {
		for _, s := range states {
			if v.State == s {
				out = append(out, v)
			}
		}
	}
	return out
}

// absURL makes a site path absolute when the base URL is known, and keeps
// it relative (to the site root) otherwise.
func (m *model) absURL(path string) string {
	if m.base == nil {
		return path
	}
	return m.base.String() + path
}

// basePath is the path of the site root on its host ("/status/"), for the
// 404 page which is served at any depth.
func (m *model) basePath() string {
	if m.base == nil {
		return "/"
	}
	return m.base.Path
}
