package sitegen

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"
)

// build renders in into a fresh directory and returns its path.
func build(t *testing.T, in *Input) string {
	t.Helper()
	out := filepath.Join(t.TempDir(), "public")
	if err := Build(in, out); err != nil {
		t.Fatal(err)
	}
	return out
}

// readTree returns every file under dir by slash path.
func readTree(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	files := map[string][]byte{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		b, err := os.ReadFile(p)
		files[filepath.ToSlash(rel)] = b
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func TestBuildWritesEveryListedFile(t *testing.T) {
	in := fixture(fixtureSize{checks: 8, days: 120})
	files := readTree(t, build(t, in))
	want := []string{
		"index.html", "incidents.html", "404.html", "style.css", "favicon.svg", "favicon.png", "favicon.ico",
		"robots.txt", "sitemap.xml", ".nojekyll",
		"feeds/rss.xml", "feeds/atom.xml",
		"api/v2/summary.json", "api/v2/status.json", "api/v2/components.json", "api/v2/incidents.json",
		"api/v2/incidents/unresolved.json", "api/v2/scheduled-maintenances.json",
		"api/v2/scheduled-maintenances/upcoming.json", "api/v2/scheduled-maintenances/active.json",
		"api/checks.json", "badges/status.json", "badges/status.svg",
		"incidents/2025-03-14-rpc-errors.html", "incidents/2025-03-02-head-lag.html",
	}
	for _, g := range in.Groups {
		for _, c := range g.Checks {
			want = append(want, "checks/"+c.Slug+".html", "api/checks/"+c.Slug+".json",
				"feeds/"+c.Slug+".rss.xml", "feeds/"+c.Slug+".atom.xml")
			for _, b := range []string{"status", "uptime", "response-time"} {
				want = append(want, "badges/"+c.Slug+"/"+b+".json", "badges/"+c.Slug+"/"+b+".svg")
			}
		}
	}
	for _, w := range want {
		if _, ok := files[w]; !ok {
			t.Errorf("missing %s", w)
		}
	}
	if len(files) != len(want) {
		t.Errorf("built %d files, want %d: unexpected files %v", len(files), len(want), extra(files, want))
	}
	if !bytes.HasPrefix(files["favicon.png"], []byte("\x89PNG\r\n\x1a\n")) {
		t.Error("favicon.png is not a PNG")
	}
	if !bytes.HasPrefix(files["favicon.ico"], []byte{0, 0, 1, 0, 1, 0}) {
		t.Error("favicon.ico has no ICO header")
	}
	if got := string(files["robots.txt"]); !strings.Contains(got, "Sitemap: https://example.github.io/status/sitemap.xml") {
		t.Errorf("robots.txt = %q", got)
	}
}

func extra(files map[string][]byte, want []string) []string {
	w := map[string]bool{}
	for _, x := range want {
		w[x] = true
	}
	var out []string
	for _, k := range sortedKeys(files) {
		if !w[k] {
			out = append(out, k)
		}
	}
	return out
}

func TestBuildIsDeterministic(t *testing.T) {
	a := readTree(t, build(t, fixture(fixtureSize{checks: 10, days: 400})))
	out := build(t, fixture(fixtureSize{checks: 10, days: 400}))
	// Build again over the first output: replacing must give the same bytes.
	if err := Build(fixture(fixtureSize{checks: 10, days: 400}), out); err != nil {
		t.Fatal(err)
	}
	b := readTree(t, out)
	if len(a) != len(b) {
		t.Fatalf("builds differ in file count: %d vs %d", len(a), len(b))
	}
	for _, k := range sortedKeys(a) {
		if !bytes.Equal(a[k], b[k]) {
			t.Errorf("%s differs between two builds of the same input", k)
		}
	}
}

func TestBuildChangesWithData(t *testing.T) {
	// The determinism test would also pass if the output ignored the data.
	in := fixture(fixtureSize{checks: 4, days: 30})
	a := readTree(t, build(t, in))
	in.Groups[0].Checks[0].Current.Status = Down
	in.Groups[0].Checks[0].Current.Reason = "connection refused"
	b := readTree(t, build(t, in))
	if bytes.Equal(a["index.html"], b["index.html"]) {
		t.Fatal("home page did not change when a check went down")
	}
	if !bytes.Contains(b["checks/"+in.Groups[0].Checks[0].Slug+".html"], []byte("connection refused")) {
		t.Error("check page does not show the new reason")
	}
}

func TestBuildKeepsPreviousSiteOnError(t *testing.T) {
	out := build(t, fixture(fixtureSize{checks: 3, days: 10}))
	before := readTree(t, out)
	bad := fixture(fixtureSize{checks: 3, days: 10})
	bad.Groups[0].Checks = append(bad.Groups[0].Checks, bad.Groups[0].Checks[0]) // duplicate slug
	bad.Incidents[0].ID = "../../etc/passwd"
	err := Build(bad, out)
	if err == nil {
		t.Fatal("Build accepted a duplicate slug and a path as incident id")
	}
	for _, want := range []string{"duplicate slug", `id "../../etc/passwd"`} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %q", err, want)
		}
	}
	after := readTree(t, out)
	if len(after) != len(before) || !bytes.Equal(after["index.html"], before["index.html"]) {
		t.Error("a failed build changed the previous site")
	}
	entries, _ := os.ReadDir(filepath.Dir(out))
	if len(entries) != 1 {
		var names []string
		for _, e := range entries {
			names = append(names, e.Name())
		}
		t.Errorf("temporary directories left beside the output: %v", names)
	}
}

