package importer

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/upchain-dev/upchain/prober/notify/channel"

	"github.com/upchain-dev/upchain/prober"
	"github.com/upchain-dev/upchain/prober/cond"
	"github.com/upchain-dev/upchain/prober/config"
)

// The samples in testdata/ follow each project's documented examples:
//   - upptimerc.yml: Upptime's configuration docs,
//     https://upptime.js.org/docs/configuration, and its notification
//     secrets, https://upptime.js.org/docs/notifications
//   - gatus.yaml: Gatus's README (github.com/TwiN/gatus): Usage,
//     Conditions, Alerting, Maintenance, and the FAQ's TCP, DNS, WebSocket
//     and GraphQL examples
//   - tenderduty.yml: tenderduty v2's example-config.yml
//     (github.com/blockpane/tenderduty)

var fixedNow = time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)

// importFile translates a testdata file, writes it to a temp dir and
// loads it as `upchain validate --allow-missing-secrets` does.
func importFile(t *testing.T, source, name string, opts Options) (*Result, *config.Loaded, string) {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return importData(t, source, data, opts)
}

func importData(t *testing.T, source string, data []byte, opts Options) (*Result, *config.Loaded, string) {
	t.Helper()
	r, err := translate(source, data, opts)
	if err != nil {
		t.Fatalf("import %s: %v", source, err)
	}
	dir := writeResult(t, r)
	l, err := prober.Load(filepath.Join(dir, "upchain.yml"), config.Options{AllowMissingSecrets: true})
	if err != nil {
		files, _ := r.Rendered("")
		for p, b := range files {
			t.Logf("%s:\n%s", p, b)
		}
		t.Fatalf("the imported files do not validate:\n%v", err)
	}
	return r, l, dir
}

func translate(source string, data []byte, opts Options) (*Result, error) {
	if opts.Now == nil {
		opts.Now = func() time.Time { return fixedNow }
	}
	switch source {
	case "upptime":
		return Upptime(data, opts)
	case "gatus":
		return Gatus(data, opts)
	case "tenderduty":
		return Tenderduty(data, opts)
	}
	panic(source)
}

func writeResult(t testing.TB, r *Result) string {
	t.Helper()
	files, err := r.Rendered("test import\n")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := Write(dir, files, false); err != nil {
		t.Fatal(err)
	}
	return dir
}

func checkBySlug(t *testing.T, l *config.Loaded, slug string) *config.Check {
	t.Helper()
	for _, c := range l.Checks {
		if c.Slug == slug {
			return c
		}
	}
	var have []string
	for _, c := range l.Checks {
		have = append(have, c.Slug)
	}
	t.Fatalf("no check %q (have %v)", slug, have)
	return nil
}

func skippedAt(r *Result, line int, substr string) bool {
	for _, p := range r.Skipped {
		if p.Line == line && strings.Contains(p.Msg, substr) {
			return true
		}
	}
	return false
}

