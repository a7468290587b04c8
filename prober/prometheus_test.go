package prober

// Tests of kind prometheus against simnet.Exporter, which serves an
// oasis-node's metrics (oasis-core docs/oasis-node/metrics.md) through
// client_golang's registry and promhttp, and against hand-written hostile
// endpoints.

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/upchain-dev/upchain/prober/simnet"
)

func TestPrometheusValidate(t *testing.T) {
	tests := []struct {
		name, extra string
		want        string // substring of the error; "" for none
	}{
		{"plain", "", ""},
		{"conditions", "    conditions:\n      - 'metric(\"up\", {\"job\": \"node\"}) == 1'\n      - '(increase(\"oasis_consensus_signed_blocks\") ?? 1) > 0 && latency < 2s'\n", ""},
		{"record", "    prometheus:\n      record: [oasis_p2p_peers, 'up{job=\"node\"}']\n", ""},
		{"bad record", "    prometheus:\n      record: ['up{job=node}']\n", "prometheus.record[0]"},
		{"bad metric name", "    conditions: ['metric(\"9lives\") > 0']\n", "not a metric name"},
		{"name not literal", "    conditions: ['increase(region) > 0']\n", "as literals"},
		{"labels not strings", "    conditions: ['metric(\"up\", {\"job\": 1}) == 1']\n", "as literals"},
		{"unknown variable", "    conditions: ['metrics > 0']\n", "unknown name"},
		{"too large", "    prometheus: {max_bytes: 1000000000}\n", "prometheus.max_bytes"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			yml := "checks:\n  - name: m\n    kind: prometheus\n    url: http://127.0.0.1:1/metrics\n" + tt.extra
			_, err := loadYAML(t, yml, nil)
			if tt.want == "" {
				if err != nil {
					t.Fatalf("unexpected: %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("want an error containing %q, got %v", tt.want, err)
			}
		})
	}
}

// TestPrometheusOasisNode follows an oasis-node through rounds: signing,
// then a signed-blocks counter that stops growing.
func TestPrometheusOasisNode(t *testing.T) {
	clock := &oasisClock{t: time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)}
	exp := simnet.NewExporter(clock.Now)
	url := serveHTTP(t, exp)
	l := mustLoad(t, `checks:
  - name: node
    kind: prometheus
    url: `+url+`/metrics
    prometheus:
      record: [oasis_consensus_signed_blocks, 'up{job="node"}', oasis_p2p_peers]
    conditions:
      - '(increase("oasis_consensus_signed_blocks") ?? 1) > 0'
      - 'metric("up", {"job": "node"}) == 1'
      - 'metric("oasis_worker_node_registered") == 1'
    degraded:
      - 'metric("oasis_p2p_peers") >= 10'
      - '(rate("oasis_consensus_signed_blocks") ?? 1) > 0.1'
`)
	r := newRounds(l)
	r.runner.Now = clock.Now
	step := func(d time.Duration, want Status, reason string) Result {
		t.Helper()
		clock.Add(d)
		res := byCheck(t, r.round(t), "node")
		if res.Status != want || !strings.Contains(res.Reason, reason) {
			t.Fatalf("after %s: %s %q, want %s containing %q", d, res.Status, res.Reason, want, reason)
		}
		return res
	}
	// First probe: no earlier sample, increase() is null and ?? passes it.
	res := step(0, Up, "")
	if got := res.Values["prometheus_samples"]; got != `oasis_consensus_signed_blocks=123456 up{job="node"}=1 oasis_p2p_peers=25` {
		t.Errorf("samples %q", got)
	}
	res = step(time.Minute, Up, "")
	// Only the series increase() and rate() name are kept.
	if st := res.Values["prometheus_state"]; !strings.Contains(st, `"oasis_consensus_signed_blocks":"123466"`) || strings.Contains(st, "peers") {
		t.Errorf("state %s", st)
	}
	// Ten blocks in a minute is a rate of 1/6 per second.
	exp.Update(func(s *simnet.ExporterState) { s.BlockTime = time.Minute })
	step(time.Minute, Degraded, `failed: (rate("oasis_consensus_signed_blocks") ?? 1) > 0.1`)
	exp.Update(func(s *simnet.ExporterState) { s.StopSigningAt = clock.Now(); s.Peers = 3 })
	step(time.Minute, Down, `failed: (increase("oasis_consensus_signed_blocks") ?? 1) > 0 (increase("oasis_consensus_signed_blocks")=0)`)
	// A scrape that fails keeps the counters for the next one.
	exp.Update(func(s *simnet.ExporterState) { s.Malformed = true })
	step(time.Minute, Down, "not a Prometheus text exposition")
	exp.Update(func(s *simnet.ExporterState) {
		s.Malformed = false
		s.StopSigningAt = time.Time{}
		s.BlockTime = 6 * time.Second
		s.Peers = 30
	})
	// The rate spans the failed scrape: 20 blocks in 3 minutes.
	step(2*time.Minute, Up, "")
	exp.Update(func(s *simnet.ExporterState) { s.Registered = false })
	step(time.Minute, Down, `metric("oasis_worker_node_registered") == 1`)
}

