// Package daemon is `upchain serve`: it probes every check on its own
// schedule, exports the results as Prometheus metrics (on /metrics and/or
// in a node_exporter textfile), records them in history in batches, hands
// them to incidents, rebuilds the site periodically and serves it.
//
// History, incidents and the site plug in through the small interfaces in
// stages.go; a nil stage is one that is not configured.
package daemon

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"github.com/upchain-dev/upchain/prober"
	"github.com/upchain-dev/upchain/prober/config"
	"github.com/upchain-dev/upchain/prober/daemon/metrics"
	"github.com/upchain-dev/upchain/prober/daemon/schedule"
	"github.com/upchain-dev/upchain/prober/logging"
	"github.com/upchain-dev/upchain/prober/pipeline"
)

// Options configure a Daemon.
type Options struct {
	// ConfigPath is upchain.yml, read at start and on every Reload.
	ConfigPath string
	// Kinds probe the checks; default prober.Builtin().
	Kinds *prober.Registry
	// Load reads the config; default config.Load(ConfigPath, Kinds, {MissingSecretsFailChecks}).
	Load func(path string) (*config.Loaded, error)
	// Stages builds history, incidents and site for a config; nil: none.
	Stages StagesFunc
	// Listen overrides serve.listen ("" keeps the config's; "off" opens
	// no port).
	Listen string
	// Textfile overrides serve.textfile ("" keeps the config's).
	Textfile string
	// Log receives the daemon's log, redacted; default os.Stderr.
	Log io.Writer
	// Pprof serves net/http/pprof under /debug/pprof/ on the daemon's
	// listener, which must then be a loopback address: profiles show
	// memory contents (config texts, secrets in flight).
	Pprof bool
}

// Timeouts of the daemon's own work (probes have theirs in the config).
const (
	flushTimeout     = 2 * time.Minute
	buildTimeout     = 10 * time.Minute
	drainTimeout     = 2 * time.Minute
	shutdownGrace    = 10 * time.Second
	stopProbesMargin = 15 * time.Second
)

// Daemon runs upchain serve.
type Daemon struct {
	opts    Options
	log     *slog.Logger
	logw    *logging.Writer
	metrics *metrics.Metrics
	sched   *schedule.Scheduler

	cur      atomic.Pointer[current]
	reloadMu sync.Mutex
	stopping atomic.Bool

	listener net.Listener
	server   *http.Server

	incidents *queue
	// steps is the pipeline of a config whose stages record nothing.
	steps *pipeline.Pipeline

	abortOnce sync.Once
	aborted   chan struct{}

	statusMu sync.Mutex
	status   map[string]prober.Status // check\x00region -> last status, for logging changes

	first *firstRound
}

// current is the running config with its stages.
type current struct {
	loaded   *config.Loaded
	stages   Stages
	serve    config.Serve
	textfile string
	siteDir  string
}

// New loads the config, builds its stages and opens the listening socket;
// Run starts the work. A config error is returned as config.Errors.
func New(opts Options) (*Daemon, error) {
	if opts.Kinds == nil {
		opts.Kinds = prober.Builtin()
	}
	if opts.Load == nil {
		opts.Load = func(path string) (*config.Loaded, error) {
			return config.Load(path, opts.Kinds, config.Options{MissingSecretsFailChecks: true})
		}
	}
	if opts.Log == nil {
		opts.Log = os.Stderr
	}
	d := &Daemon{opts: opts, metrics: metrics.New(opts.Kinds), incidents: newQueue(), status: map[string]prober.Status{}, aborted: make(chan struct{})}
	d.log, d.logw = logging.New(opts.Log, slog.LevelInfo)

	cur, err := d.prepare()
	if err != nil {
		return nil, err
	}
	// Checked at start only: a reload that adds checks is not.
	if err := prober.EnsureOpenFiles(cur.loaded, cur.loaded.Checks); err != nil {
		return nil, err
	}
	d.cur.Store(cur)
	d.metrics.SetLocation(cur.loaded.History.Location)
	d.metrics.Retain(cur.loaded.Checks)
	d.metrics.ConfigLoaded(true, time.Now())

	d.sched, err = schedule.New(cur.loaded, schedule.Options{Kinds: opts.Kinds, OnRun: d.onRun, Prev: d.prev, Log: d.log})
	if err != nil {
		return nil, err
	}
	addr := listenAddr(opts.Listen, cur.loaded.Serve.Listen, cur.textfile)
	if opts.Pprof {
		if err := loopbackOnly(addr); err != nil {
			_ = d.sched.Stop(context.Background())
			return nil, err
		}
	}
	if addr != "" {
		d.listener, err = net.Listen("tcp", addr)
		if err != nil {
			_ = d.sched.Stop(context.Background())
			return nil, fmt.Errorf("listen on %s (serve.listen, --listen): %w", addr, err)
		}
		d.server = d.newServer()
	}
	return d, nil
}

