package importer

import (
	"fmt"
	"net"
	"net/url"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/upchain-dev/upchain/prober/config"
	"gopkg.in/yaml.v3"
)

// upptimeRC is .upptimerc.yml as documented at
// https://upptime.js.org/docs/configuration.
type upptimeRC struct {
	Owner            string            `yaml:"owner"`
	Repo             string            `yaml:"repo"`
	Sites            []yaml.Node       `yaml:"sites"`
	Assignees        []string          `yaml:"assignees"`
	StatusWebsite    upptimeWebsite    `yaml:"status-website"`
	WorkflowSchedule map[string]string `yaml:"workflowSchedule"`
}

type upptimeWebsite struct {
	Name         string `yaml:"name"`
	CNAME        string `yaml:"cname"`
	BaseURL      string `yaml:"baseUrl"`
	IntroTitle   string `yaml:"introTitle"`
	IntroMessage string `yaml:"introMessage"`
	Navbar       []struct {
		Title string `yaml:"title"`
		Href  string `yaml:"href"`
	} `yaml:"navbar"`
}

type upptimeSite struct {
	Name                      string   `yaml:"name"`
	Slug                      string   `yaml:"slug"`
	URL                       string   `yaml:"url"`
	Check                     string   `yaml:"check"`
	Port                      int      `yaml:"port"`
	Method                    string   `yaml:"method"`
	Headers                   []string `yaml:"headers"`
	Body                      string   `yaml:"body"`
	ExpectedStatusCodes       []int    `yaml:"expectedStatusCodes"`
	MaxResponseTime           int      `yaml:"maxResponseTime"`
	Assignees                 []string `yaml:"assignees"`
	Insecure                  bool     `yaml:"__dangerous__insecure"`
	DisableVerifyPeer         bool     `yaml:"__dangerous__disable_verify_peer"`
	DisableVerifyHost         bool     `yaml:"__dangerous__disable_verify_host"`
	BodyDown                  string   `yaml:"__dangerous__body_down"`
	BodyDownIfTextMissing     string   `yaml:"__dangerous__body_down_if_text_missing"`
	BodyDegraded              string   `yaml:"__dangerous__body_degraded"`
	BodyDegradedIfTextMissing string   `yaml:"__dangerous__body_degraded_if_text_missing"`
}

var upptimeSiteKeys = []string{"name", "slug", "url", "check", "port", "method", "headers", "body",
	"expectedStatusCodes", "maxResponseTime", "assignees",
	"__dangerous__insecure", "__dangerous__disable_verify_peer", "__dangerous__disable_verify_host",
	"__dangerous__body_down", "__dangerous__body_down_if_text_missing",
	"__dangerous__body_degraded", "__dangerous__body_degraded_if_text_missing"}

// upptimeIgnored are keys that only concern Upptime's own machinery
// (its GitHub workflows, README and site build); they are not reported.
var upptimeIgnored = []string{"user-agent", "PAT", "commitMessages", "runner", "skipDescriptionUpdate",
	"skipTopicsUpdate", "skipHomepageUpdate", "skipDeleteIssues", "i18n", "summaryStartHtml", "summaryEndHtml",
	"robotsText", "customStatusWebsitePackage"}

// UpptimeGroup is the group of the imported sites.
const UpptimeGroup = "Sites"

