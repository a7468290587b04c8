package sitegen

import (
	"bytes"
	"crypto/sha1"
	"encoding/base32"
	"encoding/json"
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
)

// The api/v2 files follow the public Statuspage v2 read API (summary.json,
// status.json, components.json, incidents.json, incidents/unresolved.json,
// scheduled-maintenances*.json) so that status aggregators and widgets that
// read Statuspage pages read this site too. Field names and enumerations
// are Statuspage's: component status operational / degraded_performance /
// partial_outage / major_outage / under_maintenance; status.indicator
// none / minor / major / critical; incident status investigating /
// identified / monitoring / resolved / postmortem; maintenance status
// scheduled / in_progress / verifying / completed.

type spPage struct {
	ID        string  `json:"id"`
	Name      string  `json:"name"`
	URL       string  `json:"url"`
	TimeZone  string  `json:"time_zone"`
	UpdatedAt *string `json:"updated_at"`
}

type spStatus struct {
	Indicator   string `json:"indicator"`
	Description string `json:"description"`
	// MonitoringDelayedSince is upchain's addition: the newest round's
	// time when it is older than stale_after at build time.
	MonitoringDelayedSince *string `json:"monitoring_delayed_since,omitempty"`
}

type spComponent struct {
	ID                 string   `json:"id"`
	Name               string   `json:"name"`
	Status             string   `json:"status"`
	CreatedAt          *string  `json:"created_at"`
	UpdatedAt          *string  `json:"updated_at"`
	Position           int      `json:"position"`
	Description        *string  `json:"description"`
	Showcase           bool     `json:"showcase"`
	StartDate          *string  `json:"start_date"`
	GroupID            *string  `json:"group_id"`
	PageID             string   `json:"page_id"`
	Group              bool     `json:"group"`
	OnlyShowIfDegraded bool     `json:"only_show_if_degraded"`
	Components         []string `json:"components,omitempty"`
}

type spAffected struct {
	Code      string `json:"code"`
	Name      string `json:"name"`
	OldStatus string `json:"old_status"`
	NewStatus string `json:"new_status"`
}

type spUpdate struct {
	ID                   string       `json:"id"`
	Status               string       `json:"status"`
	Body                 string       `json:"body"`
	IncidentID           string       `json:"incident_id"`
	CreatedAt            *string      `json:"created_at"`
	UpdatedAt            *string      `json:"updated_at"`
	DisplayAt            *string      `json:"display_at"`
	AffectedComponents   []spAffected `json:"affected_components"`
	DeliverNotifications bool         `json:"deliver_notifications"`
	CustomTweet          *string      `json:"custom_tweet"`
	TweetID              *string      `json:"tweet_id"`
}

type spIncident struct {
	ID              string        `json:"id"`
	Name            string        `json:"name"`
	Status          string        `json:"status"`
	CreatedAt       *string       `json:"created_at"`
	UpdatedAt       *string       `json:"updated_at"`
	MonitoringAt    *string       `json:"monitoring_at"`
	ResolvedAt      *string       `json:"resolved_at"`
	Impact          string        `json:"impact"`
	Shortlink       string        `json:"shortlink"`
	StartedAt       *string       `json:"started_at"`
	PageID          string        `json:"page_id"`
	IncidentUpdates []spUpdate    `json:"incident_updates"`
	Components      []spComponent `json:"components"`
	ScheduledFor    *string       `json:"scheduled_for,omitempty"`
	ScheduledUntil  *string       `json:"scheduled_until,omitempty"`
}

type spSummary struct {
	Page                  spPage        `json:"page"`
	Components            []spComponent `json:"components"`
	Incidents             []spIncident  `json:"incidents"`
	ScheduledMaintenances []spIncident  `json:"scheduled_maintenances"`
	Status                spStatus      `json:"status"`
}

func jsonTime(t time.Time) *string {
	if t.IsZero() {
		return nil
	}
	s := t.UTC().Format("2006-01-02T15:04:05.000Z")
	return &s
}

