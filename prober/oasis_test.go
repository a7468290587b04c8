package prober

// Tests of kind oasis against simnet.Nexus, a local server answering in the
// shapes of oasisprotocol/nexus api/spec/v1.yaml (see
// /work/shared/reference/chains-detail.md, section 4).

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/upchain-dev/upchain/prober/oasis"
	"github.com/upchain-dev/upchain/prober/simnet"
)

var oasisTestAddress = oasis.NewAddress([20]byte{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20})

// oasisClock is a settable clock shared by a fake and the runner.
type oasisClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *oasisClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *oasisClock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func TestOasisValidate(t *testing.T) {
	other := oasis.NewAddress([20]byte{})
	tests := []struct {
		name, url, opts string
		want            string // substring of the error; "" for none
	}{
		{"indexer only", "http://127.0.0.1:1/v1", "", ""},
		{"validator", "http://127.0.0.1:1/v1", "oasis: {validator: " + other + "}", ""},
		{"bad checksum", "http://127.0.0.1:1/v1", "oasis: {validator: " + other[:len(other)-1] + "q}", "is not an entity staking address"},
		{"cosmos address", "http://127.0.0.1:1/v1", "oasis: {validator: cosmos1qqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqnrql8a}", "starts with oasis1"},
		{"percent", "http://127.0.0.1:1/v1", "oasis: {validator: " + other + ", uptime_degraded: 101}", "between 0 (off) and 100"},
		{"threshold without validator", "http://127.0.0.1:1/v1", "oasis: {missed_percent_alert: 3}", "only applies to a validator"},
		{"validator path as url", "http://127.0.0.1:1/v1/consensus/validators", "", "not /v1/consensus/validators"},
		{"websocket url", "ws://127.0.0.1:1/v1", "", "needs the http(s) root"},
		{"validator condition without validator", "http://127.0.0.1:1/v1", "conditions: ['validator.rank < 100']", "follows no validator"},
		{"unknown key", "http://127.0.0.1:1/v1", "oasis: {validatr: " + other + "}", "validator"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			yml := "group: Oasis\nchecks:\n  - name: v\n    kind: oasis\n    url: " + tt.url + "\n"
			if tt.opts != "" {
				yml += "    " + tt.opts + "\n"
			}
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

func TestOasisScenarios(t *testing.T) {
	tests := []struct {
		name     string
		scenario func(*simnet.NexusState, time.Time)
		address  string
		want     Status
		code     ReasonCode
		reason   string // substring of the reason
		values   map[string]string
	}{
		{name: "healthy", want: Up, values: map[string]string{
			"oasis_active": "true", "oasis_in_validator_set": "true", "missed": "0", "missed_percent": "0",
			"oasis_uptime_percent": "100", "oasis_escrow_active": "4200000123456789", "oasis_commission_percent": "5",
			"oasis_voting_power": "4200000", "height": "20000150", "oasis_indexer_lag": "0", "oasis_entity": oasisTestAddress}},
		{name: "leaves the validator set", want: Down, code: ReasonCondition, reason: "validator.in_validator_set == true",
			scenario: func(s *simnet.NexusState, _ time.Time) { s.InValidatorSet = false }},
		{name: "not active", want: Down, code: ReasonCondition, reason: "validator.active == true",
			scenario: func(s *simnet.NexusState, _ time.Time) { s.Active = false }},
		{name: "missing the newest blocks", want: Down, code: ReasonCondition, reason: "validator.missed_consecutive < 5",
			scenario: func(s *simnet.NexusState, _ time.Time) {
				s.Missed = func(h int64) bool { return h > 20_000_142 }
			}, values: map[string]string{"missed_consecutive": "8", "missed": "8"}},
		{name: "missed share", want: Degraded, code: ReasonCondition, reason: "validator.missed_percent < 5",
			scenario: func(s *simnet.NexusState, _ time.Time) {
				s.Missed = func(h int64) bool { return h%10 == 3 && h < 20_000_145 }
			}, values: map[string]string{"missed_consecutive": "0", "missed": "10", "missed_percent": "10"}},
		{name: "low uptime", want: Degraded, reason: "validator.uptime_percent >= 95",
			scenario: func(s *simnet.NexusState, _ time.Time) {
				s.Missed = func(h int64) bool { return h < 19_986_740 }
			}, values: map[string]string{"missed": "0", "oasis_uptime_percent": "93.13"}},
		{name: "stale indexer: figures unknown, not down", want: Degraded, code: ReasonCondition, reason: "Nexus processed its latest block 10m0s ago",
			scenario: func(s *simnet.NexusState, now time.Time) {
				s.IndexerStalledAt = now.Add(-10 * time.Minute)
				s.InValidatorSet = false
			}, values: map[string]string{"oasis_in_validator_set": "false"}},
		{name: "address written in upper case", address: strings.ToUpper(oasisTestAddress), want: Up},
		{name: "unknown validator", address: oasis.NewAddress([20]byte{9}), want: Down, code: ReasonHTTPStatus, reason: "HTTP 404"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clock := &oasisClock{t: time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)}
			nexus := simnet.NewNexus(clock.Now, oasisTestAddress)
			clock.Add(15 * time.Minute) // 150 blocks
			if tt.scenario != nil {
				nexus.Update(func(s *simnet.NexusState) { tt.scenario(s, clock.Now()) })
			}
			mux := http.NewServeMux()
			mux.Handle("/v1/", http.StripPrefix("/v1", nexus))
			url := serveHTTP(t, mux)
			addr := tt.address
			if addr == "" {
				addr = oasisTestAddress
			}
			l := mustLoad(t, "group: Oasis\nchecks:\n  - name: v\n    kind: oasis\n    url: "+url+"/v1\n    oasis: {validator: "+addr+"}\n")
			r := newRounds(l)
			r.runner.Now = clock.Now
			res := byCheck(t, r.round(t), "v")
			if res.Status != tt.want || (tt.code != "" && res.ReasonCode != tt.code) || !strings.Contains(res.Reason, tt.reason) {
				t.Fatalf("got %s/%s %q, want %s/%s containing %q", res.Status, res.ReasonCode, res.Reason, tt.want, tt.code, tt.reason)
			}
			for k, want := range tt.values {
				if got := res.Values[k]; got != want {
					t.Errorf("value %s = %q, want %q", k, got, want)
				}
			}
		})
	}
}

func TestOasisIndexerOnly(t *testing.T) {
	clock := &oasisClock{t: time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)}
	nexus := simnet.NewNexus(clock.Now, oasisTestAddress)
	url := serveHTTP(t, nexus)
	l := mustLoad(t, "checks:\n  - name: n\n    kind: oasis\n    url: "+url+"\n    oasis: {max_indexer_lag: 5}\n")
	r := newRounds(l)
	r.runner.Now = clock.Now
	clock.Add(30 * time.Second)
	if res := byCheck(t, r.round(t), "n"); res.Status != Up || res.Values["oasis_entity"] != "" {
		t.Fatalf("fresh indexer: %s %q %v", res.Status, res.Reason, res.Values)
	}
	// The indexer stops while its node goes on: 10 blocks behind.
	nexus.Update(func(s *simnet.NexusState) { s.IndexerStalledAt = clock.Now() })
	clock.Add(60 * time.Second)
	res := byCheck(t, r.round(t), "n")
	if res.Status != Degraded || !strings.Contains(res.Reason, "Nexus trails its node by 10 blocks (max_indexer_lag 5)") {
		t.Fatalf("stalled indexer: %s %q", res.Status, res.Reason)
	}
	if res.Values["oasis_indexer_lag"] != "10" || res.Values["oasis_indexer_stale"] == "" {
		t.Errorf("values %v", res.Values)
	}
}

