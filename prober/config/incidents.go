package config

import (
	"fmt"
	"reflect"
	"regexp"
	"strings"
	"text/template"
	"time"

	"github.com/upchain-dev/upchain/prober/notify/channel"
	"gopkg.in/yaml.v3"
)

func parseTemplate(name, src string) error {
	_, err := template.New(name).Funcs(channel.Funcs()).Parse(src)
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

// validateChannel checks the keys every channel has, and lets the kind
// check its own. Problems are reported at the channel's line.
func validateChannel(ch *Channel, i int, c collector) {
	where := fmt.Sprintf("notifications.channels[%d]", i)
	if ch.Name != "" {
		where += " (" + ch.Name + ")"
	}
	if ch.decodeErr != nil {
		c.addYAML(ch.decodeErr, ch.Line)
	}
	switch {
	case ch.Kind == "":
		c.add(ch.Line, "%s: no kind: add `kind:` (one of %s)", where, strings.Join(channel.Kinds(), ", "))
		return
	case ch.Settings == nil:
		c.add(ch.Line, "%s: unknown kind %q%s", where, ch.Kind, suggest(ch.Kind, channel.Kinds()))
		return
	}
	checkChannelKeys(ch, c)
	for _, p := range ch.Settings.Validate() {
		c.add(ch.Line, "%s: %s", where, p.Msg)
	}
	events := channel.Events()
	for _, e := range ch.Events {
		if !contains(events, e) {
			c.add(ch.Line, "%s: unknown event %q (use %s)", where, e, strings.Join(events, ", "))
		}
	}
	if ch.Template != "" {
		if err := parseTemplate(ch.Name, ch.Template); err != nil {
			c.add(ch.Line, "%s: template: %v", where, err)
		}
	}
}

// checkChannelKeys reports keys that are neither common to channels nor
// the kind's own, at their lines.
func checkChannelKeys(ch *Channel, c collector) {
	n := ch.node
	if n == nil || n.Kind != yaml.MappingNode {
		return
	}
	fields := yamlFields(reflect.TypeOf(channelKeys{}))
	for k, t := range yamlFields(reflect.TypeOf(ch.Settings).Elem()) {
		fields[k] = t
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		ft, ok := fields[k.Value]
		if !ok {
			c.add(k.Line, "unknown key %q in a channel of kind %s%s", k.Value, ch.Kind, suggest(k.Value, keysOf(fields)))
			continue
		}
		checkKeys(v, ft, k.Value, c)
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
