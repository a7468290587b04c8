package prober

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/upchain-dev/upchain/prober/config"
)

func TestRoundResultsSortedOnePerCheckAndRegion(t *testing.T) {
	srv := hostPort(serveHTTP(t, http.HandlerFunc(ok)))
	checks := `group: b-group
checks:
  - name: Zeta
    kind: tcp
    url: tcp://` + srv + `
  - name: Alpha
    kind: tcp
    url: tcp://` + srv + `
    regions:
      - {name: us, address: '` + srv + `'}
      - {name: eu, address: '` + srv + `'}
  - name: Mid
    group: a-group
    kind: tcp
    url: tcp://` + srv + `
`
	l := testConfig(t, "", checks, nil)
	res := runRound(t, &Runner{Config: l})
	var got []string
	for _, r := range res {
		got = append(got, r.Group+"/"+r.Check+"/"+r.Region+"/"+string(r.Status))
	}
	want := []string{
		"a-group/mid/global/up",
		"b-group/alpha/global/up",
		"b-group/alpha/eu/up",
		"b-group/alpha/us/up",
		"b-group/zeta/global/up",
	}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Fatalf("results\n got %v\nwant %v", got, want)
	}
	byCheck := ByCheck(res)
	if len(byCheck) != 3 || len(byCheck[1].Regions) != 3 || byCheck[1].Status != Up {
		t.Fatalf("ByCheck: %+v", byCheck)
	}
	// A subset of checks gives results for that subset only.
	res = (&Runner{Config: l}).Round(context.Background(), l.Checks[:1])
	if len(res) != 1 || res[0].Check != "zeta" {
		t.Fatalf("subset round: %+v", res)
	}
}

func TestRoundConcurrencyBound(t *testing.T) {
	const bound, checks = 3, 12
	var inflight, peak atomic.Int32
	srv := serveHTTP(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := inflight.Add(1)
		for {
			p := peak.Load()
			if n <= p || peak.CompareAndSwap(p, n) {
				break
			}
		}
		// Hold each request until the bound is reached, so that the peak
		// is exactly the bound when the engine runs probes concurrently
		// (the fallback only keeps a broken engine from hanging here).
		fallback := time.Now().Add(5 * time.Second)
		for inflight.Load() < bound && time.Now().Before(fallback) {
			time.Sleep(time.Millisecond)
		}
		time.Sleep(10 * time.Millisecond)
		inflight.Add(-1)
		ok(w, r)
	}))
	var b strings.Builder
	b.WriteString("group: g\nchecks:\n")
	for i := 0; i < checks; i++ {
		fmt.Fprintf(&b, "  - {name: c%d, kind: http, url: '%s/', timeout: 30s}\n", i, srv)
	}
	l := testConfig(t, fmt.Sprintf("defaults: {concurrency: %d}\n", bound), b.String(), nil)
	res := runRound(t, &Runner{Config: l})
	if len(res) != checks {
		t.Fatalf("%d results", len(res))
	}
	for _, r := range res {
		if r.Status != Up {
			t.Errorf("%s: %s %s", r.Check, r.Status, r.Reason)
		}
	}
	if p := peak.Load(); p != bound {
		t.Fatalf("peak concurrent requests at the server %d, want the bound %d", p, bound)
	}
}

func TestRoundTimeoutMarksUnstartedProbes(t *testing.T) {
	hang := listen(t, silent)
	var b strings.Builder
	b.WriteString("group: g\nchecks:\n")
	for i := 0; i < 3; i++ {
		fmt.Fprintf(&b, "  - {name: c%d, kind: http, url: 'http://%s/', timeout: 1m, retries: 0}\n", i, hang)
	}
	l := testConfig(t, "defaults: {concurrency: 1, round_timeout: 1s}\n", b.String(), nil)
	res := runRound(t, &Runner{Config: l})
	if len(res) != 3 {
		t.Fatalf("%d results", len(res))
	}
	during, unstarted := 0, 0
	for _, r := range res {
		if r.Status != Down || r.ReasonCode != ReasonTimeout {
			t.Errorf("%s: %s [%s] %s", r.Check, r.Status, r.ReasonCode, r.Reason)
		}
		switch {
		case strings.Contains(r.Reason, "round deadline (defaults.round_timeout 1s) reached during the probe"):
			during++
		case strings.HasPrefix(r.Reason, "not probed: the round deadline (defaults.round_timeout) passed"):
			unstarted++
			if r.Attempts != 0 {
				t.Errorf("unstarted probe has %d attempts", r.Attempts)
			}
		default:
			t.Errorf("%s: unexpected reason %q", r.Check, r.Reason)
		}
	}
	if during != 1 || unstarted != 2 {
		t.Fatalf("%d cut short and %d unstarted, want 1 and 2", during, unstarted)
	}
}

