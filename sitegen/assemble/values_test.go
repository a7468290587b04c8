package assemble

import (
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/upchain-dev/upchain/prober"
	"github.com/upchain-dev/upchain/prober/config/configtest"
	"github.com/upchain-dev/upchain/prober/history"
	"github.com/upchain-dev/upchain/sitegen"
)

// TestValueChartsFromHistory: a cometbft validator's history, written and
// rolled up with the history package, reaches the site as value charts
// (only charted values the kind declares) and a validator history whose
// days are all day, part of the day or not in the active set.
func TestValueChartsFromHistory(t *testing.T) {
	l, err := configtest.Load(t, prober.Builtin(), "site:\n  title: T\n", map[string]string{"checks/v.yml": `checks:
  - name: Val
    kind: cometbft
    url: http://127.0.0.1:9/
`}, nil)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	day0 := time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC)
	now := day0.AddDate(0, 0, 5).Add(6 * time.Hour)
	var rounds [][]history.Sample
	for ts := day0; !ts.After(now); ts = ts.Add(30 * time.Minute) {
		d := int(ts.Sub(day0) / (24 * time.Hour))
		// Day 1: out of the set all day; day 2: out in the afternoon.
		active := d != 1 && !(d == 2 && ts.Hour() >= 12)
		rounds = append(rounds, []history.Sample{{Time: ts, Check: "val", Region: "global", Status: prober.Up, Latency: time.Millisecond, Values: prober.Values{
			"peers": strconv.Itoa(10 + d), "in_active_set": strconv.FormatBool(active), "missed": strconv.Itoa(d), "signed": "100",
			"conflux_state_lag": "7", // charted, but not a cometbft value
		}}})
	}
	if err := history.AppendRounds(dir, rounds); err != nil {
		t.Fatal(err)
	}
	if err := history.Maintain(dir, now, history.Retention{Raw: 48 * time.Hour, Hourly: 90 * 24 * time.Hour}, nil); err != nil {
		t.Fatal(err)
	}
	state := `{"updated":"` + now.Format(time.RFC3339) + `","checks":{"val":{"global":{"status":"up","since":"2026-04-01T00:00:00Z","consecutive_failures":0,"consecutive_successes":1,"last":"` + now.Format(time.RFC3339) + `"}}}}`
	if err := os.WriteFile(filepath.Join(dir, history.StateFile), []byte(state), 0o644); err != nil {
		t.Fatal(err)
	}
	in, err := FromDir(l, dir, Options{Clock: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	c := in.Groups[0].Checks[0]
	if len(c.ValueCharts) != 1 || c.ValueCharts[0].Name != "peers" || c.ValueCharts[0].Last != "15" {
		t.Fatalf("value charts %+v, want only peers, last 15", c.ValueCharts)
	}
	var year *sitegen.ValueSeries
	for i := range c.ValueCharts[0].Series {
		if c.ValueCharts[0].Series[i].Window == sitegen.Window1y {
			year = &c.ValueCharts[0].Series[i]
		}
	}
	if year == nil || len(year.Points) != 6 || year.Points[0].Min != 10 || year.Points[5].Last != 15 {
		t.Fatalf("1y peers: %+v", year)
	}
	vh := c.Validator
	if vh == nil || len(vh.Days) != 90 || vh.ActiveLabel != "In the active set" {
		t.Fatalf("validator history %+v", vh)
	}
	days := vh.Days[90-6:]
	for i, want := range []string{sitegen.ActiveAllDay, sitegen.ActiveNone, sitegen.ActivePart, sitegen.ActiveAllDay, sitegen.ActiveAllDay, sitegen.ActiveAllDay} {
		if days[i].Active != want || !days[i].Date.Equal(day0.AddDate(0, 0, i)) {
			t.Errorf("day %d (%v): active %q, want %q", i, days[i].Date, days[i].Active, want)
		}
	}
	if vh.Days[0].Active != "" || len(vh.Days[0].Figures) != 0 {
		t.Errorf("a day before the history has data: %+v", vh.Days[0])
	}
	if f := days[3].Figures; len(f) != 2 || f[0].Name != "signed" || f[0].Value != "100" || f[1].Name != "missed" || f[1].Value != "3" {
		t.Errorf("day 3 figures %+v, want signed 100 then missed 3", f)
	}
}
