package sitegen

import (
	"encoding/json"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
)

func decode(t *testing.T, files map[string][]byte, name string) map[string]any {
	t.Helper()
	var v map[string]any
	if err := json.Unmarshal(files[name], &v); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return v
}

func requireKeys(t *testing.T, where string, obj any, keys ...string) map[string]any {
	t.Helper()
	m, ok := obj.(map[string]any)
	if !ok {
		t.Fatalf("%s is %T, not an object", where, obj)
	}
	for _, k := range keys {
		if _, ok := m[k]; !ok {
			t.Errorf("%s lacks %q", where, k)
		}
	}
	return m
}

var isoMillis = regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$`)

// The shape follows the Statuspage v2 public API (summary.json): page,
// components, incidents (unresolved only), scheduled_maintenances
// (upcoming and in progress only) and status.
func TestStatuspageSummaryShape(t *testing.T) {
	in := fixture(fixtureSize{checks: 8, days: 10})
	files := readTree(t, build(t, in))
	s := decode(t, files, "api/v2/summary.json")
	requireKeys(t, "summary", s, "page", "components", "incidents", "scheduled_maintenances", "status")
	page := requireKeys(t, "page", s["page"], "id", "name", "url", "time_zone", "updated_at")
	if page["url"] != "https://example.github.io/status/" || page["name"] != in.Site.Title {
		t.Errorf("page = %v", page)
	}
	if u, _ := page["updated_at"].(string); !isoMillis.MatchString(u) {
		t.Errorf("page.updated_at %q is not an ISO time", u)
	}
	status := requireKeys(t, "status", s["status"], "indicator", "description")
	// The fixture has one check of twelve down: a partial outage.
	if status["indicator"] != "major" || status["description"] != "Partial System Outage" {
		t.Errorf("status = %v", status)
	}

	componentStatus := map[string]bool{"operational": true, "degraded_performance": true, "partial_outage": true, "major_outage": true, "under_maintenance": true}
	comps := s["components"].([]any)
	groups, checks := 0, 0
	ids := map[string]bool{}
	for i, c := range comps {
		m := requireKeys(t, "component", c, "id", "name", "status", "created_at", "updated_at", "position", "description",
			"showcase", "start_date", "group_id", "page_id", "group", "only_show_if_degraded")
		if !componentStatus[m["status"].(string)] {
			t.Errorf("component %v: status %q not a Statuspage status", m["name"], m["status"])
		}
		if int(m["position"].(float64)) != i+1 {
			t.Errorf("component %v: position %v, want %d", m["name"], m["position"], i+1)
		}
		ids[m["id"].(string)] = true
		if m["group"] == true {
			groups++
			if _, ok := m["components"].([]any); !ok {
				t.Errorf("group %v lists no components", m["name"])
			}
		} else {
			checks++
			if m["group_id"] == nil {
				t.Errorf("check %v has no group_id", m["name"])
			}
		}
	}
	if groups != len(in.Groups) || checks != 8 {
		t.Errorf("%d groups and %d checks as components, want %d and 8", groups, checks, len(in.Groups))
	}
	byID := map[string]map[string]any{}
	for _, c := range comps {
		byID[c.(map[string]any)["id"].(string)] = c.(map[string]any)
	}
	for _, g := range in.Groups {
		for _, c := range g.Checks {
			want := map[Status]string{Up: "operational", Degraded: "degraded_performance", Down: "major_outage"}[c.Current.Status]
			if len(c.Regions) > 1 && c.Current.Status == Down {
				want = "partial_outage" // us-east is up in the fixture
			}
			if got := byID[c.Slug]["status"]; got != want {
				t.Errorf("component %s: status %v, want %s", c.Slug, got, want)
			}
		}
	}

	incs := s["incidents"].([]any)
	if len(incs) != 1 {
		t.Fatalf("summary lists %d incidents, want the 1 unresolved", len(incs))
	}
	inc := requireKeys(t, "incident", incs[0], "id", "name", "status", "created_at", "updated_at", "monitoring_at", "resolved_at",
		"impact", "shortlink", "started_at", "page_id", "incident_updates", "components")
	if inc["status"] != "identified" || inc["impact"] != "major" || inc["resolved_at"] != nil {
		t.Errorf("incident = %v", inc)
	}
	ups := inc["incident_updates"].([]any)
	if len(ups) != 2 {
		t.Fatalf("%d incident updates, want 2", len(ups))
	}
	up := requireKeys(t, "incident update", ups[0], "id", "status", "body", "incident_id", "created_at", "updated_at", "display_at",
		"affected_components", "deliver_notifications")
	if up["status"] != "identified" {
		t.Errorf("updates not newest first: %v", up["status"])
	}
	if comps := inc["components"].([]any); len(comps) != 1 || comps[0].(map[string]any)["id"] != in.Incidents[0].Checks[0] {
		t.Errorf("incident components = %v", comps)
	}

	sm := s["scheduled_maintenances"].([]any)
	if len(sm) != 1 {
		t.Fatalf("summary lists %d maintenances, want the 1 upcoming", len(sm))
	}
	mt := requireKeys(t, "maintenance", sm[0], "id", "name", "status", "impact", "scheduled_for", "scheduled_until", "incident_updates", "components")
	if mt["status"] != "scheduled" || mt["impact"] != "maintenance" {
		t.Errorf("maintenance = %v", mt)
	}

	st := decode(t, files, "api/v2/status.json")
	if len(st) != 2 || st["status"].(map[string]any)["indicator"] != "major" {
		t.Errorf("status.json = %v", st)
	}
	if all := decode(t, files, "api/v2/incidents.json")["incidents"].([]any); len(all) != 2 {
		t.Errorf("incidents.json lists %d, want 2", len(all))
	}
	if all := decode(t, files, "api/v2/scheduled-maintenances.json")["scheduled_maintenances"].([]any); len(all) != 2 {
		t.Errorf("scheduled-maintenances.json lists %d, want 2", len(all))
	}
}

func TestIndicatorFollowsChecks(t *testing.T) {
	for _, tc := range []struct {
		down, degraded int
		indicator      string
	}{{0, 0, "none"}, {0, 1, "minor"}, {1, 0, "major"}, {3, 0, "critical"}} {
		in := fixture(fixtureSize{checks: 4, days: 2})
		in.Incidents, in.Maintenance = nil, nil
		i := 0
		for gi := range in.Groups {
			for ci := range in.Groups[gi].Checks {
				c := &in.Groups[gi].Checks[ci]
				c.Regions = nil
				switch {
				case i < tc.down:
					c.Current.Status = Down
				case i < tc.down+tc.degraded:
					c.Current.Status = Degraded
				default:
					c.Current.Status = Up
				}
				i++
			}
		}
		m := newModel(in)
		if got := m.spStatus().Indicator; got != tc.indicator {
			t.Errorf("%d down, %d degraded of 4: indicator %q, want %q", tc.down, tc.degraded, got, tc.indicator)
		}
	}
}

func TestHistoryJSON(t *testing.T) {
	in := fixture(fixtureSize{checks: 2, days: 30})
	files := readTree(t, build(t, in))
	c := in.Groups[0].Checks[0]
	h := decode(t, files, "api/checks/"+c.Slug+".json")
	requireKeys(t, "history", h, "schema", "updated", "check", "status", "regions", "uptime", "days", "latency", "incidents", "links")
	chk := h["check"].(map[string]any)
	if chk["url"] != c.DisplayURL || chk["page"] != "https://example.github.io/status/checks/"+c.Slug+".html" {
		t.Errorf("check = %v", chk)
	}
	if days := h["days"].([]any); len(days) != 30 {
		t.Errorf("%d days, want 30", len(days))
	}
	lat := h["latency"].(map[string]any)["24h"].(map[string]any)
	pts := lat["points"].([]any)
	if lat["step_s"] != float64(300) || len(pts) != 288 {
		t.Errorf("24h series: step %v, %d points", lat["step_s"], len(pts))
	}
	p := pts[0].([]any)
	if len(p) != 4 || p[0].(float64) != float64(c.Latency[0].Points[0].Unix) {
		t.Errorf("point = %v", p)
	}
	u := h["uptime"].(map[string]any)["30d"].(map[string]any)
	if u["samples"] != float64(8640) || u["observed_s"] != float64(30*24*3600) {
		t.Errorf("uptime 30d = %v", u)
	}
}

func TestBadges(t *testing.T) {
	in := fixture(fixtureSize{checks: 4, days: 30})
	files := readTree(t, build(t, in))
	valid := map[string]bool{"brightgreen": true, "green": true, "yellowgreen": true, "yellow": true, "orange": true, "red": true, "blue": true, "lightgrey": true}
	n := 0
	for _, name := range sortedKeys(files) {
		if !strings.HasPrefix(name, "badges/") || !strings.HasSuffix(name, ".json") {
			continue
		}
		n++
		var b map[string]any
		if err := json.Unmarshal(files[name], &b); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		// shields.io endpoint schema: schemaVersion 1, label, non-empty
		// message; cacheSeconds at least shields.io's 300.
		if b["schemaVersion"] != float64(1) || b["label"] == "" || b["message"] == "" || !valid[b["color"].(string)] || b["cacheSeconds"].(float64) < 300 {
			t.Errorf("%s = %v", name, b)
		}
		svg := string(files[strings.TrimSuffix(name, ".json")+".svg"])
		if !strings.Contains(svg, ">"+b["message"].(string)+"</text>") || !strings.Contains(svg, `aria-label="`+b["label"].(string)+": ") {
			t.Errorf("%s.svg does not show %q", strings.TrimSuffix(name, ".json"), b["message"])
		}
	}
	if n != 1+4*3 {
		t.Errorf("%d badge files, want %d", n, 1+4*3)
	}
	var down Check // the fixture's third check is down
	for _, g := range in.Groups {
		for _, c := range g.Checks {
			if c.Current.Status == Down {
				down = c
			}
		}
	}
	var st endpointBadge
	_ = json.Unmarshal(files["badges/"+down.Slug+"/status.json"], &st)
	if st.Message != "down" || st.Color != "red" {
		t.Errorf("status badge of a down check = %+v", st)
	}
	var rt endpointBadge
	_ = json.Unmarshal(files["badges/"+down.Slug+"/response-time.json"], &rt)
	if !strings.HasSuffix(rt.Message, " ms") {
		t.Errorf("response-time badge = %+v", rt)
	}
	var up endpointBadge
	_ = json.Unmarshal(files["badges/"+down.Slug+"/uptime.json"], &up)
	if up.Message != fmtPercent(down.Uptime[2].Ratio) {
		t.Errorf("uptime badge = %+v, want %s", up, fmtPercent(down.Uptime[2].Ratio))
	}
}

