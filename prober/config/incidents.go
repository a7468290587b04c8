package config

import (
	"fmt"
	"net/mail"
	"regexp"
	"strings"
	"text/template"
	"time"

	"gopkg.in/yaml.v3"
)

// Channel kinds understood by the notify package.
var ChannelKinds = []string{"slack", "discord", "telegram", "pagerduty", "teams", "email", "webhook"}

// NotifyEvents are the incident events a channel can be told about.
var NotifyEvents = []string{"opened", "changed", "resolved", "reminder"}

// TemplateFuncs names the functions notification templates may call
// (defined by the notify package), so that templates are checked here.
var TemplateFuncs = []string{"join", "upper", "lower", "duration", "utc"}

func parseTemplate(name, src string) error {
	fm := template.FuncMap{}
	for _, f := range TemplateFuncs {
		fm[f] = func(...any) string { return "" }
	}
	_, err := template.New(name).Funcs(fm).Parse(src)
	return err
}

var repoName = regexp.MustCompile(`^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$`)

// timeLayouts are the forms a maintenance start or end may take. Times
// without a zone are UTC: a status page's audience is everywhere.
var timeLayouts = []string{
	time.RFC3339,
	"2006-01-02T15:04Z07:00",
	"2006-01-02T15:04:05",
	"2006-01-02T15:04",
	"2006-01-02 15:04:05Z07:00",
	"2006-01-02 15:04Z07:00",
	"2006-01-02 15:04:05",
	"2006-01-02 15:04",
	"2006-01-02",
}