func TestUpptimeSample(t *testing.T) {
	r, l, _ := importFile(t, "upptime", "upptimerc.yml", Options{File: "upptimerc.yml", Notify: []string{"NOTIFICATION_SLACK", "NOTIFICATION_SLACK_WEBHOOK_URL", "NOTIFICATION_TELEGRAM_BOT_KEY", "NOTIFICATION_SMS_TWILIO"}})
	if len(l.Checks) != 12 {
		t.Errorf("%d checks, want the 12 sites", len(l.Checks))
	}
	tests := []struct {
		slug, kind, url string
		up, degraded    []string
	}{
		{"google", "http", "https://www.google.com", nil, nil},
		{"secret-site", "http", "${SECRET_SITE}", nil, nil},
		{"api-endpoint", "http", "https://example.com/get-user/3?api_key=${MY_API_KEY}", nil, nil},
		{"expects-404", "http", "https://www.google.com", []string{"status in [200, 201, 404]"}, nil},
		{"slow-endpoint", "http", "https://example.com", nil, []string{"latency < 5000ms"}},
		{"custom-down", "http", "https://example.com", []string{`not (body contains "File not found")`}, nil},
		{"test-tcp", "tcp", "tcp://example.com:443", nil, nil},
		{"polkadot-rpc", "websocket", "wss://rpc.polkadot.io", []string{"json.result != nil"}, nil},
	}
	for _, tc := range tests {
		c := checkBySlug(t, l, tc.slug)
		if c.Kind != tc.kind || c.DisplayURL != tc.url {
			t.Errorf("%s: kind %s url %s, want %s %s", tc.slug, c.Kind, c.DisplayURL, tc.kind, tc.url)
		}
		for _, s := range tc.up {
			if !has(c.Conditions, s) {
				t.Errorf("%s: conditions %q lack %q", tc.slug, c.Conditions, s)
			}
		}
		for _, s := range tc.degraded {
			if !has(c.Degraded, s) {
				t.Errorf("%s: degraded %q lack %q", tc.slug, c.Degraded, s)
			}
		}
	}
	if h := checkBySlug(t, l, "api-endpoint").Headers["Authorization"]; h != "Bearer ${SECRET_SITE_2}" {
		t.Errorf("header secret: %q", h)
	}
	if o, _ := checkBySlug(t, l, "self-signed").Options.(*prober.HTTPOptions); o == nil || !o.InsecureSkipVerify {
		t.Errorf("__dangerous__disable_verify_peer did not carry over: %+v", o)
	}
	if o, _ := checkBySlug(t, l, "polkadot-rpc").Options.(*prober.WebsocketOptions); o == nil || !strings.Contains(o.Send, "system_health") {
		t.Errorf("a Substrate ws site should send system_health: %+v", o)
	}
	if l.Site.Title != "Upptime" || l.Site.BaseURL != "https://upptime.js.org/" {
		t.Errorf("site: %+v", l.Site)
	}
	var links []string
	for _, k := range l.Site.Links {
		links = append(links, k.Name+"="+k.URL)
	}
	if strings.Join(links, " ") != "GitHub=https://github.com/koj-co/upptime Grafana=https://grafana.example.org/d/upchain" {
		t.Errorf("navbar links: %v", links)
	}
	if !has(l.Incidents.Assignees, "AnandChowdhary") || l.Incidents.Repository != "koj-co/upptime" {
		t.Errorf("incidents: %+v", l.Incidents)
	}
	var kinds []string
	for _, ch := range l.Notifications.Channels {
		kinds = append(kinds, ch.Kind+":"+channelSecret(ch))
	}
	if strings.Join(kinds, " ") != "slack:${NOTIFICATION_SLACK_WEBHOOK_URL} telegram:${NOTIFICATION_TELEGRAM_BOT_KEY}" {
		t.Errorf("channels: %v", kinds)
	}
	if l.Defaults.Interval.D() != 5*time.Minute {
		t.Errorf("interval %s", l.Defaults.Interval)
	}
	for _, want := range []struct {
		line int
		msg  string
	}{{41, "per-site assignees"}, {48, "sends {\"jsonrpc\""}, {51, "handshake alone"}, {0, "NOTIFICATION_SMS_TWILIO: upchain has no such channel"}} {
		if !skippedAt(r, want.line, want.msg) {
			t.Errorf("want a note at line %d about %q in %v", want.line, want.msg, r.Skipped)
		}
	}
}