// listenAddr decides where to listen: the flag, else the config, else the
// default address unless metrics go to a textfile (an operator who wants
// a textfile usually wants no open port). "" means no port.
func listenAddr(flag, configured, textfile string) string {
	addr := flag
	if addr == "" {
		addr = configured
	}
	if addr == "" && textfile == "" {
		addr = config.DefaultListen
	}
	if addr == config.ListenOff {
		return ""
	}
	return addr
}

// prepare loads the config and builds its stages, without applying them.
func (d *Daemon) prepare() (*current, error) {
	l, err := d.opts.Load(d.opts.ConfigPath)
	if l != nil {
		d.logw.Add(l.Redactor)
	}
	if err != nil {
		return nil, err
	}
	cur := &current{loaded: l, serve: l.Serve.WithDefaults()}
	cur.textfile = d.opts.Textfile
	if cur.textfile == "" {
		cur.textfile = l.Serve.Textfile
	}
	if cur.textfile != "" && !filepath.IsAbs(cur.textfile) && d.opts.Textfile == "" {
		cur.textfile = filepath.Join(l.Dir, cur.textfile)
	}
	cur.siteDir = l.Site.Output
	if !filepath.IsAbs(cur.siteDir) {
		cur.siteDir = filepath.Join(l.Dir, cur.siteDir)
	}
	if d.opts.Stages != nil {
		cur.stages, err = d.opts.Stages(l, d.log)
		if err != nil {
			return nil, fmt.Errorf("set up history, incidents and site: %s", l.Redactor.Error(err))
		}
	}
	if cur.stages.Pipeline == nil {
		// Nothing recorded, but the round steps (lag) still run.
		if d.steps == nil {
			d.steps, err = pipeline.Open(context.Background(), l, pipeline.Options{Kinds: d.opts.Kinds, Log: d.log})
		} else {
			err = d.steps.Reload(l)
		}
		if err != nil {
			return nil, err
		}
		cur.stages.Pipeline = d.steps
	}
	return cur, nil
}

// Addr is the address the daemon listens on, or nil if it opens no port.
func (d *Daemon) Addr() net.Addr {
	if d.listener == nil {
		return nil
	}
	return d.listener.Addr()
}

// Logger is the daemon's redacted logger.
func (d *Daemon) Logger() *slog.Logger { return d.log }

// Metrics returns the daemon's metrics.
func (d *Daemon) Metrics() *metrics.Metrics { return d.metrics }

// Reload re-reads the config. If it is invalid, or its stages cannot be
// set up, the running config stays in force, the problems are logged (with
// file and line) and returned.
func (d *Daemon) Reload() error {
	d.reloadMu.Lock()
	defer d.reloadMu.Unlock()
	if d.stopping.Load() {
		return errors.New("stopping: reload ignored")
	}
	next, err := d.prepare()
	if err != nil {
		d.metrics.ConfigLoaded(false, time.Now())
		d.logConfigError("reload failed, the previous configuration keeps running", err)
		return err
	}
	prev := d.cur.Swap(next)
	if err := d.sched.Apply(next.loaded); err != nil {
		d.log.Error("reload: some checks could not be scheduled", "err", d.redact(err))
	}
	d.metrics.SetLocation(next.loaded.History.Location)
	d.metrics.Retain(next.loaded.Checks)
	d.metrics.ConfigLoaded(true, time.Now())
	d.pruneStatus(next.loaded.Checks)
	// Results staged under the old config are committed now, whether or
	// not the new config uses the same pipeline.
	d.flush(prev.stages.Pipeline, "reload")
	if d.opts.Listen == "" && next.loaded.Serve.Listen != prev.loaded.Serve.Listen {
		d.log.Warn("serve.listen changed: restart upchain serve to apply it", "listening", addrString(d.Addr()), "configured", next.loaded.Serve.Listen)
	}
	d.log.Info("configuration reloaded", "file", next.loaded.File, "checks", len(next.loaded.Checks))
	return nil
}

func (d *Daemon) logConfigError(msg string, err error) {
	var errs config.Errors
	if errors.As(err, &errs) {
		for _, p := range errs {
			d.log.Error(msg, "problem", p.String())
		}
		return
	}
	d.log.Error(msg, "err", d.redact(err))
}

func (d *Daemon) redact(err error) string {
	if err == nil {
		return ""
	}
	return d.logw.Redact(err.Error())
}

