// Package sitegen renders the static status site from plain data.
//
// The renderer knows nothing about how history, uptime figures or incidents
// are stored: a small adapter fills an Input and calls Build. Everything in
// Input may be shown to the public, so the adapter passes only display
// forms (Check.DisplayURL, redacted reasons), never raw URLs or secrets.
package sitegen

import "time"

// Input is everything the site shows.
type Input struct {
	Site Site
	// Now is the time of the newest data (the last recorded probe round),
	// never the wall clock, so that the same data renders byte-identical
	// files. The zero time means "no data yet".
	Now time.Time
	// DelayedSince, when set, is the time of the newest round of a site
	// built after stale_after without a new one: every page and the
	// Statuspage JSON say that monitoring is delayed since then.
	DelayedSince time.Time
	Groups       []Group
	Incidents    []Incident
	Maintenance  []Maintenance
	// Places are the dots of the home page's world map: the runner
	// locations and the regions' backends that have a location in the
	// config. Without any, there is no map.
	Places []Place
}

// Place is one dot of the world map.
type Place struct {
	// Label names the place for people ("Frankfurt").
	Label string
	// Lat and Lon are in degrees.
	Lat, Lon float64
	// Runner names a runner location; Check (a slug) and Region name a
	// region's backend instead, whose status is the region's.
	Runner        string
	Check, Region string
	// Status of a runner location: up while it records, degraded once it
	// has been silent for longer than stale_after, nodata before its first
	// round.
	Status Status
}

// Site holds the site-wide settings (config.Site).
type Site struct {
	Title       string
	Description string
	// BaseURL is the public address, e.g. https://example.github.io/status/.
	// Pages link relatively, so it is needed only for feeds, the sitemap,
	// the 404 page (served at any depth) and absolute links in JSON.
	BaseURL string
	Links   []Link
	// Notice, when set, is a banner on every page (`upchain demo` says
	// that the data is simulated).
	Notice string
}

// Link is a named outbound link. Only http(s) URLs are rendered as links.
type Link struct {
	Name string
	URL  string
}

// Group is a named set of checks, shown in input order.
type Group struct {
	Name   string
	Checks []Check
}

// Status is the state of a check or region.
type Status string

// Statuses. InMaintenance is a check inside an active maintenance window;
// NoData a check or region that has not been probed (yet).
const (
	Up            Status = "up"
	Degraded      Status = "degraded"
	Down          Status = "down"
	InMaintenance Status = "maintenance"
	NoData        Status = "nodata"
)

// Check is one endpoint with its current state and history figures.
type Check struct {
	Slug  string
	Name  string
	Group string
	Kind  string
	// DisplayURL is the URL as written in config (${NAME} unexpanded); it
	// is the only URL of the endpoint the site may show.
	DisplayURL  string
	Description string
	Tags        []string
	// Links are the check's own links (grafana, kibana, telemetry, ...),
	// in display order.
	Links []Link
	// Interval is how often the check is probed; a check whose last probe
	// is more than two intervals older than Input.Now is shown as stale.
	Interval time.Duration

	// Current is the check's overall state (all regions aggregated).
	Current Current
	// Regions are the per-region states: "global" (the public name) first,
	// then each regional backend. One entry for checks without regions.
	Regions []Region

	// Uptime holds one figure per window (see Windows); missing windows
	// are shown as "no data".
	Uptime []Uptime
	// Days are the daily cells of the 90-day bar, oldest first, ending
	// with the day of Input.Now. Missing days are shown as "no data".
	Days []Day
	// Latency holds one series per chart window (24h, 7d, 30d, 1y).
	Latency []Series
	// ValueCharts chart the recorded values the kind declares worth
	// charting (valuechart.go); Validator is the 90-day validator
	// history, nil for checks that record none.
	ValueCharts []ValueChart
	Validator   *ValidatorHistory
}

// Current is the state of a check or region as of its last probe.
type Current struct {
	Status Status
	// Since is when Status began.
	Since time.Time
	// Checked is the time of the last probe; zero means never probed, and
	// the check or region is shown as "no data" whatever Status says.
	Checked time.Time
	// Reason is the last failure's reason, already redacted.
	Reason string
	// Latency of the last probe.
	Latency time.Duration
	// Values are the observed chain values of the last probe (height,
	// head_age_s, peers, version, missed, signed, ...).
	Values []Value
}

// Region is the state of a check in one region.
type Region struct {
	Name string
	Current
	// Locations are what each runner's location saw last, by name; empty
	// for a single unnamed runner. Current is decided across them.
	Locations []Location
}

// Location is one location's latest probe of a check in a region.
type Location struct {
	Name    string
	Status  Status
	Latency time.Duration
	Checked time.Time
}

// Value is one observed name/value pair.
type Value struct {
	// Name is the value's key (stable, for the JSON API); Label names it
	// for people ("" shows the name).
	Name  string
	Label string
	Value string
}

// Window names an uptime or latency window.
type Window string

// Windows of uptime figures and latency charts.
const (
	Window24h  Window = "24h"
	Window7d   Window = "7d"
	Window30d  Window = "30d"
	Window90d  Window = "90d"
	Window365d Window = "365d"
	WindowAll  Window = "all"
	// Window1y is the latency chart of the last year.
	Window1y Window = "1y"
)

