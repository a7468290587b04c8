package daemon

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/upchain-dev/upchain/prober/config/configtest"
	"github.com/upchain-dev/upchain/prober/testlog"

	"github.com/prometheus/common/expfmt"
	"github.com/upchain-dev/upchain/prober"
	"github.com/upchain-dev/upchain/prober/config"
)

// site is a config directory for the daemon.
type site struct {
	t   *testing.T
	dir string
}

func newSite(t *testing.T) *site { return &site{t: t, dir: t.TempDir()} }

func (s *site) path() string { return filepath.Join(s.dir, "upchain.yml") }

// write replaces upchain.yml and checks/test.yml.
func (s *site) write(upchain, checks string) {
	s.t.Helper()
	configtest.WriteDir(s.t, s.dir, upchain, map[string]string{"checks/test.yml": "group: Test\nchecks:\n" + checks})
}

const baseConfig = "defaults:\n  timeout: 20s\n  retries: 0\n  round_timeout: 30s\nserve:\n  listen: 127.0.0.1:0\n"

func httpCheck(name, url string) string {
	return fmt.Sprintf("  - name: %s\n    kind: http\n    url: %s\n    interval: 100ms\n", name, url)
}

// endpoint answers 200, or holds requests until released when hold is set.
type endpoint struct {
	*httptest.Server
	arrived chan struct{}
	hold    chan struct{}
	once    sync.Once
}

func newEndpoint(t *testing.T, hold bool) *endpoint {
	e := &endpoint{arrived: make(chan struct{}, 1000)}
	if hold {
		e.hold = make(chan struct{})
	}
	e.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case e.arrived <- struct{}{}:
		default:
		}
		if e.hold != nil {
			select {
			case <-e.hold:
			case <-r.Context().Done():
				return
			}
		}
		fmt.Fprintln(w, "ok")
	}))
	t.Cleanup(func() { e.release(); e.Close() })
	return e
}

func (e *endpoint) release() {
	if e.hold != nil {
		e.once.Do(func() { close(e.hold) })
	}
}

// history records what the daemon stages and flushes.
type history struct {
	mu       sync.Mutex
	staged   []prober.Result
	flushed  [][]prober.Result
	failWith error
	flushes  chan struct{}
}

func newHistory() *history { return &history{flushes: make(chan struct{}, 1000)} }

func (h *history) Finish([]prober.Result)                  {}
func (h *history) Prev(check, region string) prober.Values { return nil }

func (h *history) Stage(rs []prober.Result) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.staged = append(h.staged, rs...)
}

func (h *history) Flush(ctx context.Context) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	defer func() { h.flushes <- struct{}{} }()
	if h.failWith != nil {
		return h.failWith
	}
	h.flushed = append(h.flushed, h.staged)
	h.staged = nil
	return nil
}

func (h *history) stagedNow() []prober.Result {
	h.mu.Lock()
	defer h.mu.Unlock()
	out := append([]prober.Result(nil), h.staged...)
	for _, b := range h.flushed {
		out = append(out, b...)
	}
	return out
}

func (h *history) committed() []prober.Result {
	h.mu.Lock()
	defer h.mu.Unlock()
	var out []prober.Result
	for _, b := range h.flushed {
		out = append(out, b...)
	}
	return out
}

// running is a daemon started by a test.
type running struct {
	d    *Daemon
	log  *testlog.Buffer
	stop context.CancelFunc
	done chan struct{} // closed when Run returned, with err
	err  error
}

func start(t *testing.T, opts Options) *running {
	t.Helper()
	log := &testlog.Buffer{}
	opts.Log = log
	d, err := New(opts)
	if err != nil {
		t.Fatalf("New: %v\nlog:\n%s", err, log)
	}
	ctx, cancel := context.WithCancel(context.Background())
	r := &running{d: d, log: log, stop: cancel, done: make(chan struct{})}
	go func() { defer close(r.done); r.err = d.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		<-r.done
	})
	return r
}

// shutdown is what SIGTERM does: end Run's context and wait for it.
func (r *running) shutdown() error {
	r.stop()
	<-r.done
	return r.err
}

func (r *running) get(t *testing.T, path string) (int, string) {
	t.Helper()
	resp, err := http.Get("http://" + r.d.Addr().String() + path)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// success returns probe_success per check (global region) as served.
func (r *running) success(t *testing.T) map[string]float64 {
	t.Helper()
	mfs, err := r.d.Metrics().Gatherer().Gather()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]float64{}
	for _, mf := range mfs {
		if mf.GetName() != "probe_success" {
			continue
		}
		for _, m := range mf.GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetName() == "check" {
					out[l.GetValue()] = m.GetGauge().GetValue()
				}
			}
		}
	}
	return out
}

