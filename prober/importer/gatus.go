package importer

import (
	"fmt"
	"net"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/upchain-dev/upchain/prober/config"
	"gopkg.in/yaml.v3"
)

// gatusConfig is Gatus's config.yaml as documented in its README
// (github.com/TwiN/gatus, sections Configuration, Conditions, Alerting,
// Maintenance).
type gatusConfig struct {
	Endpoints   []yaml.Node          `yaml:"endpoints"`
	Alerting    map[string]yaml.Node `yaml:"alerting"`
	Maintenance *gatusMaintenance    `yaml:"maintenance"`
}

type gatusEndpoint struct {
	Enabled    *bool             `yaml:"enabled"`
	Name       string            `yaml:"name"`
	Group      string            `yaml:"group"`
	URL        string            `yaml:"url"`
	Method     string            `yaml:"method"`
	Body       string            `yaml:"body"`
	GraphQL    bool              `yaml:"graphql"`
	Headers    map[string]string `yaml:"headers"`
	Interval   string            `yaml:"interval"`
	Conditions []string          `yaml:"conditions"`
	DNS        *struct {
		QueryType string `yaml:"query-type"`
		QueryName string `yaml:"query-name"`
	} `yaml:"dns"`
	Client *struct {
		Insecure       bool   `yaml:"insecure"`
		IgnoreRedirect bool   `yaml:"ignore-redirect"`
		Timeout        string `yaml:"timeout"`
	} `yaml:"client"`
	Alerts             []gatusAlert       `yaml:"alerts"`
	MaintenanceWindows []gatusMaintenance `yaml:"maintenance-windows"`
}

type gatusAlert struct {
	Type             string `yaml:"type"`
	Enabled          *bool  `yaml:"enabled"`
	FailureThreshold int    `yaml:"failure-threshold"`
	SuccessThreshold int    `yaml:"success-threshold"`
	SendOnResolved   bool   `yaml:"send-on-resolved"`
}

type gatusMaintenance struct {
	Enabled  *bool    `yaml:"enabled"`
	Start    string   `yaml:"start"`
	Duration string   `yaml:"duration"`
	Timezone string   `yaml:"timezone"`
	Every    []string `yaml:"every"`
}

var gatusEndpointKeys = []string{"enabled", "name", "group", "url", "method", "body", "graphql", "headers", "interval", "conditions", "dns", "client", "alerts", "maintenance-windows",
	"ui"} // ui only hides details on Gatus's page

// GatusDefaultInterval is Gatus's default interval.
const GatusDefaultInterval = "1m"

// Gatus translates a Gatus config.yaml. ${VAR} placeholders carry over:
// upchain expands them the same way.
func Gatus(data []byte, opts Options) (*Result, error) {
	file := opts.File
	if file == "" {
		file = "config.yaml"
	}
	root, err := parseSource(file, data)
	if err != nil {
		return nil, err
	}
	var gc gatusConfig
	if err := decode(file, root, &gc); err != nil {
		return nil, err
	}
	if len(gc.Endpoints) == 0 {
		return nil, Errors{{File: file, Line: lineOf(root, "endpoints"), Msg: "no endpoints: Gatus's `endpoints:` lists what to import"}}
	}
	r := newResult()
	r.unknownKeys(file, root, "", "endpoints", "alerting", "maintenance",
		// Gatus's own storage, web server, metrics and page: upchain has its own.
		"storage", "web", "metrics", "ui", "security", "debug", "disable-monitoring-lock", "skip-invalid-config-update", "concurrency")
	r.Main.Defaults = &Defaults{Interval: GatusDefaultInterval}
	var errs Errors
	// alerted collects, per alert type, the checks that alert it.
	alerted := map[string][]*Check{}
	resolved := map[string]bool{}
	thresholds := map[[2]int]int{}
	total := 0
	type endpointWindows struct {
		c  *Check
		n  *yaml.Node
		ms []gatusMaintenance
	}
	var windows []endpointWindows
	for i := range gc.Endpoints {
		n := &gc.Endpoints[i]
		var e gatusEndpoint
		if err := decode(file, n, &e); err != nil {
			errs = append(errs, err.(Errors)...)
			continue
		}
		r.unknownKeys(file, n, fmt.Sprintf("endpoints[%d] (%s): ", i, e.Name), gatusEndpointKeys...)
		if e.Enabled != nil && !*e.Enabled {
			r.skip(file, n.Line, "endpoint %q is disabled: not imported", e.Name)
			continue
		}
		c, perr := gatusCheck(r, file, n, &e)
		if perr != nil {
			errs = append(errs, *perr)
			continue
		}
		if c == nil {
			continue
		}
		group := e.Group
		if group == "" {
			group = "Endpoints"
		}
		f := r.file(group)
		f.Checks = append(f.Checks, c)
		windows = append(windows, endpointWindows{c, value(n, "maintenance-windows"), e.MaintenanceWindows})
		total++
		for _, a := range e.Alerts {
			if a.Enabled != nil && !*a.Enabled {
				continue
			}
			alerted[a.Type] = append(alerted[a.Type], c)
			resolved[a.Type] = resolved[a.Type] || a.SendOnResolved
			// Gatus's defaults: 3 failures, 2 successes.
			ft, st := a.FailureThreshold, a.SuccessThreshold
			if ft == 0 {
				ft = 3
			}
			if st == 0 {
				st = 2
			}
			thresholds[[2]int{ft, st}]++
		}
	}
	if len(errs) == 0 && total == 0 {
		errs = append(Errors(r.Skipped), Problem{File: file, Line: lineOf(root, "endpoints"), Msg: "no endpoint could be imported (see above)"})
	}
	if len(errs) > 0 {
		return nil, errs
	}
	r.uniqueSlugs()
	gatusThresholds(r, file, root, thresholds)
	gatusAlerting(r, file, root, &gc, alerted, resolved, total)
	now := time.Now
	if opts.Now != nil {
		now = opts.Now
	}
	if gc.Maintenance != nil {
		gatusMaint(r, file, value(root, "maintenance"), gc.Maintenance, now(), nil)
	}
	for _, w := range windows {
		for i := range w.ms {
			var n *yaml.Node
			if w.n != nil && i < len(w.n.Content) {
				n = w.n.Content[i]
			}
			gatusMaint(r, file, n, &w.ms[i], now(), []string{slugOf(w.c)})
		}
	}
	for _, name := range r.fileNames() {
		r.note("group %q: %d endpoint(s) became checks in checks/%s", r.Files[name].Group, len(r.Files[name].Checks), name)
	}
	return r, nil
}

