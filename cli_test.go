package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"github.com/upchain-dev/upchain/prober/testlog"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// runCLI runs the upchain CLI in-process, guarded against hangs.
func runCLI(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errOut bytes.Buffer
	done := make(chan int, 1)
	go func() { done <- run(context.Background(), args, &out, &errOut) }()
	select {
	case code = <-done:
	case <-time.After(2 * time.Minute):
		t.Fatalf("upchain %v did not end", args)
	}
	return code, out.String(), errOut.String()
}

// project writes upchain.yml and checks/*.yml into a temp dir and returns
// the path of upchain.yml.
func project(t *testing.T, upchain string, checks map[string]string) string {
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

// Secrets of the CLI tests, with distinctive 8-byte pieces.
const (
	apiKey = "sk_live_AAAA1111BBBB2222CCCC3333"
	token  = "tok_DDDD4444EEEE5555FFFF6666"
)

func assertNoSecrets(t *testing.T, where, text string) {
	t.Helper()
	for _, s := range []string{apiKey, token} {
		for i := 0; i+8 <= len(s); i += 4 {
			if strings.Contains(text, s[i:i+8]) {
				t.Errorf("%s leaks (part of) a secret:\n%s", where, text)
				return
			}
		}
	}
}

// endpoints starts local servers: an HTTP server that echoes what it was
// sent (secrets included) and a JSON-RPC websocket server.
func endpoints(t *testing.T) (httpURL, wsURL string) {
	t.Helper()
	h := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		text := strings.Repeat(".", 20) + r.URL.Path + " " + r.Header.Get("Authorization") + " " + string(b)
		if strings.HasSuffix(r.URL.Path, "/down") {
			http.Error(w, text, http.StatusBadGateway)
			return
		}
		_, _ = io.WriteString(w, text)
	}))
	t.Cleanup(h.Close)
	return h.URL, jsonrpcWebsocket(t, 0, `{"isSyncing":false,"peers":12,"height":"0x20000000000001"}`)
}

func closedAddr(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

func probeProject(t *testing.T) string {
	httpURL, wsURL := endpoints(t)
	t.Setenv("UPCHAIN_TEST_API_KEY", apiKey)
	t.Setenv("UPCHAIN_TEST_TOKEN", token)
	return project(t, "defaults: {timeout: 5s, retries: 0}\n", map[string]string{
		"rpc.yml": `group: RPC
checks:
  - name: Node websocket
    kind: jsonrpc
    url: ` + wsURL + `/v3/${UPCHAIN_TEST_API_KEY}
    jsonrpc: {method: system_health}
    conditions: [result.isSyncing == false, result.peers >= 5, result.height == 9007199254740993]
  - name: Keyed HTTP
    kind: http
    url: ` + httpURL + `/v3/${UPCHAIN_TEST_API_KEY}
    headers: {Authorization: "Bearer ${UPCHAIN_TEST_TOKEN}"}
    body: '{"token":"${UPCHAIN_TEST_TOKEN}"}'
    conditions: ['body contains "never there"']
`,
		"web.yml": `group: Web
checks:
  - name: Gateway
    kind: http
    url: ` + httpURL + `/v3/${UPCHAIN_TEST_API_KEY}/down
    headers: {Authorization: "Bearer ${UPCHAIN_TEST_TOKEN}"}
  - name: Slow page
    kind: http
    url: ` + httpURL + `/
    degraded: [latency < 1ns]
  - name: Closed port
    kind: tcp
    url: tcp://` + closedAddr(t) + `
`,
	})
}

func TestProbeOnceTable(t *testing.T) {
	cfg := probeProject(t)
	code, out, errOut := runCLI(t, "probe", "--once", "--config", cfg)
	if code != exitOK {
		t.Fatalf("exit %d, want 0 although endpoints are down\n%s%s", code, out, errOut)
	}
	for _, want := range []string{
		"GROUP", "CHECK", "REGION", "STATUS", "LATENCY", "CODE", "REASON",
		"RPC ", "node-websocket", "global", "UP",
		"keyed-http", "DOWN", "failed: body contains \"never there\"",
		"gateway", "502",
		"slow-page", "DEGRADED",
		"closed-port", "connection refused",
		"1 up, 1 degraded, 3 down (5 probes)",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("table lacks %q:\n%s", want, out)
		}
	}
	assertNoSecrets(t, "table", out+errOut)
	if !strings.Contains(out, "${UPCHAIN_TEST_API_KEY}") {
		t.Errorf("the echoed key should show as its placeholder:\n%s", out)
	}
}