func TestGatusSample(t *testing.T) {
	r, l, _ := importFile(t, "gatus", "gatus.yaml", Options{File: "gatus.yaml"})
	tests := []struct {
		slug, group, kind string
		conds             []string
	}{
		{"website", "Endpoints", "http", []string{"status == 200", `json.status == "UP"`, "latency < 300ms"}},
		{"make-sure-header-is-rendered", "core", "http", []string{"status == 200", `body matches "(?s)^.*<h1>Example Domain</h1>.*$"`}},
		{"api", "core", "http", []string{"len(json.data) > 0", `json.data[0].name in ["john", "jane"]`, "cert.expires_in > 48h"}},
		{"graphql", "Endpoints", "http", []string{"status == 200", "len(json.data.users) == 0"}},
		{"redis", "infra", "tcp", nil},
		{"example-dns-query", "infra", "dns", []string{`"93.184.215.14" in answers`}},
		{"websocket", "Endpoints", "websocket", []string{"json.result >= 0"}},
	}
	for _, tc := range tests {
		c := checkBySlug(t, l, tc.slug)
		if c.Group != tc.group || c.Kind != tc.kind || strings.Join(c.Conditions, "; ") != strings.Join(tc.conds, "; ") {
			t.Errorf("%s: %s %s %q, want %s %s %q", tc.slug, c.Group, c.Kind, c.Conditions, tc.group, tc.kind, tc.conds)
		}
	}
	if c := checkBySlug(t, l, "api"); c.DisplayURL != "https://${API_HOST}/v1/users" || c.Headers["Authorization"] != "Bearer ${API_TOKEN}" || c.Timeout.D() != 5*time.Second {
		t.Errorf("api: ${VAR} and client.timeout should carry over: %s %v %s", c.DisplayURL, c.Headers, c.Timeout)
	}
	if c := checkBySlug(t, l, "website"); c.Interval.D() != 5*time.Minute {
		t.Errorf("interval %s", c.Interval)
	}
	if l.Defaults.Interval.D() != time.Minute {
		t.Errorf("Gatus's default interval is 60s, got %s", l.Defaults.Interval)
	}
	if len(l.Checks) != 7 {
		t.Errorf("%d checks, want 7 (icmp has no kind)", len(l.Checks))
	}
	var chans []string
	for _, ch := range l.Notifications.Channels {
		chans = append(chans, ch.Kind+":"+channelSecret(ch)+":"+strings.Join(ch.Checks, ",")+":"+strings.Join(ch.Events, ","))
	}
	if want := "pagerduty:${PAGERDUTY_KEY}:website:opened,changed,reminder slack:${GATUS_SLACK_WEBHOOK_URL}:website:"; strings.Join(chans, " ") != want {
		t.Errorf("channels:\n%s\nwant\n%s", strings.Join(chans, " "), want)
	}
	var ms []string
	for _, m := range l.Maintenance {
		ms = append(ms, m.Start+"/"+m.Duration.String()+"/"+m.Every.String()+"/"+strings.Join(m.Checks, ","))
	}
	// 2026-12-01 is a Tuesday: the next Thursday and Monday at 23:00 UTC,
	// and the api endpoint's own daily window.
	if want := "2026-12-07T23:00:00Z/1h0m0s/7d/ 2026-12-03T23:00:00Z/1h0m0s/7d/ 2026-12-01T07:30:00Z/40m0s/1d/api"; strings.Join(ms, " ") != want {
		t.Errorf("maintenance:\n%s\nwant\n%s", strings.Join(ms, " "), want)
	}
	if l.Incidents.FailureThreshold != 3 || l.Incidents.SuccessThreshold != 2 {
		t.Errorf("thresholds %d/%d, want Gatus's defaults 3/2", l.Incidents.FailureThreshold, l.Incidents.SuccessThreshold)
	}
	for _, want := range []struct {
		line int
		msg  string
	}{{36, "upchain records no IP"}, {81, "icmp:// endpoints have no upchain kind"}, {90, `"ntfy"`}} {
		if !skippedAt(r, want.line, want.msg) {
			t.Errorf("want a note at line %d about %q in %v", want.line, want.msg, r.Skipped)
		}
	}
	for _, n := range r.Notes {
		if strings.Contains(n, "hooks.slack.com") {
			t.Errorf("a note shows the secret: %s", n)
		}
	}
}