func gatusCheck(r *Result, file string, n *yaml.Node, e *gatusEndpoint) (*Check, *Problem) {
	if e.Name == "" {
		return nil, &Problem{File: file, Line: n.Line, Msg: "endpoint has no name"}
	}
	if e.URL == "" {
		return nil, &Problem{File: file, Line: n.Line, Msg: fmt.Sprintf("endpoint %q has no url", e.Name)}
	}
	c := &Check{Name: e.Name}
	duration := func(key, v string, into *string) {
		if v == "" {
			return
		}
		if d, err := config.ParseDuration(v); err != nil || d <= 0 {
			r.skip(file, lineOf(n, key), "endpoint %q: %s %q is not a duration: the default is used", e.Name, key, v)
			return
		}
		*into = v
	}
	duration("interval", e.Interval, &c.Interval)
	if e.Client != nil {
		duration("client", e.Client.Timeout, &c.Timeout)
	}
	if an := value(n, "alerts"); an != nil {
		for i, a := range an.Content {
			r.unknownKeys(file, a, fmt.Sprintf("endpoint %q: alerts[%d]: ", e.Name, i), "type", "enabled", "failure-threshold", "success-threshold", "send-on-resolved", "description")
		}
	}
	// Not url.Parse: a ${VAR} host does not parse.
	scheme, _, _ := strings.Cut(e.URL, "://")
	scheme = strings.ToLower(scheme)
	if strings.HasPrefix(e.URL, "$") && e.DNS == nil {
		// The scheme is in the variable: most such endpoints are web pages.
		scheme = "http"
		r.note("endpoint %q: url %s starts with a variable: imported as an http check", e.Name, e.URL)
	}
	kind := ""
	switch {
	case e.DNS != nil:
		kind = "dns"
		server := e.URL
		if _, _, err := net.SplitHostPort(server); err != nil {
			server = net.JoinHostPort(server, "53")
		}
		c.URL = "dns://" + e.DNS.QueryName
		c.DNS = &DNSOptions{Type: strings.ToUpper(e.DNS.QueryType), Server: server}
	case scheme == "http" || scheme == "https":
		kind = "http"
		c.URL, c.Method, c.Body = gatusEnv(e.URL), strings.ToUpper(e.Method), gatusEnv(e.Body)
		for k, v := range e.Headers {
			if c.Headers == nil {
				c.Headers = map[string]string{}
			}
			c.Headers[k] = gatusEnv(v)
		}
		if e.GraphQL {
			b, _ := yamlJSONString(map[string]string{"query": e.Body})
			c.Body = b
			c.Method = "POST"
			if c.Headers == nil {
				c.Headers = map[string]string{}
			}
			c.Headers["Content-Type"] = "application/json"
		}
		if e.Client != nil && (e.Client.Insecure || e.Client.IgnoreRedirect) {
			c.HTTP = &HTTPOptions{InsecureSkipVerify: e.Client.Insecure}
			if e.Client.IgnoreRedirect {
				zero := 0
				c.HTTP.MaxRedirects = &zero
			}
		}
	case scheme == "tcp":
		kind, c.URL = "tcp", gatusEnv(e.URL)
	case scheme == "tls":
		kind, c.URL = "tls", gatusEnv(e.URL)
	case scheme == "ws" || scheme == "wss":
		kind, c.URL = "websocket", gatusEnv(e.URL)
		send := gatusEnv(e.Body)
		if send == "" {
			send = "ping"
			c.Comment = "FILL IN `send:` with a message this server answers: the Gatus endpoint sent none."
			r.skip(file, n.Line, "endpoint %q: a websocket check needs a message to send; review `send: ping`", e.Name)
		}
		c.Websocket = &WebsocketOptions{Send: send}
		if e.Client != nil && e.Client.Insecure {
			c.Websocket.InsecureSkipVerify = true
		}
	default:
		r.skip(file, lineOf(n, "url"), "endpoint %q: %s:// endpoints have no upchain kind (it has http, tcp, tls, dns, websocket): not imported", e.Name, scheme)
		return nil, nil
	}
	c.Kind = kind
	condNode := value(n, "conditions")
	for i, src := range e.Conditions {
		line := n.Line
		if condNode != nil && i < len(condNode.Content) {
			line = condNode.Content[i].Line
		}
		out, drop, err := GatusCondition(src, kind)
		switch {
		case err != nil:
			r.skip(file, line, "endpoint %q: condition %q not translated: %v", e.Name, src, err)
		case drop != "":
			r.note("endpoint %q: condition %q is implied by kind %s (%s)", e.Name, src, kind, drop)
		default:
			c.Conditions = append(c.Conditions, out)
		}
	}
	return c, nil
}

