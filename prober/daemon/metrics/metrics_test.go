package metrics

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/prometheus/common/expfmt"
	"github.com/upchain-dev/upchain/prober"
	"github.com/upchain-dev/upchain/prober/config"
)

var t0 = time.Unix(1700000000, 0).UTC()

func httpUp() prober.Result {
	return prober.Result{
		Check: "web", Name: "Web", Group: "Sites", Kind: "http", Region: "global", Time: t0,
		Status: prober.Up, Latency: 250 * time.Millisecond, Code: 200,
		Phases: prober.Phases{DNS: 5 * time.Millisecond},
		Values: prober.Values{"cert_expiry": "1800000000"},
	}
}

func rpcDegraded() prober.Result {
	return prober.Result{
		Check: "eth", Name: "Eth", Group: "Chains", Kind: "jsonrpc", Region: "eu", Time: t0,
		Status: prober.Degraded, Latency: 1500 * time.Millisecond, Code: 200,
		Reason: "failed: latency < 1s (1.5s) https://secret.example/KEY",
		Values: prober.Values{"height": "19000000", "head_age_s": "12", "peers": "25", "version": "geth/v1.14", "missed": "3", "points": "not-a-number"},
	}
}

func tcpDown() prober.Result {
	return prober.Result{
		Check: "p2p", Name: "P2P", Group: "Chains", Kind: "tcp", Region: "global", Time: t0,
		Status: prober.Down, Latency: 3 * time.Second, Reason: "connection refused",
	}
}