// ParseTime reads a maintenance time: RFC 3339, or "2006-01-02 15:04"
// (UTC), or a date (midnight UTC).
func ParseTime(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	s = strings.TrimSuffix(s, " UTC")
	for _, l := range timeLayouts {
		if t, err := time.Parse(l, s); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("bad time %q: write e.g. 2025-06-01T22:00:00Z or \"2025-06-01 22:00\" (UTC)", s)
}

// Span returns a configured window's first start and end.
func (m Maintenance) Span() (start, end time.Time, err error) {
	if start, err = ParseTime(m.Start); err != nil {
		return start, end, fmt.Errorf("start: %v", err)
	}
	switch {
	case m.End != "" && m.Duration != 0:
		return start, end, fmt.Errorf("give either end or duration, not both")
	case m.End != "":
		if end, err = ParseTime(m.End); err != nil {
			return start, end, fmt.Errorf("end: %v", err)
		}
	case m.Duration > 0:
		end = start.Add(m.Duration.D())
	default:
		return start, end, fmt.Errorf("no end: add `end:` or `duration:`")
	}
	if !end.After(start) {
		return start, end, fmt.Errorf("end %s is not after start %s", end.Format(time.RFC3339), start.Format(time.RFC3339))
	}
	if m.Every != 0 && m.Every.D() < end.Sub(start) {
		return start, end, fmt.Errorf("every %s is shorter than the window (%s): occurrences would overlap", m.Every, end.Sub(start))
	}
	return start, end, nil
}

// applyDefaults fills the defaults of the incidents section.
func (i *Incidents) applyDefaults() {
	if i.FailureThreshold <= 0 {
		i.FailureThreshold = DefaultFailureThreshold
	}
	if i.SuccessThreshold <= 0 {
		i.SuccessThreshold = DefaultSuccessThreshold
	}
	if i.Label == "" {
		i.Label = DefaultIncidentLabel
	}
	if i.MaintenanceLabel == "" {
		i.MaintenanceLabel = DefaultMaintenanceLabel
	}
}

// validateSections checks the incidents, maintenance and notifications
// sections (after the checks are loaded, so that slugs can be checked) and
// fills their defaults.
func validateSections(cfg *Config, root *yaml.Node, c collector) {
	slugs := map[string]bool{}
	var known []string
	for _, chk := range cfg.Checks {
		slugs[chk.Slug] = true
		known = append(known, chk.Slug)
	}
	line := func(path ...string) int {
		if root == nil {
			return 1
		}
		return lineOf(root, path...)
	}
	checkSlugs := func(where string, ln int, list []string) {
		for _, s := range list {
			if !slugs[s] {
				c.add(ln, "%s: no check with slug %q%s", where, s, suggestIn(s, known))
			}
		}
	}

	for _, p := range cfg.History.Problems() {
		key := "history"
		if strings.HasPrefix(p, "history.hourly_retention") {
			key = "hourly_retention"
		} else if strings.HasPrefix(p, "history.raw_retention") {
			key = "raw_retention"
		}
		c.add(line("history", key), "%s", p)
	}

	inc := &cfg.Incidents
	if inc.FailureThreshold < 0 {
		c.add(line("incidents", "failure_threshold"), "incidents.failure_threshold must be 1 or more (default %d)", DefaultFailureThreshold)
	}
	if inc.SuccessThreshold < 0 {
		c.add(line("incidents", "success_threshold"), "incidents.success_threshold must be 1 or more (default %d)", DefaultSuccessThreshold)
	}
	if inc.Repository != "" && !repoName.MatchString(inc.Repository) {
		c.add(line("incidents", "repository"), "incidents.repository %q: write owner/name, e.g. example/status", inc.Repository)
	}
	if inc.APIURL != "" && !isHTTPURL(inc.APIURL) {
		c.add(line("incidents", "api_url"), "incidents.api_url %q is not an http(s) URL", inc.APIURL)
	}
	if inc.Reminder < 0 {
		c.add(line("incidents", "reminder"), "incidents.reminder must be positive")
	}
	inc.applyDefaults()

	mLines := itemLines(root, "maintenance")
	for i := range cfg.Maintenance {
		m := &cfg.Maintenance[i]
		m.Line = line("maintenance")
		if i < len(mLines) {
			m.Line = mLines[i]
		}
		if _, _, err := m.Span(); err != nil {
			c.add(m.Line, "maintenance[%d] (%s): %v", i, m.Title, err)
		}
		checkSlugs(fmt.Sprintf("maintenance[%d]", i), m.Line, m.Checks)
	}

	n := &cfg.Notifications
	if n.Template != "" {
		if err := parseTemplate("notifications", n.Template); err != nil {
			c.add(line("notifications", "template"), "notifications.template: %v", err)
		}
	}
	if n.Timeout < 0 {
		c.add(line("notifications", "timeout"), "notifications.timeout must be positive")
	}
	chLines := itemLines(root, "notifications", "channels")
	names := map[string]int{}
	kindCount := map[string]int{}
	for _, ch := range n.Channels {
		kindCount[ch.Kind]++
	}
	kindSeen := map[string]int{}
	for i := range n.Channels {
		ch := &n.Channels[i]
		ch.Line = line("notifications", "channels")
		if i < len(chLines) {
			ch.Line = chLines[i]
		}
		validateChannel(ch, i, c)
		checkSlugs(fmt.Sprintf("channel %q: checks", ch.Name), ch.Line, ch.Checks)
		if ch.Name == "" {
			kindSeen[ch.Kind]++
			ch.Name = ch.Kind
			if kindCount[ch.Kind] > 1 {
				ch.Name = fmt.Sprintf("%s-%d", ch.Kind, kindSeen[ch.Kind])
			}
		}
		if ch.Name == "github" {
			c.add(ch.Line, "channel name %q is reserved for incident issues: choose another `name:`", ch.Name)
		}
		if prev, dup := names[ch.Name]; dup {
			c.add(ch.Line, "duplicate channel name %q (also at line %d): give each its own `name:`", ch.Name, prev)
		}
		names[ch.Name] = ch.Line
	}
}

func validateChannel(ch *Channel, i int, c collector) {
	where := fmt.Sprintf("notifications.channels[%d]", i)
	if ch.Name != "" {
		where += " (" + ch.Name + ")"
	}
	need := func(ok bool, field, hint string) {
		if !ok {
			c.add(ch.Line, "%s: kind %s needs `%s:` (%s)", where, ch.Kind, field, hint)
		}
	}
	urlOK := func(required bool) {
		if ch.URL == "" {
			need(!required, "url", "the webhook address; write it as ${NAME} to keep it secret")
			return
		}
		// An unset ${NAME} (allowed by AllowMissingSecrets) has no shape yet.
		if !isHTTPURL(ch.URL) && !strings.Contains(ch.URL, "${") {
			c.add(ch.Line, "%s: url is not an http(s) URL", where)
		}
	}
	switch ch.Kind {
	case "slack", "discord", "teams":
		urlOK(true)
	case "webhook":
		urlOK(true)
		need(ch.Secret != "", "secret", "key of the HMAC-SHA256 signature header; write it as ${NAME}")
	case "telegram":
		urlOK(false)
		need(ch.Token != "", "token", "the bot token from @BotFather, as ${NAME}")
		need(len(ch.ChatIDs) > 0, "chat_ids", "one or more chat ids")
	case "pagerduty":
		urlOK(false)
		need(ch.RoutingKey != "", "routing_key", "the Events API v2 integration key, as ${NAME}")
	case "email":
		need(ch.Host != "", "host", "the SMTP server")
		need(ch.From != "", "from", "the sender address")
		need(len(ch.To) > 0, "to", "one or more recipients")
		if ch.From != "" && !strings.Contains(ch.From, "${") {
			if _, err := mail.ParseAddress(ch.From); err != nil {
				c.add(ch.Line, "%s: from %q: %v", where, ch.From, err)
			}
		}
		for _, to := range ch.To {
			if _, err := mail.ParseAddress(to); err != nil && !strings.Contains(to, "${") {
				c.add(ch.Line, "%s: to %q: %v", where, to, err)
			}
		}
		if ch.Port < 0 || ch.Port > 65535 {
			c.add(ch.Line, "%s: port %d out of range", where, ch.Port)
		}
		switch ch.TLS {
		case "", "starttls", "tls", "none":
		default:
			c.add(ch.Line, "%s: tls %q: use starttls, tls or none", where, ch.TLS)
		}
	case "":
		c.add(ch.Line, "%s: no kind: add `kind:` (one of %s)", where, strings.Join(ChannelKinds, ", "))
		return
	default:
		c.add(ch.Line, "%s: unknown kind %q%s", where, ch.Kind, suggest(ch.Kind, ChannelKinds))
		return
	}
	for _, e := range ch.Events {
		if !contains(NotifyEvents, e) {
			c.add(ch.Line, "%s: unknown event %q (use %s)", where, e, strings.Join(NotifyEvents, ", "))
		}
	}
	if ch.Template != "" {
		if err := parseTemplate(ch.Name, ch.Template); err != nil {
			c.add(ch.Line, "%s: template: %v", where, err)
		}
	}
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

func suggestIn(s string, known []string) string {
	if len(known) == 0 {
		return ""
	}
	best, bestD := "", 4
	for _, k := range known {
		if d := editDistance(s, k); d < bestD {
			best, bestD = k, d
		}
	}
	if best != "" {
		return "; did you mean \"" + best + "\"?"
	}
	return " (see upchain validate for the slugs)"
}

// itemLines returns the line of each item of the sequence at path.
func itemLines(root *yaml.Node, path ...string) []int {
	if root == nil {
		return nil
	}
	n := root
	if n.Kind == yaml.DocumentNode && len(n.Content) > 0 {
		n = n.Content[0]
	}
	for _, p := range path {
		var next *yaml.Node
		if n.Kind == yaml.MappingNode {
			for i := 0; i+1 < len(n.Content); i += 2 {
				if n.Content[i].Value == p {
					next = n.Content[i+1]
				}
			}
		}
		if next == nil {
			return nil
		}
		n = next
	}
	if n.Kind != yaml.SequenceNode {
		return nil
	}
	out := make([]int, len(n.Content))
	for i, item := range n.Content {
		out[i] = item.Line
	}
	return out
}