// eventually polls cond every 20ms until it holds or 30s pass.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("gave up waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestServesSiteMetricsAndHealth(t *testing.T) {
	up := newEndpoint(t, false)
	s := newSite(t)
	s.write(baseConfig, httpCheck("up", up.URL)+httpCheck("down", "http://127.0.0.1:1/"))
	built := make(chan struct{}, 10)
	r := start(t, Options{ConfigPath: s.path(), Stages: func(l *config.Loaded, _ *slog.Logger) (Stages, error) {
		return Stages{Site: func(ctx context.Context) error {
			out := filepath.Join(l.Dir, l.Site.Output)
			if err := os.MkdirAll(out, 0o755); err != nil {
				return err
			}
			defer func() { built <- struct{}{} }()
			return os.WriteFile(filepath.Join(out, "index.html"), []byte("<h1>All systems operational</h1>"), 0o644)
		}}, nil
	}})
	<-built // the site is built once every check has been probed
	if code, body := r.get(t, "/"); code != 200 || !strings.Contains(body, "All systems operational") {
		t.Errorf("GET / = %d %q", code, body)
	}
	if code, body := r.get(t, "/healthz"); code != 200 || body != "ok\n" {
		t.Errorf("GET /healthz = %d %q", code, body)
	}
	eventually(t, "both checks in the metrics", func() bool { return len(r.success(t)) == 2 })
	if got := r.success(t); got["up"] != 1 || got["down"] != 0 {
		t.Errorf("probe_success = %v, want up 1, down 0", got)
	}
	code, body := r.get(t, "/metrics")
	if code != 200 {
		t.Fatalf("GET /metrics = %d", code)
	}
	var p expfmt.TextParser
	families, err := p.TextToMetricFamilies(strings.NewReader(body))
	if err != nil {
		t.Fatalf("/metrics does not parse: %v", err)
	}
	for _, name := range []string{"probe_success", "probe_duration_seconds", "probe_http_status_code", "upchain_probes_total", "upchain_round_duration_seconds", "upchain_checks", "go_goroutines", "process_resident_memory_bytes"} {
		if families[name] == nil {
			t.Errorf("/metrics lacks %s", name)
		}
	}
	if code, _ := r.get(t, "/no-such-page"); code != 404 {
		t.Errorf("GET /no-such-page = %d, want 404", code)
	}
	srv := r.d.server
	if srv.ReadHeaderTimeout == 0 || srv.ReadTimeout == 0 || srv.WriteTimeout == 0 || srv.IdleTimeout == 0 {
		t.Errorf("http.Server without timeouts: %+v", srv)
	}
}

func TestSiteNotBuiltYetAnswers503(t *testing.T) {
	s := newSite(t)
	s.write(baseConfig, httpCheck("down", "http://127.0.0.1:1/"))
	r := start(t, Options{ConfigPath: s.path()})
	if code, body := r.get(t, "/"); code != 503 || !strings.Contains(body, "not been built") {
		t.Errorf("GET / = %d %q, want 503 explaining the site is not built", code, body)
	}
}

func TestReloadWithBrokenConfigKeepsTheOldOne(t *testing.T) {
	a, b := newEndpoint(t, false), newEndpoint(t, false)
	s := newSite(t)
	s.write(baseConfig, httpCheck("a", a.URL)+httpCheck("b", b.URL))
	r := start(t, Options{ConfigPath: s.path()})
	eventually(t, "both checks probed", func() bool { return len(r.success(t)) == 2 })

	s.write(baseConfig+"  commit_every: often\n", httpCheck("a", a.URL)+"  - name: c\n    kind: nope\n    url: http://127.0.0.1:1/\n")
	err := r.d.Reload()
	var errs config.Errors
	if !errors.As(err, &errs) {
		t.Fatalf("Reload = %v, want config.Errors", err)
	}
	log := r.log.String()
	for _, want := range []string{"reload failed, the previous configuration keeps running", "upchain.yml:7: bad duration", "test.yml:8: unknown kind"} {
		if !strings.Contains(log, want) {
			t.Errorf("log lacks %q:\n%s", want, log)
		}
	}
	// Both old checks still run: b keeps being probed.
	for range 3 {
		<-b.arrived
	}
	if got := r.success(t); len(got) != 2 {
		t.Errorf("probe_success after failed reload = %v, want a and b", got)
	}
	if code, body := r.get(t, "/metrics"); code != 200 || !strings.Contains(body, "upchain_config_last_reload_successful 0") {
		t.Errorf("metrics do not report the failed reload")
	}

	// A valid config then applies: b disappears, its series with it.
	s.write(baseConfig, httpCheck("a", a.URL))
	if err := r.d.Reload(); err != nil {
		t.Fatal(err)
	}
	if got := r.success(t); len(got) != 1 || got["a"] != 1 {
		t.Errorf("probe_success after reload = %v, want only a", got)
	}
	if _, body := r.get(t, "/metrics"); !strings.Contains(body, "upchain_config_last_reload_successful 1") || !strings.Contains(body, "upchain_checks 1") {
		t.Errorf("metrics do not report the successful reload")
	}
}

