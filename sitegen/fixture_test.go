package sitegen

import (
	"fmt"
	"math"
	"math/rand/v2"
	"time"
)

// fixtureNow is the "now" of every generated input.
var fixtureNow = time.Date(2025, 3, 14, 12, 0, 0, 0, time.UTC)

type fixtureSize struct {
	checks int
	// days of history: the 90-day bar and the 1-year chart are filled up
	// to this many days back.
	days int
}

// fixture generates a deterministic input as the history adapter would
// fill it: per check current state per region, uptime figures, 90 daily
// cells and four latency series (24 h of 5-minute buckets, 7 d hourly,
// 30 d six-hourly, 1 y daily), plus incidents and maintenance windows.
func fixture(size fixtureSize) *Input {
	rng := rand.New(rand.NewPCG(7, uint64(size.checks)))
	in := &Input{
		Site: Site{
			Title:       "Example Chain Infrastructure Status",
			Description: "Public RPC endpoints and validators, probed every 5 minutes.",
			BaseURL:     "https://example.github.io/status/",
			Links: []Link{
				{Name: "Grafana", URL: "https://grafana.example.org/d/upchain"},
				{Name: "Kibana", URL: "https://kibana.example.org/app/discover"},
				{Name: "Telemetry", URL: "https://telemetry.example.org/"},
			},
		},
		Now: fixtureNow,
	}
	groups := []string{"Cosmos", "Ethereum", "Polkadot", "Web"}
	kinds := []string{"jsonrpc", "http", "websocket", "tcp"}
	perGroup := (size.checks + len(groups) - 1) / len(groups)
	n := 0
	for gi, g := range groups {
		grp := Group{Name: g}
		for i := 0; i < perGroup && n < size.checks; i++ {
			n++
			grp.Checks = append(grp.Checks, fixtureCheck(rng, n, g, kinds[(gi+i)%len(kinds)], size.days))
		}
		in.Groups = append(in.Groups, grp)
	}
	first := in.Groups[0].Checks[0].Slug
	second := first
	if len(in.Groups) > 1 && len(in.Groups[1].Checks) > 0 {
		second = in.Groups[1].Checks[0].Slug
	}
	in.Incidents = []Incident{
		{
			ID: "2025-03-14-rpc-errors", Number: 42, IssueURL: "https://github.com/example/status/issues/42",
			Title: "Elevated RPC errors", Status: IncidentOpen, Severity: SeverityMajor,
			Checks: []string{first}, Regions: []string{"eu-west"},
			Started: fixtureNow.Add(-95 * time.Minute),
			Body:    "The **eu-west** backend returns `503` for a share of requests.\n\n- failing since 10:25 UTC\n- load balancer drained",
			Updates: []Update{
				{Time: fixtureNow.Add(-90 * time.Minute), Status: "investigating", Body: "We are looking into errors from eu-west."},
				{Time: fixtureNow.Add(-30 * time.Minute), Status: "identified", Body: "A node fell behind after a restart; it is catching up."},
			},
		},
		{
			ID: "2025-03-02-head-lag", Number: 37, Title: "Block head lagging", Status: IncidentResolved, Severity: SeverityMinor,
			Checks: []string{second}, Started: fixtureNow.Add(-12*24*time.Hour - 3*time.Hour), Resolved: fixtureNow.Add(-12*24*time.Hour - 2*time.Hour),
			Body:    "Head age exceeded 60 s for an hour.",
			Updates: []Update{{Time: fixtureNow.Add(-12*24*time.Hour - 2*time.Hour), Status: "resolved", Body: "Caught up."}},
		},
	}
	in.Maintenance = []Maintenance{
		{ID: "upgrade-v19", Title: "Node upgrade to v19", Checks: []string{second}, Start: fixtureNow.Add(2 * 24 * time.Hour), End: fixtureNow.Add(2*24*time.Hour + 2*time.Hour), Body: "Rolling upgrade; expect short gaps."},
		{Title: "Database migration", Checks: []string{first}, Start: fixtureNow.Add(-20 * 24 * time.Hour), End: fixtureNow.Add(-20*24*time.Hour + time.Hour)},
	}
	return in
}

