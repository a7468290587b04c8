// Package metrics exports probe results as Prometheus metrics: the
// blackbox-exporter names (probe_success, probe_duration_seconds, ...) for
// every check and region, chain values (head height, peers, missed blocks,
// ...) under the upchain_ prefix, and the daemon's own counters. The same
// metrics are served on /metrics or written to a file for node_exporter's
// textfile collector.
//
// Labels are deliberately few and bounded by the config (check slug,
// region, group, kind, and the runner's location): reasons, URLs and values never become labels.
package metrics

import (
	"net/http"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/upchain-dev/upchain/prober"
	"github.com/upchain-dev/upchain/prober/config"
)

// probeLabels are the labels of every per-probe series, in order.
// location names the runner, so that several runners' series stay apart
// in one Prometheus.
var probeLabels = []string{"check", "region", "group", "kind", "location"}

// ProbeLabels returns the labels of every per-probe series, in order.
func ProbeLabels() []string { return append([]string(nil), probeLabels...) }

// Names of the metrics with fixed meaning.
const (
	NameSuccess        = "probe_success"
	NameDuration       = "probe_duration_seconds"
	NameHTTPStatus     = "probe_http_status_code"
	NameDNSLookup      = "probe_dns_lookup_time_seconds"
	NameStatus         = "upchain_probe_status"
	NameLastProbe      = "upchain_probe_timestamp_seconds"
	NameProbesTotal    = "upchain_probes_total"
	NameRoundDuration  = "upchain_round_duration_seconds"
	NameChecks         = "upchain_checks"
	NameReloads        = "upchain_config_reloads_total"
	NameReloadOK       = "upchain_config_last_reload_successful"
	NameReloadTime     = "upchain_config_last_reload_success_timestamp_seconds"
	NameHistoryFlushes = "upchain_history_flushes_total"
	NameSiteBuilds     = "upchain_site_builds_total"
	NameLocationRound  = "upchain_location_last_round_timestamp_seconds"
)

func probeDesc(name, help string) *prometheus.Desc {
	return prometheus.NewDesc(name, help, probeLabels, nil)
}

var (
	descSuccess    = probeDesc(NameSuccess, "Whether the last probe succeeded: 1 when up or degraded, 0 when down.")
	descDuration   = probeDesc(NameDuration, "How long the last probe took (the last attempt), in seconds.")
	descHTTPStatus = probeDesc(NameHTTPStatus, "HTTP status code of the last probe's response, 0 if there was none.")
	descDNS        = probeDesc(NameDNSLookup, "How long resolving the endpoint's name took in the last probe, in seconds.")
	descStatus     = probeDesc(NameStatus, "Status of the last probe: 0 up, 1 degraded, 2 down.")
	descLastProbe  = probeDesc(NameLastProbe, "When the last probe ran, in unix seconds.")
)

// series is the last result of one check in one region, reduced to numbers.
type series struct {
	labels   [5]string
	status   prober.Status
	duration float64
	code     float64
	hasCode  bool
	dns      float64
	time     float64
	values   []float64
	hasValue []bool
}

// Metrics holds the exported state. It is safe for concurrent use.
type Metrics struct {
	mu sync.RWMutex
	// location of this runner, on every probe series (see SetLocation).
	location string
	// rounds is each location's newest recorded round (see Rounds).
	rounds    map[string]time.Time
	descRound *prometheus.Desc
	probes    map[string]*series
	// values are the recorded values exported as gauges (those whose
	// declaration names a metric), with their descriptions. A value that
	// a probe did not record, or that is not a number, has no series for
	// that check and region until a probe records it again.
	values     []prober.ValueSpec
	descValues []*prometheus.Desc

	// reg holds everything upchain itself exports: what /metrics serves
	// and the textfile holds. runtime adds the Go and process collectors,
	// served on /metrics only (node_exporter has its own, a textfile must
	// not repeat them).
	reg     *prometheus.Registry
	runtime *prometheus.Registry

	probesTotal    *prometheus.CounterVec
	roundDuration  prometheus.Histogram
	checks         prometheus.Gauge
	reloads        *prometheus.CounterVec
	reloadOK       prometheus.Gauge
	reloadTime     prometheus.Gauge
	historyFlushes *prometheus.CounterVec
	siteBuilds     *prometheus.CounterVec
}

