package config_test

import (
	"slices"
	"strings"
	"testing"
)

// TestLocationProblems: a region's or runner location's coordinates are
// checked, each problem with its file and the line of its item.
func TestLocationProblems(t *testing.T) {
	for _, tc := range []struct {
		name      string
		upchain   string
		region    string
		want      []string
		wantLabel string
	}{
		{name: "valid", upchain: "locations:\n  - {name: fra, location: {label: Frankfurt, lat: 50.1, lon: 8.7}}\n",
			region: "{label: Ashburn, lat: 39.0, lon: -77.5}", wantLabel: "Ashburn"},
		{name: "zero is a coordinate", region: "{label: Null Island, lat: 0, lon: 0}", wantLabel: "Null Island"},
		{name: "region out of range", region: "{label: Nowhere, lat: 91, lon: -180.5}", want: []string{
			`checks/a.yml:11: region "eu": location lat 91 is outside -90 to 90 degrees`,
			`checks/a.yml:11: region "eu": location lon -180.5 is outside -180 to 180 degrees`,
		}},
		{name: "region without label and lon", region: "{lat: 10}", want: []string{
			`checks/a.yml:11: region "eu": location has no label: add ` + "`label:`" + `, e.g. label: Frankfurt`,
			`checks/a.yml:11: region "eu": location has no lon: add the longitude in degrees, -180 to 180`,
		}},
		{name: "runner locations", upchain: "site: {title: T}\nlocations:\n  - {name: fra, location: {label: Frankfurt, lat: -90.01, lon: 8}}\n  - name: fra\n    location: {label: Again, lat: 1, lon: 2}\n  - {location: {label: X, lat: 1, lon: 2}}\n  - {name: iad}\n",
			want: []string{
				`upchain.yml:3: location "fra": location lat -90.01 is outside -90 to 90 degrees`,
				`upchain.yml:4: location "fra" is listed twice`,
				`upchain.yml:6: locations[2] has no name: the location its runner records as (--location)`,
				`upchain.yml:7: location "iad": add ` + "`location: {label, lat, lon}`",
			}},
		{name: "unknown key", region: "{label: A, lat: 1, lon: 2, alt: 3}", want: []string{
			`checks/a.yml:11: unknown key "alt" in location`,
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			region := "{name: eu, address: 192.0.2.1}"
			if tc.region != "" {
				region = "\n        name: eu\n        address: 10.0.0.1\n        location: " + tc.region
			}
			check := "group: G\nchecks:\n  - name: API\n    kind: http\n    url: https://a.example/\n    regions:\n      - {name: us, address: 10.0.0.2}\n      -" + region + "\n"
			path := write(t, tc.upchain, map[string]string{"a.yml": check})
			l, errs := load(t, path, nil)
			var got []string
			for _, p := range problems(path, errs) {
				if strings.Contains(p, "location") {
					got = append(got, p)
				}
			}
			for _, w := range tc.want {
				if !slices.ContainsFunc(got, func(g string) bool { return strings.HasPrefix(g, w) }) {
					t.Errorf("missing problem %q in %q", w, got)
				}
			}
			if len(got) != len(tc.want) {
				t.Errorf("problems %q, want %d", got, len(tc.want))
			}
			if tc.wantLabel != "" && (len(errs) != 0 || l.Checks[0].Regions[1].Location == nil || l.Checks[0].Regions[1].Location.Label != tc.wantLabel) {
				t.Errorf("valid location not loaded: %v", errs)
			}
		})
	}
}
