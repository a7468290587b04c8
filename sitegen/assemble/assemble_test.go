package assemble

import (
	"slices"
	"testing"

	"github.com/upchain-dev/upchain/prober"
	"github.com/upchain-dev/upchain/prober/history"
	"github.com/upchain-dev/upchain/prober/uptime"
	"github.com/upchain-dev/upchain/sitegen"
)

// TestWindowsMatch: uptime's windows and charts reach the site by name, so
// the two lists must agree.
func TestWindowsMatch(t *testing.T) {
	var up, lat []sitegen.Window
	for _, w := range uptime.Windows() {
		up = append(up, sitegen.Window(w.Name))
	}
	for _, s := range uptime.Series() {
		lat = append(lat, sitegen.Window(s.Name))
	}
	if !slices.Equal(up, sitegen.UptimeWindows()) {
		t.Errorf("uptime windows %v, site shows %v", up, sitegen.UptimeWindows())
	}
	if !slices.Equal(lat, sitegen.LatencyWindows()) {
		t.Errorf("latency charts %v, site shows %v", lat, sitegen.LatencyWindows())
	}
}

// TestValuesShownAsDeclared: labels and units come from the kinds'
// declarations, bookkeeping is hidden, and a value nobody declares (an
// older version's) is shown under its own name.
func TestValuesShownAsDeclared(t *testing.T) {
	rs := &history.RegionState{Status: prober.Up, Values: prober.Values{
		"cert_expiry":         "1798761600",
		"head_age_s":          "4.5",
		"missed_percent":      "1.25",
		"last_checked_height": "1234",
		"catching_up":         "false",
		"legacy_value":        "x",
	}}
	cur := currentOf(rs, history.Sample{}, func(s string) string { return s }, prober.Builtin().Values())
	got := map[string]sitegen.Value{}
	for _, v := range cur.Values {
		got[v.Name] = v
	}
	tests := []struct{ name, label, value string }{
		{"cert_expiry", "Certificate expires", "2027-01-01T00:00:00Z"},
		{"head_age_s", "Head age", "4.5 s"},
		{"missed_percent", "Missed share", "1.25 %"},
		{"catching_up", "Catching up", "no"},
		{"legacy_value", "legacy_value", "x"},
	}
	for _, tt := range tests {
		v, ok := got[tt.name]
		if !ok || v.Label != tt.label || v.Value != tt.value {
			t.Errorf("%s: got %+v (shown %v), want label %q value %q", tt.name, v, ok, tt.label, tt.value)
		}
	}
	if _, shown := got["last_checked_height"]; shown {
		t.Error("hidden bookkeeping value is shown")
	}
}