func TestObserveExportsProbeAndChainMetrics(t *testing.T) {
	tests := []struct {
		name    string
		results [][]prober.Result // observed in turn
		metrics []string
		want    string
	}{
		{
			name:    "http up with certificate and status code",
			results: [][]prober.Result{{httpUp()}},
			metrics: []string{NameSuccess, NameHTTPStatus, "probe_ssl_earliest_cert_expiry", NameDNSLookup, NameStatus},
			want: `
# HELP probe_dns_lookup_time_seconds How long resolving the endpoint's name took in the last probe, in seconds.
# TYPE probe_dns_lookup_time_seconds gauge
probe_dns_lookup_time_seconds{check="web",group="Sites",kind="http",location="default",region="global"} 0.005
# HELP probe_http_status_code HTTP status code of the last probe's response, 0 if there was none.
# TYPE probe_http_status_code gauge
probe_http_status_code{check="web",group="Sites",kind="http",location="default",region="global"} 200
# HELP probe_ssl_earliest_cert_expiry Earliest expiry of the TLS certificates the endpoint presented, in unix seconds.
# TYPE probe_ssl_earliest_cert_expiry gauge
probe_ssl_earliest_cert_expiry{check="web",group="Sites",kind="http",location="default",region="global"} 1.8e+09
# HELP probe_success Whether the last probe succeeded: 1 when up or degraded, 0 when down.
# TYPE probe_success gauge
probe_success{check="web",group="Sites",kind="http",location="default",region="global"} 1
# HELP upchain_probe_status Status of the last probe: 0 up, 1 degraded, 2 down.
# TYPE upchain_probe_status gauge
upchain_probe_status{check="web",group="Sites",kind="http",location="default",region="global"} 0
`,
		},
		{
			name:    "down tcp has no status code and success 0",
			results: [][]prober.Result{{tcpDown()}},
			metrics: []string{NameSuccess, NameHTTPStatus, NameDuration, NameStatus},
			want: `
# HELP probe_duration_seconds How long the last probe took (the last attempt), in seconds.
# TYPE probe_duration_seconds gauge
probe_duration_seconds{check="p2p",group="Chains",kind="tcp",location="default",region="global"} 3
# HELP probe_success Whether the last probe succeeded: 1 when up or degraded, 0 when down.
# TYPE probe_success gauge
probe_success{check="p2p",group="Chains",kind="tcp",location="default",region="global"} 0
# HELP upchain_probe_status Status of the last probe: 0 up, 1 degraded, 2 down.
# TYPE upchain_probe_status gauge
upchain_probe_status{check="p2p",group="Chains",kind="tcp",location="default",region="global"} 2
`,
		},
		{
			name:    "chain values become gauges, text values are skipped",
			results: [][]prober.Result{{rpcDegraded()}},
			metrics: []string{NameSuccess, "upchain_head_height", "upchain_head_age_seconds", "upchain_peers", "upchain_validator_missed_blocks", "upchain_validator_era_points"},
			want: `
# HELP probe_success Whether the last probe succeeded: 1 when up or degraded, 0 when down.
# TYPE probe_success gauge
probe_success{check="eth",group="Chains",kind="jsonrpc",location="default",region="eu"} 1
# HELP upchain_head_age_seconds Age of the latest block when it was probed, in seconds.
# TYPE upchain_head_age_seconds gauge
upchain_head_age_seconds{check="eth",group="Chains",kind="jsonrpc",location="default",region="eu"} 12
# HELP upchain_head_height Height of the latest block the node reported.
# TYPE upchain_head_height gauge
upchain_head_height{check="eth",group="Chains",kind="jsonrpc",location="default",region="eu"} 1.9e+07
# HELP upchain_peers Number of peers the node is connected to.
# TYPE upchain_peers gauge
upchain_peers{check="eth",group="Chains",kind="jsonrpc",location="default",region="eu"} 25
# HELP upchain_validator_missed_blocks Blocks the validator missed in the window the check observes.
# TYPE upchain_validator_missed_blocks gauge
upchain_validator_missed_blocks{check="eth",group="Chains",kind="jsonrpc",location="default",region="eu"} 3
`,
		},
		{
			name: "a new result replaces the previous one, values it lacks disappear",
			results: [][]prober.Result{{rpcDegraded()}, {func() prober.Result {
				r := rpcDegraded()
				r.Status, r.Values, r.Code = prober.Down, prober.Values{"peers": "2"}, 0
				return r
			}()}},
			metrics: []string{NameSuccess, NameHTTPStatus, "upchain_head_height", "upchain_peers"},
			want: `
# HELP probe_success Whether the last probe succeeded: 1 when up or degraded, 0 when down.
# TYPE probe_success gauge
probe_success{check="eth",group="Chains",kind="jsonrpc",location="default",region="eu"} 0
# HELP upchain_peers Number of peers the node is connected to.
# TYPE upchain_peers gauge
upchain_peers{check="eth",group="Chains",kind="jsonrpc",location="default",region="eu"} 2
`,
		},
		{
			name: "lag, finality lag and missed share",
			results: [][]prober.Result{{{
				Check: "dot", Name: "Dot", Group: "Chains", Kind: "substrate", Region: "global", Time: t0, Status: prober.Degraded,
				Values: prober.Values{"lag_blocks": "42", "finality_lag": "3", "missed_percent": "12.5"},
			}}},
			metrics: []string{"upchain_lag_blocks", "upchain_finality_lag_blocks", "upchain_validator_missed_percent"},
			want: `
# HELP upchain_finality_lag_blocks Best block number minus finalized block number.
# TYPE upchain_finality_lag_blocks gauge
upchain_finality_lag_blocks{check="dot",group="Chains",kind="substrate",location="default",region="global"} 3
# HELP upchain_lag_blocks Blocks the node is behind its lag reference (another check or the group's highest head) in the same round.
# TYPE upchain_lag_blocks gauge
upchain_lag_blocks{check="dot",group="Chains",kind="substrate",location="default",region="global"} 42
# HELP upchain_validator_missed_percent Share of the observed window the validator missed, in percent.
# TYPE upchain_validator_missed_percent gauge
upchain_validator_missed_percent{check="dot",group="Chains",kind="substrate",location="default",region="global"} 12.5
`,
		},
		{
			name:    "probe counter by status",
			results: [][]prober.Result{{httpUp(), tcpDown()}, {httpUp()}},
			metrics: []string{NameProbesTotal},
			want: `
# HELP upchain_probes_total Probes made, by resulting status (up, degraded, down).
# TYPE upchain_probes_total counter
upchain_probes_total{status="degraded"} 0
upchain_probes_total{status="down"} 1
upchain_probes_total{status="up"} 2
`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := New(nil)
			for _, rs := range tt.results {
				m.Observe(rs)
			}
			if err := testutil.GatherAndCompare(m.Gatherer(), strings.NewReader(tt.want), tt.metrics...); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func TestLabelsStayLowCardinality(t *testing.T) {
	m := New(nil)
	m.Observe([]prober.Result{httpUp(), rpcDegraded(), tcpDown()})
	mfs, err := m.Gatherer().Gather()
	if err != nil {
		t.Fatal(err)
	}
	allowed := map[string]bool{"check": true, "region": true, "group": true, "kind": true, "location": true, "status": true, "result": true, "le": true}
	for _, mf := range mfs {
		for _, metric := range mf.GetMetric() {
			for _, lp := range metric.GetLabel() {
				if !allowed[lp.GetName()] {
					t.Errorf("%s has label %q", mf.GetName(), lp.GetName())
				}
				if strings.Contains(lp.GetValue(), "secret") || strings.Contains(lp.GetValue(), "latency") {
					t.Errorf("%s label %s=%q carries result text", mf.GetName(), lp.GetName(), lp.GetValue())
				}
			}
		}
	}
}

func TestRetainDropsRemovedChecksAndRegions(t *testing.T) {
	m := New(nil)
	eu := rpcDegraded()
	global := rpcDegraded()
	global.Region = "global"
	m.Observe([]prober.Result{httpUp(), eu, global, tcpDown()})

	// web is removed, eth loses region eu and moves to group L1, p2p stays.
	m.Retain([]*config.Check{
		{Slug: "eth", Group: "L1", Kind: "jsonrpc"},
		{Slug: "p2p", Group: "Chains", Kind: "tcp"},
	})
	want := `
# HELP probe_success Whether the last probe succeeded: 1 when up or degraded, 0 when down.
# TYPE probe_success gauge
probe_success{check="eth",group="L1",kind="jsonrpc",location="default",region="global"} 1
probe_success{check="p2p",group="Chains",kind="tcp",location="default",region="global"} 0
# HELP upchain_checks Checks in the running configuration.
# TYPE upchain_checks gauge
upchain_checks 2
`
	if err := testutil.GatherAndCompare(m.Gatherer(), strings.NewReader(want), NameSuccess, NameChecks); err != nil {
		t.Fatal(err)
	}
}

func TestDaemonCounters(t *testing.T) {
	m := New(nil)
	m.ConfigLoaded(true, t0)
	m.ConfigLoaded(false, t0.Add(time.Hour))
	m.HistoryFlushed(nil)
	m.HistoryFlushed(os.ErrPermission)
	m.HistoryFlushed(nil)
	m.SiteBuilt(nil)
	m.ObserveRound(300 * time.Millisecond)
	want := `
# HELP upchain_config_last_reload_success_timestamp_seconds When the running configuration was loaded, in unix seconds.
# TYPE upchain_config_last_reload_success_timestamp_seconds gauge
upchain_config_last_reload_success_timestamp_seconds 1.7e+09
# HELP upchain_config_last_reload_successful Whether the last configuration reload succeeded (1) or the previous configuration is still running (0).
# TYPE upchain_config_last_reload_successful gauge
upchain_config_last_reload_successful 0
# HELP upchain_history_flushes_total Batched history commits, by result (success, failure).
# TYPE upchain_history_flushes_total counter
upchain_history_flushes_total{result="failure"} 1
upchain_history_flushes_total{result="success"} 2
# HELP upchain_site_builds_total Site rebuilds, by result (success, failure).
# TYPE upchain_site_builds_total counter
upchain_site_builds_total{result="failure"} 0
upchain_site_builds_total{result="success"} 1
`
	if err := testutil.GatherAndCompare(m.Gatherer(), strings.NewReader(want), NameReloadTime, NameReloadOK, NameHistoryFlushes, NameSiteBuilds); err != nil {
		t.Fatal(err)
	}
	if n := testutil.CollectAndCount(m.roundDuration); n != 1 {
		t.Fatalf("round duration histogram: %d series", n)
	}
}

func TestWriteTextfileParsesAndHoldsNoRuntimeMetrics(t *testing.T) {
	m := New(nil)
	m.Observe([]prober.Result{httpUp(), tcpDown()})
	dir := t.TempDir()
	path := filepath.Join(dir, "upchain.prom")
	// An existing file is replaced whole.
	if err := os.WriteFile(path, []byte("stale 1\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := m.WriteTextfile(path); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var p expfmt.TextParser
	families, err := p.TextToMetricFamilies(f)
	if err != nil {
		t.Fatalf("textfile does not parse: %v", err)
	}
	if _, ok := families["stale"]; ok {
		t.Error("old content survived")
	}
	success := families[NameSuccess]
	if success == nil || len(success.GetMetric()) != 2 {
		t.Fatalf("probe_success: %v", success)
	}
	got := map[string]float64{}
	for _, metric := range success.GetMetric() {
		for _, l := range metric.GetLabel() {
			if l.GetName() == "check" {
				got[l.GetValue()] = metric.GetGauge().GetValue()
			}
		}
	}
	if got["web"] != 1 || got["p2p"] != 0 {
		t.Errorf("probe_success by check = %v, want web 1 and p2p 0", got)
	}
	for name := range families {
		if strings.HasPrefix(name, "go_") || strings.HasPrefix(name, "process_") {
			t.Errorf("textfile holds runtime metric %s, which clashes with node_exporter's own", name)
		}
	}
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o644 {
		t.Errorf("mode %v, want 0644 so node_exporter can read it", st.Mode().Perm())
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("temporary files left behind: %v", entries)
	}
}

// TestLocationLabel: probe series carry the runner's location, and every
// location's newest recorded round is exported.
func TestLocationLabel(t *testing.T) {
	m := New(nil)
	m.SetLocation("fra")
	m.Observe([]prober.Result{httpUp()})
	m.Rounds(map[string]time.Time{"fra": time.Unix(1700000000, 0), "sgp": time.Unix(1699999000, 0)})
	want := `
# HELP probe_success Whether the last probe succeeded: 1 when up or degraded, 0 when down.
# TYPE probe_success gauge
probe_success{check="web",group="Sites",kind="http",location="fra",region="global"} 1
# HELP upchain_location_last_round_timestamp_seconds When each location's newest round recorded in history ran, in unix seconds.
# TYPE upchain_location_last_round_timestamp_seconds gauge
upchain_location_last_round_timestamp_seconds{location="fra"} 1.7e+09
upchain_location_last_round_timestamp_seconds{location="sgp"} 1.699999e+09
`
	if err := testutil.GatherAndCompare(m.Gatherer(), strings.NewReader(want), "probe_success", NameLocationRound); err != nil {
		t.Fatal(err)
	}
}
