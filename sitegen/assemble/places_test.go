package assemble

import (
	"testing"
	"time"

	"github.com/upchain-dev/upchain/prober/config"
	"github.com/upchain-dev/upchain/prober/history"
	"github.com/upchain-dev/upchain/sitegen"
)

// TestPlaces: runner locations are up while they record, degraded once
// silent past stale_after, no data before a round; regions with a
// location follow, in config order; places without one are left out.
func TestPlaces(t *testing.T) {
	f := func(v float64) *float64 { return &v }
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	l := &config.Loaded{Config: &config.Config{
		StaleAfter: config.Duration(time.Hour),
		Locations: []config.RunnerLocation{
			{Name: "fra", Location: &config.Location{Label: "Frankfurt", Lat: f(50.1), Lon: f(8.7)}},
			{Name: "sgp", Location: &config.Location{Label: "Singapore", Lat: f(1.35), Lon: f(103.8)}},
			{Name: "new", Location: &config.Location{Label: "Ashburn", Lat: f(39), Lon: f(-77.5)}},
			{Name: "nowhere"},
		},
		Checks: []*config.Check{{Slug: "api", Regions: []config.Region{
			{Name: "eu", Location: &config.Location{Label: "Dublin", Lat: f(53.3), Lon: f(-6.3)}},
			{Name: "us"},
		}}},
	}}
	st := &history.State{Locations: map[string]time.Time{"fra": now.Add(-5 * time.Minute), "sgp": now.Add(-2 * time.Hour)}}
	got := places(l, st, now, func(s string) string { return s })
	want := []sitegen.Place{
		{Label: "Frankfurt", Lat: 50.1, Lon: 8.7, Runner: "fra", Status: sitegen.Up},
		{Label: "Singapore", Lat: 1.35, Lon: 103.8, Runner: "sgp", Status: sitegen.Degraded},
		{Label: "Ashburn", Lat: 39, Lon: -77.5, Runner: "new", Status: sitegen.NoData},
		{Label: "Dublin", Lat: 53.3, Lon: -6.3, Check: "api", Region: "eu"},
	}
	if len(got) != len(want) {
		t.Fatalf("places %+v, want %+v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("place %d: %+v, want %+v", i, got[i], want[i])
		}
	}
}
