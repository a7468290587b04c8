package importer

import (
	"fmt"
	"net"
	"net/url"
	"sort"
	"strconv"
	"strings"

	"github.com/upchain-dev/upchain/prober/cometbft"
	"github.com/upchain-dev/upchain/prober/config"
	"gopkg.in/yaml.v3"
)

// tenderdutyConfig is tenderduty v2's config.yml as in its
// example-config.yml (github.com/blockpane/tenderduty).
type tenderdutyConfig struct {
	NodeDownAlertMinutes int                  `yaml:"node_down_alert_minutes"`
	PagerDuty            tdProvider           `yaml:"pagerduty"`
	Discord              tdProvider           `yaml:"discord"`
	Telegram             tdProvider           `yaml:"telegram"`
	Slack                tdProvider           `yaml:"slack"`
	Chains               map[string]yaml.Node `yaml:"chains"`
}

// tdProvider is one alert provider, globally or for a chain.
type tdProvider struct {
	Enabled *bool  `yaml:"enabled"`
	APIKey  string `yaml:"api_key"`
	Webhook string `yaml:"webhook"`
	Channel string `yaml:"channel"`
}

func (p tdProvider) on() bool { return p.Enabled != nil && *p.Enabled }

type tdChain struct {
	ChainID        string `yaml:"chain_id"`
	ValoperAddress string `yaml:"valoper_address"`
	Alerts         struct {
		StalledEnabled     *bool      `yaml:"stalled_enabled"`
		StalledMinutes     int        `yaml:"stalled_minutes"`
		ConsecutiveEnabled *bool      `yaml:"consecutive_enabled"`
		ConsecutiveMissed  int        `yaml:"consecutive_missed"`
		PercentageEnabled  *bool      `yaml:"percentage_enabled"`
		PercentageMissed   float64    `yaml:"percentage_missed"`
		AlertIfInactive    *bool      `yaml:"alert_if_inactive"`
		PagerDuty          tdProvider `yaml:"pagerduty"`
		Discord            tdProvider `yaml:"discord"`
		Telegram           tdProvider `yaml:"telegram"`
		Slack              tdProvider `yaml:"slack"`
	} `yaml:"alerts"`
	Nodes []struct {
		URL         string `yaml:"url"`
		AlertIfDown *bool  `yaml:"alert_if_down"`
	} `yaml:"nodes"`
}

// Lag thresholds between the nodes of one chain: tenderduty has none, these
// are upchain's usual ones.
const (
	tdLagDegraded = 5
	tdLagDown     = 30
)