func TestProbeOnceJSON(t *testing.T) {
	cfg := probeProject(t)
	code, out, errOut := runCLI(t, "probe", "--once", "--json", "--config", cfg)
	if code != exitOK {
		t.Fatalf("exit %d\n%s", code, errOut)
	}
	assertNoSecrets(t, "JSON", out+errOut)
	if !strings.Contains(out, `"condition": "latency < 1ns"`) {
		t.Errorf("conditions should read as written in the JSON:\n%s", out)
	}
	if errOut != "" {
		t.Errorf("stderr not empty with --json: %q", errOut)
	}
	// The stable shape later stages read.
	var doc struct {
		Version  int            `json:"version"`
		Started  time.Time      `json:"started"`
		Duration *float64       `json:"duration_s"`
		Summary  map[string]int `json:"summary"`
		Checks   []struct {
			Check   string                   `json:"check"`
			Name    string                   `json:"name"`
			Group   string                   `json:"group"`
			Status  string                   `json:"status"`
			Regions []map[string]interface{} `json:"regions"`
		} `json:"checks"`
	}
	dec := json.NewDecoder(strings.NewReader(out))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&doc); err != nil {
		t.Fatalf("decode: %v\n%s", err, out)
	}
	if doc.Version != 1 || doc.Started.IsZero() || doc.Duration == nil {
		t.Errorf("header: version %d started %s duration %v", doc.Version, doc.Started, doc.Duration)
	}
	if fmt.Sprint(doc.Summary) != "map[degraded:1 down:3 up:1]" {
		t.Errorf("summary %v", doc.Summary)
	}
	var got []string
	for _, c := range doc.Checks {
		got = append(got, c.Group+"/"+c.Check+"="+c.Status)
		if len(c.Regions) != 1 {
			t.Errorf("%s: %d regions", c.Check, len(c.Regions))
			continue
		}
		r := c.Regions[0]
		for _, k := range []string{"check", "name", "group", "kind", "region", "time", "status", "attempts", "latency_ms"} {
			if _, ok := r[k]; !ok {
				t.Errorf("%s: region result lacks %q: %v", c.Check, k, r)
			}
		}
		if r["status"] != "up" {
			for _, k := range []string{"reason", "reason_code"} {
				if _, ok := r[k]; !ok {
					t.Errorf("%s: failed result lacks %q: %v", c.Check, k, r)
				}
			}
		}
	}
	want := "RPC/keyed-http=down RPC/node-websocket=up Web/closed-port=down Web/gateway=down Web/slow-page=degraded"
	if strings.Join(got, " ") != want {
		t.Errorf("checks %s\nwant   %s", strings.Join(got, " "), want)
	}
}

func TestProbeCheckFilter(t *testing.T) {
	cfg := probeProject(t)
	code, out, _ := runCLI(t, "probe", "--once", "--json", "--check", "slow-page, closed-port", "--config", cfg)
	if code != exitOK {
		t.Fatalf("exit %d", code)
	}
	var doc struct {
		Checks []struct{ Check string } `json:"checks"`
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatal(err)
	}
	if len(doc.Checks) != 2 || doc.Checks[0].Check != "closed-port" || doc.Checks[1].Check != "slow-page" {
		t.Fatalf("checks %+v", doc.Checks)
	}
	code, _, errOut := runCLI(t, "probe", "--once", "--check", "no-such-check", "--config", cfg)
	if code != exitUsage || !strings.Contains(errOut, `no check with slug "no-such-check"`) {
		t.Fatalf("unknown slug: exit %d, %q", code, errOut)
	}
}

func TestProbeBadConfig(t *testing.T) {
	cfg := project(t, "", map[string]string{"a.yml": "checks:\n  - {name: a, kind: htp, url: 'http://127.0.0.1:1/'}\n"})
	code, out, errOut := runCLI(t, "probe", "--once", "--config", cfg)
	if code != exitFailed || out != "" || !strings.Contains(errOut, `unknown kind "htp"`) {
		t.Fatalf("exit %d stdout %q stderr %q", code, out, errOut)
	}
}

func TestValidate(t *testing.T) {
	t.Setenv("UPCHAIN_TEST_API_KEY", apiKey)
	good := project(t, "", map[string]string{"a.yml": `checks:
  - name: A
    kind: jsonrpc
    url: https://rpc.example/v3/${UPCHAIN_TEST_API_KEY}
    jsonrpc: {method: m}
    regions: [{name: eu, address: 192.0.2.1}]
`})
	code, out, errOut := runCLI(t, "validate", "--config", good)
	if code != exitOK || !strings.Contains(out, ": ok, 1 checks (2 probes per round)") {
		t.Fatalf("good config: exit %d %q %q", code, out, errOut)
	}
	bad := project(t, "defaults: {timeout: soon}\n", map[string]string{"a.yml": `checks:
  - name: A
    kind: jsonrpc
    url: "https://rpc example/v3/${UPCHAIN_TEST_API_KEY}"
    retries: ${UPCHAIN_TEST_API_KEY}
    jsonrpc: {methd: m}
  - name: A
    kind: http
    url: https://x.example/${MISSING_VAR}
`})
	code, out, errOut = runCLI(t, "validate", "--config", bad)
	if code != exitFailed || out != "" {
		t.Fatalf("bad config: exit %d stdout %q", code, out)
	}
	for _, want := range []string{
		"a.yml:4: bad url \"https://rpc example/v3/${UPCHAIN_TEST_API_KEY}\"",
		"a.yml:5: wrong type",
		"a.yml:6: unknown key \"methd\" in jsonrpc; did you mean \"method\"?",
		"a.yml:7: duplicate slug \"a\"",
		"a.yml:9: environment variable MISSING_VAR is not set",
		"upchain.yml:1: bad duration \"soon\"",
		"problem(s) found",
	} {
		if !strings.Contains(errOut, want) {
			t.Errorf("validate output lacks %q:\n%s", want, errOut)
		}
	}
	assertNoSecrets(t, "validate output", errOut)
	// --allow-missing-secrets accepts the unset variable.
	missing := project(t, "", map[string]string{"a.yml": "checks:\n  - {name: a, kind: http, url: 'https://x.example/${MISSING_VAR}'}\n"})
	if code, _, errOut := runCLI(t, "validate", "--allow-missing-secrets", "--config", missing); code != exitOK {
		t.Fatalf("--allow-missing-secrets: exit %d %s", code, errOut)
	}
}