// gatusEnv writes Gatus's $VAR as ${VAR} (upchain's one form) and its
// escaped $$ as a plain $; ${VAR} stays as it is.
func gatusEnv(s string) string {
	parts := strings.Split(s, "$$")
	for i, p := range parts {
		parts[i] = upptimeSecrets(p)
	}
	return strings.Join(parts, "$")
}

func yamlJSONString(v map[string]string) (string, error) {
	keys := make([]string, 0, len(v))
	for k := range v {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = strconv.Quote(k) + ":" + strconv.Quote(v[k])
	}
	return "{" + strings.Join(parts, ",") + "}", nil
}

// gatusThresholds carries the alerts' failure and success thresholds over
// to incidents, which upchain sets once for all checks.
func gatusThresholds(r *Result, file string, root *yaml.Node, th map[[2]int]int) {
	if len(th) == 0 {
		return
	}
	var best [2]int
	for k, n := range th {
		if n > th[best] || n == th[best] && (k[0] < best[0] || best[0] == 0) {
			best = k
		}
	}
	if r.Main.Incidents == nil {
		r.Main.Incidents = &Incidents{}
	}
	r.Main.Incidents.FailureThreshold, r.Main.Incidents.SuccessThreshold = best[0], best[1]
	if len(th) > 1 {
		r.skip(file, lineOf(root, "endpoints"), "alerts use different failure/success thresholds; upchain has one pair for all checks: the most common (%d/%d) is used", best[0], best[1])
	}
}

// envSecret turns a literal secret of a source into a ${NAME} to set in
// the environment, so that it is redacted and never committed; a ${VAR}
// stays as it is.
func envSecret(r *Result, file string, line int, v, name string) string {
	if v == "" || strings.HasPrefix(v, "${") && strings.HasSuffix(v, "}") {
		return v
	}
	r.note("secret at %s:%d became ${%s}: set %s to that value in upchain's environment", file, line, name, name)
	return "${" + name + "}"
}