// TestPrometheusCounterReset: a counter that restarts from zero (a node
// restart) increased by its new value, as in PromQL.
func TestPrometheusCounterReset(t *testing.T) {
	value := "500"
	url := serveHTTP(t, http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		_, _ = w.Write([]byte("# TYPE c counter\nc " + value + "\n"))
	}))
	l := mustLoad(t, "checks:\n  - name: m\n    kind: prometheus\n    url: "+url+"\n    conditions: ['(increase(\"c\") ?? 0) < 10']\n")
	r := newRounds(l)
	for _, v := range []string{"500", "505", "3"} {
		value = v
		if res := byCheck(t, r.round(t), "m"); res.Status != Up {
			t.Fatalf("at %s: %s %q", v, res.Status, res.Reason)
		}
	}
	value = "30"
	if res := byCheck(t, r.round(t), "m"); res.Status != Down {
		t.Fatalf("3 -> 30 is an increase of 27: %s %q", res.Status, res.Reason)
	}
}

// TestPrometheusHostile: broken or hostile endpoints fail the check with a
// reason; none hangs or crashes the round.
func TestPrometheusHostile(t *testing.T) {
	huge := simnet.NewExporter(nil)
	huge.Update(func(s *simnet.ExporterState) { s.Padding = 40_000 })
	tests := []struct {
		name   string
		h      http.Handler
		cond   string
		code   ReasonCode
		reason string
	}{
		{"malformed", http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			_, _ = w.Write([]byte("# TYPE x counter\nx{a=\"1\" 3\n"))
		}), "", ReasonBadResponse, "not a Prometheus text exposition"},
		{"html", http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			_, _ = w.Write([]byte("<html><body>login</body></html>"))
		}), "", ReasonBadResponse, "not a Prometheus text exposition"},
		{"huge exposition through client_golang", huge, "", ReasonTooLarge, "larger than 1048576 bytes"},
		{"endless body", http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			line := []byte("# padding padding padding padding padding padding padding\n")
			for range 1 << 20 {
				if _, err := w.Write(line); err != nil {
					return
				}
			}
		}), "", ReasonTooLarge, "larger than"},
		{"status", http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { http.Error(w, "forbidden", http.StatusForbidden) }),
			"", ReasonHTTPStatus, "HTTP 403: forbidden"},
		{"missing series", simnet.NewExporter(nil), `metric("oasis_consensus_missing") > 0`, ReasonCondition, "no metric oasis_consensus_missing in the scrape"},
		{"ambiguous series", simnet.NewExporter(nil), `metric("up") == 1`, ReasonCondition, `2 series match up`},
		{"wrong label", simnet.NewExporter(nil), `metric("up", {"job": "nod"}) == 1`, ReasonCondition, `no series up{job="nod"}; the scrape has up{job=`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			url := serveHTTP(t, tt.h)
			yml := "checks:\n  - name: m\n    kind: prometheus\n    url: " + url + "/metrics\n"
			if tt.cond != "" {
				yml += "    conditions: ['" + tt.cond + "']\n"
			}
			res := byCheck(t, newRounds(mustLoad(t, yml)).round(t), "m")
			if res.Status != Down || res.ReasonCode != tt.code || !strings.Contains(res.Reason, tt.reason) {
				t.Fatalf("got %s/%s %q, want down/%s containing %q", res.Status, res.ReasonCode, res.Reason, tt.code, tt.reason)
			}
		})
	}
}

// TestPrometheusSecretURL: a token in the url never reaches the reason,
// even when the endpoint echoes it back.
func TestPrometheusSecretURL(t *testing.T) {
	url := serveHTTP(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "bad token "+r.URL.RawQuery, http.StatusUnauthorized)
	}))
	l, err := loadYAML(t, "checks:\n  - name: m\n    kind: prometheus\n    url: "+url+"/metrics?token=${TOKEN}\n", map[string]string{"TOKEN": "tok-s3cr3t-value"})
	if err != nil {
		t.Fatal(err)
	}
	res := byCheck(t, newRounds(l).round(t), "m")
	if res.Status != Down || res.ReasonCode != ReasonHTTPStatus || strings.Contains(res.Reason, "s3cr3t") || !strings.Contains(res.Reason, "HTTP 401") {
		t.Fatalf("%s/%s %q", res.Status, res.ReasonCode, res.Reason)
	}
}

// TestPrometheusHang: an endpoint that sends headers and then a line now
// and then, never finishing, ends at the check's timeout.
func TestPrometheusHang(t *testing.T) {
	url := serveHTTP(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.(http.Flusher).Flush()
		for {
			select {
			case <-r.Context().Done():
				return
			case <-time.After(50 * time.Millisecond):
				_, _ = w.Write([]byte("# still here\n"))
				w.(http.Flusher).Flush()
			}
		}
	}))
	l := mustLoad(t, "checks:\n  - name: m\n    kind: prometheus\n    url: "+url+"\n    timeout: 300ms\n    retries: 0\n")
	res := byCheck(t, newRounds(l).round(t), "m")
	if res.Status != Down || res.ReasonCode != ReasonTimeout {
		t.Fatalf("%s/%s %q", res.Status, res.ReasonCode, res.Reason)
	}
}