func TestTenderdutySample(t *testing.T) {
	r, l, _ := importFile(t, "tenderduty", "tenderduty.yml", Options{File: "tenderduty.yml", LCD: map[string]string{"juno-1": "https://juno-lcd.example.org"}})
	if len(l.Checks) != 3 {
		t.Fatalf("%d checks, want one per node (3)", len(l.Checks))
	}
	osmo := checkBySlug(t, l, "osmosis-validator-localhost-26657")
	o := osmo.Options.(*prober.CometBFTOptions)
	if osmo.URL != "http://localhost:26657" || o.ChainID != "osmosis-1" || o.Validator.Valoper != "osmovaloper1v4uxzmtsd3jj6anpd35kgct5daez6vp3qms0va" ||
		o.MaxHeadAge.D() != 10*time.Minute || *o.MissedConsecutiveAlert != 5 || *o.MissedPercentAlert != 0 || o.LCD != "http://localhost:1317" {
		t.Errorf("osmosis: %s %+v", osmo.URL, o)
	}
	if osmo.Lag == nil || osmo.Lag.Group != "Osmosis" {
		t.Errorf("two nodes of a chain should compare by lag: %+v", osmo.Lag)
	}
	juno := checkBySlug(t, l, "juno-validator-juno-rpc-example-org-443")
	jo := juno.Options.(*prober.CometBFTOptions)
	if jo.LCD != "https://juno-lcd.example.org" || *jo.MissedPercentAlert != 5 || *jo.MissedConsecutiveAlert != 3 || juno.Lag != nil {
		t.Errorf("juno: %+v lag %+v", jo, juno.Lag)
	}
	if l.Incidents.FailureThreshold != 3 || l.Defaults.Interval.D() != time.Minute {
		t.Errorf("node_down_alert_minutes 3: threshold %d interval %s", l.Incidents.FailureThreshold, l.Defaults.Interval)
	}
	var chans []string
	for _, ch := range l.Notifications.Channels {
		chans = append(chans, ch.Name+":"+channelSecret(ch)+":"+strings.Join(ch.Checks, ","))
	}
	// The second Osmosis node has alert_if_down: no; Juno overrides the
	// Discord webhook and turns PagerDuty off.
	want := "discord-1:${TENDERDUTY_DISCORD_WEBHOOK}:osmosis-validator-localhost-26657 pagerduty:${TENDERDUTY_PAGERDUTY_API_KEY}:osmosis-validator-localhost-26657 discord-2:${TENDERDUTY_JUNO_DISCORD_WEBHOOK}:juno-validator-juno-rpc-example-org-443"
	if strings.Join(chans, " ") != want {
		t.Errorf("channels:\n%s\nwant\n%s", strings.Join(chans, " "), want)
	}
	if !skippedAt(r, 39, "http://localhost:1317 is assumed") || !skippedAt(r, 50, "consecutive_empty_enabled") {
		t.Errorf("notes: %v", r.Skipped)
	}
	files, _ := r.Rendered("")
	for p, b := range files {
		if strings.Contains(string(b), "discord.com/api/webhooks") || strings.Contains(string(b), "aaaaaaaaaaaabbbb") {
			t.Errorf("%s holds a secret of the source:\n%s", p, b)
		}
	}
}