// Run serves and probes until ctx ends (SIGTERM), then finishes the
// running probes, hands their results on, flushes history, writes the
// textfile a last time and returns. It returns an error if serving failed
// or if the last history flush failed (the batch is then not committed).
func (d *Daemon) Run(ctx context.Context) error {
	cur := d.cur.Load()
	d.log.Info("starting", "config", cur.loaded.File, "checks", len(cur.loaded.Checks), "listen", addrString(d.Addr()), "textfile", cur.textfile)

	serveErr := make(chan error, 1)
	if d.server != nil {
		go func() {
			if err := d.server.Serve(d.listener); err != nil && !errors.Is(err, http.ErrServerClosed) {
				serveErr <- err
			}
		}()
	}
	// Before any goroutine that reads it (afterFirstRound, onRun).
	d.first = newFirstRound(len(cur.loaded.Checks))
	workCtx, stopWork := context.WithCancel(context.Background())
	var loops sync.WaitGroup
	loop := func(interval func(*current) time.Duration, now bool, kick <-chan struct{}, f func(context.Context)) {
		loops.Add(1)
		go func() { defer loops.Done(); d.every(workCtx, interval, now, kick, f) }()
	}
	// The first site is built once the first round is committed, not at
	// start: it then shows every check's current status, and start-up does
	// not pay for a build of the history from before the restart (several
	// seconds of CPU for 1,000 checks). A site from a previous run is
	// served meanwhile.
	buildNow := make(chan struct{}, 1)
	loop(func(c *current) time.Duration { return c.serve.CommitEvery.D() }, false, nil, releasing(d.commit))
	loop(func(c *current) time.Duration { return c.serve.BuildEvery.D() }, false, buildNow, releasing(d.build))
	loop(func(c *current) time.Duration { return c.serve.TextfileEvery.D() }, true, nil, d.writeTextfile)
	loops.Add(1)
	go func() { defer loops.Done(); d.afterFirstRound(workCtx, buildNow) }()
	// Incidents get their own context: shutdown lets queued results be
	// handled, within drainTimeout.
	incCtx, stopIncidents := context.WithCancel(context.Background())
	defer stopIncidents()
	incDone := make(chan struct{})
	go func() { defer close(incDone); d.incidentWorker(incCtx) }()
	d.sched.Start()

	var runErr error
	select {
	case <-ctx.Done():
		d.log.Info("stopping: finishing running probes")
	case runErr = <-serveErr:
		d.log.Error("serving failed, stopping", "err", runErr)
	}
	d.stopping.Store(true)
	d.reloadMu.Lock() // no reload from here on
	defer d.reloadMu.Unlock()

	cur = d.cur.Load()
	stopCtx, cancel := context.WithTimeout(context.Background(), cur.loaded.Defaults.RoundTimeout.D()+stopProbesMargin)
	go func() {
		select {
		case <-d.aborted:
			cancel()
		case <-stopCtx.Done():
		}
	}()
	if err := d.sched.Stop(stopCtx); err != nil {
		d.log.Error("probes aborted", "err", err)
	}
	cancel()
	stopWork()
	loops.Wait()
	d.incidents.close()
	drain := time.AfterFunc(drainTimeout, stopIncidents)
	<-incDone
	drain.Stop()

	if err := d.flush(cur.stages.Pipeline, "shutdown"); err != nil && runErr == nil {
		runErr = fmt.Errorf("history not committed: %s", d.redact(err))
	}
	d.writeTextfile(context.Background())
	if d.server != nil {
		sctx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
		_ = d.server.Shutdown(sctx)
		cancel()
	}
	d.log.Info("stopped")
	return runErr
}

// Abort makes a stopping daemon abort its running probes instead of
// waiting for them (a second SIGTERM). History is still flushed.
func (d *Daemon) Abort() { d.abortOnce.Do(func() { close(d.aborted) }) }

func addrString(a net.Addr) string {
	if a == nil {
		return "off"
	}
	return a.String()
}

// every calls f at the current config's interval until ctx ends; first
// right away if now is set, and early whenever kick (nil: never) receives,
// which restarts the interval. A call that overruns the interval delays
// the next one instead of overlapping it.
func (d *Daemon) every(ctx context.Context, interval func(*current) time.Duration, now bool, kick <-chan struct{}, f func(context.Context)) {
	if now {
		f(ctx)
	}
	for {
		t := time.NewTimer(interval(d.cur.Load()))
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
			f(ctx)
		case <-kick:
			t.Stop()
			f(ctx)
		}
	}
}

