package uptime

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/upchain-dev/upchain/prober"
	"github.com/upchain-dev/upchain/prober/history"
)

// genAt writes location loc's samples every 5 minutes, offset from the
// round start, in [from, to); isDown says when it saw the check down.
func genAt(t *testing.T, dir, loc string, offset time.Duration, from, to time.Time, isDown func(time.Time) bool) {
	t.Helper()
	var batch []history.Sample
	for tm := from; tm.Before(to); tm = tm.Add(5 * time.Minute) {
		st := prober.Up
		if isDown(tm) {
			st = prober.Down
		}
		batch = append(batch, history.Sample{Time: tm.Add(offset), Check: "c", Region: "global", Location: loc, Status: st, Latency: 100 * time.Millisecond})
	}
	if err := history.AppendSamples(dir, batch); err != nil {
		t.Fatal(err)
	}
}

// TestUptimeOnDecidedTimeline: with several locations, uptime is computed
// on the status decided across them at every sample (history.Decide's
// rule), never by adding up the locations' samples. Hand-computed:
// locations a, b, c probe at :00, :01, :02 of every 5 minutes from 10:00;
// a sees the check down from 10:00 to 11:00 (last down sample 10:55),
// b from 10:30 (first down sample 10:31, last 10:56).
//
//   - quorum 1: down from a's 10:00 sample until b's up sample at 11:01
//     (a's 11:00 up sample still sees b's 10:56 down in the window) = 61m,
//     37 points decided down (12 rounds of 3, and a at 11:00).
//   - quorum 2: degraded 10:00-10:31 (only a), down 10:31-11:00 (a and b),
//     degraded 11:00-11:01 (only b) = 29m down, 32m degraded; 17 points
//     decided down (10:31, 10:32 and 5 rounds of 3 from 10:35).
func TestUptimeOnDecidedTimeline(t *testing.T) {
	from, to := at("2024-06-10 10:00"), at("2024-06-10 12:00")
	aDown := func(tm time.Time) bool { return between(tm, "2024-06-10 10:00", "2024-06-10 11:00") }
	bDown := func(tm time.Time) bool { return between(tm, "2024-06-10 10:30", "2024-06-10 11:00") }
	never := func(time.Time) bool { return false }
	for _, tt := range []struct {
		name           string
		quorum         int
		down, degraded time.Duration
		failures       int
	}{
		{"quorum 1", 1, mins(61), 0, 37},
		{"quorum 2", 2, mins(29), mins(32), 17},
	} {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			genAt(t, dir, "a", 0, from, to, aDown)
			genAt(t, dir, "b", time.Minute, from, to, bDown)
			genAt(t, dir, "c", 2*time.Minute, from, to, never)
			state := `{"updated":"2024-06-10T11:57:00Z","checks":{"c":{"global":{"status":"up","since":"2024-06-10T10:00:00Z","consecutive_failures":0,"consecutive_successes":1,"quorum":` +
				map[int]string{1: "0", 2: "2"}[tt.quorum] + `,"window_s":450}}}}`
			if err := os.WriteFile(filepath.Join(dir, history.StateFile), []byte(state), 0o644); err != nil {
				t.Fatal(err)
			}
			st := load(t, dir, to).Range("c", "global", from, to)
			if st.Down != tt.down || st.Degraded != tt.degraded {
				t.Errorf("down %s degraded %s, want %s and %s", st.Down, st.Degraded, tt.down, tt.degraded)
			}
			if st.Samples != 72 || st.Failures != tt.failures {
				t.Errorf("samples %d failures %d, want 72 and %d", st.Samples, st.Failures, tt.failures)
			}
		})
	}
}