func TestGatusCondition(t *testing.T) {
	tests := []struct {
		src, kind string
		want      string
		drop      bool
		err       string
	}{
		{"[STATUS] == 200", "http", "status == 200", false, ""},
		{"[STATUS]==200", "http", "status == 200", false, ""},
		{"[STATUS] < 300", "http", "status < 300", false, ""},
		{"[RESPONSE_TIME] < 500", "http", "latency < 500ms", false, ""},
		{"[BODY].status == UP", "http", `json.status == "UP"`, false, ""},
		{"[BODY].count >= 3", "http", "json.count >= 3", false, ""},
		{"[BODY].ok == true", "http", "json.ok == true", false, ""},
		{"[BODY].data[0].id == 1", "http", "json.data[0].id == 1", false, ""},
		{"[BODY][0].id == 1", "http", "json[0].id == 1", false, ""},
		{"[BODY].x-y.z == a", "http", `json["x-y"].z == "a"`, false, ""},
		{"[BODY] == OK", "http", `body == "OK"`, false, ""},
		{"[BODY] == pat(*ok*)", "http", `body matches "(?s)^.*ok.*$"`, false, ""},
		{"[BODY].v != pat(1.*)", "http", `not (json.v matches "(?s)^1\\..*$")`, false, ""},
		{"[BODY].s == any(a, b)", "http", `json.s in ["a", "b"]`, false, ""},
		{"len([BODY].items) > 0", "http", "len(json.items) > 0", false, ""},
		{"len([BODY]) < 100", "http", "len(body) < 100", false, ""},
		{"has([BODY].errors) == false", "http", "json.errors == nil", false, ""},
		{"has([BODY].data) == true", "http", "json.data != nil", false, ""},
		{"[CERTIFICATE_EXPIRATION] > 48h", "http", "cert.expires_in > 48h", false, ""},
		{"[CERTIFICATE_EXPIRATION] > 48h", "tls", "cert.expires_in > 48h", false, ""},
		{"[BODY].a == [BODY].b", "http", "json.a == json.b", false, ""},
		{"[BODY] == hello", "websocket", `message == "hello"`, false, ""},
		{"[CONNECTED] == true", "tcp", "", true, ""},
		{"[DNS_RCODE] == NOERROR", "dns", "", true, ""},
		{"[BODY] == 1.2.3.4", "dns", `"1.2.3.4" in answers`, false, ""},
		{"[CONNECTED] == false", "tcp", "", false, "only [CONNECTED] == true"},
		{"[IP] == 127.0.0.1", "http", "", false, "no IP"},
		{"[DOMAIN_EXPIRATION] > 720h", "http", "", false, "no DOMAIN_EXPIRATION"},
		{"[STATUS] == 200", "tcp", "", false, "applies to http"},
		{"[NOPE] == 1", "http", "", false, "unknown placeholder"},
		{"[STATUS]", "http", "", false, "expected `<placeholder> <operator> <value>`"},
		{"[BODY] < pat(x)", "http", "", false, "pat() compares with == or !="},
	}
	vars := map[string][]string{"http": {"status", "latency", "body", "json", "cert"}, "tls": {"cert", "latency"}, "websocket": {"message", "json"}, "dns": {"answers"}}
	for _, tc := range tests {
		out, drop, err := GatusCondition(tc.src, tc.kind)
		switch {
		case tc.err != "":
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("%q (%s): err %v, want %q", tc.src, tc.kind, err, tc.err)
			}
		case err != nil:
			t.Errorf("%q (%s): %v", tc.src, tc.kind, err)
		case tc.drop != (drop != ""):
			t.Errorf("%q (%s): drop %q, want drop=%v", tc.src, tc.kind, drop, tc.drop)
		case out != tc.want:
			t.Errorf("%q (%s) = %s, want %s", tc.src, tc.kind, out, tc.want)
		}
		if out != "" {
			if _, err := cond.Compile(out, vars[tc.kind]); err != nil {
				t.Errorf("%q -> %s does not compile: %v", tc.src, out, err)
			}
		}
	}
}

