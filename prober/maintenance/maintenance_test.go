package maintenance

import (
	"strings"
	"testing"
	"time"

	"github.com/upchain-dev/upchain/prober/config"
)

func ts(s string) time.Time {
	t, err := config.ParseTime(s)
	if err != nil {
		panic(err)
	}
	return t
}

func TestConfigWindowStates(t *testing.T) {
	cfg := []config.Maintenance{
		{Title: "DB upgrade", Checks: []string{"eth-rpc"}, Start: "2025-06-01 22:00", End: "2025-06-02T01:00:00Z"},
		{Title: "Weekly reboot", Start: "2025-06-02 03:00", Duration: config.Duration(time.Hour), Every: config.Duration(7 * 24 * time.Hour)},
	}
	tests := []struct {
		name       string
		now        string
		db, weekly State
		weeklyFrom string
	}{
		{"before both", "2025-06-01 12:00", Upcoming, Upcoming, "2025-06-02 03:00"},
		{"db active", "2025-06-01 22:00", Active, Upcoming, "2025-06-02 03:00"},
		{"db ends exclusive", "2025-06-02 01:00", Past, Upcoming, "2025-06-02 03:00"},
		{"weekly first", "2025-06-02 03:30", Past, Active, "2025-06-02 03:00"},
		{"weekly between", "2025-06-05 00:00", Past, Upcoming, "2025-06-09 03:00"},
		{"weekly tenth", "2025-08-04 03:59", Past, Active, "2025-08-04 03:00"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ws, err := Windows(cfg, "", ts(tt.now))
			if err != nil {
				t.Fatal(err)
			}
			byTitle := map[string]Window{}
			for _, w := range ws {
				byTitle[w.Title] = w
			}
			if got := byTitle["DB upgrade"].State; got != tt.db {
				t.Errorf("db state = %s, want %s", got, tt.db)
			}
			w := byTitle["Weekly reboot"]
			if w.State != tt.weekly || !w.Start.Equal(ts(tt.weeklyFrom)) || w.End.Sub(w.Start) != time.Hour {
				t.Errorf("weekly = %s %s..%s, want %s from %s", w.State, w.Start, w.End, tt.weekly, tt.weeklyFrom)
			}
		})
	}
}

func TestCovering(t *testing.T) {
	cfg := []config.Maintenance{{Title: "x", Checks: []string{"a"}, Start: "2025-01-01 00:00", End: "2025-01-01 01:00"}}
	ws, _ := Windows(cfg, "", ts("2024-12-31"))
	if Covering(ws, "a", ts("2025-01-01 00:30")) == nil {
		t.Error("a not covered during its window")
	}
	if Covering(ws, "b", ts("2025-01-01 00:30")) != nil {
		t.Error("b covered by a window that lists only a")
	}
	if Covering(ws, "a", ts("2025-01-01 01:00")) != nil {
		t.Error("covered at the end instant")
	}
}

func TestIssueWindows(t *testing.T) {
	dir := t.TempDir()
	files := []IssueFile{
		{Issue: 1, Title: "open upcoming", State: "open", Start: ts("2025-03-01 10:00"), End: ts("2025-03-01 12:00"), Checks: []string{"a"}},
		{Issue: 2, Title: "closed early", State: "closed", Closed: ts("2025-02-01 11:00"), Start: ts("2025-02-01 10:00"), End: ts("2025-02-01 12:00")},
		{Issue: 3, Title: "cancelled", State: "closed", Closed: ts("2025-01-01"), Start: ts("2025-02-01 10:00"), End: ts("2025-02-01 12:00")},
		{Issue: 4, Title: "unreadable", State: "open", Problem: "no start"},
		{Issue: 5, Title: "weekly stopped", State: "closed", Closed: ts("2025-01-20"), Every: "7d", Start: ts("2025-01-01 00:00"), End: ts("2025-01-01 02:00")},
	}
	for _, f := range files {
		if err := SaveIssue(dir, f); err != nil {
			t.Fatal(err)
		}
	}
	ws, err := Windows(nil, dir, ts("2025-02-15"))
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]Window{}
	for _, w := range ws {
		got[w.Title] = w
	}
	if _, ok := got["cancelled"]; ok {
		t.Error("a window closed before it began is listed")
	}
	if _, ok := got["unreadable"]; ok {
		t.Error("an unreadable window is listed")
	}
	if w := got["closed early"]; w.State != Past || !w.End.Equal(ts("2025-02-01 11:00")) {
		t.Errorf("closed early = %s ending %s", w.State, w.End)
	}
	if w := got["open upcoming"]; w.State != Upcoming || w.ID != "gh-1" || w.Source != "github" {
		t.Errorf("open upcoming = %+v", w)
	}
	// Occurrences on Jan 1, 8, 15 began before the close on Jan 20; the
	// last of them is what the site shows.
	if w := got["weekly stopped"]; w.State != Past || !w.Start.Equal(ts("2025-01-15")) {
		t.Errorf("weekly stopped = %s from %s", w.State, w.Start)
	}
}

func TestParseIssue(t *testing.T) {
	tests := []struct {
		name, body string
		start, end string
		checks     string
		every      time.Duration
		problem    string
		rest       string
	}{
		{
			name:  "plain",
			body:  "We upgrade the nodes.\n\nstart: 2025-06-01 22:00\nend: 2025-06-02 01:00\nchecks: eth-rpc, cosmos-rpc",
			start: "2025-06-01 22:00", end: "2025-06-02 01:00", checks: "eth-rpc,cosmos-rpc",
			rest: "We upgrade the nodes.",
		},
		{
			name:  "markdown list, duration, zone",
			body:  "- **Start:** `2025-06-01T22:00:00+02:00`\n- **Duration:** 90m\n- **Affected:** `a` `b`\n- Every: 7d",
			start: "2025-06-01 20:00", end: "2025-06-01 21:30", checks: "a,b", every: 7 * 24 * time.Hour,
		},
		{name: "no end", body: "start: 2025-06-01 22:00", problem: "no end"},
		{name: "bad time", body: "start: tomorrow\nend: 2025-01-01", problem: "start: bad time"},
		{name: "reversed", body: "start: 2025-06-02\nend: 2025-06-01", problem: "not after"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			spec, rest, err := ParseIssue(tt.body)
			if tt.problem != "" {
				if err == nil || !strings.Contains(err.Error(), tt.problem) {
					t.Fatalf("err = %v, want %q", err, tt.problem)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !spec.Start.Equal(ts(tt.start)) || !spec.End.Equal(ts(tt.end)) {
				t.Errorf("span %s..%s", spec.Start, spec.End)
			}
			if strings.Join(spec.Checks, ",") != tt.checks || spec.Every != tt.every {
				t.Errorf("checks %v every %s", spec.Checks, spec.Every)
			}
			if rest != tt.rest {
				t.Errorf("rest = %q", rest)
			}
		})
	}
}