// afterFirstRound commits the first round as soon as every check has been
// probed once, logs it, and then has the site built.
func (d *Daemon) afterFirstRound(ctx context.Context, build chan<- struct{}) {
	select {
	case <-ctx.Done():
		return
	case <-d.first.done:
	}
	start := time.Now()
	err := d.flush(d.cur.Load().stages.Pipeline, "first round")
	d.log.Info("first round done: every check probed once", "checks", d.first.want, "took", d.first.took.Round(time.Millisecond).String(),
		"recorded", err == nil, "commit_took", time.Since(start).Round(time.Millisecond).String())
	select {
	case build <- struct{}{}:
	default:
	}
}

// onRun hands one run's results to every stage. It runs on the check's
// job goroutine, so it only does quick work and queues the rest.
func (d *Daemon) onRun(run schedule.Run) {
	cur := d.cur.Load()
	cur.stages.Pipeline.Finish(run.Results)
	d.metrics.Observe(run.Results)
	d.metrics.ObserveRound(run.Elapsed)
	cur.stages.Pipeline.Stage(run.Results)
	if inc := cur.stages.Incidents; inc != nil {
		d.incidents.push(incidentBatch{sink: inc, results: run.Results})
	}
	d.logChanges(run.Results)
	d.first.note(run.Check)
}

func (d *Daemon) prev(check, region string) prober.Values {
	return d.cur.Load().stages.Pipeline.Prev(check, region)
}

// logChanges logs a check's region when its status changes (and when it
// is first seen not up), not every probe.
func (d *Daemon) logChanges(results []prober.Result) {
	d.statusMu.Lock()
	defer d.statusMu.Unlock()
	for _, r := range results {
		k := r.Check + "\x00" + r.Region
		was, seen := d.status[k]
		d.status[k] = r.Status
		if (seen && was == r.Status) || (!seen && r.Status == prober.Up) {
			continue
		}
		attrs := []any{"check", r.Check, "region", r.Region, "status", string(r.Status)}
		if seen {
			attrs = append(attrs, "was", string(was))
		}
		if r.Reason != "" {
			attrs = append(attrs, "reason", r.Reason)
		}
		d.log.Info("status changed", attrs...)
	}
}

func (d *Daemon) pruneStatus(checks []*config.Check) {
	keep := map[string]bool{}
	for _, c := range checks {
		for _, r := range c.Targets() {
			keep[c.Slug+"\x00"+r.Name] = true
		}
	}
	d.statusMu.Lock()
	defer d.statusMu.Unlock()
	for k := range d.status {
		if !keep[k] {
			delete(d.status, k)
		}
	}
}

// commit flushes the current history batch.
func (d *Daemon) commit(context.Context) {
	_ = d.flush(d.cur.Load().stages.Pipeline, "periodic")
}

// flush runs one history flush with its own deadline: it is not cut short
// by shutdown, which is when it matters most.
func (d *Daemon) flush(h Pipeline, why string) error {
	ctx, cancel := context.WithTimeout(context.Background(), flushTimeout)
	defer cancel()
	err := h.Flush(ctx)
	d.metrics.HistoryFlushed(err)
	// Pipelines that read history tell every location's newest round.
	if lr, ok := h.(interface{ Locations() map[string]time.Time }); ok {
		d.metrics.Rounds(lr.Locations())
	}
	if err != nil {
		d.log.Error("history flush failed; the batch is kept for the next flush", "when", why, "err", d.redact(err))
	} else {
		d.log.Debug("history flushed", "when", why)
	}
	return err
}

func (d *Daemon) build(ctx context.Context) {
	b := d.cur.Load().stages.Site
	if b == nil {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, buildTimeout)
	defer cancel()
	start := time.Now()
	err := b(ctx)
	d.metrics.SiteBuilt(err)
	if err != nil {
		d.log.Error("site build failed; the previous site stays online", "err", d.redact(err))
		return
	}
	d.log.Info("site built", "took", time.Since(start).Round(time.Millisecond).String())
}

func (d *Daemon) writeTextfile(context.Context) {
	path := d.cur.Load().textfile
	if path == "" {
		return
	}
	if err := d.metrics.WriteTextfile(path); err != nil {
		d.log.Error("writing the metrics textfile failed", "path", path, "err", d.redact(err))
	}
}

// incidentWorker hands queued results to the incidents stage one batch at
// a time, until the queue is closed and empty or ctx ends.
func (d *Daemon) incidentWorker(ctx context.Context) {
	for {
		b, ok := d.incidents.pop()
		if !ok {
			return
		}
		if ctx.Err() != nil {
			d.log.Error("incidents: results left unprocessed at shutdown", "runs", d.incidents.len()+1)
			return
		}
		if err := b.sink.Observe(ctx, b.results); err != nil {
			d.log.Error("incidents failed", "check", b.results[0].Check, "err", d.redact(err))
		}
	}
}