// TestOasisNexusErrors: a broken indexer fails the check with a reason,
// never hangs it.
func TestOasisNexusErrors(t *testing.T) {
	tests := []struct {
		name   string
		h      http.HandlerFunc
		code   ReasonCode
		reason string
	}{
		{"server error", func(w http.ResponseWriter, _ *http.Request) {
			w.WriteHeader(500)
			_, _ = w.Write([]byte(`{"msg":"database unavailable"}`))
		}, ReasonHTTPStatus, "HTTP 500 database unavailable"},
		{"not json", func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte("<html>hi</html>")) }, ReasonBadResponse, "unexpected answer"},
		{"not nexus", func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte(`{"jsonrpc":"2.0"}`)) }, ReasonBadResponse, "not a Nexus API root"},
		{"huge", func(w http.ResponseWriter, _ *http.Request) {
			_, _ = w.Write([]byte(`{"latest_block":1,"x":"` + strings.Repeat("a", 2<<20) + `"}`))
		}, ReasonTooLarge, "larger than"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			url := serveHTTP(t, tt.h)
			l := mustLoad(t, "checks:\n  - name: n\n    kind: oasis\n    url: "+url+"\n")
			res := byCheck(t, newRounds(l).round(t), "n")
			if res.Status != Down || res.ReasonCode != tt.code || !strings.Contains(res.Reason, tt.reason) {
				t.Fatalf("got %s/%s %q, want down/%s containing %q", res.Status, res.ReasonCode, res.Reason, tt.code, tt.reason)
			}
		})
	}
}

