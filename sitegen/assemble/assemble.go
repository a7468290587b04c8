// Package assemble fills the site generator's input from config and
// history: current status from the state file, figures from the uptime
// package, incidents and maintenance from their history files, values
// labelled and formatted by the kinds' declarations. sitegen itself only
// renders what it is given.
package assemble

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/upchain-dev/upchain/prober"
	"github.com/upchain-dev/upchain/prober/config"
	"github.com/upchain-dev/upchain/prober/history"
	"github.com/upchain-dev/upchain/prober/incident"
	"github.com/upchain-dev/upchain/prober/maintenance"
	"github.com/upchain-dev/upchain/prober/uptime"
	"github.com/upchain-dev/upchain/prober/valueseries"
	"github.com/upchain-dev/upchain/sitegen"
)

// Options tune Input.
type Options struct {
	// Kinds declare the values shown; default prober.Builtin().
	Kinds *prober.Registry
	// Clock is the build's wall clock, only to tell whether monitoring is
	// delayed (see StaleAfter); default time.Now.
	Clock func() time.Time
	// figures keeps the history read for uptime figures between the
	// builds of a Cache.
	figures *uptime.Cache
}

// siteLocations lists what each location saw last, by name.
func siteLocations(rs *history.RegionState, red func(string) string) []sitegen.Location {
	var out []sitegen.Location
	for name, v := range rs.Locations {
		out = append(out, sitegen.Location{Name: red(name), Status: sitegen.Status(v.Status), Checked: v.Time,
			Latency: time.Duration(v.LatencyMs * float64(time.Millisecond))})
	}
	slices.SortFunc(out, func(a, b sitegen.Location) int { return strings.Compare(a.Name, b.Name) })
	return out
}

// StaleAfter is how long a location (or the whole site) may go without a
// recorded round before it counts as stopped: stale_after, else 3 times
// the default interval.
func StaleAfter(l *config.Loaded) time.Duration {
	if d := l.StaleAfter.D(); d > 0 {
		return d
	}
	iv := l.Defaults.Interval.D()
	if iv <= 0 {
		iv = config.DefaultInterval
	}
	return 3 * iv
}

// Input fills the site's input from config and the history that
// history.Source finds. It never touches the network. Every text from
// config passes the redactor, because config values may contain expanded
// ${NAME} secrets.
func Input(l *config.Loaded, opts Options) (*sitegen.Input, error) {
	dir, cleanup, err := history.Source(l)
	if err != nil {
		return nil, err
	}
	defer cleanup()
	return FromDir(l, dir, opts)
}

