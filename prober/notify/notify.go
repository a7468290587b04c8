// Package notify tells the channels operators already use about incidents:
// Slack, Discord, Telegram, PagerDuty, Microsoft Teams, email and a signed
// JSON webhook (each defined in prober/notify/channel). Each channel is tried with backoff inside the caller's
// deadline, concurrently with the others, so that a failing channel never
// holds the rest back. Every text sent is redacted of secrets.
package notify

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"text/template"
	"time"

	"github.com/upchain-dev/upchain/prober/config"
	"github.com/upchain-dev/upchain/prober/internal/httplimit"
	"github.com/upchain-dev/upchain/prober/internal/retry"
	"github.com/upchain-dev/upchain/prober/notify/channel"
	"github.com/upchain-dev/upchain/prober/redact"
)

// Event kinds.
const (
	Opened   = channel.Opened
	Changed  = channel.Changed
	Resolved = channel.Resolved
	Reminder = channel.Reminder
)

// Event is what a channel is told. Templates see its fields and methods.
type Event = channel.Event

// Link is a named link (Grafana, Kibana, telemetry, ...).
type Link = channel.Link

// HumanDuration writes d as "2 h 5 min", "45 s".
func HumanDuration(d time.Duration) string { return channel.HumanDuration(d) }

// DefaultTemplate is the message text unless the config sets one.
const DefaultTemplate = `{{.Headline}}
{{- if .Text}}
{{.Text}}{{end}}
{{- range .Links}}
{{.Name}}: {{.URL}}{{end}}
{{- if .URL}}
{{.URL}}{{end}}`

// Options tune a Notifier. The zero value is what production uses.
type Options struct {
	// HTTPClient for webhooks; default a client with the configured
	// timeout and a 1 MiB response limit.
	HTTPClient *http.Client
	// Retry policy per channel; default 4 attempts from 1s.
	Retry retry.Policy
	// Log receives a line per failed attempt (already redacted).
	Log func(format string, args ...any)
	// Now is the clock; default time.Now.
	Now func() time.Time
}

// Notifier sends events to the configured channels.
type Notifier struct {
	targets []*target
	env     channel.Env
	red     *redact.Redactor
	opts    Options
	site    string
	timeout time.Duration
}

// target is one place a message goes: a channel, or one part of a channel
// that fans out (a chat of a Telegram channel, so that a chat that got a
// message is not sent it again when another chat of the same channel
// failed).
type target struct {
	name   string
	ch     channel.Channel
	tmpl   *template.Template
	events map[string]bool
	checks map[string]bool
}

// ResponseLimit bounds how much of a channel's reply is read.
const ResponseLimit = 1 << 20

// DefaultTimeout bounds each request to a channel.
const DefaultTimeout = 10 * time.Second

// New builds a Notifier for the channels of l. Templates are checked here
// against a sample event: a mistake is reported with the file and line of
// its channel.
func New(l *config.Loaded, opts Options) (*Notifier, error) {
	cfg := l.Notifications
	n := &Notifier{red: l.Redactor, opts: opts, site: l.Site.Title, timeout: cfg.Timeout.D()}
	if n.timeout <= 0 {
		n.timeout = DefaultTimeout
	}
	if n.opts.HTTPClient == nil {
		n.opts.HTTPClient = httplimit.Client(n.timeout, ResponseLimit)
	}
	if n.opts.Retry.Attempts == 0 && n.opts.Retry.Base == 0 {
		n.opts.Retry = retry.Policy{Attempts: 4, Base: time.Second, Max: 20 * time.Second}
	}
	if n.opts.Now == nil {
		n.opts.Now = time.Now
	}
	if n.opts.Log == nil {
		n.opts.Log = func(string, ...any) {}
	}
	n.env = channel.Env{HTTP: n.opts.HTTPClient, Now: n.opts.Now}
	var errs config.Errors
	for i, ch := range cfg.Channels {
		src := DefaultTemplate
		switch {
		case ch.Template != "":
			src = ch.Template
		case cfg.Template != "":
			src = cfg.Template
		}
		tmpl, err := template.New(ch.Name).Funcs(channel.Funcs()).Option("missingkey=error").Parse(src)
		if err == nil {
			err = tmpl.Execute(io.Discard, sampleEvent())
		}
		if err != nil {
			errs = append(errs, config.Problem{File: l.File, Line: ch.Line, Msg: fmt.Sprintf("notifications.channels[%d] (%s): template: %v", i, ch.Name, err)})
			continue
		}
		if ch.Settings == nil {
			errs = append(errs, config.Problem{File: l.File, Line: ch.Line, Msg: fmt.Sprintf("notifications.channels[%d]: unknown kind %q", i, ch.Kind)})
			continue
		}
		base := target{name: ch.Name, ch: ch.Settings, tmpl: tmpl, events: set(ch.Events), checks: set(ch.Checks)}
		fan, ok := ch.Settings.(channel.Fanout)
		if !ok {
			n.targets = append(n.targets, &base)
			continue
		}
		for _, p := range fan.Parts() {
			t := base
			t.name, t.ch = ch.Name+"/"+p.Suffix, p.Channel
			n.targets = append(n.targets, &t)
		}
	}
	if len(errs) > 0 {
		return nil, errs
	}
	return n, nil
}