// Upptime translates a .upptimerc.yml.
func Upptime(data []byte, opts Options) (*Result, error) {
	file := opts.File
	if file == "" {
		file = ".upptimerc.yml"
	}
	root, err := parseSource(file, data)
	if err != nil {
		return nil, err
	}
	var rc upptimeRC
	if err := decode(file, root, &rc); err != nil {
		return nil, err
	}
	r := newResult()
	r.unknownKeys(file, root, "", append([]string{"owner", "repo", "sites", "assignees", "status-website", "workflowSchedule"}, upptimeIgnored...)...)
	if len(rc.Sites) == 0 {
		return nil, Errors{{File: file, Line: lineOf(root, "sites"), Msg: "no sites: Upptime's `sites:` lists the endpoints to import"}}
	}
	var errs Errors
	f := r.file(UpptimeGroup)
	for i := range rc.Sites {
		n := &rc.Sites[i]
		var s upptimeSite
		if err := decode(file, n, &s); err != nil {
			errs = append(errs, err.(Errors)...)
			continue
		}
		r.unknownKeys(file, n, fmt.Sprintf("sites[%d] (%s): ", i, s.Name), upptimeSiteKeys...)
		c, perr := upptimeCheck(r, file, n, &s)
		if perr != nil {
			errs = append(errs, *perr)
			continue
		}
		f.Checks = append(f.Checks, c)
	}
	if len(errs) > 0 {
		return nil, errs
	}
	upptimeMain(r, file, root, &rc)
	upptimeNotify(r, opts.Notify)
	r.uniqueSlugs()
	r.note("%d site(s) became checks in checks/%s.yml", len(f.Checks), config.Slugify(UpptimeGroup))
	return r, nil
}

// upptimeSecret matches Upptime's $SECRET placeholders (not ${...}).
var upptimeSecret = regexp.MustCompile(`\$([A-Za-z_][A-Za-z0-9_]*)`)

// upptimeSecrets turns $NAME into upchain's ${NAME}.
func upptimeSecrets(s string) string {
	return upptimeSecret.ReplaceAllString(s, "$${$1}")
}

func upptimeCheck(r *Result, file string, n *yaml.Node, s *upptimeSite) (*Check, *Problem) {
	if s.Name == "" {
		return nil, &Problem{File: file, Line: n.Line, Msg: "site has no name"}
	}
	if s.URL == "" {
		return nil, &Problem{File: file, Line: n.Line, Msg: fmt.Sprintf("site %q has no url", s.Name)}
	}
	c := &Check{Name: s.Name, Slug: config.Slugify(s.Slug)}
	raw := upptimeSecrets(s.URL)
	switch s.Check {
	case "", "http":
		c.Kind, c.URL = "http", raw
		c.Method = strings.ToUpper(s.Method)
		c.Body = upptimeSecrets(s.Body)
		for i, h := range s.Headers {
			k, v, ok := strings.Cut(h, ":")
			if !ok {
				// Not quoted: a header line may be a credential.
				r.skip(file, lineOf(n, "headers"), "site %q: headers[%d] has no `Name: value` form", s.Name, i)
				continue
			}
			if c.Headers == nil {
				c.Headers = map[string]string{}
			}
			c.Headers[strings.TrimSpace(k)] = upptimeSecrets(strings.TrimSpace(v))
		}
		if len(s.ExpectedStatusCodes) > 0 {
			codes := make([]string, len(s.ExpectedStatusCodes))
			for i, code := range s.ExpectedStatusCodes {
				codes[i] = strconv.Itoa(code)
			}
			c.Conditions = append(c.Conditions, "status in ["+strings.Join(codes, ", ")+"]")
		}
		if s.BodyDown != "" {
			c.Conditions = append(c.Conditions, "not (body contains "+strconv.Quote(s.BodyDown)+")")
		}
		if s.BodyDownIfTextMissing != "" {
			c.Conditions = append(c.Conditions, "body contains "+strconv.Quote(s.BodyDownIfTextMissing))
		}
		if s.BodyDegraded != "" {
			c.Degraded = append(c.Degraded, "not (body contains "+strconv.Quote(s.BodyDegraded)+")")
		}
		if s.BodyDegradedIfTextMissing != "" {
			c.Degraded = append(c.Degraded, "body contains "+strconv.Quote(s.BodyDegradedIfTextMissing))
		}
		if s.Insecure || s.DisableVerifyPeer || s.DisableVerifyHost {
			c.HTTP = &HTTPOptions{InsecureSkipVerify: true}
		}
		if s.DisableVerifyHost && !s.DisableVerifyPeer && !s.Insecure {
			r.skip(file, lineOf(n, "__dangerous__disable_verify_host"), "site %q: upchain cannot skip only the name check of a certificate; insecure_skip_verify turns all verification off", s.Name)
		}
	case "tcp-ping":
		c.Kind = "tcp"
		host := strings.TrimSuffix(raw, "/")
		if u, err := url.Parse(host); err == nil && u.Host != "" {
			host = u.Hostname()
		}
		if s.Port == 0 {
			return nil, &Problem{File: file, Line: n.Line, Msg: fmt.Sprintf("site %q: a tcp-ping check needs `port:`", s.Name)}
		}
		c.URL = "tcp://" + net.JoinHostPort(strings.Trim(host, "[]"), strconv.Itoa(s.Port))
		c.Comment = "Upptime tcp-ping: up when the TCP connection opens."
	case "ws":
		c.Kind, c.URL = "websocket", raw
		if looksSubstrate(raw) {
			c.Websocket = &WebsocketOptions{Send: `{"jsonrpc":"2.0","id":1,"method":"system_health","params":[]}`}
			c.Conditions = []string{"json.result != nil"}
			c.Comment = "Upptime only opened a websocket handshake, which upchain does not count as up:\n" +
				"this asks the Substrate node for system_health. Consider kind substrate for head,\n" +
				"finality and peers."
		} else {
			c.Websocket = &WebsocketOptions{Send: "ping"}
			c.Comment = "FILL IN `send:` with a message this server answers: Upptime only opened a\n" +
				"websocket handshake, which upchain does not count as up (for JSON-RPC use kind jsonrpc)."
		}
		r.skip(file, lineOf(n, "check"), "site %q: a websocket handshake alone is not up in upchain; the check sends %s: review it", s.Name, c.Websocket.Send)
	default:
		return nil, &Problem{File: file, Line: lineOf(n, "check"), Msg: fmt.Sprintf("site %q: unknown check %q (Upptime has http, tcp-ping, ws)", s.Name, s.Check)}
	}
	if s.MaxResponseTime > 0 {
		c.Degraded = append(c.Degraded, fmt.Sprintf("latency < %dms", s.MaxResponseTime))
		if s.MaxResponseTime >= int(config.DefaultTimeout.Milliseconds()) {
			// Past the timeout a slow answer is down; keep room to be degraded.
			c.Timeout = fmt.Sprintf("%ds", s.MaxResponseTime/1000+10)
		}
	}
	if len(s.Assignees) > 0 {
		r.skip(file, lineOf(n, "assignees"), "site %q: per-site assignees are not supported; upchain assigns incidents.assignees to every incident", s.Name)
	}
	return c, nil
}

