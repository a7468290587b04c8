package config_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/upchain-dev/upchain/prober"
	"github.com/upchain-dev/upchain/prober/config"
)

// write creates upchain.yml and the given check files in a temp dir and
// returns the path of upchain.yml.
func write(t *testing.T, upchain string, checks map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.Mkdir(filepath.Join(dir, "checks"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "upchain.yml"), []byte(upchain), 0o644); err != nil {
		t.Fatal(err)
	}
	for name, body := range checks {
		if err := os.WriteFile(filepath.Join(dir, "checks", name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return filepath.Join(dir, "upchain.yml")
}

func env(m map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) { v, ok := m[k]; return v, ok }
}

func load(t *testing.T, path string, vars map[string]string) (*config.Loaded, config.Errors) {
	t.Helper()
	l, err := prober.Load(path, config.Options{Lookup: env(vars)})
	if err == nil {
		return l, nil
	}
	var errs config.Errors
	if !errors.As(err, &errs) {
		t.Fatalf("Load returned %T %v, want config.Errors", err, err)
	}
	return l, errs
}

// problems renders errors as "file:line: message" with the temp dir cut.
func problems(path string, errs config.Errors) []string {
	dir := filepath.Dir(path) + string(filepath.Separator)
	out := make([]string, len(errs))
	for i, e := range errs {
		out[i] = strings.TrimPrefix(e.String(), dir)
	}
	return out
}

func TestValidationReportsEveryProblemOnce(t *testing.T) {
	upchain := `site:
  titel: Status
  base_url: not-a-url
  links:
    - {name: Grafana, url: ftp://x}
defaults:
  timeout: 5x
  retries: two
checks_dir: checks
`
	checks := `group: G
chekcs: []
checks:
  - name: Typo kind
    kind: htp
    url: https://a.example/
    conditons: [status == 200]
  - name: typo-kind
    kind: http
    url: "::not a url"
    timeout: 10 seconds
    conditions:
      - staus == 200
      - status ==
    jsonrpc:
      method: x
  - name: Missing env
    kind: jsonrpc
    url: https://rpc.example/v3/${MISSING_KEY}
    jsonrpc:
      methd: eth_blockNumber
  - name: 日本
    kind: tcp
    url: tcp://no-port.example
  - name: Regions
    kind: http
    url: https://b.example/
    retries: -1
    regions:
      - {name: global, address: 192.0.2.1}
      - {name: eu, address: "bad address"}
      - {address: 192.0.2.2}
    links:
      grafana: not-a-url
  - name: Bad options
    kind: dns
    url: https://c.example/
    dns: {type: AAAAA}
  - name: Bad slug
    slug: Not_Valid
    kind: websocket
    url: wss://d.example/
  - name: Unknown kind bad condition
    kind: nope
    url: https://e.example/
    conditions: ['latency <']
  - kind: tcp
    url: tcp://f.example:1
  - name: No kind
    url: https://g.example/
  - name: Redirects
    kind: http
    url: https://h.example/
    http: {max_redirects: -1}
    tcp: {}
`
	path := write(t, upchain, map[string]string{"a.yml": checks})
	_, errs := load(t, path, nil)
	want := []string{
		`checks/a.yml:2: unknown key "chekcs" at the top of a check file; did you mean "checks"?`,
		`checks/a.yml:5: unknown kind "htp"; did you mean "http"?`,
		`checks/a.yml:7: unknown key "conditons" in check; did you mean "conditions"?`,
		`checks/a.yml:8: duplicate slug "typo-kind" (also used by "Typo kind" at`,
		`checks/a.yml:10: bad url "::not a url": write a full URL with scheme and host`,
		`checks/a.yml:11: bad duration "10 seconds": write a number and a unit, e.g. 800ms`,
		`checks/a.yml:13: condition "staus == 200": unknown name "staus": this kind provides body, cert, headers, json, latency, phases, region, status, tls`,
		`checks/a.yml:14: condition "status ==": unexpected token EOF`,
		`checks/a.yml:15: options "jsonrpc" do not apply to a check of kind "http"`,
		`checks/a.yml:19: environment variable MISSING_KEY is not set (referenced as ${MISSING_KEY})`,
		`checks/a.yml:20: kind jsonrpc needs ` + "`jsonrpc: {method: ..., params: [...]}`",
		`checks/a.yml:21: unknown key "methd" in jsonrpc; did you mean "method"?`,
		`checks/a.yml:22: no slug can be derived from name "日本"`,
		`checks/a.yml:24: kind tcp needs a url like tcp://host:port`,
		`checks/a.yml:28: retries must be 0 or more`,
		`checks/a.yml:29: region "global" is listed twice (or uses the reserved name "global")`,
		`checks/a.yml:29: region "eu": address "bad address" is not a host, IP or host:port to dial`,
		`checks/a.yml:29: regions[2] has no name`,
		`checks/a.yml:33: link "grafana": "not-a-url" is not an http(s) URL`,
		`checks/a.yml:37: kind dns needs a url like dns://name.example.org`,
		`checks/a.yml:38: dns.type "AAAAA": use A, CNAME, TXT, MX or NS`,
		`checks/a.yml:40: slug "Not_Valid": use lower-case letters, digits and dashes`,
		`checks/a.yml:39: kind websocket needs ` + "`websocket: {send: ...}`",
		`checks/a.yml:44: unknown kind "nope"`,
		`checks/a.yml:46: condition "latency <": unexpected token EOF`,
		`checks/a.yml:47: check has no name: add ` + "`name:`",
		`checks/a.yml:49: check "No kind" has no kind: add ` + "`kind:` (one of ",
		`checks/a.yml:54: max_redirects must be 0 or more`,
		`checks/a.yml:55: options "tcp" do not apply to a check of kind "http"`,
		`upchain.yml:2: unknown key "titel" in site; did you mean "title"?`,
		`upchain.yml:3: site.base_url "not-a-url" is not an http(s) URL`,
		`upchain.yml:4: site.links[0] (Grafana): url "ftp://x" is not an http(s) URL`,
		`upchain.yml:7: bad duration "5x"`,
		`upchain.yml:8: wrong type: !!str ` + "`two`" + ` (expected a whole number here`,
	}
	got := problems(path, errs)
	for _, w := range want {
		found := false
		for _, g := range got {
			if strings.HasPrefix(g, w) {
				found = true
				break
			}
		}
		if !found {
			t.Errorf("missing problem %q", w)
		}
	}
	if len(got) != len(want) {
		t.Errorf("got %d problems, want %d:\n%s", len(got), len(want), strings.Join(got, "\n"))
	}
	// In file and line order.
	for i := 1; i < len(errs); i++ {
		a, b := errs[i-1], errs[i]
		if a.File > b.File || a.File == b.File && a.Line > b.Line {
			t.Errorf("problems out of order: %s before %s", a, b)
		}
	}
}

func TestDefaults(t *testing.T) {
	path := write(t, "", map[string]string{"web.yml": `checks:
  - name: Home Page!
    kind: http
    url: https://example.org/
  - name: Own settings
    slug: own
    group: Elsewhere
    kind: tcp
    url: tcp://example.org:443
    timeout: 2s
    retries: 0
    interval: 1m
`})
	l, errs := load(t, path, nil)
	if errs != nil {
		t.Fatal(errs)
	}
	d := l.Defaults
	if d.Timeout.D() != config.DefaultTimeout || *d.Retries != config.DefaultRetries || d.Interval.D() != config.DefaultInterval ||
		d.Concurrency != config.DefaultConcurrency || d.RoundTimeout.D() != config.DefaultRoundTimeout || d.MaxBodyBytes != config.DefaultMaxBody {
		t.Errorf("defaults %+v", d)
	}
	if l.ChecksDir != "checks" || l.Site.Output != "public" || l.Site.Title != "Status" {
		t.Errorf("site defaults: checks_dir %q output %q title %q", l.ChecksDir, l.Site.Output, l.Site.Title)
	}
	a, b := l.Checks[0], l.Checks[1]
	if a.Slug != "home-page" || a.Group != "web" || a.Timeout.D() != 10*time.Second || *a.Retries != 1 || a.Interval.D() != 5*time.Minute {
		t.Errorf("inherited: slug %q group %q timeout %s retries %d interval %s", a.Slug, a.Group, a.Timeout, *a.Retries, a.Interval)
	}
	if b.Slug != "own" || b.Group != "Elsewhere" || b.Timeout.D() != 2*time.Second || *b.Retries != 0 || b.Interval.D() != time.Minute {
		t.Errorf("own: slug %q group %q timeout %s retries %d interval %s", b.Slug, b.Group, b.Timeout, *b.Retries, b.Interval)
	}
	if len(l.Conditions["home-page"].Up) != 1 || l.Conditions["home-page"].Up[0].Source != "status >= 200 && status < 400" {
		t.Errorf("http default condition missing: %+v", l.Conditions["home-page"])
	}
	if a.File == "" || a.Line != 2 || a.Lines["url"] != 4 {
		t.Errorf("position: %s:%d url line %d", a.File, a.Line, a.Lines["url"])
	}
}

func TestDefaultsFromFile(t *testing.T) {
	path := write(t, `defaults:
  timeout: 3s
  retries: 2
  interval: 1m
  concurrency: 8
  round_timeout: 30s
  max_body_bytes: 4096
checks_dir: probes
`, nil)
	if err := os.Mkdir(filepath.Join(filepath.Dir(path), "probes"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(filepath.Dir(path), "probes", "x.yaml"), []byte("checks:\n  - {name: x, kind: tcp, url: 'tcp://h:1'}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	l, errs := load(t, path, nil)
	if errs != nil {
		t.Fatal(errs)
	}
	d := l.Defaults
	if d.Timeout.D() != 3*time.Second || *d.Retries != 2 || d.Concurrency != 8 || d.RoundTimeout.D() != 30*time.Second || d.MaxBodyBytes != 4096 {
		t.Errorf("defaults %+v", d)
	}
	c := l.Checks[0]
	if c.Timeout.D() != 3*time.Second || *c.Retries != 2 || c.Interval.D() != time.Minute || c.Group != "x" {
		t.Errorf("check did not inherit: %+v", c)
	}
}

func TestSecretsExpansion(t *testing.T) {
	checks := `checks:
  - name: Infura
    kind: jsonrpc
    url: https://mainnet.example/v3/${API_KEY}
    headers:
      Authorization: Bearer ${TOKEN}
    body: '{"k":"${TOKEN}"}'
    jsonrpc: {method: eth_blockNumber, params: ["${TOKEN}"]}
  - name: Userinfo
    kind: http
    url: https://user:hunter2hunter2@example.org/
`
	path := write(t, "", map[string]string{"a.yml": checks})
	vars := map[string]string{"API_KEY": "k3y-0123456789abcdef", "TOKEN": "t0ken-fedcba9876543210"}
	l, errs := load(t, path, vars)
	if errs != nil {
		t.Fatal(errs)
	}
	c := l.Checks[0]
	if c.URL != "https://mainnet.example/v3/k3y-0123456789abcdef" {
		t.Errorf("URL %q", c.URL)
	}
	if c.DisplayURL != "https://mainnet.example/v3/${API_KEY}" {
		t.Errorf("DisplayURL %q, want the placeholder kept", c.DisplayURL)
	}
	if c.Headers["Authorization"] != "Bearer t0ken-fedcba9876543210" || c.Body != `{"k":"t0ken-fedcba9876543210"}` {
		t.Errorf("headers %v body %q", c.Headers, c.Body)
	}
	if p := c.Options.(*prober.JSONRPCOptions).Params; len(p) != 1 || p[0] != "t0ken-fedcba9876543210" {
		t.Errorf("params %v", p)
	}
	for in, want := range map[string]string{
		"GET https://mainnet.example/v3/k3y-0123456789abcdef failed": "GET https://mainnet.example/v3/${API_KEY} failed",
		"auth t0ken-fedcba9876543210":                                "auth ${TOKEN}",
		"https://user:hunter2hunter2@example.org/":                   "https://user:xxxxx@example.org/",
	} {
		if got := l.Redactor.String(in); got != want {
			t.Errorf("redact(%q) = %q, want %q", in, got, want)
		}
	}
	if l.Checks[1].DisplayURL != "https://user:hunter2hunter2@example.org/" {
		t.Errorf("userinfo DisplayURL %q", l.Checks[1].DisplayURL) // shown only through Redactor.URL
	}
}

func TestMissingSecrets(t *testing.T) {
	checks := "checks:\n  - {name: a, kind: jsonrpc, url: 'https://${HOST}/v3/${KEY}', jsonrpc: {method: m}}\n"
	path := write(t, "", map[string]string{"a.yml": checks})
	_, errs := load(t, path, map[string]string{"KEY": "present-key-value"})
	got := problems(path, errs)
	if len(got) != 1 || !strings.Contains(got[0], "environment variable HOST is not set") {
		t.Fatalf("problems %q: want exactly the missing HOST (and no bad-url noise)", got)
	}
	// validate --allow-missing-secrets: placeholders stay, no problem.
	l, err := prober.Load(path, config.Options{Lookup: env(nil), AllowMissingSecrets: true})
	if err != nil {
		t.Fatal(err)
	}
	if l.Checks[0].URL != "https://${HOST}/v3/${KEY}" || l.Checks[0].DisplayURL != l.Checks[0].URL {
		t.Fatalf("URL %q DisplayURL %q", l.Checks[0].URL, l.Checks[0].DisplayURL)
	}
}

func TestSecretNeverInProblems(t *testing.T) {
	secret := "sk_live_0123456789abcdefXYZ"
	checks := `checks:
  - name: a
    kind: http
    url: "https://x.example/${KEY} with spaces"
    retries: ${KEY}
    timeout: ${KEY}
    links: {grafana: "${KEY}"}
`
	path := write(t, "site:\n  base_url: ${KEY}\n", map[string]string{"a.yml": checks})
	_, errs := load(t, path, map[string]string{"KEY": secret})
	if len(errs) < 4 {
		t.Fatalf("want a problem per field, got %v", errs)
	}
	for _, e := range errs {
		s := e.String()
		for i := 0; i+6 <= len(secret); i++ {
			if strings.Contains(s, secret[i:i+6]) {
				t.Errorf("problem leaks part of the secret: %s", s)
				break
			}
		}
	}
}

func TestLoadFileProblems(t *testing.T) {
	t.Run("no upchain.yml", func(t *testing.T) {
		_, err := prober.Load(filepath.Join(t.TempDir(), "upchain.yml"), config.Options{})
		if err == nil || !strings.Contains(err.Error(), "not found: create upchain.yml") {
			t.Fatalf("err %v", err)
		}
	})
	t.Run("no checks dir", func(t *testing.T) {
		dir := t.TempDir()
		path := filepath.Join(dir, "upchain.yml")
		if err := os.WriteFile(path, nil, 0o644); err != nil {
			t.Fatal(err)
		}
		_, err := prober.Load(path, config.Options{})
		if err == nil || !strings.Contains(err.Error(), "checks directory not found") {
			t.Fatalf("err %v", err)
		}
	})
	tests := []struct{ name, file, want string }{
		{"not a mapping", "- a\n- b\n", "a.yml:1: a check file is a mapping with `group:` and `checks:`"},
		{"no checks", "group: x\n", "a.yml:1: no checks: add a `checks:` list"},
		{"check not a mapping", "checks:\n  - just a string\n", "a.yml:2: each check is a mapping"},
		{"yaml syntax", "checks:\n  - name: a\n   kind: x\n", "a.yml:3: did not find expected '-' indicator"},
		{"yaml syntax in a flow", "checks:\n  - name: a\n    kind: x\n  - name: [b\n", "a.yml:4: did not find expected ',' or ']'"},
		{"wrong type", "checks:\n  - {name: a, kind: tcp, url: 'tcp://h:1', tags: {a: b}}\n", "(expected a list here"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := write(t, "", map[string]string{"a.yml": tt.file})
			_, errs := load(t, path, nil)
			if !strings.Contains(strings.Join(problems(path, errs), "\n"), tt.want) {
				t.Fatalf("problems %q do not contain %q", problems(path, errs), tt.want)
			}
		})
	}
}

func TestKindURLSchemes(t *testing.T) {
	tests := []struct{ kind, url, opts, want string }{
		{"http", "ftp://x.example/", "", "kind http needs an http:// or https:// url, not ftp://"},
		{"websocket", "https://x.example/", "websocket: {send: x}", "kind websocket needs a ws:// or wss:// url"},
		{"jsonrpc", "tcp://x.example:1", "jsonrpc: {method: m}", "kind jsonrpc needs an http(s):// or ws(s):// url"},
		{"tls", "https://x.example/", "", "kind tls needs a url like tls://host:port"},
		{"tcp", "tcp://x.example", "", "kind tcp needs a url like tcp://host:port"},
		{"dns", "dns://", "", "bad url"},
	}
	for _, tt := range tests {
		t.Run(tt.kind, func(t *testing.T) {
			check := "checks:\n  - name: a\n    kind: " + tt.kind + "\n    url: '" + tt.url + "'\n"
			if tt.opts != "" {
				check += "    " + tt.opts + "\n"
			}
			path := write(t, "", map[string]string{"a.yml": check})
			_, errs := load(t, path, nil)
			got := problems(path, errs)
			if len(got) != 1 || !strings.Contains(got[0], tt.want) {
				t.Fatalf("problems %q, want one containing %q", got, tt.want)
			}
		})
	}
}

func TestSlugify(t *testing.T) {
	tests := map[string]string{
		"Polkadot RPC (websocket)":     "polkadot-rpc-websocket",
		"  Ethereum  mainnet ":         "ethereum-mainnet",
		"a_b.c/d":                      "a-b-c-d",
		"Ünïcode name":                 "n-code-name",
		"日本":                           "",
		strings.Repeat("x", 70):        strings.Repeat("x", 64),
		strings.Repeat("a", 63) + "-b": strings.Repeat("a", 63),
	}
	for in, want := range tests {
		if got := config.Slugify(in); got != want {
			t.Errorf("Slugify(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestParseDuration(t *testing.T) {
	tests := []struct {
		in   string
		want time.Duration
		ok   bool
	}{
		{"800ms", 800 * time.Millisecond, true},
		{"30s", 30 * time.Second, true},
		{"5m", 5 * time.Minute, true},
		{"14d", 14 * 24 * time.Hour, true},
		{"2w", 14 * 24 * time.Hour, true},
		{"1d12h", 36 * time.Hour, true},
		{"1.5d", 36 * time.Hour, true},
		{" 2h ", 2 * time.Hour, true},
		{"", 0, false},
		{"10", 0, false},
		{"5x", 0, false},
		{"10 seconds", 0, false},
		{"d", 0, false},
	}
	for _, tt := range tests {
		got, err := config.ParseDuration(tt.in)
		if (err == nil) != tt.ok || got != tt.want {
			t.Errorf("ParseDuration(%q) = %s, %v; want %s ok=%v", tt.in, got, err, tt.want, tt.ok)
		}
	}
	for d, want := range map[time.Duration]string{14 * 24 * time.Hour: "14d", 90 * time.Minute: "1h30m0s", 0: "0s"} {
		if got := config.FormatDuration(d); got != want {
			t.Errorf("FormatDuration(%s) = %q, want %q", d, got, want)
		}
	}
}

func TestLinkNames(t *testing.T) {
	c := &config.Check{Links: map[string]string{"zeta": "", "telemetry": "", "alpha": "", "grafana": "", "kibana": ""}}
	if got := strings.Join(c.LinkNames(), ","); got != "grafana,kibana,telemetry,alpha,zeta" {
		t.Fatalf("LinkNames = %s", got)
	}
}

func TestTargets(t *testing.T) {
	c := &config.Check{Regions: []config.Region{{Name: "eu", Address: "192.0.2.1"}}}
	got := c.Targets()
	if len(got) != 2 || got[0].Name != config.PublicRegion || got[0].Address != "" || got[1].Name != "eu" {
		t.Fatalf("Targets = %+v", got)
	}
}

func TestHistoryRetentionProblems(t *testing.T) {
	check := map[string]string{"a.yml": "checks:\n  - name: a\n    kind: tcp\n    url: tcp://127.0.0.1:1\n"}
	tests := []struct {
		name, history string
		want          []string
	}{
		{"defaults", "", nil},
		{"raw too short", "history:\n  branch: h\n  raw_retention: 2h\n",
			[]string{"upchain.yml:3: history.raw_retention is 2h0m0s: keep raw samples at least 1d (default 14d)"}},
		{"hourly shorter than raw", "history:\n  raw_retention: 30d\n  hourly_retention: 31d\n",
			[]string{"upchain.yml:3: history.hourly_retention (31d) must be at least history.raw_retention (30d) plus 2d: hourly roll-ups are made from raw samples as they expire"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := write(t, tt.history, check)
			_, errs := load(t, path, nil)
			got := problems(path, errs)
			if strings.Join(got, "\n") != strings.Join(tt.want, "\n") {
				t.Fatalf("problems:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tt.want, "\n"))
			}
		})
	}
}
