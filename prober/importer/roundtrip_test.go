package importer

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/upchain-dev/upchain/prober"
	"github.com/upchain-dev/upchain/prober/cometbft"
	"github.com/upchain-dev/upchain/prober/cometbft/cometbfttest"
	"github.com/upchain-dev/upchain/prober/config"
)

// Round trips: a source config naming local endpoints is imported, loaded
// and probed; every check must get the verdict the source's own semantics
// give for what the endpoint answers. The endpoints are httptest servers on
// 127.0.0.1 answering as the source documents describe (Upptime: 2xx/3xx
// or expectedStatusCodes is up; Gatus: every condition holds; tenderduty:
// consecutive misses and stalls alert).

// site serves the fixed answers the round trips probe.
func site(t *testing.T) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/ok":
			fmt.Fprint(w, "hello")
		case "/missing":
			http.NotFound(w, r)
		case "/broken":
			http.Error(w, "oops", http.StatusInternalServerError)
		case "/notfound":
			fmt.Fprint(w, "<p>File not found</p>")
		case "/auth":
			if r.Header.Get("Authorization") != "Bearer s3cr3t" {
				http.Error(w, "no", http.StatusUnauthorized)
				return
			}
			fmt.Fprint(w, "welcome")
		case "/health":
			w.Header().Set("Content-Type", "application/json")
			fmt.Fprint(w, `{"status":"UP","data":[{"name":"john"}]}`)
		case "/health-down":
			w.Header().Set("Content-Type", "application/json")
			fmt.Fprint(w, `{"status":"DOWN","data":[],"errors":["db"]}`)
		case "/polkadot", "/silent":
			c, err := upgrader.Upgrade(w, r, nil)
			if err != nil {
				return
			}
			defer c.Close()
			c.SetReadDeadline(time.Now().Add(10 * time.Second))
			_, msg, err := c.ReadMessage()
			if err != nil || r.URL.Path == "/silent" {
				// A handshake, then nothing: Upptime's ws check calls this up.
				c.ReadMessage()
				return
			}
			// Substrate's system_health shape (Polkadot JSON-RPC spec).
			var req struct {
				ID     json.RawMessage `json:"id"`
				Method string          `json:"method"`
			}
			json.Unmarshal(msg, &req)
			if req.Method != "system_health" {
				c.WriteMessage(websocket.TextMessage, []byte(`{"jsonrpc":"2.0","id":`+string(req.ID)+`,"error":{"code":-32601,"message":"Method not found"}}`))
				return
			}
			c.WriteMessage(websocket.TextMessage, []byte(`{"jsonrpc":"2.0","id":`+string(req.ID)+`,"result":{"peers":8,"isSyncing":false,"shouldHavePeers":true}}`))
		case "/page":
			fmt.Fprint(w, "<html>\n<body>\n<h1>Example Domain</h1>\n</body>\n</html>\n")
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(srv.Close)
	return srv
}

var upgrader = websocket.Upgrader{}

// closedPort returns a loopback port nothing listens on.
func closedPort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	return port
}