// looksSubstrate guesses from a URL whether it is a Substrate node's RPC.
func looksSubstrate(raw string) bool {
	s := strings.ToLower(raw)
	for _, w := range []string{"polkadot", "kusama", "westend", "rococo", "paseo", "substrate", "parachain", "parity", "moonbeam", "astar", "acala", "asset-hub", ":9944"} {
		if strings.Contains(s, w) {
			return true
		}
	}
	return false
}

var upptimeCron = regexp.MustCompile(`^\*/(\d+) \* \* \* \*$`)

func upptimeMain(r *Result, file string, root *yaml.Node, rc *upptimeRC) {
	m := &r.Main
	sub := func(s string) string {
		return strings.NewReplacer("$OWNER", rc.Owner, "$REPO", rc.Repo).Replace(s)
	}
	ws := rc.StatusWebsite
	wsNode := value(root, "status-website")
	site := &Site{Title: ws.Name, Description: ws.IntroMessage}
	switch {
	case ws.CNAME != "":
		site.BaseURL = "https://" + strings.TrimSuffix(ws.CNAME, "/") + "/"
	case ws.BaseURL != "" && rc.Owner != "":
		site.BaseURL = "https://" + strings.ToLower(rc.Owner) + ".github.io/" + strings.Trim(ws.BaseURL, "/") + "/"
	case rc.Owner != "" && rc.Repo != "":
		site.BaseURL = "https://" + strings.ToLower(rc.Owner) + ".github.io/" + rc.Repo + "/"
	}
	if site.Description == "" {
		site.Description = ws.IntroTitle
	}
	for _, l := range ws.Navbar {
		href := sub(l.Href)
		if u, err := url.Parse(href); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			continue // a link within the Upptime site itself
		}
		site.Links = append(site.Links, Link{Name: l.Title, URL: href})
	}
	if site.Title != "" || site.Description != "" || site.BaseURL != "" || len(site.Links) > 0 {
		m.Site = site
	}
	r.unknownKeys(file, wsNode, "status-website: ", "name", "cname", "baseUrl", "introTitle", "introMessage", "navbar",
		// Looks of Upptime's own site: upchain's site has its own.
		"theme", "themeUrl", "logoUrl", "favicon", "faviconSvg", "customHeadHtml", "customBodyHtml", "scripts", "js", "css", "links", "metaTags", "apiBaseUrl", "singleCommitExport")
	if len(rc.Assignees) > 0 || rc.Owner != "" && rc.Repo != "" {
		m.Incidents = &Incidents{Assignees: rc.Assignees}
		if rc.Owner != "" && rc.Repo != "" {
			m.Incidents.Repository = rc.Owner + "/" + rc.Repo
		}
	}
	if s, ok := rc.WorkflowSchedule["uptime"]; ok {
		if sm := upptimeCron.FindStringSubmatch(strings.TrimSpace(s)); sm != nil {
			m.Defaults = &Defaults{Interval: sm[1] + "m"}
		} else {
			r.skip(file, lineOf(value(root, "workflowSchedule"), "uptime"), "workflowSchedule.uptime %q: only */N minute schedules translate to an interval; the default 5m is used", s)
		}
	}
}

