package channel

import (
	"fmt"
	"time"
)

// Event kinds.
const (
	Opened   = "opened"
	Changed  = "changed"
	Resolved = "resolved"
	Reminder = "reminder"
)

// Event is what a channel is told. Templates see its fields and methods.
type Event struct {
	// Kind is opened, changed, resolved or reminder.
	Kind string
	// ID is the incident's id, stable for its lifetime (PagerDuty's
	// dedup_key derives from it); Seq numbers the incident's updates.
	ID  string
	Seq int
	// Title is the incident's title, e.g. "Ethereum RPC is down in eu-west".
	Title     string
	Check     string
	CheckName string
	Group     string
	// Status is down or degraded, up once resolved.
	Status  string
	Regions []string
	// Text says what happened in this update.
	Text     string
	Started  time.Time
	Resolved time.Time
	// URL is the incident's issue, or its file in the history branch.
	URL   string
	Links []Link
	// Time is when the update happened.
	Time time.Time
	// Site is the status page's title.
	Site string
}

// Link is a named link (Grafana, Kibana, telemetry, ...).
type Link struct{ Name, URL string }

// Duration is how long the incident has lasted (until resolved).
func (e Event) Duration() time.Duration {
	end := e.Resolved
	if end.IsZero() {
		end = e.Time
	}
	if e.Started.IsZero() || end.Before(e.Started) {
		return 0
	}
	return end.Sub(e.Started)
}

// Headline is a one-line summary: "🔴 Down: <title>" and so on.
func (e Event) Headline() string {
	switch e.Kind {
	case Resolved:
		return fmt.Sprintf("✅ Resolved after %s: %s", HumanDuration(e.Duration()), e.Title)
	case Reminder:
		return fmt.Sprintf("⏰ Still open after %s: %s", HumanDuration(e.Duration()), e.Title)
	case Changed:
		return "🟠 Update: " + e.Title
	}
	if e.Status == "degraded" {
		return "🟠 Degraded: " + e.Title
	}
	return "🔴 Down: " + e.Title
}

// HumanDuration writes d as "2 h 5 min", "45 s".
func HumanDuration(d time.Duration) string {
	d = d.Round(time.Second)
	switch {
	case d < time.Minute:
		return fmt.Sprintf("%d s", int(d.Seconds()))
	case d < time.Hour:
		return fmt.Sprintf("%d min", int(d.Minutes()))
	case d < 48*time.Hour:
		h, m := int(d.Hours()), int(d.Minutes())%60
		if m == 0 {
			return fmt.Sprintf("%d h", h)
		}
		return fmt.Sprintf("%d h %d min", h, m)
	}
	days, h := int(d.Hours())/24, int(d.Hours())%24
	if h == 0 {
		return fmt.Sprintf("%d d", days)
	}
	return fmt.Sprintf("%d d %d h", days, h)
}