// probe imports src, loads it with env and runs one round: status by slug.
func probe(t *testing.T, source, src string, opts Options, env map[string]string) map[string]prober.Status {
	t.Helper()
	r, err := translate(source, []byte(src), opts)
	if err != nil {
		t.Fatalf("import: %v", err)
	}
	dir := writeResult(t, r)
	lookup := func(k string) (string, bool) { v, ok := env[k]; return v, ok }
	l, err := prober.Load(filepath.Join(dir, "upchain.yml"), config.Options{Lookup: lookup})
	if err != nil {
		t.Fatalf("load: %v", err)
	}
	for _, c := range l.Checks {
		c.Timeout = config.Duration(2 * time.Second)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	got := map[string]prober.Status{}
	results := (&prober.Runner{Config: l, Backoff: time.Millisecond}).Round(ctx, nil)
	// The lag step, as `upchain probe` applies it after a round.
	prober.NewLag(l.Checks, prober.Builtin().Values().ChainValues()).Apply(results)
	for _, res := range results {
		got[res.Check] = res.Status
		t.Logf("%s: %s %s", res.Check, res.Status, res.Reason)
	}
	return got
}

func compare(t *testing.T, got, want map[string]prober.Status) {
	t.Helper()
	for slug, w := range want {
		if g, ok := got[slug]; !ok {
			t.Errorf("%s: not probed", slug)
		} else if g != w {
			t.Errorf("%s: %s, the source says %s", slug, g, w)
		}
	}
	if len(got) != len(want) {
		t.Errorf("%d checks probed, want %d", len(got), len(want))
	}
}

func TestRoundTripUpptime(t *testing.T) {
	srv := site(t)
	port := srv.Listener.Addr().(*net.TCPAddr).Port
	src := fmt.Sprintf(`owner: example
repo: status
sites:
  - name: ok
    url: %[1]s/ok
  - name: broken
    url: %[1]s/broken
  - name: missing
    url: %[1]s/missing
  - name: expects 404
    url: %[1]s/missing
    expectedStatusCodes: [200, 404]
  - name: body down
    url: %[1]s/notfound
    __dangerous__body_down: "File not found"
  - name: body present
    url: %[1]s/ok
    __dangerous__body_down_if_text_missing: "hello"
  - name: body degraded
    url: %[1]s/ok
    __dangerous__body_degraded_if_text_missing: "absent"
  - name: secret header
    url: %[1]s/$SECRET_PATH
    headers:
      - "Authorization: Bearer $SECRET_TOKEN"
  - name: tcp open
    check: tcp-ping
    url: 127.0.0.1
    port: %[2]d
  - name: tcp closed
    check: tcp-ping
    url: 127.0.0.1
    port: %[3]d
  - name: polkadot ws
    check: ws
    url: ws%[4]s/polkadot
  - name: silent ws
    check: ws
    url: ws%[4]s/silent
`, srv.URL, port, closedPort(t), strings.TrimPrefix(srv.URL, "http"))
	got := probe(t, "upptime", src, Options{}, map[string]string{"SECRET_PATH": "auth", "SECRET_TOKEN": "s3cr3t"})
	compare(t, got, map[string]prober.Status{
		"ok": prober.Up, "broken": prober.Down, "missing": prober.Down, "expects-404": prober.Up,
		"body-down": prober.Down, "body-present": prober.Up, "body-degraded": prober.Degraded,
		"secret-header": prober.Up, "tcp-open": prober.Up, "tcp-closed": prober.Down,
		// A Substrate node answers system_health: up. A server that only
		// completes the handshake is up for Upptime but not for upchain, as
		// the import says.
		"polkadot-ws": prober.Up, "silent-ws": prober.Down,
	})
}

func TestRoundTripGatus(t *testing.T) {
	srv := site(t)
	port := srv.Listener.Addr().(*net.TCPAddr).Port
	src := fmt.Sprintf(`endpoints:
  - name: health
    url: "%[1]s/health"
    conditions: ["[STATUS] == 200", "[BODY].status == UP", "len([BODY].data) > 0", "[BODY].data[0].name == any(john, jane)", "has([BODY].errors) == false", "[RESPONSE_TIME] < 5000"]
  - name: health down
    url: "%[1]s/health-down"
    conditions: ["[STATUS] == 200", "[BODY].status == UP"]
  - name: health empty
    url: "%[1]s/health-down"
    conditions: ["len([BODY].data) > 0"]
  - name: health errors
    url: "%[1]s/health-down"
    conditions: ["has([BODY].errors) == false"]
  - name: page
    url: "%[1]s/page"
    conditions: ["[STATUS] == 200", "[BODY] == pat(*<h1>Example Domain</h1>*)"]
  - name: page other
    url: "%[1]s/ok"
    conditions: ["[BODY] == pat(*<h1>Example Domain</h1>*)"]
  - name: expects 404
    url: "%[1]s/missing"
    conditions: ["[STATUS] == 404"]
  - name: broken
    url: "%[1]s/broken"
    conditions: ["[STATUS] < 500"]
  - name: env url
    url: "${BASE}/auth"
    headers:
      Authorization: "Bearer ${TOKEN}"
    conditions: ["[STATUS] == 200", "[BODY] == welcome"]
  - name: tcp open
    url: "tcp://127.0.0.1:%[2]d"
    conditions: ["[CONNECTED] == true"]
  - name: tcp closed
    url: "tcp://127.0.0.1:%[3]d"
    conditions: ["[CONNECTED] == true"]
`, srv.URL, port, closedPort(t))
	got := probe(t, "gatus", src, Options{}, map[string]string{"BASE": srv.URL, "TOKEN": "s3cr3t"})
	compare(t, got, map[string]prober.Status{
		"health": prober.Up, "health-down": prober.Down, "health-empty": prober.Down, "health-errors": prober.Down,
		"page": prober.Up, "page-other": prober.Down, "expects-404": prober.Up, "broken": prober.Down,
		"env-url": prober.Up, "tcp-open": prober.Up, "tcp-closed": prober.Down,
	})
}

// TestRoundTripTenderduty runs two CometBFT nodes (cometbfttest, which
// follows the CometBFT v0.38 RPC docs) for one validator named by its
// valcons address, which tenderduty accepts in valoper_address.
func TestRoundTripTenderduty(t *testing.T) {
	me := fmt.Sprintf("%040X", 3)
	raw := make([]byte, 20)
	raw[19] = 3
	valcons, err := cometbft.Bech32Encode("cosmosvalcons", raw)
	if err != nil {
		t.Fatal(err)
	}
	set := []cometbfttest.Validator{{Address: fmt.Sprintf("%040X", 1), Power: 10}, {Address: me, Power: 10}}
	node := func(latest int64, age time.Duration, missedFrom int64) *cometbfttest.Chain {
		return &cometbfttest.Chain{ChainID: "test-1", Version: "0.38.17", Latest: latest, Earliest: 1, LatestTime: time.Now().Add(-age), Peers: 5,
			Set:    func(int64) []cometbfttest.Validator { return set },
			Absent: func(h int64, a string) bool { return a == me && missedFrom > 0 && h >= missedFrom },
		}
	}
	tests := []struct {
		name         string
		a, b         *cometbfttest.Chain
		wantA, wantB prober.Status
	}{
		{"signing", node(1000, 0, 0), node(1000, 0, 0), prober.Up, prober.Up},
		// consecutive_missed: 5; 6 in a row missed.
		{"missed in a row", node(1000, 0, 995), node(1000, 0, 995), prober.Down, prober.Down},
		// 3 missed: below the threshold, still up.
		{"few missed", node(1000, 0, 998), node(1000, 0, 998), prober.Up, prober.Up},
		// stalled_minutes: 10; node b's last block is 20 minutes old.
		{"stalled", node(1000, 0, 0), node(1000, 20*time.Minute, 0), prober.Up, prober.Down},
		// upchain's lag between the nodes: 40 blocks behind is down.
		{"lagging", node(1000, 0, 0), node(960, 0, 0), prober.Up, prober.Down},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a, b := httptest.NewServer(tc.a), httptest.NewServer(tc.b)
			defer a.Close()
			defer b.Close()
			src := fmt.Sprintf(`node_down_alert_minutes: 3
discord:
  enabled: yes
  webhook: https://discord.example.org/hook
chains:
  "Test":
    chain_id: test-1
    valoper_address: %s
    alerts:
      stalled_enabled: yes
      stalled_minutes: 10
      consecutive_enabled: yes
      consecutive_missed: 5
      percentage_enabled: no
    nodes:
      - url: %s
      - url: %s
`, valcons, strings.Replace(a.URL, "http://", "tcp://", 1), b.URL)
			got := probe(t, "tenderduty", src, Options{}, map[string]string{"TENDERDUTY_DISCORD_WEBHOOK": "https://discord.example.org/hook"})
			ha, hb := strings.TrimPrefix(a.URL, "http://"), strings.TrimPrefix(b.URL, "http://")
			compare(t, got, map[string]prober.Status{
				config.Slugify("Test validator (" + ha + ")"): tc.wantA,
				config.Slugify("Test validator (" + hb + ")"): tc.wantB,
			})
		})
	}
}