// FromDir builds the input from a checked-out history directory, or from
// config alone when dir is "".
func FromDir(l *config.Loaded, dir string, opts Options) (*sitegen.Input, error) {
	if opts.Kinds == nil {
		opts.Kinds = prober.Builtin()
	}
	values := opts.Kinds.Values()
	red := l.Redactor.String
	in := &sitegen.Input{Site: sitegen.Site{
		Title:       red(l.Site.Title),
		Description: red(l.Site.Description),
		BaseURL:     red(l.Site.BaseURL),
	}}
	for _, link := range l.Site.Links {
		in.Site.Links = append(in.Site.Links, sitegen.Link{Name: red(link.Name), URL: red(link.URL)})
	}

	var (
		state   *history.State
		vseries *valueseries.Report
		last    map[history.Key]history.Sample
		incs    []incident.Incident
		windows []maintenance.Window
		// figs are the checks' uptime figures, made from each check's
		// report as soon as it is done: the reports of every check and
		// the history never stay in memory together.
		figs = map[string]*figures{}
	)
	if dir != "" {
		store, err := history.Open(dir)
		if err != nil {
			return nil, fmt.Errorf("reading history in %s: %w", dir, err)
		}
		if state, err = store.State(); err != nil {
			return nil, fmt.Errorf("reading history state: %w", err)
		}
		in.Now = state.Updated.UTC()
		clock := opts.Clock
		if clock == nil {
			clock = time.Now
		}
		if !in.Now.IsZero() && clock().Sub(in.Now) > StaleAfter(l) {
			in.DelayedSince = in.Now
		}
		if incs, err = incident.LoadAll(dir); err != nil {
			return nil, fmt.Errorf("reading incidents: %w", err)
		}
		if !in.Now.IsZero() {
			incidentDays := incidentsByDay(incs, in.Now)
			// Value charts and the newest samples read their own files:
			// beside uptime, which leaves a core idle at times.
			vdone := computeValues(store, in.Now, values, l, &vseries)
			var lastErr error
			ldone := make(chan struct{})
			go func() {
				defer close(ldone)
				last, lastErr = lastSamples(store, in.Now, l)
			}()
			err := uptime.Each(store, uptime.Options{Now: in.Now, Cap: history.CapsFor(l), Cache: opts.figures}, func(cr *uptime.CheckReport) {
				if cr.All != nil {
					figs[cr.Check] = figuresOf(cr.Check, cr.All, incidentDays)
				}
			})
			<-ldone
			if err != nil {
				return nil, fmt.Errorf("computing uptime: %w", err)
			}
			if lastErr != nil {
				return nil, lastErr
			}
			if err := <-vdone; err != nil {
				return nil, fmt.Errorf("computing value charts: %w", err)
			}
		}
	}
	// Maintenance is shown relative to the data's time, not the clock, so
	// the same history always gives the same site.
	windows, err := maintenance.Windows(l.Maintenance, dir, in.Now)
	if err != nil && windows == nil {
		return nil, fmt.Errorf("reading maintenance windows: %w", err)
	}
	for _, inc := range incs {
		in.Incidents = append(in.Incidents, siteIncident(inc))
	}
	for _, w := range windows {
		in.Maintenance = append(in.Maintenance, sitegen.Maintenance{
			ID: w.ID, Title: red(w.Title), Checks: w.Checks, Start: w.Start, End: w.End,
			State: sitegen.MaintenanceState(w.State), Body: red(w.Body),
		})
	}

	groupIndex := map[string]int{}
	for _, c := range l.Checks {
		sc := siteCheck(c, red)
		var regionResults []prober.Result
		for _, r := range c.Targets() {
			cur := sitegen.Current{Status: sitegen.NoData}
			if rs := state.Get(c.Slug, r.Name); rs != nil {
				cur = currentOf(rs, last[history.Key{Check: c.Slug, Region: r.Name}], red, values)
				regionResults = append(regionResults, prober.Result{Status: rs.Status})
			}
			sr := sitegen.Region{Name: r.Name, Current: cur}
			if rs := state.Get(c.Slug, r.Name); rs != nil {
				sr.Locations = siteLocations(rs, red)
			}
			sc.Regions = append(sc.Regions, sr)
		}
		sc.Current = overall(sc.Regions, regionResults)
		if f := figs[c.Slug]; f != nil {
			sc.Uptime, sc.Days, sc.Latency = f.uptime, f.days, f.latency
		}
		if ts := c.Targets(); vseries != nil && len(ts) > 0 {
			fillValueCharts(&sc, vseries, ts[0].Name, values, red)
		}
		gi, ok := groupIndex[sc.Group]
		if !ok {
			gi = len(in.Groups)
			groupIndex[sc.Group] = gi
			in.Groups = append(in.Groups, sitegen.Group{Name: sc.Group})
		}
		in.Groups[gi].Checks = append(in.Groups[gi].Checks, sc)
	}
	in.Places = places(l, state, in.Now, red)
	return in, nil
}

func siteCheck(c *config.Check, red func(string) string) sitegen.Check {
	sc := sitegen.Check{
		Slug:        c.Slug,
		Name:        red(c.Name),
		Group:       red(c.Group),
		Kind:        c.Kind,
		DisplayURL:  red(c.DisplayURL),
		Description: red(c.Description),
		Interval:    c.Interval.D(),
	}
	for _, t := range c.Tags {
		sc.Tags = append(sc.Tags, red(t))
	}
	for _, name := range c.LinkNames() {
		sc.Links = append(sc.Links, sitegen.Link{Name: name, URL: red(c.Links[name])})
	}
	return sc
}

// overall derives the check's current status from its regions the way the
// prober does (all up: up, all down: down, else degraded); the reason and
// values shown are those of the first region that explains the status.
func overall(regions []sitegen.Region, results []prober.Result) sitegen.Current {
	if len(results) == 0 {
		return sitegen.Current{Status: sitegen.NoData}
	}
	cur := regions[0].Current
	cur.Status = sitegen.Status(prober.Aggregate(results))
	for _, r := range regions {
		if r.Checked.After(cur.Checked) {
			cur.Checked = r.Checked
		}
		if r.Since.After(cur.Since) && r.Status != sitegen.NoData {
			cur.Since = r.Since
		}
	}
	if cur.Reason == "" {
		for _, r := range regions {
			if r.Reason != "" {
				cur.Reason = r.Name + ": " + r.Reason
				break
			}
		}
	}
	return cur
}

func currentOf(rs *history.RegionState, last history.Sample, red func(string) string, values *prober.ValueCatalog) sitegen.Current {
	cur := sitegen.Current{
		Status:  sitegen.Status(rs.Status),
		Since:   rs.Since.UTC(),
		Reason:  red(rs.LastReason),
		Checked: last.Time.UTC(),
		Latency: last.Latency,
	}
	for _, k := range rs.Values.Keys() {
		spec := values.Spec(k)
		if spec.Hidden {
			continue
		}
		cur.Values = append(cur.Values, sitegen.Value{Name: k, Label: spec.Label, Value: red(spec.Format(rs.Values[k]))})
	}
	return cur
}