func TestShutdownFinishesProbesAndFlushesHistory(t *testing.T) {
	slow := newEndpoint(t, true)
	s := newSite(t)
	s.write(baseConfig, httpCheck("slow", slow.URL))
	h := newHistory()
	r := start(t, Options{ConfigPath: s.path(), Stages: func(*config.Loaded, *slog.Logger) (Stages, error) { return Stages{Pipeline: h}, nil }})
	defer slow.release()
	<-slow.arrived
	r.stop() // SIGTERM while the probe hangs
	eventually(t, "health to report stopping", func() bool {
		code, _ := r.get(t, "/healthz")
		return code == 503
	})
	select {
	case <-r.done:
		t.Fatalf("Run returned (%v) before the running probe finished", r.err)
	default:
	}
	slow.release()
	if err := r.shutdown(); err != nil {
		t.Fatalf("Run = %v, want nil", err)
	}
	got := h.committed()
	if len(got) == 0 || got[len(got)-1].Check != "slow" || got[len(got)-1].Status != prober.Up {
		t.Fatalf("committed %+v, want the finished probe of slow", got)
	}
	if !strings.Contains(r.log.String(), "msg=stopped") {
		t.Errorf("log:\n%s", r.log)
	}
}

func TestShutdownReportsAFailedFlush(t *testing.T) {
	s := newSite(t)
	s.write(baseConfig, httpCheck("down", "http://127.0.0.1:1/"))
	h := newHistory()
	h.failWith = errors.New("push rejected")
	r := start(t, Options{ConfigPath: s.path(), Stages: func(*config.Loaded, *slog.Logger) (Stages, error) { return Stages{Pipeline: h}, nil }})
	if err := r.shutdown(); err == nil || !strings.Contains(err.Error(), "push rejected") {
		t.Fatalf("Run = %v, want the flush error", err)
	}
}