// Tenderduty translates a tenderduty config.yml: each chain's nodes become
// cometbft validator checks, one per node, compared with each other by lag.
func Tenderduty(data []byte, opts Options) (*Result, error) {
	file := opts.File
	if file == "" {
		file = "config.yml"
	}
	root, err := parseSource(file, data)
	if err != nil {
		return nil, err
	}
	var tc tenderdutyConfig
	if err := decode(file, root, &tc); err != nil {
		return nil, err
	}
	chainsNode := value(root, "chains")
	if chainsNode == nil || len(chainsNode.Content) == 0 {
		return nil, Errors{{File: file, Line: lineOf(root, "chains"), Msg: "no chains: tenderduty's `chains:` lists the validators to import"}}
	}
	r := newResult()
	r.unknownKeys(file, root, "", "node_down_alert_minutes", "pagerduty", "discord", "telegram", "slack", "chains",
		// tenderduty's own dashboard and exporter: upchain serve has a site and /metrics.
		"enable_dashboard", "listen_port", "hide_logs", "prometheus_enabled", "prometheus_listen_port", "node_down_alert_severity", "healthcheck")
	// A failed probe a minute: node_down_alert_minutes failures in a row
	// open an incident, as tenderduty alerts after that many minutes.
	r.Main.Defaults = &Defaults{Interval: "1m"}
	if tc.NodeDownAlertMinutes > 0 {
		r.Main.Incidents = &Incidents{FailureThreshold: tc.NodeDownAlertMinutes}
	}
	var errs Errors
	// channels keyed by kind and destination, with the checks they alert for.
	type dest struct{ kind, key string }
	chans := map[dest]*Channel{}
	// members are each channel's checks; slugs are read once uniqueSlugs ran.
	members := map[dest][]*Check{}
	var order []dest
	alertable := 0
	for i := 0; i+1 < len(chainsNode.Content); i += 2 {
		name, n := chainsNode.Content[i].Value, chainsNode.Content[i+1]
		var ch tdChain
		if err := decode(file, n, &ch); err != nil {
			errs = append(errs, err.(Errors)...)
			continue
		}
		r.unknownKeys(file, n, "chains."+name+": ", "chain_id", "valoper_address", "alerts", "nodes", "public_fallback")
		r.unknownKeys(file, value(n, "alerts"), "chains."+name+".alerts: ", "stalled_enabled", "stalled_minutes", "consecutive_enabled", "consecutive_missed",
			"percentage_enabled", "percentage_missed", "alert_if_inactive", "alert_if_no_servers", "pagerduty", "discord", "telegram", "slack",
			"consecutive_priority", "percentage_priority") // severities: upchain has none
		checks, perr := tdChecks(r, file, name, n, &ch, opts)
		if perr != nil {
			errs = append(errs, perr...)
			continue
		}
		f := r.file(name)
		f.Checks = append(f.Checks, checks...)
		var alerting []*Check
		for j, c := range checks {
			if a := ch.Nodes[j].AlertIfDown; a == nil || *a {
				alerting = append(alerting, c)
			}
		}
		alertable += len(alerting)
		add := func(kind string, global, local tdProvider, build func(p tdProvider) Channel) {
			// tenderduty alerts only where enabled both globally and for the chain.
			if !global.on() || !local.on() {
				return
			}
			p := global
			scope := ""
			if local.APIKey != "" || local.Webhook != "" || local.Channel != "" {
				p, scope = local, config.Slugify(name)
			}
			c := build(p)
			d := dest{kind, scope + c.URL + c.Token + c.RoutingKey + strings.Join(c.ChatIDs, ",")}
			if chans[d] == nil {
				chans[d] = &c
				order = append(order, d)
			}
			members[d] = append(members[d], alerting...)
		}
		secret := func(scope, kind, field, v string, line int) string {
			env := "TENDERDUTY_" + strings.ToUpper(kind+"_"+field)
			if scope != "" {
				env = "TENDERDUTY_" + strings.ToUpper(strings.ReplaceAll(scope, "-", "_")+"_"+kind+"_"+field)
			}
			return envSecret(r, file, line, v, env)
		}
		an := value(n, "alerts")
		scopeOf := func(local tdProvider) (string, *yaml.Node) {
			if local.APIKey != "" || local.Webhook != "" || local.Channel != "" {
				return name, an
			}
			return "", root
		}
		add("discord", tc.Discord, ch.Alerts.Discord, func(p tdProvider) Channel {
			s, at := scopeOf(ch.Alerts.Discord)
			return Channel{Kind: "discord", URL: secret(s, "discord", "webhook", p.Webhook, lineOf(value(at, "discord"), "webhook"))}
		})
		add("slack", tc.Slack, ch.Alerts.Slack, func(p tdProvider) Channel {
			s, at := scopeOf(ch.Alerts.Slack)
			return Channel{Kind: "slack", URL: secret(s, "slack", "webhook", p.Webhook, lineOf(value(at, "slack"), "webhook"))}
		})
		add("telegram", tc.Telegram, ch.Alerts.Telegram, func(p tdProvider) Channel {
			s, at := scopeOf(ch.Alerts.Telegram)
			chat := p.Channel
			if chat == "" {
				chat = tc.Telegram.Channel
			}
			return Channel{Kind: "telegram", Token: secret(s, "telegram", "api_key", p.APIKey, lineOf(value(at, "telegram"), "api_key")), ChatIDs: []string{chat}}
		})
		add("pagerduty", tc.PagerDuty, ch.Alerts.PagerDuty, func(p tdProvider) Channel {
			s, at := scopeOf(ch.Alerts.PagerDuty)
			return Channel{Kind: "pagerduty", RoutingKey: secret(s, "pagerduty", "api_key", p.APIKey, lineOf(value(at, "pagerduty"), "api_key"))}
		})
	}
	if len(errs) > 0 {
		return nil, errs
	}
	r.uniqueSlugs()
	names := map[string]int{}
	for _, d := range order {
		c := chans[d]
		for _, m := range members[d] {
			c.Checks = append(c.Checks, slugOf(m))
		}
		if len(c.Checks) == 0 {
			continue
		}
		sort.Strings(c.Checks)
		if len(c.Checks) == alertable {
			c.Checks = nil // every check: no filter
		}
		names[c.Kind]++
		if names[c.Kind] > 1 {
			c.Name = fmt.Sprintf("%s-%d", c.Kind, names[c.Kind])
		}
		if r.Main.Notifications == nil {
			r.Main.Notifications = &Notifications{}
		}
		r.Main.Notifications.Channels = append(r.Main.Notifications.Channels, *c)
		r.note("%s alerts became a %s channel", c.Kind, c.Kind)
	}
	for _, name := range r.fileNames() {
		r.note("chain %q: %d node(s) became cometbft validator checks in checks/%s", r.Files[name].Group, len(r.Files[name].Checks), name)
	}
	return r, nil
}