func set(list []string) map[string]bool {
	if len(list) == 0 {
		return nil
	}
	m := map[string]bool{}
	for _, s := range list {
		m[s] = true
	}
	return m
}

func sampleEvent() Event {
	t := time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)
	return Event{Kind: Opened, ID: "20250102-0304-sample", Seq: 1, Title: "Sample is down", Check: "sample", CheckName: "Sample", Status: "down",
		Regions: []string{"global"}, Text: "text", Started: t, Time: t, URL: "https://example.org/1", Links: []Link{{Name: "Grafana", URL: "https://example.org/g"}}, Site: "Status"}
}

// Targets lists where messages go: channel names, and "<name>/<suffix>"
// for each part of a channel that fans out (a Telegram channel's chats).
func (n *Notifier) Targets() []string {
	if n == nil {
		return nil
	}
	out := make([]string, len(n.targets))
	for i, t := range n.targets {
		out[i] = t.name
	}
	return out
}

func (n *Notifier) target(name string) *target {
	if n == nil {
		return nil
	}
	for _, t := range n.targets {
		if t.name == name {
			return t
		}
	}
	return nil
}

// Wants reports whether target name takes ev (its events and checks
// filters, and its kind's own, e.g. PagerDuty takes no reminders).
func (n *Notifier) Wants(name string, ev Event) bool {
	t := n.target(name)
	if t == nil {
		return false
	}
	if t.events != nil && !t.events[ev.Kind] {
		return false
	}
	if t.checks != nil && !t.checks[ev.Check] {
		return false
	}
	if f, ok := t.ch.(channel.EventFilter); ok && !f.Takes(ev.Kind) {
		return false
	}
	return true
}

// ErrUnknownTarget is returned for a target that is not configured.
var ErrUnknownTarget = errors.New("no such notification channel")

// Send delivers ev to one target, retrying with backoff inside ctx's
// deadline. Errors are redacted.
func (n *Notifier) Send(ctx context.Context, name string, ev Event) error {
	t := n.target(name)
	if t == nil {
		return fmt.Errorf("%s: %w", name, ErrUnknownTarget)
	}
	ev = n.redactEvent(ev)
	if ev.Site == "" {
		ev.Site = n.site
	}
	var buf bytes.Buffer
	if err := t.tmpl.Execute(&buf, ev); err != nil {
		return fmt.Errorf("%s: template: %v", name, err)
	}
	text := n.red.String(strings.TrimSpace(buf.String()))
	policy := n.opts.Retry
	policy.OnRetry = func(attempt int, wait time.Duration, err error) {
		n.opts.Log("notify %s: attempt %d failed: %s; retrying in %s", name, attempt, n.red.Error(err), wait.Round(time.Millisecond))
	}
	err := policy.Do(ctx, func(ctx context.Context) error {
		rctx, cancel := context.WithTimeout(ctx, n.timeout)
		defer cancel()
		return t.ch.Send(rctx, n.env, ev, text)
	})
	if err != nil {
		return errors.New(n.red.String(fmt.Sprintf("%s: %v", name, err)))
	}
	return nil
}

// SendAll delivers ev to every target that wants it, concurrently, and
// returns the error of each target that failed.
func (n *Notifier) SendAll(ctx context.Context, ev Event) map[string]error {
	var mu sync.Mutex
	var wg sync.WaitGroup
	errs := map[string]error{}
	for _, name := range n.Targets() {
		if !n.Wants(name, ev) {
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := n.Send(ctx, name, ev); err != nil {
				mu.Lock()
				errs[name] = err
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	return errs
}

func (n *Notifier) redactEvent(ev Event) Event {
	r := n.red
	ev.Title, ev.Text, ev.CheckName, ev.URL = r.String(ev.Title), r.String(ev.Text), r.String(ev.CheckName), r.URL(ev.URL)
	ev.Regions = append([]string(nil), ev.Regions...)
	for i := range ev.Regions {
		ev.Regions[i] = r.String(ev.Regions[i])
	}
	links := make([]Link, len(ev.Links))
	for i, l := range ev.Links {
		links[i] = Link{Name: r.String(l.Name), URL: r.URL(l.URL)}
	}
	ev.Links = links
	return ev
}