func TestFormatting(t *testing.T) {
	for _, tc := range []struct{ got, want string }{
		{fmtPercent(1), "100%"},
		{fmtPercent(0.99996), "99.99%"}, // never rounded up to 100%
		{fmtPercent(0.9995), "99.95%"},
		{fmtPercent(0), "0.00%"},
		{fmtLatency(0), "0 ms"},
		{fmtLatency(500 * time.Microsecond), "<1 ms"},
		{fmtLatency(123 * time.Millisecond), "123 ms"},
		{fmtLatency(1234 * time.Millisecond), "1.23 s"},
		{fmtLatency(12 * time.Second), "12.0 s"},
		{fmtDuration(45 * time.Second), "45 s"},
		{fmtDuration(95 * time.Minute), "1 h 35 min"},
		{fmtDuration(2 * time.Hour), "2 h"},
		{fmtDuration(50 * time.Hour), "2 d 2 h"},
		{fmtTime(time.Date(2025, 1, 2, 3, 4, 5, 0, time.FixedZone("x", 3600))), "2025-01-02 02:04 UTC"},
	} {
		if tc.got != tc.want {
			t.Errorf("got %q, want %q", tc.got, tc.want)
		}
	}
}

// TestSeriesGrid: a series that lists only its buckets with figures reads
// as every bucket of its grid, the empty ones zero, so the JSON API is the
// same as for a series that lists them all.
func TestSeriesGrid(t *testing.T) {
	p := func(unix int64, samples int32) Point {
		return Point{Unix: unix, P50: time.Duration(unix) * time.Millisecond, P95: 2 * time.Duration(unix) * time.Millisecond, Samples: samples}
	}
	tests := []struct {
		name string
		s    Series
		want []Point
	}{
		{"no grid: the points as given", Series{Step: time.Minute, Points: []Point{p(60, 1), p(300, 2)}}, []Point{p(60, 1), p(300, 2)}},
		{"an empty grid", Series{Step: time.Minute, From: 60, Buckets: 3}, []Point{{Unix: 60}, {Unix: 120}, {Unix: 180}}},
		{"buckets with figures in place", Series{Step: time.Minute, From: 60, Buckets: 4, Points: []Point{p(120, 1), p(240, 3)}},
			[]Point{{Unix: 60}, p(120, 1), {Unix: 180}, p(240, 3)}},
		{"a full grid", Series{Step: time.Minute, From: 0, Buckets: 2, Points: []Point{p(0, 1), p(60, 1)}}, []Point{p(0, 1), p(60, 1)}},
		{"points off the grid keep their time order", Series{Step: time.Minute, From: 60, Buckets: 2, Points: []Point{p(30, 1), p(90, 2), p(600, 1)}},
			[]Point{p(30, 1), {Unix: 60}, p(90, 2), {Unix: 120}, p(600, 1)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []Point
			tt.s.each(func(p Point) { got = append(got, p) })
			if !slices.Equal(got, tt.want) {
				t.Errorf("buckets %+v\nwant %+v", got, tt.want)
			}
		})
	}
	// The JSON of the sparse series equals that of the dense one.
	dense := Series{Window: Window24h, Step: time.Minute, Points: []Point{{Unix: 60}, p(120, 1), {Unix: 180}}}
	sparse := Series{Window: Window24h, Step: time.Minute, From: 60, Buckets: 3, Points: []Point{p(120, 1)}}
	doc := func(s Series) string {
		m := &model{}
		b, err := json.Marshal(m.historyJSON(&checkView{Check: &Check{Slug: "c", Latency: []Series{s}}}, nil))
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	if a, b := doc(dense), doc(sparse); a != b {
		t.Errorf("JSON of the sparse series:\n%s\nof the dense one:\n%s", b, a)
	}
}