func tdChecks(r *Result, file, name string, n *yaml.Node, ch *tdChain, opts Options) ([]*Check, Errors) {
	var errs Errors
	if ch.ChainID == "" {
		errs = append(errs, Problem{File: file, Line: n.Line, Msg: fmt.Sprintf("chain %q has no chain_id", name)})
	}
	val := &Validator{}
	addr := ch.ValoperAddress
	if hrp, _, err := cometbft.Bech32Decode(addr); err != nil {
		errs = append(errs, Problem{File: file, Line: lineOf(n, "valoper_address"), Msg: fmt.Sprintf("chain %q: valoper_address %q: %v", name, addr, err)})
	} else if strings.HasSuffix(hrp, "valcons") {
		val.Valcons = addr
	} else if strings.HasSuffix(hrp, "valoper") {
		val.Valoper = addr
	} else {
		errs = append(errs, Problem{File: file, Line: lineOf(n, "valoper_address"), Msg: fmt.Sprintf("chain %q: %q is neither an operator (…valoper1…) nor a consensus (…valcons1…) address", name, addr)})
	}
	if len(ch.Nodes) == 0 {
		errs = append(errs, Problem{File: file, Line: n.Line, Msg: fmt.Sprintf("chain %q has no nodes", name)})
	}
	nodesNode := value(n, "nodes")
	var urls []string
	for i, nd := range ch.Nodes {
		line := n.Line
		if nodesNode != nil && i < len(nodesNode.Content) {
			line = nodesNode.Content[i].Line
		}
		u, err := url.Parse(nd.URL)
		if err != nil || u.Host == "" {
			errs = append(errs, Problem{File: file, Line: line, Msg: fmt.Sprintf("chain %q: node url %q: write protocol://host:port", name, nd.URL)})
			continue
		}
		switch u.Scheme {
		case "tcp":
			u.Scheme = "http" // CometBFT's RPC listener speaks HTTP on tcp:// addresses
		case "http", "https", "ws", "wss":
		default:
			errs = append(errs, Problem{File: file, Line: line, Msg: fmt.Sprintf("chain %q: node url %q: use tcp, http or https", name, nd.URL)})
			continue
		}
		urls = append(urls, u.String())
	}
	if len(errs) > 0 {
		return nil, errs
	}
	lcd := opts.LCD[name]
	if lcd == "" {
		lcd = opts.LCD[ch.ChainID]
	}
	if lcd == "" && val.Valoper != "" {
		// Cosmos SDK's REST API listens on 1317 by default.
		u, _ := url.Parse(urls[0])
		lcd = "http://" + net.JoinHostPort(u.Hostname(), "1317")
		r.skip(file, lineOf(n, "valoper_address"), "chain %q: upchain looks the operator address up on the LCD, which tenderduty does not use: %s is assumed (the SDK's default port); pass --lcd %s=URL to set it", name, lcd, ch.ChainID)
	}
	o := CometBFTOptions{ChainID: ch.ChainID, LCD: lcd, Validator: val}
	a := ch.Alerts
	if a.StalledEnabled != nil && *a.StalledEnabled && a.StalledMinutes > 0 {
		o.MaxHeadAge = strconv.Itoa(a.StalledMinutes) + "m"
	} else {
		r.skip(file, lineOf(value(n, "alerts"), "stalled_enabled"), "chain %q: stall alerts off: upchain always checks the head's age (default 60s)", name)
	}
	cons, pct := 0, 0.0
	if a.ConsecutiveEnabled == nil || *a.ConsecutiveEnabled {
		cons = a.ConsecutiveMissed
	}
	if a.PercentageEnabled != nil && *a.PercentageEnabled {
		pct = a.PercentageMissed
	}
	o.MissedConsecutiveAlert, o.MissedPercentAlert = &cons, &pct
	if a.AlertIfInactive != nil && !*a.AlertIfInactive {
		r.skip(file, lineOf(value(n, "alerts"), "alert_if_inactive"), "chain %q: upchain always counts a validator outside the active set as down", name)
	}
	var out []*Check
	for i, u := range urls {
		opt := o
		host := u
		if pu, err := url.Parse(u); err == nil {
			host = pu.Host
		}
		c := &Check{Name: fmt.Sprintf("%s validator (%s)", name, host), Kind: "cometbft", URL: u, CometBFT: &opt, Tags: []string{"tenderduty"}}
		if len(urls) > 1 {
			c.Lag = &Lag{Group: name, DegradedBlocks: tdLagDegraded, DownBlocks: tdLagDown}
		}
		if i == 0 {
			c.Comment = fmt.Sprintf("Imported from tenderduty chain %q: one check per node, each compared with the\nothers by lag (more than %d blocks behind: degraded, %d: down).", name, tdLagDegraded, tdLagDown)
		}
		out = append(out, c)
	}
	return out, nil
}