// panicKind is a kind with a bug.
type panicKind struct{ Base }

func (panicKind) Name() string        { return "panics" }
func (panicKind) Vars() []string      { return []string{"status"} }
func (panicKind) Values() []ValueSpec { return nil }
func (panicKind) Probe(context.Context, *Target) (*Observation, error) {
	panic("kind bug: index out of range")
}

func TestPanickingKindIsDownNotACrash(t *testing.T) {
	srv := serveHTTP(t, http.HandlerFunc(ok))
	reg := NewRegistry(httpKind{}, panicKind{})
	checks := "group: g\nchecks:\n  - {name: bug, kind: panics, url: 'http://x.test/'}\n  - {name: fine, kind: http, url: '" + srv + "/'}\n"
	l, err := loadConfig(t, reg, "", checks, nil)
	if err != nil {
		t.Fatal(err)
	}
	res := runRound(t, &Runner{Config: l, Kinds: reg})
	if len(res) != 2 {
		t.Fatalf("%d results", len(res))
	}
	want{status: Down, code: ReasonInternal, reason: "internal error in kind panics: kind bug: index out of range", attempts: 1}.check(t, res[0])
	want{status: Up}.check(t, res[1])
}

func TestAggregate(t *testing.T) {
	tests := []struct {
		regions []Status
		want    Status
	}{
		{[]Status{Up}, Up},
		{[]Status{Up, Up, Up}, Up},
		{[]Status{Up, Down, Up}, Degraded},
		{[]Status{Up, Degraded}, Degraded},
		{[]Status{Degraded, Degraded}, Degraded},
		{[]Status{Down, Degraded}, Degraded},
		{[]Status{Down, Down}, Down},
		{nil, Down},
	}
	for _, tt := range tests {
		var rs []Result
		for _, s := range tt.regions {
			rs = append(rs, Result{Status: s})
		}
		if got := Aggregate(rs); got != tt.want {
			t.Errorf("Aggregate(%v) = %s, want %s", tt.regions, got, tt.want)
		}
	}
}

// geoBackend is one listener of a geo-routed endpoint: HTTPS with a
// certificate for status.test, answering GET, JSON-RPC over POST and over
// websocket, and recording the Host header and TLS server name it saw.
type geoBackend struct {
	name  string
	addr  string
	down  atomic.Bool
	mu    sync.Mutex
	hosts []string
	snis  []string
}

func (g *geoBackend) seen() (hosts, snis []string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	return append([]string(nil), g.hosts...), append([]string(nil), g.snis...)
}

func startGeoBackend(t *testing.T, name string, cert tls.Certificate) *geoBackend {
	g := &geoBackend{name: name}
	up := websocket.Upgrader{}
	s := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		g.mu.Lock()
		g.hosts = append(g.hosts, r.Host)
		g.mu.Unlock()
		if g.down.Load() {
			http.Error(w, "backend down", http.StatusServiceUnavailable)
			return
		}
		answer := func(data []byte) []byte {
			var req rpcRequest
			_ = json.Unmarshal(data, &req)
			return []byte(`{"jsonrpc":"2.0","id":` + string(req.ID) + `,"result":{"region":"` + name + `"}}`)
		}
		switch {
		case websocket.IsWebSocketUpgrade(r):
			c, err := up.Upgrade(w, r, nil)
			if err != nil {
				return
			}
			defer c.Close()
			_, data, err := c.ReadMessage()
			if err == nil {
				_ = c.WriteMessage(websocket.TextMessage, answer(data))
				_, _, _ = c.ReadMessage()
			}
		case r.Method == http.MethodPost:
			data, _ := io.ReadAll(r.Body)
			_, _ = w.Write(answer(data))
		default:
			fmt.Fprintf(w, "ok from %s", name)
		}
	}))
	s.TLS = &tls.Config{
		Certificates: []tls.Certificate{cert},
		GetConfigForClient: func(hello *tls.ClientHelloInfo) (*tls.Config, error) {
			g.mu.Lock()
			g.snis = append(g.snis, hello.ServerName)
			g.mu.Unlock()
			return nil, nil
		},
	}
	s.StartTLS()
	t.Cleanup(s.Close)
	g.addr = s.Listener.Addr().String()
	return g
}

// hostsDial maps names to loopback addresses like an /etc/hosts file,
// and refuses every other name: no test may reach a real resolver.
func hostsDial(t *testing.T, hosts map[string]string) func(ctx context.Context, network, addr string) (net.Conn, error) {
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		if to, ok := hosts[addr]; ok {
			addr = to
		}
		host, _, _ := net.SplitHostPort(addr)
		if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
			t.Errorf("probe dialed %s, which the test does not map to loopback", addr)
			return nil, errors.New("test: no such host")
		}
		var d net.Dialer
		return d.DialContext(ctx, network, addr)
	}
}