// New returns empty metrics for the values that kinds declare as metrics
// (default prober.Builtin()).
func New(kinds *prober.Registry) *Metrics {
	if kinds == nil {
		kinds = prober.Builtin()
	}
	m := &Metrics{
		location:  "default",
		descRound: prometheus.NewDesc(NameLocationRound, "When each location's newest round recorded in history ran, in unix seconds.", []string{"location"}, nil),
		probes:    map[string]*series{},
		values:    kinds.Values().Metrics(),
		reg:       prometheus.NewRegistry(),
		runtime:   prometheus.NewRegistry(),
		probesTotal: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: NameProbesTotal, Help: "Probes made, by resulting status (up, degraded, down).",
		}, []string{"status"}),
		roundDuration: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    NameRoundDuration,
			Help:    "How long probing one check in all its regions took, retries included, in seconds.",
			Buckets: []float64{.01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60},
		}),
		checks: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: NameChecks, Help: "Checks in the running configuration.",
		}),
		reloads: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: NameReloads, Help: "Configuration reloads, by result (success, failure).",
		}, []string{"result"}),
		reloadOK: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: NameReloadOK, Help: "Whether the last configuration reload succeeded (1) or the previous configuration is still running (0).",
		}),
		reloadTime: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: NameReloadTime, Help: "When the running configuration was loaded, in unix seconds.",
		}),
		historyFlushes: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: NameHistoryFlushes, Help: "Batched history commits, by result (success, failure).",
		}, []string{"result"}),
		siteBuilds: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: NameSiteBuilds, Help: "Site rebuilds, by result (success, failure).",
		}, []string{"result"}),
	}
	for _, v := range m.values {
		m.descValues = append(m.descValues, probeDesc(v.Metric, v.Help))
	}
	for _, s := range []prober.Status{prober.Up, prober.Degraded, prober.Down} {
		m.probesTotal.WithLabelValues(string(s))
	}
	for _, r := range []string{"success", "failure"} {
		m.reloads.WithLabelValues(r)
		m.historyFlushes.WithLabelValues(r)
		m.siteBuilds.WithLabelValues(r)
	}
	m.reloadOK.Set(1)
	m.reg.MustRegister(probeCollector{m}, m.probesTotal, m.roundDuration, m.checks, m.reloads, m.reloadOK, m.reloadTime, m.historyFlushes, m.siteBuilds)
	m.runtime.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

func key(check, region string) string { return check + "\x00" + region }

// Observe records results; each replaces the previous series of its check
// and region, so a value the new result lacks disappears.
func (m *Metrics) Observe(results []prober.Result) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, r := range results {
		m.probesTotal.WithLabelValues(string(r.Status)).Inc()
		s := &series{
			labels:   [5]string{r.Check, r.Region, r.Group, r.Kind, m.location},
			status:   r.Status,
			duration: r.Latency.Seconds(),
			dns:      r.Phases.DNS.Seconds(),
			time:     float64(r.Time.UnixNano()) / 1e9,
			values:   make([]float64, len(m.values)),
			hasValue: make([]bool, len(m.values)),
		}
		// Like the blackbox exporter, an HTTP check that got no response
		// reports status code 0.
		if r.Code != 0 || r.Kind == "http" {
			s.code, s.hasCode = float64(r.Code), true
		}
		for i, vm := range m.values {
			if text, ok := r.Values[vm.Name]; ok {
				s.values[i], s.hasValue[i] = vm.Number(text)
			}
		}
		m.probes[key(r.Check, r.Region)] = s
	}
}

// SetLocation names this runner's location on the probe series that
// follow (the config's, resolved like the recorder's).
func (m *Metrics) SetLocation(loc string) {
	if loc == "" {
		loc = "default"
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if loc != m.location {
		m.location = loc
		m.probes = map[string]*series{}
	}
}

// Rounds sets the newest recorded round of every location (from the
// history state), exported as upchain_location_last_round_timestamp_seconds.
func (m *Metrics) Rounds(last map[string]time.Time) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.rounds = make(map[string]time.Time, len(last))
	for k, v := range last {
		m.rounds[k] = v
	}
}