// The example check files must stay valid and cover every kind. They are
// only validated here, never probed: they point at public hosts.
func TestExampleChecksValidate(t *testing.T) {
	code, out, errOut := runCLI(t, "validate", "--allow-missing-secrets", "--config", "upchain.yml")
	if code != exitOK {
		t.Fatalf("examples: exit %d\n%s%s", code, out, errOut)
	}
	files, _ := filepath.Glob("checks/*.yml")
	kinds := map[string]bool{}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, line := range strings.Split(string(b), "\n") {
			if k, ok := strings.CutPrefix(strings.TrimSpace(line), "kind: "); ok {
				kinds[k] = true
			}
		}
	}
	for _, k := range []string{"http", "tcp", "tls", "dns", "websocket", "jsonrpc"} {
		if !kinds[k] {
			t.Errorf("no example check of kind %s in checks/", k)
		}
	}
}

func TestUsage(t *testing.T) {
	if code, out, _ := runCLI(t); code != exitOK || !strings.Contains(out, "probe") || !strings.Contains(out, "validate") {
		t.Fatalf("usage: %d %q", code, out)
	}
	if code, _, errOut := runCLI(t, "frobnicate"); code != exitUsage || !strings.Contains(errOut, `unknown command "frobnicate"`) {
		t.Fatalf("unknown command: %d %q", code, errOut)
	}
	if code, _, _ := runCLI(t, "probe", "--no-such-flag"); code != exitUsage {
		t.Fatalf("bad flag: %d", code)
	}
}

func TestProgressLine(t *testing.T) {
	var b testlog.Buffer
	p := startProgress(&b, 3)
	p.update(1, 3)
	p.update(3, 3) // the last one is always drawn
	p.stop()
	got := b.String()
	for _, want := range []string{"\r\033[Kprobing: 0/3 done, 0s", "\r\033[Kprobing: 3/3 done, "} {
		if !strings.Contains(got, want) {
			t.Errorf("progress output %q lacks %q", got, want)
		}
	}
	if !strings.HasSuffix(got, "\r\033[K") {
		t.Errorf("progress line not cleared at the end: %q", got)
	}
}

// TestUnsetSecretFailsOnlyItsChecks: in probe an unset ${NAME} makes only
// the checks that use it down (reason code config, naming the variable);
// every other check runs. validate still reports it with file and line.
func TestUnsetSecretFailsOnlyItsChecks(t *testing.T) {
	httpURL, _ := endpoints(t)
	cfg := project(t, "defaults: {timeout: 5s, retries: 0}\n", map[string]string{"web.yml": `group: Web
checks:
  - name: Keyed
    kind: http
    url: ` + httpURL + `/v3/${UPCHAIN_TEST_UNSET_KEY}
  - name: Open
    kind: http
    url: ` + httpURL + `/
`})
	code, out, errOut := runCLI(t, "probe", "--once", "--json", "--config", cfg)
	if code != exitOK {
		t.Fatalf("exit %d\n%s%s", code, out, errOut)
	}
	var doc struct {
		Checks []struct {
			Check   string `json:"check"`
			Regions []struct {
				Status     string `json:"status"`
				ReasonCode string `json:"reason_code"`
				Reason     string `json:"reason"`
			} `json:"regions"`
		} `json:"checks"`
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	got := map[string]string{}
	for _, c := range doc.Checks {
		for _, r := range c.Regions {
			got[c.Check] = r.Status + " " + r.ReasonCode + " " + r.Reason
		}
	}
	if s := got["keyed"]; !strings.HasPrefix(s, "down config not probed: environment variable UPCHAIN_TEST_UNSET_KEY is not set (referenced as ${UPCHAIN_TEST_UNSET_KEY} in ") || !strings.Contains(s, "web.yml:3)") {
		t.Errorf("keyed: %q", s)
	}
	if s := got["open"]; !strings.HasPrefix(s, "up") {
		t.Errorf("open: %q", s)
	}
	code, _, errOut = runCLI(t, "validate", "--config", cfg)
	if code != exitFailed || !strings.Contains(errOut, "web.yml:5: environment variable UPCHAIN_TEST_UNSET_KEY is not set") {
		t.Errorf("validate: exit %d\n%s", code, errOut)
	}
}