// figures are the uptime figures of a check as the site shows them.
type figures struct {
	uptime  []sitegen.Uptime
	days    []sitegen.Day
	latency []sitegen.Series
}

func figuresOf(slug string, s *uptime.Summary, incidentDays map[string][]string) *figures {
	// Sized exactly: a thousand checks' figures are most of a build's memory.
	f := &figures{
		uptime:  make([]sitegen.Uptime, 0, len(s.Windows)),
		days:    make([]sitegen.Day, 0, len(s.Days)),
		latency: make([]sitegen.Series, 0, len(s.Latency)),
	}
	for _, w := range s.Windows {
		u, ok := w.Uptime()
		if !ok {
			u = 0
		}
		f.uptime = append(f.uptime, sitegen.Uptime{Window: sitegen.Window(w.Name), Ratio: u, Samples: w.Samples, Observed: w.Covered})
	}
	for _, d := range s.Days {
		u, _ := d.Uptime()
		deg := 0.0
		if d.Covered > 0 {
			deg = float64(d.Degraded) / float64(d.Covered)
		}
		f.days = append(f.days, sitegen.Day{
			Date: d.From.UTC(), Samples: d.Samples, Uptime: u, Degraded: deg, Failures: d.Failures,
			Incidents: incidentDays[slug+"/"+d.From.UTC().Format(time.DateOnly)],
		})
	}
	for _, ls := range s.Latency {
		// The grid, and only the buckets with figures (see sitegen.Series).
		ser := sitegen.Series{Window: sitegen.Window(ls.Name), Step: ls.Bucket, Buckets: len(ls.Points)}
		empty := func(p uptime.LatencyPoint) bool { return p.Samples == 0 && p.P50 == 0 && p.P95 == 0 }
		if len(ls.Points) > 0 {
			ser.From = ls.Points[0].Start.Unix()
		}
		n := 0
		for _, p := range ls.Points {
			if !empty(p) {
				n++
			}
		}
		ser.Points = make([]sitegen.Point, 0, n)
		for _, p := range ls.Points {
			if !empty(p) {
				ser.Points = append(ser.Points, sitegen.Point{Unix: p.Start.Unix(), P50: msDur(p.P50), P95: msDur(p.P95), Samples: int32(p.Samples)})
			}
		}
		f.latency = append(f.latency, ser)
	}
	return f
}

// incidentsByDay lists the incidents of each check and UTC day they
// touched, keyed check + "/" + date; an open incident lasts until now.
func incidentsByDay(incs []incident.Incident, now time.Time) map[string][]string {
	out := map[string][]string{}
	for _, inc := range incs {
		end := inc.Resolved
		if end.IsZero() {
			end = now
		}
		for d := day(inc.Started); !d.After(end); d = d.AddDate(0, 0, 1) {
			for _, c := range inc.Checks {
				k := c + "/" + d.Format(time.DateOnly)
				out[k] = append(out[k], inc.ID)
			}
		}
	}
	return out
}

func msDur(ms float64) time.Duration { return time.Duration(ms * float64(time.Millisecond)) }

func day(t time.Time) time.Time {
	y, m, d := t.UTC().Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

func siteIncident(inc incident.Incident) sitegen.Incident {
	out := sitegen.Incident{
		ID: inc.ID, Number: inc.Issue, IssueURL: inc.IssueURL, Title: inc.Title,
		Status: sitegen.IncidentResolved, Severity: sitegen.SeverityMinor,
		Checks: inc.Checks, Regions: inc.Regions, Started: inc.Started.UTC(), Body: inc.Body,
	}
	if inc.IsOpen() {
		out.Status = sitegen.IncidentOpen
	} else {
		out.Resolved = inc.Resolved.UTC()
	}
	if inc.Severity == "down" {
		out.Severity = sitegen.SeverityMajor
	}
	for _, u := range inc.Updates {
		status := u.Kind
		if u.Status != "" && u.Kind != "comment" {
			status = u.Kind + " (" + u.Status + ")"
		}
		out.Updates = append(out.Updates, sitegen.Update{Time: u.Time.UTC(), Status: status, Body: u.Text})
	}
	return out
}

// lastSamples returns the newest sample of every check and region in the
// last two days (the state file has no latency).
func lastSamples(s *history.Store, now time.Time, l *config.Loaded) (map[history.Key]history.Sample, error) {
	out, err := s.Latest(now.Add(-48*time.Hour), now.Add(time.Second))
	if err != nil {
		return nil, fmt.Errorf("reading recent samples: %w", err)
	}
	return out, nil
}