func fixtureCheck(rng *rand.Rand, n int, group, kind string, days int) Check {
	slug := fmt.Sprintf("%s-node-%d", slugify(group), n)
	c := Check{
		Slug: slug, Name: fmt.Sprintf("%s node %d", group, n), Group: group, Kind: kind,
		DisplayURL:  fmt.Sprintf("https://rpc-%d.example.org/v3/${RPC_KEY}", n),
		Description: "Archive node behind the public load balancer.",
		Tags:        []string{"rpc", group},
		Links: []Link{
			{Name: "grafana", URL: fmt.Sprintf("https://grafana.example.org/d/node-%d", n)},
			{Name: "kibana", URL: "https://kibana.example.org/app/discover"},
		},
		Interval: 5 * time.Minute,
	}
	base := time.Duration(60+rng.IntN(400)) * time.Millisecond
	status := Up
	switch {
	case n%17 == 3:
		status = Down
	case n%11 == 5:
		status = Degraded
	}
	values := []Value{
		{Name: "height", Value: fmt.Sprint(19_000_000 + n*1000)},
		{Name: "head_age_s", Value: fmt.Sprint(2 + n%7)},
		{Name: "peers", Value: fmt.Sprint(20 + n%30)},
		{Name: "version", Value: "v1.4." + fmt.Sprint(n%5)},
	}
	cur := Current{Status: status, Since: fixtureNow.Add(-time.Duration(1+n%50) * time.Hour), Checked: fixtureNow, Latency: base, Values: values}
	if status != Up {
		cur.Reason = "HTTP 503 from upstream: service unavailable"
	}
	c.Current = cur
	c.Regions = []Region{{Name: "global", Current: cur}}
	if n%3 == 1 {
		eu, us := cur, cur
		eu.Latency, us.Latency = base+20*time.Millisecond, base+90*time.Millisecond
		eu.Values = append([]Value(nil), values...)
		eu.Values[0].Value = fmt.Sprint(19_000_000 + n*1000 - 2)
		if status == Down {
			us.Status, us.Reason = Up, ""
		}
		c.Regions = append(c.Regions, Region{Name: "eu-west", Current: eu}, Region{Name: "us-east", Current: us})
	}

	// Daily cells.
	today := time.Date(fixtureNow.Year(), fixtureNow.Month(), fixtureNow.Day(), 0, 0, 0, 0, time.UTC)
	var upSum, total float64
	for i := min(days, 90) - 1; i >= 0; i-- {
		samples := 288
		fail := 0
		r := rng.Float64()
		switch {
		case r < 0.01:
			fail = 20 + rng.IntN(60)
		case r < 0.06:
			fail = 1 + rng.IntN(3)
		}
		deg := 0.0
		if rng.Float64() < 0.03 {
			deg = 0.1
		}
		d := Day{Date: today.AddDate(0, 0, -i), Samples: samples, Failures: fail, Uptime: float64(samples-fail) / float64(samples), Degraded: deg}
		if i == 12 && n == 2 {
			d.Incidents = []string{"2025-03-02-head-lag"}
		}
		c.Days = append(c.Days, d)
		upSum += float64(samples - fail)
		total += float64(samples)
	}
	for _, w := range UptimeWindows() {
		span := windowSpan(w)
		if w == WindowAll {
			span = time.Duration(days) * 24 * time.Hour
		}
		obs := min(span, time.Duration(days)*24*time.Hour)
		c.Uptime = append(c.Uptime, Uptime{Window: w, Ratio: upSum / total, Samples: int(obs / (5 * time.Minute)), Observed: obs})
	}

	// Latency series.
	for _, spec := range []struct {
		w    Window
		step time.Duration
	}{{Window24h, 5 * time.Minute}, {Window7d, time.Hour}, {Window30d, 6 * time.Hour}, {Window1y, 24 * time.Hour}} {
		span := windowSpan(spec.w)
		if limit := time.Duration(days) * 24 * time.Hour; span > limit {
			span = limit
		}
		s := Series{Window: spec.w, Step: spec.step}
		start := fixtureNow.Add(-span).Truncate(spec.step)
		for t := start; t.Before(fixtureNow); t = t.Add(spec.step) {
			p := Point{Unix: t.Unix(), Samples: int32(max(1, spec.step/(5*time.Minute)))}
			if rng.Float64() < 0.02 {
				p.Samples = 0 // a gap
			}
			wave := 1 + 0.25*math.Sin(float64(t.Unix())/7200)
			p.P50 = time.Duration(float64(base) * wave * (0.9 + 0.2*rng.Float64()))
			p.P95 = p.P50 + time.Duration(float64(base)*(0.3+rng.Float64()))
			s.Points = append(s.Points, p)
		}
		c.Latency = append(c.Latency, s)
	}
	if n == 1 {
		fixtureValues(&c, days) // value charts and a validator history (own random source)
	}
	return c
}