// upptimeProviders maps Upptime's notification secrets (see
// https://upptime.js.org/docs/notifications) to upchain channels.
var upptimeProviders = map[string]Channel{
	"slack":    {Kind: "slack", URL: "${NOTIFICATION_SLACK_WEBHOOK_URL}"},
	"discord":  {Kind: "discord", URL: "${NOTIFICATION_DISCORD_WEBHOOK_URL}"},
	"telegram": {Kind: "telegram", Token: "${NOTIFICATION_TELEGRAM_BOT_KEY}", ChatIDs: []string{"${NOTIFICATION_TELEGRAM_CHAT_ID}"}},
	"email": {Kind: "email", Host: "${NOTIFICATION_EMAIL_SMTP_HOST}", Username: "${NOTIFICATION_EMAIL_SMTP_USERNAME}",
		Password: "${NOTIFICATION_EMAIL_SMTP_PASSWORD}", From: "${NOTIFICATION_EMAIL_FROM}", To: []string{"${NOTIFICATION_EMAIL_TO}"}},
}

// upptimeProvider names the provider of a secret or provider name.
func upptimeProvider(s string) string {
	s = strings.ToUpper(strings.TrimSpace(s))
	s = strings.TrimPrefix(s, "NOTIFICATION_")
	switch {
	case strings.HasPrefix(s, "SLACK"):
		return "slack"
	case strings.HasPrefix(s, "DISCORD"):
		return "discord"
	case strings.HasPrefix(s, "TELEGRAM"):
		return "telegram"
	case s == "EMAIL" || s == "EMAIL_FROM" || s == "EMAIL_TO" || strings.HasPrefix(s, "EMAIL_SMTP"):
		return "email"
	}
	return ""
}

func upptimeNotify(r *Result, names []string) {
	seen := map[string]bool{}
	var kinds []string
	for _, n := range names {
		if strings.HasSuffix(strings.ToUpper(n), "_STRATEGY") {
			continue // how notifme picks among providers: one channel each here
		}
		p := upptimeProvider(n)
		if p == "" {
			r.skip("notifications", 0, "%s: upchain has no such channel (it has slack, discord, telegram, email over SMTP, pagerduty, teams, webhook)", n)
			continue
		}
		if !seen[p] {
			seen[p] = true
			kinds = append(kinds, p)
		}
	}
	sort.Strings(kinds)
	for _, k := range kinds {
		if r.Main.Notifications == nil {
			r.Main.Notifications = &Notifications{}
		}
		r.Main.Notifications.Channels = append(r.Main.Notifications.Channels, upptimeProviders[k])
		r.note("notification secrets of %s became a %s channel: set the same secrets in upchain's environment", k, k)
	}
}