// UptimeWindows returns the windows of the uptime table, in display order.
func UptimeWindows() []Window {
	return []Window{Window24h, Window7d, Window30d, Window90d, Window365d, WindowAll}
}

// LatencyWindows returns the windows of the response-time charts.
func LatencyWindows() []Window { return []Window{Window24h, Window7d, Window30d, Window1y} }

// Uptime is the share of time a check was up in a window.
type Uptime struct {
	Window Window
	// Ratio is the uptime in [0, 1]; meaningless when Samples is 0.
	Ratio float64
	// Samples is how many probes the figure is based on; 0 means no data.
	Samples int
	// Observed is how much of the window is covered by data (a check
	// added 3 days ago has at most 3 days of its 30-day window).
	Observed time.Duration
}

// Day is one cell of the 90-day bar.
type Day struct {
	// Date is the UTC day (time of day ignored).
	Date time.Time
	// Samples is how many probes fell on the day; 0 means no data.
	Samples int
	// Uptime is the day's uptime in [0, 1].
	Uptime float64
	// Degraded is the share of the day's probes that were degraded.
	Degraded float64
	// Failures counts the day's probes that were down.
	Failures int
	// Incidents are the IDs of incidents that were open on the day.
	Incidents []string
}

// Series is one response-time chart.
type Series struct {
	Window Window
	// Step is the bucket width; a gap between points wider than 1.5 steps
	// breaks the line.
	Step time.Duration
	// From and Buckets, when Buckets > 0, are the window's grid: Buckets
	// buckets of Step from From (Unix seconds). Points then need to list
	// only the buckets with figures: a new history's charts are mostly
	// empty, and a thousand checks' empty buckets would be most of the
	// site's input. The JSON API lists every bucket of the grid.
	From    int64
	Buckets int
	// Points in time order.
	Points []Point
}

// each calls fn for every bucket: the grid's, empty where Points has none,
// and any point off the grid, in time order.
func (s *Series) each(fn func(Point)) {
	j := 0
	step := int64(s.Step / time.Second)
	for i := range s.Buckets {
		t := s.From + int64(i)*step
		for ; j < len(s.Points) && s.Points[j].Unix < t; j++ {
			fn(s.Points[j])
		}
		if j < len(s.Points) && s.Points[j].Unix == t {
			fn(s.Points[j])
			j++
			continue
		}
		fn(Point{Unix: t})
	}
	for ; j < len(s.Points); j++ {
		fn(s.Points[j])
	}
}

// Point is one bucket of a latency series. It is 32 bytes, not 48 with a
// time.Time: a thousand checks' series hold three quarters of a million.
type Point struct {
	// Unix is the start of the bucket in seconds (buckets start on whole
	// seconds).
	Unix int64
	P50  time.Duration
	P95  time.Duration
	// Samples in the bucket; 0 is drawn as a gap.
	Samples int32
}

// Time is the start of the bucket.
func (p Point) Time() time.Time { return time.Unix(p.Unix, 0).UTC() }

// IncidentStatus is open or resolved.
type IncidentStatus string

// Incident statuses.
const (
	IncidentOpen     IncidentStatus = "open"
	IncidentResolved IncidentStatus = "resolved"
)

// Severity is an incident's impact.
type Severity string

// Severities, in Statuspage's impact terms.
const (
	SeverityMinor    Severity = "minor"
	SeverityMajor    Severity = "major"
	SeverityCritical Severity = "critical"
)

// Incident is an outage of one or more checks.
type Incident struct {
	// ID is stable for the incident's lifetime and unique: it names the
	// page (incidents/<id>.html) and the feed GUID. Letters, digits, '-'.
	ID string
	// Number is the tracking issue's number, 0 if none.
	Number int
	// IssueURL links to the tracking issue, if public.
	IssueURL string
	Title    string
	Status   IncidentStatus
	Severity Severity
	// Checks are the slugs of the affected checks; Regions the affected
	// regions (empty: all).
	Checks   []string
	Regions  []string
	Started  time.Time
	Resolved time.Time // zero while open
	// Body is Markdown.
	Body    string
	Updates []Update
}

// Update is one entry of an incident's timeline.
type Update struct {
	Time time.Time
	// Status is a short word: investigating, identified, monitoring,
	// resolved, or anything the author chose.
	Status string
	// Body is Markdown.
	Body string
}

// MaintenanceState says where Input.Now falls in a window.
type MaintenanceState string

// Maintenance states.
const (
	MaintenanceUpcoming MaintenanceState = "upcoming"
	MaintenanceActive   MaintenanceState = "active"
	MaintenancePast     MaintenanceState = "past"
)

// Maintenance is a planned window.
type Maintenance struct {
	// ID is stable and unique (letters, digits, '-'); empty derives one
	// from Start and Title.
	ID     string
	Title  string
	Checks []string
	Start  time.Time
	End    time.Time
	// State may be left empty: it is then derived from Input.Now.
	State MaintenanceState
	// Body is Markdown.
	Body string
}