// TestMalformed: unreadable input is an error naming file and line, and
// nothing is translated.
func TestMalformed(t *testing.T) {
	tests := []struct {
		name, source, src string
		want              string
	}{
		{"upptime syntax", "upptime", "owner: a\nsites:\n  - name: x\n   url: y\n", "in.yml:4:"},
		{"upptime wrong type", "upptime", "sites:\n  - name: x\n    url: https://a.example\n    expectedStatusCodes: many\n", "in.yml:4: wrong type"},
		{"upptime no url", "upptime", "sites:\n  - name: x\n  - name: y\n    url: https://a.example\n", `in.yml:2: site "x" has no url`},
		{"upptime no sites", "upptime", "owner: a\n", "in.yml:1: no sites"},
		{"upptime unknown check", "upptime", "sites:\n  - name: x\n    url: a.example\n    check: icmp\n", `in.yml:4: site "x": unknown check "icmp"`},
		{"upptime tcp without port", "upptime", "sites:\n  - name: x\n    url: a.example\n    check: tcp-ping\n", "in.yml:2: site \"x\": a tcp-ping check needs `port:`"},
		{"gatus not a mapping", "gatus", "- a\n- b\n", "in.yml:1: expected a mapping"},
		{"gatus endpoints type", "gatus", "endpoints:\n  - name: a\n    url: https://a.example\n    conditions: \"[STATUS] == 200\"\n", "in.yml:4: wrong type"},
		{"gatus no name", "gatus", "endpoints:\n  - url: https://a.example\n", "in.yml:2: endpoint has no name"},
		{"tenderduty bad valoper", "tenderduty", "chains:\n  Osmosis:\n    chain_id: osmosis-1\n    valoper_address: osmovaloper1xxxxxxx...\n    nodes:\n      - url: tcp://localhost:26657\n", "in.yml:4: chain \"Osmosis\": valoper_address"},
		{"tenderduty bad node", "tenderduty", "chains:\n  Osmosis:\n    chain_id: osmosis-1\n    valoper_address: osmovaloper1v4uxzmtsd3jj6anpd35kgct5daez6vp3qms0va\n    nodes:\n      - url: localhost\n", "in.yml:6: chain \"Osmosis\": node url"},
		{"tenderduty no chains", "tenderduty", "discord:\n  enabled: yes\n", "in.yml:1: no chains"},
		{"empty", "gatus", "", "in.yml: empty file"},
		{"gatus nothing importable", "gatus", "endpoints:\n  - name: a\n    url: icmp://a.example.org\n", "in.yml:1: no endpoint could be imported"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r, err := translate(tc.source, []byte(tc.src), Options{File: "in.yml"})
			var errs Errors
			if !errors.As(err, &errs) {
				t.Fatalf("got %v, %v; want errors", r, err)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error:\n%v\nwant it to contain %q", err, tc.want)
			}
		})
	}
}

func TestWriteNeverOverwrites(t *testing.T) {
	dir := t.TempDir()
	first := map[string][]byte{"upchain.yml": []byte("a: 1\n"), "checks/x.yml": []byte("b: 1\n")}
	if err := Write(dir, first, false); err != nil {
		t.Fatal(err)
	}
	second := map[string][]byte{"upchain.yml": []byte("a: 2\n"), "checks/y.yml": []byte("c: 2\n")}
	err := Write(dir, second, false)
	if !errors.Is(err, ErrExists) || !strings.Contains(err.Error(), filepath.Join(dir, "upchain.yml")) {
		t.Fatalf("want ErrExists naming upchain.yml, got %v", err)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "upchain.yml")); string(b) != "a: 1\n" {
		t.Errorf("overwritten without --force: %q", b)
	}
	if _, err := os.Stat(filepath.Join(dir, "checks", "y.yml")); err == nil {
		t.Errorf("a refused write still wrote other files")
	}
	if err := Write(dir, second, true); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "upchain.yml")); string(b) != "a: 2\n" {
		t.Errorf("--force did not overwrite: %q", b)
	}
}

func TestUniqueSlugs(t *testing.T) {
	src := "sites:\n  - name: API\n    url: https://a.example\n  - name: api\n    url: https://b.example\n"
	_, l, _ := importData(t, "upptime", []byte(src), Options{})
	if len(l.Checks) != 2 || l.Checks[0].Slug == l.Checks[1].Slug {
		t.Errorf("slugs %q, %q", l.Checks[0].Slug, l.Checks[1].Slug)
	}
}

// TestTenderdutyChannelsNeedBoth: tenderduty alerts only where a provider
// is enabled globally and for the chain (example-config.yml: "enabled must
// be set both globally and for each chain").
func TestTenderdutyChannelsNeedBoth(t *testing.T) {
	chain := func(alerts string) string {
		return "discord:\n  enabled: %s\n  webhook: https://discord.example.org/h\nchains:\n  A:\n    chain_id: a-1\n    valoper_address: osmovaloper1v4uxzmtsd3jj6anpd35kgct5daez6vp3qms0va\n" + alerts + "    nodes:\n      - url: http://127.0.0.1:26657\n"
	}
	tests := []struct {
		global, alerts string
		want           int
	}{
		{"yes", "    alerts:\n      discord: {enabled: yes}\n", 1},
		{"yes", "", 0},
		{"yes", "    alerts:\n      discord: {enabled: no}\n", 0},
		{"no", "    alerts:\n      discord: {enabled: yes}\n", 0},
	}
	for _, tc := range tests {
		src := fmt.Sprintf(chain(tc.alerts), tc.global)
		_, l, _ := importData(t, "tenderduty", []byte(src), Options{})
		if got := len(l.Notifications.Channels); got != tc.want {
			t.Errorf("global %s, chain %q: %d channels, want %d", tc.global, tc.alerts, got, tc.want)
		}
	}
}

