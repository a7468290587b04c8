// Package channel defines the notification channels, the way prober's
// kinds define checks: each channel is one file here holding its typed
// config (decoded from the channel's YAML mapping, next to the keys every
// channel has), the validation of that config, and how it sends a rendered
// message. The list below is the only other place that names it.
//
// Imports go one way: prober/config decodes and validates channels with
// this package, prober/notify (which imports config) renders, redacts,
// retries and fans out with it; this package imports neither.
package channel

import (
	"context"
	"net/url"
	"strings"
	"text/template"
	"time"
)

// Channel is one configured channel of some kind.
type Channel interface {
	// Validate checks the channel's own fields. Each problem names the
	// field (its YAML key) it is about.
	Validate() []Problem
	// Send delivers text, the rendered and redacted message about ev. An
	// error wrapped with retry.Permanent is not retried.
	Send(ctx context.Context, env Env, ev Event, text string) error
}

// Fanout is implemented by channels that deliver to several places that
// fail independently (Telegram's chats): each part is its own target,
// named "<channel>/<suffix>", so that a part that got a message is not
// sent it again when another part failed.
type Fanout interface {
	Parts() []Part
}

// Part is one target of a Fanout channel.
type Part struct {
	Suffix  string
	Channel Channel
}

// EventFilter is implemented by channels that by nature take only some
// events (PagerDuty escalates by itself and takes no reminders).
type EventFilter interface {
	Takes(eventKind string) bool
}

// Problem is a channel's complaint about one of its fields.
type Problem struct {
	// Field is the YAML key, e.g. "url" or "chat_ids".
	Field string
	// Msg says what is wrong, naming the field.
	Msg string
}

// kinds is every channel kind, in the order they are listed to users.
// Adding a channel is a file in this package and one line here.
var kinds = []struct {
	name string
	new  func() Channel
}{
	{"slack", func() Channel { return &Slack{} }},
	{"discord", func() Channel { return &Discord{} }},
	{"telegram", func() Channel { return &Telegram{} }},
	{"pagerduty", func() Channel { return &PagerDuty{} }},
	{"teams", func() Channel { return &Teams{} }},
	{"email", func() Channel { return &Email{} }},
	{"webhook", func() Channel { return &Webhook{} }},
}

// Kinds names the channel kinds.
func Kinds() []string {
	out := make([]string, len(kinds))
	for i, k := range kinds {
		out[i] = k.name
	}
	return out
}

// New returns a pointer to a fresh, empty config of kind, to decode the
// channel's YAML into; false for an unknown kind.
func New(kind string) (Channel, bool) {
	for _, k := range kinds {
		if k.name == kind {
			return k.new(), true
		}
	}
	return nil, false
}

// Events are the incident events a channel can be told about.
func Events() []string { return []string{Opened, Changed, Resolved, Reminder} }

// Funcs are the functions notification templates may call.
func Funcs() template.FuncMap {
	return template.FuncMap{
		"join":     strings.Join,
		"upper":    strings.ToUpper,
		"lower":    strings.ToLower,
		"duration": HumanDuration,
		"utc":      func(t time.Time) string { return t.UTC().Format("2006-01-02 15:04 UTC") },
	}
}

// need reports a missing required field of a channel of kind.
func need(kind, field, hint string) Problem {
	return Problem{Field: field, Msg: "kind " + kind + " needs `" + field + ":` (" + hint + ")"}
}

// checkURL validates a webhook address: required or optional, http(s).
func checkURL(kind, u string, required bool) []Problem {
	if u == "" {
		if required {
			return []Problem{need(kind, "url", "the webhook address; write it as ${NAME} to keep it secret")}
		}
		return nil
	}
	if strings.Contains(u, "${") {
		// An unset ${NAME}: reported by the loader already, or allowed
		// (validate --allow-missing-secrets); its shape is unknown.
		return nil
	}
	if p, err := url.Parse(u); err != nil || (p.Scheme != "http" && p.Scheme != "https") || p.Host == "" {
		return []Problem{{Field: "url", Msg: "url is not an http(s) URL"}}
	}
	return nil
}