func strPtr(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// shortID derives a Statuspage-looking opaque id from a name.
func shortID(name string) string {
	h := sha1.Sum([]byte(name))
	return strings.ToLower(base32.StdEncoding.EncodeToString(h[:])[:12])
}

func (m *model) pageID() string { return shortID("page/" + m.siteKey()) }

func (m *model) spPage() spPage {
	return spPage{ID: m.pageID(), Name: m.siteTitle(), URL: m.absURL(""), TimeZone: "Etc/UTC", UpdatedAt: jsonTime(m.now)}
}

func (m *model) spStatus() spStatus {
	desc := m.overall.Label
	switch m.overall.Indicator {
	case "none":
		if m.overall.Class == "up" {
			desc = "All Systems Operational"
		}
	case "minor":
		desc = "Minor Service Outage"
	case "major":
		desc = "Partial System Outage"
	case "critical":
		desc = "Major Service Outage"
	}
	out := spStatus{Indicator: m.overall.Indicator, Description: desc}
	if !m.in.DelayedSince.IsZero() {
		out.Description += " (monitoring delayed since " + m.in.DelayedSince.UTC().Format(time.RFC3339) + ")"
		out.MonitoringDelayedSince = jsonTime(m.in.DelayedSince)
	}
	return out
}

// componentStatus maps a check to Statuspage's five component states. A
// check without data is "operational", as Statuspage shows a new component.
func componentStatus(c *checkView) string {
	switch c.Raw {
	case Degraded:
		return "degraded_performance"
	case Down:
		if c.Partial {
			return "partial_outage"
		}
		return "major_outage"
	case InMaintenance:
		return "under_maintenance"
	}
	return "operational"
}

func (m *model) spComponent(c *checkView, pos int, groupID string) spComponent {
	created := c.Current.Since
	for _, d := range c.Check.Days {
		if d.Samples > 0 && (created.IsZero() || d.Date.Before(created)) {
			created = d.Date
		}
	}
	if created.IsZero() {
		created = m.now
	}
	updated := c.Current.Since
	if updated.IsZero() {
		updated = created
	}
	comp := spComponent{
		ID: c.Slug, Name: c.Name, Status: componentStatus(c), CreatedAt: jsonTime(created), UpdatedAt: jsonTime(updated),
		Position: pos, Description: strPtr(c.Description), Showcase: true, PageID: m.pageID(), GroupID: strPtr(groupID),
	}
	if s := jsonTime(created); s != nil {
		d := (*s)[:10]
		comp.StartDate = &d
	}
	return comp
}

func (m *model) spComponents() []spComponent {
	out := []spComponent{}
	pos := 1
	for _, g := range m.groups {
		gc := spComponent{ID: g.ID, Name: g.Name, Status: "operational", Position: pos, PageID: m.pageID(), Group: true,
			CreatedAt: jsonTime(m.now), UpdatedAt: jsonTime(m.now), Components: []string{}}
		pos++
		worst := 0
		rank := map[string]int{"operational": 0, "under_maintenance": 1, "degraded_performance": 2, "partial_outage": 3, "major_outage": 4}
		var children []spComponent
		for _, c := range g.Checks {
			cc := m.spComponent(c, pos, g.ID)
			pos++
			gc.Components = append(gc.Components, c.Slug)
			if rank[cc.Status] > worst {
				worst, gc.Status = rank[cc.Status], cc.Status
			}
			children = append(children, cc)
		}
		out = append(out, gc)
		out = append(out, children...)
	}
	return out
}

// spIncidentStatus uses the newest update's status when it is one of
// Statuspage's words, else investigating / resolved.
func spIncidentStatus(v *incidentView) string {
	if !v.Open {
		return "resolved"
	}
	if len(v.Timeline) > 0 {
		switch s := strings.ToLower(v.Timeline[0].Status); s {
		case "investigating", "identified", "monitoring":
			return s
		}
	}
	return "investigating"
}

func (m *model) spIncident(v *incidentView) spIncident {
	inc := spIncident{
		ID: v.ID, Name: v.Title, Status: spIncidentStatus(v), CreatedAt: jsonTime(v.Incident.Started),
		UpdatedAt: jsonTime(v.Updated), ResolvedAt: jsonTime(v.Incident.Resolved), Impact: v.Severity,
		Shortlink: m.absURL(v.Page), StartedAt: jsonTime(v.Incident.Started), PageID: m.pageID(),
		IncidentUpdates: []spUpdate{}, Components: []spComponent{},
	}
	if v.Open {
		inc.ResolvedAt = nil
	}
	// Newest first, as Statuspage lists them.
	ups := append([]Update(nil), v.Incident.Updates...)
	sort.SliceStable(ups, func(i, j int) bool { return ups[i].Time.After(ups[j].Time) })
	for j, u := range ups {
		inc.IncidentUpdates = append(inc.IncidentUpdates, spUpdate{
			ID: v.ID + "-" + strconv.Itoa(len(ups)-j), Status: strings.ToLower(u.Status), Body: u.Body, IncidentID: v.ID,
			CreatedAt: jsonTime(u.Time), UpdatedAt: jsonTime(u.Time), DisplayAt: jsonTime(u.Time),
			AffectedComponents: nil, DeliverNotifications: true,
		})
	}
	for i, c := range v.Checks {
		inc.Components = append(inc.Components, m.spComponent(c, i+1, ""))
	}
	return inc
}

func (m *model) spMaintenance(v *maintView) spIncident {
	status := map[MaintenanceState]string{MaintenanceUpcoming: "scheduled", MaintenanceActive: "in_progress", MaintenancePast: "completed"}[v.State]
	inc := spIncident{
		ID: v.ID, Name: v.Title, Status: status, CreatedAt: jsonTime(v.Maintenance.Start), UpdatedAt: jsonTime(v.Maintenance.Start),
		Impact: "maintenance", Shortlink: m.absURL("incidents.html#" + v.Anchor), StartedAt: jsonTime(v.Maintenance.Start),
		PageID: m.pageID(), IncidentUpdates: []spUpdate{}, Components: []spComponent{},
		ScheduledFor: jsonTime(v.Maintenance.Start), ScheduledUntil: jsonTime(v.Maintenance.End),
	}
	if v.State == MaintenancePast {
		inc.ResolvedAt = jsonTime(v.Maintenance.End)
	}
	if strings.TrimSpace(v.Body) != "" {
		inc.IncidentUpdates = append(inc.IncidentUpdates, spUpdate{
			ID: v.ID + "-1", Status: status, Body: v.Body, IncidentID: v.ID, CreatedAt: jsonTime(v.Maintenance.Start),
			UpdatedAt: jsonTime(v.Maintenance.Start), DisplayAt: jsonTime(v.Maintenance.Start), DeliverNotifications: true,
		})
	}
	checks := v.Checks
	if v.All {
		checks = m.checks
	}
	for i, c := range checks {
		inc.Components = append(inc.Components, m.spComponent(c, i+1, ""))
	}
	return inc
}

func (m *model) spIncidents(onlyOpen bool) []spIncident {
	out := []spIncident{}
	for _, v := range m.incidents {
		if !onlyOpen || v.Open {
			out = append(out, m.spIncident(v))
		}
	}
	return out
}

func (m *model) spMaintenances(states ...MaintenanceState) []spIncident {
	out := []spIncident{}
	// Statuspage lists maintenance newest first.
	list := m.maintenanceIn(states...)
	for i := len(list) - 1; i >= 0; i-- {
		out = append(out, m.spMaintenance(list[i]))
	}
	return out
}

// apiFiles returns the Statuspage-shaped files by path.
func (m *model) apiFiles() map[string]any {
	page := m.spPage()
	all := []MaintenanceState{MaintenanceUpcoming, MaintenanceActive, MaintenancePast}
	return map[string]any{
		"api/v2/summary.json": spSummary{
			Page: page, Components: m.spComponents(), Incidents: m.spIncidents(true),
			ScheduledMaintenances: m.spMaintenances(MaintenanceUpcoming, MaintenanceActive), Status: m.spStatus(),
		},
		"api/v2/status.json": struct {
			Page   spPage   `json:"page"`
			Status spStatus `json:"status"`
		}{page, m.spStatus()},
		"api/v2/components.json": struct {
			Page       spPage        `json:"page"`
			Components []spComponent `json:"components"`
		}{page, m.spComponents()},
		"api/v2/incidents.json":                       spIncidentList{page, m.spIncidents(false)},
		"api/v2/incidents/unresolved.json":            spIncidentList{page, m.spIncidents(true)},
		"api/v2/scheduled-maintenances.json":          spMaintList{page, m.spMaintenances(all...)},
		"api/v2/scheduled-maintenances/upcoming.json": spMaintList{page, m.spMaintenances(MaintenanceUpcoming)},
		"api/v2/scheduled-maintenances/active.json":   spMaintList{page, m.spMaintenances(MaintenanceActive)},
	}
}

type spIncidentList struct {
	Page      spPage       `json:"page"`
	Incidents []spIncident `json:"incidents"`
}

type spMaintList struct {
	Page                  spPage       `json:"page"`
	ScheduledMaintenances []spIncident `json:"scheduled_maintenances"`
}

// marshalJSON writes indented JSON. HTML characters stay escaped (\u003c)
// so that a file served with a wrong content type cannot become markup.
func marshalJSON(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// ---- per-check history JSON ----

type historyDoc struct {
	Schema    int                      `json:"schema"`
	Updated   *string                  `json:"updated"`
	Check     historyCheck             `json:"check"`
	Status    historyState             `json:"status"`
	Regions   []historyRegion          `json:"regions"`
	Uptime    map[string]historyUptime `json:"uptime"`
	Days      []historyDay             `json:"days"`
	Latency   map[string]historySeries `json:"latency"`
	Incidents []string                 `json:"incidents"`
	Links     map[string]string        `json:"links"`

	// Charts and Validator: valuechart.go, validatorbar.go.
	Charts    map[string]historyValueChart `json:"charts,omitempty"`
	Validator *historyValidator            `json:"validator,omitempty"`
}

type historyCheck struct {
	Slug        string   `json:"slug"`
	Name        string   `json:"name"`
	Group       string   `json:"group"`
	Kind        string   `json:"kind"`
	URL         string   `json:"url"`
	Description string   `json:"description,omitempty"`
	Tags        []string `json:"tags"`
	Page        string   `json:"page"`
}

type historyState struct {
	Status    string            `json:"status"`
	Since     *string           `json:"since"`
	Checked   *string           `json:"checked"`
	Reason    string            `json:"reason,omitempty"`
	LatencyMS float64           `json:"latency_ms"`
	Values    map[string]string `json:"values,omitempty"`
}

type historyRegion struct {
	Name string `json:"name"`
	historyState
}

type historyUptime struct {
	Ratio     *float64 `json:"ratio"`
	Samples   int      `json:"samples"`
	ObservedS int64    `json:"observed_s"`
}

type historyDay struct {
	Date      string   `json:"date"`
	Uptime    *float64 `json:"uptime"`
	Samples   int      `json:"samples"`
	Degraded  float64  `json:"degraded"`
	Failures  int      `json:"failures"`
	Incidents []string `json:"incidents,omitempty"`
}

// historySeries stores points as [unix_s, p50_ms, p95_ms, samples] rows:
// a year of buckets for a thousand checks stays small.
type historySeries struct {
	StepS   int64        `json:"step_s"`
	Columns []string     `json:"columns"`
	Points  [][4]float64 `json:"points"`
}

func round6(f float64) float64 { return math.Round(f*1e6) / 1e6 }

func ms(d time.Duration) float64 { return math.Round(float64(d)/float64(time.Microsecond)) / 1000 }

func stateOf(cur Current, st Status) historyState {
	hs := historyState{Status: string(st), Since: jsonTime(cur.Since), Checked: jsonTime(cur.Checked), LatencyMS: ms(cur.Latency)}
	if st != Up {
		hs.Reason = cur.Reason
	}
	if len(cur.Values) > 0 {
		hs.Values = map[string]string{}
		for _, v := range cur.Values {
			hs.Values[v.Name] = v.Value
		}
	}
	return hs
}

// historyJSON makes the history document of c; its latency rows go into
// rows, which it leaves there for the next document (a check's document
// is written before the next one is made; nil: new rows).
func (m *model) historyJSON(c *checkView, rows *[][4]float64) historyDoc {
	tags := c.Tags
	if tags == nil {
		tags = []string{}
	}
	doc := historyDoc{
		Schema: 1, Updated: jsonTime(m.now),
		Check:   historyCheck{Slug: c.Slug, Name: c.Name, Group: c.Group, Kind: c.Kind, URL: c.URLText, Description: c.Description, Tags: tags, Page: m.absURL(c.Page)},
		Status:  stateOf(c.Current, c.Raw),
		Regions: []historyRegion{}, Uptime: map[string]historyUptime{}, Days: make([]historyDay, 0, len(c.Check.Days)),
		Latency: map[string]historySeries{}, Incidents: []string{}, Links: map[string]string{},
	}
	for _, r := range c.Check.Regions {
		st := r.Status
		if st == "" || r.Checked.IsZero() {
			st = NoData
		}
		doc.Regions = append(doc.Regions, historyRegion{Name: r.Name, historyState: stateOf(r.Current, st)})
	}
	for _, u := range c.Check.Uptime {
		hu := historyUptime{Samples: u.Samples, ObservedS: int64(u.Observed / time.Second)}
		if u.Samples > 0 {
			r := round6(u.Ratio)
			hu.Ratio = &r
		}
		doc.Uptime[string(u.Window)] = hu
	}
	for _, d := range c.Check.Days {
		hd := historyDay{Date: d.Date.UTC().Format("2006-01-02"), Samples: d.Samples, Degraded: round6(d.Degraded), Failures: d.Failures, Incidents: d.Incidents}
		if d.Samples > 0 {
			u := round6(d.Uptime)
			hd.Uptime = &u
		}
		doc.Days = append(doc.Days, hd)
	}
	var buf [][4]float64
	if rows != nil {
		buf = (*rows)[:0]
	}
	for _, s := range c.Check.Latency {
		from := len(buf)
		buf = slices.Grow(buf, max(s.Buckets, len(s.Points)))
		s.each(func(p Point) {
			buf = append(buf, [4]float64{float64(p.Unix), ms(p.P50), ms(p.P95), float64(p.Samples)})
		})
		// A series that grew buf keeps the old array it is in.
		pts := buf[from:len(buf):len(buf)]
		if pts == nil {
			pts = [][4]float64{} // [], not null
		}
		doc.Latency[string(s.Window)] = historySeries{StepS: int64(s.Step / time.Second), Columns: []string{"time", "p50_ms", "p95_ms", "samples"}, Points: pts}
	}
	if rows != nil {
		*rows = buf[:0]
	}
	doc.Charts, doc.Validator = valueChartsJSON(c.Check), validatorJSON(c.Check.Validator)
	for _, v := range c.Incidents {
		doc.Incidents = append(doc.Incidents, v.ID)
	}
	for _, l := range c.Links {
		doc.Links[strings.ToLower(l.Name)] = l.Href
	}
	return doc
}
