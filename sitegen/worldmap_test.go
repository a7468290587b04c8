package sitegen

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// mapInput is a site with a geo-routed check (one region down) and three
// runner locations, one of them silent.
func mapInput() *Input {
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	cur := Current{Status: Degraded, Since: now.Add(-time.Hour), Checked: now}
	return &Input{
		Site: Site{Title: "Map"},
		Now:  now,
		Groups: []Group{{Name: "API", Checks: []Check{{Slug: "api", Name: "API", Group: "API", Kind: "http", Interval: 5 * time.Minute,
			Current: cur,
			Regions: []Region{
				{Name: "global", Current: Current{Status: Up, Checked: now}},
				{Name: "eu-west", Current: Current{Status: Up, Checked: now}},
				{Name: "us-east", Current: Current{Status: Down, Since: now.Add(-time.Hour), Checked: now}},
			}}}}},
		Places: []Place{
			{Label: "Frankfurt", Lat: 50.1, Lon: 8.7, Runner: "fra", Status: Up},
			{Label: "Singapore", Lat: 1.35, Lon: 103.8, Runner: "sgp", Status: Degraded},
			{Label: "Dublin", Lat: 53.35, Lon: -6.26, Check: "api", Region: "eu-west"},
			{Label: "Ashburn", Lat: 39.04, Lon: -77.49, Check: "api", Region: "us-east"},
		},
	}
}

// TestWorldMap: one dot per place with its status class, inside an SVG
// that is one labelled image, and the same places as a list in words.
func TestWorldMap(t *testing.T) {
	out := build(t, mapInput())
	page, err := os.ReadFile(filepath.Join(out, "index.html"))
	if err != nil {
		t.Fatal(err)
	}
	doc := parseHTML(t, "index.html", page)
	var svg, list = elements(doc, "svg"), elements(doc, "ul")
	var mapSVG = func() []string {
		for _, s := range svg {
			if hasClass(s, "worldmap-svg") {
				if role, _ := attr(s, "role"); role != "img" {
					t.Errorf("map role %q, want img", role)
				}
				if len(elements(s, "title")) != 1 || !strings.Contains(textOf(elements(s, "title")[0]), "4 monitored places") {
					t.Error("the map has no title naming what it shows")
				}
				var classes []string
				for _, c := range elements(s, "circle") {
					cl, _ := attr(c, "class")
					classes = append(classes, cl)
				}
				return classes
			}
		}
		return nil
	}()
	want := []string{"map-dot map-up", "map-dot map-degraded", "map-dot map-up", "map-dot map-down"}
	if strings.Join(mapSVG, ",") != strings.Join(want, ",") {
		t.Errorf("dots %q, want %q", mapSVG, want)
	}
	var items []string
	for _, ul := range list {
		if hasClass(ul, "worldmap-list") {
			for _, li := range elements(ul, "li") {
				items = append(items, strings.Join(strings.Fields(textOf(li)), " "))
			}
		}
	}
	wantItems := []string{
		"Frankfurt: runner location fra, Operational",
		"Singapore: runner location sgp, Degraded",
		"Dublin: API, region eu-west, Operational",
		"Ashburn: API, region us-east, Down",
	}
	if strings.Join(items, "|") != strings.Join(wantItems, "|") {
		t.Errorf("list %q, want %q", items, wantItems)
	}
	// The check page names where each backend is.
	check, err := os.ReadFile(filepath.Join(out, "checks", "api.html"))
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range []string{`eu-west <span class="region-place">Dublin</span>`, `us-east <span class="region-place">Ashburn</span>`} {
		if !bytes.Contains(check, []byte(w)) {
			t.Errorf("check page lacks %s", w)
		}
	}
}

// TestWorldMapAbsentAndDeterministic: no places, no map; the same input
// renders the same map.
func TestWorldMapAbsentAndDeterministic(t *testing.T) {
	in := mapInput()
	a := newModel(in).worldMap()
	b := newModel(mapInput()).worldMap()
	if a == nil || a.SVG != b.SVG {
		t.Error("the same input drew different maps")
	}
	if !strings.Contains(string(a.SVG), `cx="188.7" cy="39.9"`) {
		t.Errorf("Frankfurt is not at lon+180, 90-lat:\n%.300s", a.SVG)
	}
	// Two builds of a larger site with the map are byte-identical.
	one, err := os.ReadFile(filepath.Join(build(t, withPlaces(fixture(fixtureSize{checks: 6, days: 30}))), "index.html"))
	if err != nil {
		t.Fatal(err)
	}
	two, err := os.ReadFile(filepath.Join(build(t, withPlaces(fixture(fixtureSize{checks: 6, days: 30}))), "index.html"))
	if err != nil || !bytes.Equal(one, two) || !bytes.Contains(one, []byte(`class="worldmap-svg"`)) {
		t.Errorf("two builds of the same input differ, or have no map (%v)", err)
	}
	in.Places = nil
	if m := newModel(in).worldMap(); m != nil {
		t.Error("a map without places")
	}
	page, err := os.ReadFile(filepath.Join(build(t, in), "index.html"))
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(page, []byte("worldmap")) {
		t.Error("the home page has a map without places")
	}
}

// withPlaces puts runner locations and, for each check with regional
// backends, its first backend on the map (for the axe test's home page).
func withPlaces(in *Input) *Input {
	in.Places = append(in.Places,
		Place{Label: "Frankfurt", Lat: 50.1, Lon: 8.7, Runner: "fra", Status: Up},
		Place{Label: "Singapore", Lat: 1.35, Lon: 103.8, Runner: "sgp", Status: Degraded})
	for _, g := range in.Groups {
		for _, c := range g.Checks {
			if len(c.Regions) > 1 {
				in.Places = append(in.Places, Place{Label: "Ashburn", Lat: 39, Lon: -77.5, Check: c.Slug, Region: c.Regions[1].Name})
			}
		}
	}
	return in
}