// TestNotTranslatedLines: what an import leaves out is reported at its line.
func TestNotTranslatedLines(t *testing.T) {
	tests := []struct {
		source, src string
		line        int
		want        string
	}{
		{"gatus", "endpoints:\n  - name: a\n    url: https://a.example.org\n    interval: often\n", 4, `interval "often" is not a duration`},
		{"gatus", "endpoints:\n  - name: a\n    url: https://a.example.org\n    alerts:\n      - type: slack\n        provider-override: {}\n", 6, `"provider-override" is not translated`},
		{"gatus", "endpoints:\n  - name: a\n    url: https://a.example.org\n    alerts:\n      - type: slack\n", 1, `endpoints alert "slack", which`},
		{"gatus", "endpoints:\n  - name: a\n    url: https://a.example.org\n    conditions:\n      - \"[STATUS] == 200\"\n      - \"[DOMAIN_EXPIRATION] > 720h\"\n", 6, "no DOMAIN_EXPIRATION"},
		{"gatus", "endpoints:\n  - name: a\n    url: ssh://a.example.org:22\n  - name: b\n    url: https://b.example.org\n", 3, "ssh:// endpoints have no upchain kind"},
		{"gatus", "endpoints:\n  - name: a\n    url: https://a.example.org\nannouncements: []\n", 4, `"announcements" is not translated`},
		{"upptime", "sites:\n  - name: a\n    url: https://a.example.org\n    icon: https://a.example.org/i.png\n", 4, `"icon" is not translated`},
		{"upptime", "sites:\n  - name: a\n    url: https://a.example.org\nworkflowSchedule:\n  uptime: \"0 * * * *\"\n", 5, "only */N minute schedules"},
		{"tenderduty", "chains:\n  A:\n    chain_id: a-1\n    valoper_address: osmovaloper1v4uxzmtsd3jj6anpd35kgct5daez6vp3qms0va\n    alerts:\n      stalled_enabled: no\n    nodes:\n      - url: http://127.0.0.1:26657\n", 6, "stall alerts off"},
	}
	for _, tc := range tests {
		r, _, _ := importData(t, tc.source, []byte(tc.src), Options{})
		if !skippedAt(r, tc.line, tc.want) {
			t.Errorf("%s %q: want line %d %q, got %v", tc.source, tc.src, tc.line, tc.want, r.Skipped)
		}
	}
}

// TestGatusDuplicateNames: two endpoints of one name (in two groups, as
// Gatus allows) get distinct slugs, and the channel lists both.
func TestGatusDuplicateNames(t *testing.T) {
	src := "endpoints:\n  - name: api\n    group: a\n    url: https://a.example.org\n    alerts: [{type: slack}]\n  - name: api\n    group: b\n    url: https://b.example.org\n    alerts: [{type: slack}]\n  - name: other\n    url: https://c.example.org\nalerting:\n  slack:\n    webhook-url: ${SLACK}\n"
	_, l, _ := importData(t, "gatus", []byte(src), Options{})
	if got := strings.Join(l.Notifications.Channels[0].Checks, ","); got != "api,api-2" {
		t.Errorf("channel checks %q, want api,api-2", got)
	}
}

// channelSecret is what a channel is addressed by: its URL, bot token or
// routing key.
func channelSecret(ch config.Channel) string {
	switch st := ch.Settings.(type) {
	case *channel.Slack:
		return st.URL
	case *channel.Discord:
		return st.URL
	case *channel.Teams:
		return st.URL
	case *channel.Webhook:
		return st.URL
	case *channel.Telegram:
		return st.Token
	case *channel.PagerDuty:
		return st.RoutingKey
	}
	return ""
}
