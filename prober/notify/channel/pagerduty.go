package channel

import (
	"context"
	"encoding/json"
	"strings"
	"time"
)

// DefaultPagerDutyURL is the Events API v2 endpoint.
const DefaultPagerDutyURL = "https://events.pagerduty.com/v2/enqueue"

// DedupKey is the PagerDuty dedup_key of an incident: stable for its whole
// life, so that updates land on the same alert and resolve closes it.
func DedupKey(incidentID string) string { return "upchain/" + incidentID }

// PagerDuty is an Events API v2 integration.
type PagerDuty struct {
	// URL is the Events API, default DefaultPagerDutyURL.
	URL        string `yaml:"url"`
	RoutingKey string `yaml:"routing_key"`
}

// Validate needs a routing key; url is optional.
func (c *PagerDuty) Validate() []Problem {
	out := checkURL("pagerduty", c.URL, false)
	if c.RoutingKey == "" {
		out = append(out, need("pagerduty", "routing_key", "the Events API v2 integration key, as ${NAME}"))
	}
	return out
}

// Takes every event but reminders: PagerDuty escalates by itself.
func (c *PagerDuty) Takes(eventKind string) bool { return eventKind != Reminder }

// Send triggers on open and change (same dedup_key, so PagerDuty keeps one
// alert) and resolves on resolve.
// https://developer.pagerduty.com/docs/events-api-v2/trigger-events/
// https://developer.pagerduty.com/docs/events-api-v2/resolve-events/
func (c *PagerDuty) Send(ctx context.Context, env Env, ev Event, text string) error {
	url := c.URL
	if url == "" {
		url = DefaultPagerDutyURL
	}
	msg := map[string]any{
		"routing_key": c.RoutingKey,
		"dedup_key":   DedupKey(ev.ID),
	}
	if ev.Kind == Resolved {
		msg["event_action"] = "resolve"
	} else {
		severity := "critical"
		if ev.Status == "degraded" {
			severity = "warning"
		}
		source := "upchain"
		if ev.Site != "" {
			source = "upchain: " + ev.Site
		}
		payload := map[string]any{
			"summary":   truncate(ev.Title, 1024),
			"source":    source,
			"severity":  severity,
			"timestamp": ev.Time.UTC().Format(time.RFC3339),
			"component": ev.Check,
			"class":     ev.Status,
			"custom_details": map[string]any{
				"message": text,
				"regions": strings.Join(ev.Regions, ", "),
				"started": ev.Started.UTC().Format(time.RFC3339),
			},
		}
		if ev.Group != "" {
			payload["group"] = ev.Group
		}
		msg["event_action"] = "trigger"
		msg["payload"] = payload
		msg["client"] = "upchain"
		if ev.URL != "" {
			msg["client_url"] = ev.URL
		}
		var links []map[string]string
		for _, l := range ev.Links {
			links = append(links, map[string]string{"href": l.URL, "text": l.Name})
		}
		if links != nil {
			msg["links"] = links
		}
	}
	body, _ := json.Marshal(msg)
	_, err := env.PostJSON(ctx, url, body, nil)
	return err
}