func TestOasisSummarise(t *testing.T) {
	b := func(h int64, s bool) oasis.SignedBlock { return oasis.SignedBlock{Height: h, Signed: s} }
	tests := []struct {
		name   string
		blocks []oasis.SignedBlock
		want   oasis.Signing
	}{
		{"empty", nil, oasis.Signing{}},
		{"oldest first", []oasis.SignedBlock{b(1, true), b(2, false), b(3, false)}, oasis.Signing{Blocks: 3, Signed: 1, Missed: 2, Consecutive: 2, Latest: 3}},
		{"newest signed", []oasis.SignedBlock{b(3, true), b(2, false), b(1, false)}, oasis.Signing{Blocks: 3, Signed: 1, Missed: 2, Latest: 3}},
		{"duplicates", []oasis.SignedBlock{b(2, false), b(2, false), b(1, true)}, oasis.Signing{Blocks: 2, Signed: 1, Missed: 1, Consecutive: 1, Latest: 2}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := oasis.Summarise(tt.blocks); got != tt.want {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}

// TestOasisPrometheusVarsProvided: every variable the kinds declare is set
// by a healthy probe, so a condition the loader accepts can be evaluated.
func TestOasisPrometheusVarsProvided(t *testing.T) {
	nexus := serveHTTP(t, simnet.NewNexus(nil, oasisTestAddress))
	metrics := serveHTTP(t, simnet.NewExporter(nil))
	tests := []struct {
		kind Kind
		spec string
	}{
		{oasisKind{}, "    kind: oasis\n    url: " + nexus + "\n    oasis: {validator: " + oasisTestAddress + "}\n"},
		{prometheusKind{}, "    kind: prometheus\n    url: " + metrics + "\n"},
	}
	for _, tt := range tests {
		t.Run(tt.kind.Name(), func(t *testing.T) {
			c := testConfig(t, "", oneCheck(tt.spec), nil).Checks[0]
			obs, err := tt.kind.Probe(context.Background(), &Target{Check: c, MaxBody: 1 << 20, Now: time.Now})
			if err != nil {
				t.Fatal(err)
			}
			for _, v := range tt.kind.Vars() {
				if _, ok := obs.Vars[v]; !ok && v != "latency" && v != "region" && (v != "status" || obs.Code == 0) {
					t.Errorf("%q declared but not set", v)
				}
			}
		})
	}
}