func TestHistoryIsCommittedInBatches(t *testing.T) {
	ep := newEndpoint(t, false)
	s := newSite(t)
	s.write(baseConfig+"  commit_every: 300ms\n", httpCheck("a", ep.URL))
	h := newHistory()
	r := start(t, Options{ConfigPath: s.path(), Stages: func(*config.Loaded, *slog.Logger) (Stages, error) { return Stages{Pipeline: h}, nil }})
	// The first round's commit, then two periodic ones.
	for range 3 {
		<-h.flushes
	}
	if err := r.shutdown(); err != nil {
		t.Fatal(err)
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if len(h.flushed) == 0 || len(h.flushed[0]) != 1 {
		t.Errorf("first flush %v, want the first round (one run) committed on its own", sizes(h.flushed))
	}
	// Runs every 100ms and commits every 300ms: commits carry several runs.
	batched := false
	for _, b := range h.flushed {
		if len(b) > 1 {
			batched = true
		}
	}
	if !batched || len(h.staged) != 0 {
		t.Errorf("flushed batches %d (sizes %v), %d left staged", len(h.flushed), sizes(h.flushed), len(h.staged))
	}
}

func sizes(bs [][]prober.Result) []int {
	out := make([]int, len(bs))
	for i, b := range bs {
		out[i] = len(b)
	}
	return out
}

// incidents is a slow ResultSink.
type incidents struct {
	mu     sync.Mutex
	checks []string
	gate   chan struct{}
}

func (i *incidents) Observe(ctx context.Context, rs []prober.Result) error {
	<-i.gate
	i.mu.Lock()
	defer i.mu.Unlock()
	i.checks = append(i.checks, rs[0].Check)
	return nil
}

func TestSlowIncidentsNeverDelayProbesAndAreDrainedAtShutdown(t *testing.T) {
	ep := newEndpoint(t, false)
	s := newSite(t)
	s.write(baseConfig, httpCheck("a", ep.URL))
	inc := &incidents{gate: make(chan struct{})}
	r := start(t, Options{ConfigPath: s.path(), Stages: func(*config.Loaded, *slog.Logger) (Stages, error) { return Stages{Incidents: inc}, nil }})
	// The incident stage is stuck on the first run; probes go on.
	for range 5 {
		<-ep.arrived
	}
	queued := r.d.incidents.len()
	if queued < 3 {
		t.Fatalf("%d runs queued for incidents after 5 probes", queued)
	}
	go func() {
		time.Sleep(50 * time.Millisecond)
		close(inc.gate)
	}()
	if err := r.shutdown(); err != nil {
		t.Fatal(err)
	}
	inc.mu.Lock()
	defer inc.mu.Unlock()
	if len(inc.checks) < queued+1 {
		t.Errorf("incidents saw %d runs, %d were queued at shutdown", len(inc.checks), queued+1)
	}
}

func TestTextfileModeOpensNoPort(t *testing.T) {
	ep := newEndpoint(t, false)
	s := newSite(t)
	s.write("defaults:\n  timeout: 5s\nserve:\n  textfile_every: 100ms\n", httpCheck("a", ep.URL)+httpCheck("b", "http://127.0.0.1:1/"))
	prom := filepath.Join(t.TempDir(), "upchain.prom")
	r := start(t, Options{ConfigPath: s.path(), Textfile: prom})
	if r.d.Addr() != nil {
		t.Fatalf("listening on %v in textfile mode", r.d.Addr())
	}
	read := func() map[string]float64 {
		f, err := os.Open(prom)
		if err != nil {
			return nil
		}
		defer f.Close()
		var p expfmt.TextParser
		fams, err := p.TextToMetricFamilies(f)
		if err != nil {
			t.Fatalf("textfile does not parse: %v", err)
		}
		out := map[string]float64{}
		if mf := fams["probe_success"]; mf != nil {
			for _, m := range mf.GetMetric() {
				out[m.GetLabel()[0].GetValue()] = m.GetGauge().GetValue()
			}
		}
		return out
	}
	eventually(t, "both checks in the textfile", func() bool { return len(read()) == 2 })
	if got := read(); got["a"] != 1 || got["b"] != 0 {
		t.Errorf("textfile probe_success = %v", got)
	}
	if err := r.shutdown(); err != nil {
		t.Fatal(err)
	}
}

func TestListenAddr(t *testing.T) {
	tests := []struct{ flag, configured, textfile, want string }{
		{"", "", "", config.DefaultListen},
		{"", "0.0.0.0:9100", "", "0.0.0.0:9100"},
		{"127.0.0.1:7000", "0.0.0.0:9100", "", "127.0.0.1:7000"},
		{"", "", "/tmp/u.prom", ""},
		{"", "127.0.0.1:9100", "/tmp/u.prom", "127.0.0.1:9100"},
		{"127.0.0.1:9100", "", "/tmp/u.prom", "127.0.0.1:9100"},
		{"off", "127.0.0.1:9100", "", ""},
		{"", "off", "", ""},
	}
	for _, tt := range tests {
		if got := listenAddr(tt.flag, tt.configured, tt.textfile); got != tt.want {
			t.Errorf("listenAddr(%q, %q, %q) = %q, want %q", tt.flag, tt.configured, tt.textfile, got, tt.want)
		}
	}
}

func TestLogsNeverShowSecrets(t *testing.T) {
	const secret = "s3cr3t-api-key-123"
	s := newSite(t)
	s.write(baseConfig, httpCheck("keyed", "http://127.0.0.1:1/v1/${API_KEY}"))
	h := newHistory()
	h.failWith = errors.New("push to https://x:" + secret + "@git.example/ failed")
	r := start(t, Options{
		ConfigPath: s.path(),
		Load: func(path string) (*config.Loaded, error) {
			return prober.Load(path, config.Options{Lookup: func(k string) (string, bool) {
				if k == "API_KEY" {
					return secret, true
				}
				return "", false
			}})
		},
		Stages: func(*config.Loaded, *slog.Logger) (Stages, error) { return Stages{Pipeline: h}, nil },
	})
	eventually(t, "the probe of keyed", func() bool { return len(r.success(t)) == 1 })
	_ = r.shutdown()
	log := r.log.String()
	if strings.Contains(log, secret) {
		t.Fatalf("log shows the secret:\n%s", log)
	}
	if !strings.Contains(log, "${API_KEY}") || !strings.Contains(log, "history flush failed") {
		t.Errorf("log lacks the redacted failure:\n%s", log)
	}
}

func TestStartFailsOnInvalidConfigAndBusyPort(t *testing.T) {
	s := newSite(t)
	s.write("defaults:\n  timeout: soon\n", httpCheck("a", "http://127.0.0.1:1/"))
	_, err := New(Options{ConfigPath: s.path(), Log: io.Discard})
	var errs config.Errors
	if !errors.As(err, &errs) || !strings.Contains(errs.Error(), "upchain.yml:2: bad duration") {
		t.Errorf("New with a bad config = %v", err)
	}

	busy := newEndpoint(t, false)
	s.write("serve:\n  listen: "+busy.Listener.Addr().String()+"\n", httpCheck("a", "http://127.0.0.1:1/"))
	if _, err := New(Options{ConfigPath: s.path(), Log: io.Discard}); err == nil || !strings.Contains(err.Error(), "serve.listen") {
		t.Errorf("New on a busy port = %v, want an error naming serve.listen", err)
	}
}