// ObserveRound records how long one check's round took.
func (m *Metrics) ObserveRound(d time.Duration) { m.roundDuration.Observe(d.Seconds()) }

// Retain drops the series of checks and regions that are no longer
// configured and relabels the rest with their configured group and kind;
// call it after each (re)load.
func (m *Metrics) Retain(checks []*config.Check) {
	want := map[string]*config.Check{}
	for _, c := range checks {
		for _, r := range c.Targets() {
			want[key(c.Slug, r.Name)] = c
		}
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	for k, s := range m.probes {
		c, ok := want[k]
		if !ok {
			delete(m.probes, k)
			continue
		}
		s.labels[2], s.labels[3] = c.Group, c.Kind
	}
	m.checks.Set(float64(len(checks)))
}

// ConfigLoaded records the outcome of a configuration (re)load.
func (m *Metrics) ConfigLoaded(ok bool, at time.Time) {
	if ok {
		m.reloads.WithLabelValues("success").Inc()
		m.reloadOK.Set(1)
		m.reloadTime.Set(float64(at.Unix()))
		return
	}
	m.reloads.WithLabelValues("failure").Inc()
	m.reloadOK.Set(0)
}

// HistoryFlushed records the outcome of a batched history commit.
func (m *Metrics) HistoryFlushed(err error) { m.historyFlushes.WithLabelValues(result(err)).Inc() }

// SiteBuilt records the outcome of a site rebuild.
func (m *Metrics) SiteBuilt(err error) { m.siteBuilds.WithLabelValues(result(err)).Inc() }

func result(err error) string {
	if err != nil {
		return "failure"
	}
	return "success"
}

// Gatherer gathers upchain's own metrics (what the textfile holds).
func (m *Metrics) Gatherer() prometheus.Gatherer { return m.reg }

// Handler serves upchain's metrics plus the Go runtime and process metrics
// of the daemon. errorLog receives gathering errors.
func (m *Metrics) Handler(errorLog promhttp.Logger) http.Handler {
	g := prometheus.Gatherers{m.reg, m.runtime}
	return promhttp.HandlerFor(g, promhttp.HandlerOpts{ErrorLog: errorLog, ErrorHandling: promhttp.ContinueOnError, MaxRequestsInFlight: 4, Timeout: 10 * time.Second})
}

// WriteTextfile writes upchain's metrics to path in the text format,
// atomically (a temporary file renamed over path), for node_exporter's
// textfile collector. The temporary file does not end in .prom, so the
// collector never reads a half-written file.
func (m *Metrics) WriteTextfile(path string) error {
	return prometheus.WriteToTextfile(path, m.reg)
}

// probeCollector emits the per-probe series from the stored results.
type probeCollector struct{ m *Metrics }

func (c probeCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descSuccess, descDuration, descHTTPStatus, descDNS, descStatus, descLastProbe} {
		ch <- d
	}
	for _, d := range c.m.descValues {
		ch <- d
	}
	ch <- c.m.descRound
}

func (c probeCollector) Collect(ch chan<- prometheus.Metric) {
	c.m.mu.RLock()
	defer c.m.mu.RUnlock()
	for loc, t := range c.m.rounds {
		ch <- prometheus.MustNewConstMetric(c.m.descRound, prometheus.GaugeValue, float64(t.Unix()), loc)
	}
	for _, s := range c.m.probes {
		l := s.labels[:]
		gauge := func(d *prometheus.Desc, v float64) {
			ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, l...)
		}
		success := 0.0
		if s.status != prober.Down {
			success = 1
		}
		gauge(descSuccess, success)
		gauge(descDuration, s.duration)
		gauge(descStatus, float64(s.status.Rank()))
		gauge(descLastProbe, s.time)
		if s.hasCode {
			gauge(descHTTPStatus, s.code)
		}
		if s.dns > 0 {
			gauge(descDNS, s.dns)
		}
		for i, ok := range s.hasValue {
			if ok {
				gauge(c.m.descValues[i], s.values[i])
			}
		}
	}
}
