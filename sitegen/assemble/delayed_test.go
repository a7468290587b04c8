package assemble

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/upchain-dev/upchain/prober"
	"github.com/upchain-dev/upchain/prober/config"
	"github.com/upchain-dev/upchain/prober/history"
)

// TestMonitoringDelayed: a site built more than stale_after after its
// newest round says that monitoring is delayed since that round.
func TestMonitoringDelayed(t *testing.T) {
	newest := time.Date(2024, 6, 1, 12, 0, 0, 0, time.UTC)
	dir := t.TempDir()
	if err := history.AppendSamples(dir, []history.Sample{{Time: newest, Check: "c", Region: "global", Status: prober.Up}}); err != nil {
		t.Fatal(err)
	}
	state := `{"updated":"2024-06-01T12:00:00Z","checks":{"c":{"global":{"status":"up","since":"2024-06-01T12:00:00Z","consecutive_failures":0,"consecutive_successes":1,"last":"2024-06-01T12:00:00Z"}}}}`
	if err := os.WriteFile(filepath.Join(dir, history.StateFile), []byte(state), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name       string
		staleAfter time.Duration
		built      time.Duration // after the newest round
		delayed    bool
	}{
		{"default 3 x 5m, built 10m later", 0, 10 * time.Minute, false},
		{"default 3 x 5m, built 16m later", 0, 16 * time.Minute, true},
		{"stale_after 1h, built 16m later", time.Hour, 16 * time.Minute, false},
		{"stale_after 1h, built 2h later", time.Hour, 2 * time.Hour, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			l := &config.Loaded{Config: &config.Config{StaleAfter: config.Duration(tt.staleAfter)}}
			in, err := FromDir(l, dir, Options{Clock: func() time.Time { return newest.Add(tt.built) }})
			if err != nil {
				t.Fatal(err)
			}
			if got := !in.DelayedSince.IsZero(); got != tt.delayed {
				t.Errorf("delayed %v (since %v), want %v", got, in.DelayedSince, tt.delayed)
			}
			if tt.delayed && !in.DelayedSince.Equal(newest) {
				t.Errorf("delayed since %v, want the newest round %v", in.DelayedSince, newest)
			}
		})
	}
}