func TestGeoRoutedRegions(t *testing.T) {
	ca := newCA(t)
	cert := leaf(t, ca, []string{"status.test"}, time.Now().Add(-time.Hour), time.Now().Add(90*24*time.Hour))
	global := startGeoBackend(t, "global", cert)
	eu := startGeoBackend(t, "eu", cert)
	us := startGeoBackend(t, "us", cert)
	dial := hostsDial(t, map[string]string{"status.test:443": global.addr})

	regions := "    regions:\n      - {name: eu, address: '" + eu.addr + "'}\n      - {name: us, address: '" + us.addr + "'}\n"
	kinds := []struct{ name, spec string }{
		{"http", "    kind: http\n    url: https://status.test/health\n    conditions: [status == 200, 'body startsWith \"ok from\"']\n"},
		{"jsonrpc over https", "    kind: jsonrpc\n    url: https://status.test/rpc\n    jsonrpc: {method: whoami}\n    conditions: ['result.region != \"\"']\n"},
		{"jsonrpc over wss", "    kind: jsonrpc\n    url: wss://status.test/ws\n    jsonrpc: {method: whoami}\n    conditions: ['result.region != \"\"']\n"},
		{"websocket", "    kind: websocket\n    url: wss://status.test/ws\n    websocket: {send: '{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"whoami\"}'}\n    conditions: ['message contains \"region\"']\n"},
		{"tls", "    kind: tls\n    url: tls://status.test:443\n"},
	}
	scenarios := []struct {
		name      string
		down      []*geoBackend
		aggregate Status
	}{
		{"all up", nil, Up},
		{"one region down", []*geoBackend{us}, Degraded},
		{"all down", []*geoBackend{global, eu, us}, Down},
	}
	for _, k := range kinds {
		for _, sc := range scenarios {
			if k.name == "tls" && sc.name != "all up" {
				continue // a TLS handshake does not see the HTTP 503
			}
			t.Run(k.name+"/"+sc.name, func(t *testing.T) {
				backends := []*geoBackend{global, eu, us}
				before := map[*geoBackend]int{}
				for _, g := range backends {
					g.down.Store(false)
					_, snis := g.seen()
					before[g] = len(snis)
				}
				for _, g := range sc.down {
					g.down.Store(true)
				}
				l := testConfig(t, "", oneCheck(k.spec+"    retries: 0\n"+regions), nil)
				res := runRound(t, &Runner{Config: l, Dial: dial, RootCAs: ca.pool})
				if len(res) != 3 {
					t.Fatalf("%d results, want one per region", len(res))
				}
				for i, name := range []string{"global", "eu", "us"} {
					if res[i].Region != name {
						t.Fatalf("result %d is region %q, want %q", i, res[i].Region, name)
					}
					isDown := false
					for _, g := range sc.down {
						isDown = isDown || g.name == name
					}
					if isDown != (res[i].Status == Down) {
						t.Errorf("region %s: %s [%s] %s", name, res[i].Status, res[i].ReasonCode, res[i].Reason)
					}
				}
				if got := ByCheck(res)[0].Status; got != sc.aggregate {
					t.Errorf("check status %s, want %s", got, sc.aggregate)
				}
				// Every backend was reached, through the public name.
				for _, g := range backends {
					hosts, snis := g.seen()
					if len(snis) <= before[g] {
						t.Errorf("backend %s was not probed", g.name)
						continue
					}
					for _, sni := range snis[before[g]:] {
						if sni != "status.test" {
							t.Errorf("backend %s saw TLS server name %q, want status.test", g.name, sni)
						}
					}
					for _, h := range hosts {
						if h != "status.test" {
							t.Errorf("backend %s saw Host %q, want status.test", g.name, h)
						}
					}
				}
			})
		}
	}
}

func TestTargetDialAddr(t *testing.T) {
	tests := []struct{ region, addr, want string }{
		{"", "rpc.example.org:443", "rpc.example.org:443"},
		{"203.0.113.10", "rpc.example.org:443", "203.0.113.10:443"},
		{"198.51.100.20:8443", "rpc.example.org:443", "198.51.100.20:8443"},
		{"2001:db8::1", "rpc.example.org:443", "[2001:db8::1]:443"},
		{"[2001:db8::1]:8443", "rpc.example.org:443", "[2001:db8::1]:8443"},
		{"backend.internal", "rpc.example.org:80", "backend.internal:80"},
	}
	for _, tt := range tests {
		tg := &Target{Region: config.Region{Name: "r", Address: tt.region}}
		if got := tg.DialAddr(tt.addr); got != tt.want {
			t.Errorf("DialAddr(%q) with region %q = %q, want %q", tt.addr, tt.region, got, tt.want)
		}
	}
}