func gatusAlerting(r *Result, file string, root *yaml.Node, gc *gatusConfig, alerted map[string][]*Check, resolved map[string]bool, total int) {
	alertNode := value(root, "alerting")
	var missing []string
	for t := range alerted {
		if _, ok := gc.Alerting[t]; !ok {
			missing = append(missing, t)
		}
	}
	sort.Strings(missing)
	for _, t := range missing {
		r.skip(file, lineOf(root, "alerting"), "endpoints alert %q, which `alerting:` does not configure: not imported", t)
	}
	types := make([]string, 0, len(gc.Alerting))
	for t := range gc.Alerting {
		types = append(types, t)
	}
	sort.Strings(types)
	for _, t := range types {
		n := gc.Alerting[t]
		line := lineOf(alertNode, t)
		str := func(key string) string {
			if v := value(&n, key); v != nil {
				return v.Value
			}
			return ""
		}
		env := "GATUS_" + strings.ToUpper(t) + "_"
		var ch Channel
		switch t {
		case "slack", "discord", "teams":
			ch = Channel{Kind: t, URL: envSecret(r, file, lineOf(&n, "webhook-url"), str("webhook-url"), env+"WEBHOOK_URL")}
		case "telegram":
			ch = Channel{Kind: t, Token: envSecret(r, file, lineOf(&n, "token"), str("token"), env+"TOKEN"), ChatIDs: []string{str("id")}}
		case "pagerduty":
			ch = Channel{Kind: t, RoutingKey: envSecret(r, file, lineOf(&n, "integration-key"), str("integration-key"), env+"INTEGRATION_KEY")}
		case "email":
			port, _ := strconv.Atoi(str("port"))
			var to []string
			for _, s := range strings.Split(str("to"), ",") {
				if s = strings.TrimSpace(s); s != "" {
					to = append(to, s)
				}
			}
			ch = Channel{Kind: t, Host: str("host"), Port: port, Username: str("username"),
				Password: envSecret(r, file, lineOf(&n, "password"), str("password"), env+"PASSWORD"), From: str("from"), To: to}
		default:
			r.skip(file, line, "alerting provider %q: upchain has no such channel (it has slack, discord, teams, telegram, pagerduty, email, and webhook with a signing secret)", t)
			continue
		}
		var checks []string
		for _, c := range alerted[t] {
			if s := slugOf(c); !has(checks, s) { // slugs are final: uniqueSlugs ran
				checks = append(checks, s)
			}
		}
		if len(checks) == 0 {
			r.skip(file, line, "alerting provider %q: no endpoint alerts it: not imported", t)
			continue
		}
		if len(checks) < total {
			sort.Strings(checks)
			ch.Checks = checks
		}
		if !resolved[t] {
			ch.Events = []string{"opened", "changed", "reminder"} // Gatus sends no resolution unless send-on-resolved
		}
		if r.Main.Notifications == nil {
			r.Main.Notifications = &Notifications{}
		}
		r.Main.Notifications.Channels = append(r.Main.Notifications.Channels, ch)
		r.note("alerting provider %s became a %s channel for %d check(s)", t, ch.Kind, len(checks))
	}
}

var weekdays = map[string]time.Weekday{"sunday": time.Sunday, "monday": time.Monday, "tuesday": time.Tuesday,
	"wednesday": time.Wednesday, "thursday": time.Thursday, "friday": time.Friday, "saturday": time.Saturday}

// gatusMaint turns Gatus's daily (or weekday) window into upchain windows
// that repeat every day or week, from the next occurrence after now.
func gatusMaint(r *Result, file string, n *yaml.Node, m *gatusMaintenance, now time.Time, checks []string) {
	if m.Enabled != nil && !*m.Enabled {
		return
	}
	loc := time.UTC
	if m.Timezone != "" {
		l, err := time.LoadLocation(m.Timezone)
		if err != nil {
			r.skip(file, lineOf(n, "timezone"), "maintenance timezone %q: %v: not imported", m.Timezone, err)
			return
		}
		loc = l
	}
	clock, err := time.ParseInLocation("15:04", m.Start, loc)
	if err != nil {
		r.skip(file, lineOf(n, "start"), "maintenance start %q is not hh:mm: not imported", m.Start)
		return
	}
	if _, err := config.ParseDuration(m.Duration); err != nil {
		r.skip(file, lineOf(n, "duration"), "maintenance duration %q: %v: not imported", m.Duration, err)
		return
	}
	local := now.In(loc)
	at := func(day time.Time) time.Time {
		return time.Date(day.Year(), day.Month(), day.Day(), clock.Hour(), clock.Minute(), 0, 0, loc)
	}
	if len(m.Every) == 0 {
		r.Main.Maintenance = append(r.Main.Maintenance, Maintenance{Title: "Maintenance (from Gatus)", Checks: checks, Start: at(local).UTC().Format("2006-01-02T15:04:05Z"), Duration: m.Duration, Every: "24h"})
	}
	for _, d := range m.Every {
		wd, ok := weekdays[strings.ToLower(d)]
		if !ok {
			r.skip(file, lineOf(n, "every"), "maintenance every %q is not a weekday", d)
			continue
		}
		day := local.AddDate(0, 0, (int(wd)-int(local.Weekday())+7)%7)
		r.Main.Maintenance = append(r.Main.Maintenance, Maintenance{Title: "Maintenance (from Gatus, " + wd.String() + ")", Checks: checks, Start: at(day).UTC().Format("2006-01-02T15:04:05Z"), Duration: m.Duration, Every: "7d"})
	}
	if m.Timezone != "" && m.Timezone != "UTC" {
		r.note("maintenance in %s became UTC times: they move by an hour when %s changes to or from summer time", m.Timezone, m.Timezone)
	}
}