func TestBuildRefusesForeignDirectory(t *testing.T) {
	out := filepath.Join(t.TempDir(), "public")
	if err := os.MkdirAll(out, 0o755); err != nil {
		t.Fatal(err)
	}
	precious := filepath.Join(out, "notes.txt")
	if err := os.WriteFile(precious, []byte("mine"), 0o644); err != nil {
		t.Fatal(err)
	}
	err := Build(fixture(fixtureSize{checks: 2, days: 5}), out)
	if err == nil || !strings.Contains(err.Error(), "was not written by upchain build") {
		t.Fatalf("Build over a foreign directory: err = %v", err)
	}
	if b, err := os.ReadFile(precious); err != nil || string(b) != "mine" {
		t.Error("Build touched a directory it did not write")
	}
	// An empty directory is fine.
	empty := filepath.Join(t.TempDir(), "empty")
	if err := os.Mkdir(empty, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := Build(fixture(fixtureSize{checks: 2, days: 5}), empty); err != nil {
		t.Errorf("Build into an empty directory: %v", err)
	}
}

func TestBuildWithoutData(t *testing.T) {
	// What `upchain build` renders before the first probe is recorded.
	in := &Input{
		Site: Site{Title: "Fresh"},
		Groups: []Group{{Name: "Web", Checks: []Check{
			{Slug: "site", Name: "Site", Group: "Web", Kind: "http", DisplayURL: "https://example.org/", Current: Current{Status: NoData}},
		}}},
	}
	files := readTree(t, build(t, in))
	home := string(files["index.html"])
	for _, want := range []string{"No data yet", "No probe has been recorded yet", "No data"} {
		if !strings.Contains(home, want) {
			t.Errorf("home page lacks %q", want)
		}
	}
	var status struct {
		Status struct{ Indicator string } `json:"status"`
	}
	if err := json.Unmarshal(files["api/v2/status.json"], &status); err != nil || status.Status.Indicator != "none" {
		t.Errorf("status.json indicator = %q (%v)", status.Status.Indicator, err)
	}
	if _, ok := files["sitemap.xml"]; ok {
		t.Error("sitemap.xml written without a base URL")
	}
	if !strings.Contains(string(files["checks/site.html"]), "No data for this period.") {
		t.Error("check page without latency data does not say so")
	}
}

func TestSVGFilesAreWellFormedXML(t *testing.T) {
	files := readTree(t, build(t, fixture(fixtureSize{checks: 3, days: 10})))
	n := 0
	for _, k := range sortedKeys(files) {
		if !strings.HasSuffix(k, ".svg") && !strings.HasSuffix(k, ".xml") {
			continue
		}
		n++
		dec := xml.NewDecoder(bytes.NewReader(files[k]))
		for {
			_, err := dec.Token()
			if err != nil {
				if err.Error() != "EOF" {
					t.Errorf("%s: %v", k, err)
				}
				break
			}
		}
	}
	if n < 10 {
		t.Errorf("only %d SVG/XML files checked", n)
	}
}

func TestOverallBanner(t *testing.T) {
	mk := func(statuses ...Status) []*checkView {
		var out []*checkView
		for _, s := range statuses {
			out = append(out, &checkView{Raw: s, Status: viewOf(s)})
		}
		return out
	}
	for _, tc := range []struct {
		name      string
		checks    []*checkView
		label     string
		indicator string
	}{
		{"all up", mk(Up, Up, Up), "All systems operational", "none"},
		{"one degraded", mk(Up, Degraded, Up), "Degraded performance", "minor"},
		{"one of four down", mk(Up, Down, Up, Up), "Partial outage", "major"},
		{"half down", mk(Up, Down, Up, Down), "Partial outage", "major"},
		{"most down", mk(Down, Down, Up, Down), "Major outage", "critical"},
		{"maintenance and no data do not count", mk(Up, InMaintenance, NoData), "All systems operational", "none"},
		{"nothing probed", mk(NoData, NoData), "No data yet", "none"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o := overallOf(tc.checks)
			if o.Label != tc.label || o.Indicator != tc.indicator {
				t.Errorf("got %q/%q, want %q/%q", o.Label, o.Indicator, tc.label, tc.indicator)
			}
		})
	}
}

func TestMaintenanceState(t *testing.T) {
	in := fixture(fixtureSize{checks: 2, days: 3})
	in.Maintenance = append(in.Maintenance, Maintenance{
		ID: "now", Title: "Now", Checks: []string{in.Groups[0].Checks[0].Slug},
		Start: fixtureNow.Add(-time.Hour), End: fixtureNow.Add(time.Hour),
	})
	in.Groups[0].Checks[0].Current.Status = Down
	m := newModel(in)
	got := map[string]MaintenanceState{}
	for _, v := range m.maint {
		got[v.ID] = v.State
	}
	want := map[string]MaintenanceState{"upgrade-v19": MaintenanceUpcoming, "20250222-1200-database-migration": MaintenancePast, "now": MaintenanceActive}
	for id, st := range want {
		if got[id] != st {
			t.Errorf("maintenance %s: state %q, want %q", id, got[id], st)
		}
	}
	if c := m.bySlug[in.Groups[0].Checks[0].Slug]; c.Raw != InMaintenance || c.Status.Label != "Maintenance" {
		t.Errorf("a down check inside an active window shows %q", c.Status.Label)
	}
}
