// Package schedule runs each check at its own interval, for the daemon.
//
// Every check is one gocron job. Its runs fall at a fixed, per-check phase of
// its interval (derived from the slug), so checks with the same interval
// are spread over it instead of all firing together, and a restart or
// reload keeps each check's rhythm. Phases are whole seconds (phaseSlot):
// the checks that share one run together, and the process wakes once for
// them instead of once per check. A run probes all regions of its check
// concurrently; a slow check occupies only its own run (which does not
// overlap itself: a run that is due while the previous one still runs is
// skipped), never another check's.
//
// Jobs do not use gocron's singleton mode: it keeps a goroutine and a
// 1,000-slot queue per job (17 MB of heap for 1,000 checks). claim skips a
// run whose previous one still runs, which is what that mode was for.
package schedule

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/go-co-op/gocron/v2"
	"github.com/google/uuid"
	"github.com/upchain-dev/upchain/prober"
	"github.com/upchain-dev/upchain/prober/config"
)

// Options configure a Scheduler.
type Options struct {
	// Kinds probes the checks; default prober.Builtin().
	Kinds *prober.Registry
	// OnRun receives each finished run of a check, from that check's job
	// goroutine: it should hand the results on and return, not block.
	OnRun func(Run)
	// Prev supplies the values of a check's previous probe when this
	// process has not probed it yet (e.g. from history). The scheduler
	// remembers the values of its own probes.
	Prev func(check, region string) prober.Values
	// Log receives job errors; default slog.Default().
	Log *slog.Logger
	// Now is the clock used for start times; default time.Now.
	Now func() time.Time
}

// Scheduler runs the checks of a config, and of each config applied later.
type Scheduler struct {
	opts Options
	gs   gocron.Scheduler

	// base is the parent of every probe's context. It is not the caller's
	// context: stopping lets running probes finish, and only Stop's
	// deadline aborts them.
	base  context.Context
	abort context.CancelFunc
	// idle receives runs for workers waiting for one (see dispatch).
	idle chan string

	state atomic.Pointer[state]

	mu       sync.Mutex // guards jobs, running, stopping and inflight.Add
	jobs     map[string]jobEntry
	running  map[string]bool
	stopping bool
	inflight sync.WaitGroup

	prevMu sync.Mutex
	prev   map[string]prober.Values
}

// state is one applied config.
type state struct {
	loaded *config.Loaded
	runner *prober.Runner
	checks map[string]*config.Check
	// sem bounds the probes in flight across all jobs, like a round's
	// concurrency setting.
	sem chan struct{}
}

type jobEntry struct {
	id       uuid.UUID
	interval time.Duration
}

// Run is one run of a check: its results in every region (sorted, the
// public name first) and how long probing them took, retries included.
type Run struct {
	Check   string
	Started time.Time
	Elapsed time.Duration
	Results []prober.Result
}

// New returns a scheduler for l's checks; call Start to begin.
func New(l *config.Loaded, opts Options) (*Scheduler, error) {
	if opts.Log == nil {
		opts.Log = slog.Default()
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	gs, err := gocron.NewScheduler(gocron.WithLocation(time.UTC), gocron.WithStopTimeout(5*time.Second))
	if err != nil {
		return nil, fmt.Errorf("scheduler: %w", err)
	}
	s := &Scheduler{opts: opts, gs: gs, idle: make(chan string), jobs: map[string]jobEntry{}, running: map[string]bool{}, prev: map[string]prober.Values{}}
	s.base, s.abort = context.WithCancel(context.Background())
	if err := s.Apply(l); err != nil {
		s.abort()
		_ = gs.Shutdown()
		return nil, err
	}
	return s, nil
}

// Start begins running jobs.
func (s *Scheduler) Start() { s.gs.Start() }

// workerIdle is how long a worker waits for the next run before it exits.
const workerIdle = time.Minute

// dispatch hands a due run to an idle worker, or starts one. Workers stay
// while there is work: a probe grows its goroutine's stack through the
// HTTP, TLS and websocket code, and a fresh goroutine per run paid for
// that growth every time (a tenth of the daemon's CPU).
func (s *Scheduler) dispatch(slug string) {
	select {
	case s.idle <- slug:
	default:
		go s.worker(slug)
	}
}

func (s *Scheduler) worker(slug string) {
	t := time.NewTimer(workerIdle)
	defer t.Stop()
	for {
		s.run(slug)
		t.Reset(workerIdle)
		select {
		case slug = <-s.idle:
		case <-t.C:
			return
		case <-s.base.Done():
			return
		}
	}
}

// Interval is the interval a check runs at.
func Interval(c *config.Check) time.Duration {
	if iv := c.Interval.D(); iv > 0 {
		return iv
	}
	return config.DefaultInterval
}

// phaseSlot is the step of checks' phases. A probe alone costs several
// times its share of a batch: the runtime wakes threads, timers and the
// network poller for it and puts them back to sleep. 1,000 checks at 30 s
// spread over 30 slots instead of 30,000 milliseconds cost a third of the
// CPU (BenchmarkServeStartup1000Checks), and a slot's probes are still few.
const phaseSlot = time.Second

// Offset is a check's fixed phase within its interval: a hash of the slug,
// so that checks spread evenly and each keeps its phase across restarts;
// whole phaseSlots when the interval holds at least two of them.
func Offset(slug string, interval time.Duration) time.Duration {
	if interval <= 0 {
		return 0
	}
	h := fnv.New64a()
	h.Write([]byte(slug))
	if slots := interval / phaseSlot; slots >= 2 {
		return time.Duration(h.Sum64()%uint64(slots)) * phaseSlot
	}
	return time.Duration(h.Sum64() % uint64(interval))
}

// minLead keeps a first run from being scheduled in the past by the time
// gocron reads its clock.
const minLead = 50 * time.Millisecond

// NextRun is the first time after now at which a check runs: the next
// instant whose distance from the unix epoch is the check's offset modulo
// its interval.
func NextRun(slug string, interval time.Duration, now time.Time) time.Time {
	off := Offset(slug, interval)
	phase := time.Duration((now.UnixNano() - int64(off)) % int64(interval))
	if phase < 0 {
		phase += interval
	}
	next := now.Add(interval - phase)
	if next.Sub(now) < minLead {
		next = next.Add(interval)
	}
	return next
}

// Apply switches to config l: jobs of removed checks are removed, new
// checks get jobs, checks whose interval changed are rescheduled, and every
// run from now on probes the check as l defines it. A run in progress
// finishes with the config it started with.
func (s *Scheduler) Apply(l *config.Loaded) error {
	st := &state{loaded: l, checks: map[string]*config.Check{}}
	st.runner = &prober.Runner{Config: l, Kinds: s.opts.Kinds, Prev: s.prevValues}
	limit := l.Defaults.Concurrency
	if limit <= 0 {
		limit = config.DefaultConcurrency
	}
	st.sem = make(chan struct{}, limit)
	for _, c := range l.Checks {
		st.checks[c.Slug] = c
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	if s.stopping {
		return errors.New("scheduler: stopped")
	}
	s.state.Store(st)
	var errs []error
	for slug, e := range s.jobs {
		c, keep := st.checks[slug]
		if keep && Interval(c) == e.interval {
			continue
		}
		if err := s.gs.RemoveJob(e.id); err != nil && !errors.Is(err, gocron.ErrJobNotFound) {
			errs = append(errs, fmt.Errorf("remove job of %s: %w", slug, err))
		}
		delete(s.jobs, slug)
	}
	now := s.opts.Now()
	for _, c := range l.Checks {
		if _, ok := s.jobs[c.Slug]; ok {
			continue
		}
		iv := Interval(c)
		slug := c.Slug
		j, err := s.gs.NewJob(
			gocron.DurationJob(iv),
			gocron.NewTask(func() { s.dispatch(slug) }),
			gocron.WithName(slug),
			gocron.WithStartAt(gocron.WithStartDateTime(NextRun(slug, iv, now))),
		)
		if err != nil {
			errs = append(errs, fmt.Errorf("schedule %s: %w", slug, err))
			continue
		}
		s.jobs[slug] = jobEntry{id: j.ID(), interval: iv}
	}
	s.pruneValues(st)
	return errors.Join(errs...)
}

// Jobs reports the scheduled checks and their next run, for logs and tests.
func (s *Scheduler) Jobs() map[string]time.Time {
	out := map[string]time.Time{}
	for _, j := range s.gs.Jobs() {
		next, err := j.NextRun()
		if err == nil {
			out[j.Name()] = next
		}
	}
	return out
}

// claim marks slug as running unless it already is (a run started under a
// previous config) or the scheduler is stopping.
func (s *Scheduler) claim(slug string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.stopping || s.running[slug] {
		return false
	}
	s.running[slug] = true
	s.inflight.Add(1)
	return true
}

func (s *Scheduler) release(slug string) {
	s.mu.Lock()
	delete(s.running, slug)
	s.mu.Unlock()
	s.inflight.Done()
}

// run probes one check in all its regions and hands the results on.
func (s *Scheduler) run(slug string) {
	if !s.claim(slug) {
		return
	}
	defer s.release(slug)
	st := s.state.Load()
	c := st.checks[slug]
	if c == nil {
		return // removed by a reload after the run was triggered
	}
	started := time.Now()
	results := s.probe(st, c)
	elapsed := time.Since(started)
	if s.base.Err() != nil {
		// Aborted by Stop's deadline: "canceled" is not an observation of
		// the endpoint, so nothing is recorded.
		return
	}
	s.remember(results)
	if s.opts.OnRun != nil {
		s.opts.OnRun(Run{Check: slug, Started: started, Elapsed: elapsed, Results: results})
	}
}

// probe probes c in every region concurrently within the round timeout.
func (s *Scheduler) probe(st *state, c *config.Check) []prober.Result {
	ctx, cancel := context.WithTimeout(s.base, st.loaded.Defaults.RoundTimeout.D())
	defer cancel()
	regions := c.Targets()
	results := make([]prober.Result, len(regions))
	probe := func(i int) {
		select {
		case st.sem <- struct{}{}:
			defer func() { <-st.sem }()
		case <-ctx.Done():
		}
		results[i] = st.runner.Probe(ctx, c, regions[i])
	}
	if len(regions) == 1 {
		// Most checks have one region: probed on the run's goroutine,
		// which saves a goroutine (and its stack growth) per probe.
		probe(0)
		return results
	}
	var wg sync.WaitGroup
	for i := range regions {
		wg.Add(1)
		go func() { defer wg.Done(); probe(i) }()
	}
	wg.Wait()
	prober.SortResults(results)
	return results
}

func valuesKey(check, region string) string { return check + "\x00" + region }

// remember keeps the values of the latest probe that recorded any, for the
// next probe of the same check and region (Target.Prev).
func (s *Scheduler) remember(results []prober.Result) {
	s.prevMu.Lock()
	defer s.prevMu.Unlock()
	for _, r := range results {
		if len(r.Values) > 0 {
			s.prev[valuesKey(r.Check, r.Region)] = r.Values
		}
	}
}

func (s *Scheduler) prevValues(check, region string) prober.Values {
	s.prevMu.Lock()
	v, ok := s.prev[valuesKey(check, region)]
	s.prevMu.Unlock()
	if ok {
		return v
	}
	if s.opts.Prev != nil {
		return s.opts.Prev(check, region)
	}
	return nil
}

// pruneValues forgets the values of checks that are no longer configured.
func (s *Scheduler) pruneValues(st *state) {
	keep := map[string]bool{}
	for slug, c := range st.checks {
		for _, r := range c.Targets() {
			keep[valuesKey(slug, r.Name)] = true
		}
	}
	s.prevMu.Lock()
	defer s.prevMu.Unlock()
	for k := range s.prev {
		if !keep[k] {
			delete(s.prev, k)
		}
	}
}

// Stop starts no new run, waits for the running ones to finish and hand
// their results on, and shuts the scheduler down. If ctx ends first, the
// running probes are aborted and their results dropped; Stop then returns
// ctx's error once they have returned.
func (s *Scheduler) Stop(ctx context.Context) error {
	s.mu.Lock()
	s.stopping = true
	s.mu.Unlock()
	done := make(chan struct{})
	go func() {
		s.inflight.Wait()
		close(done)
	}()
	var err error
	select {
	case <-done:
	case <-ctx.Done():
		err = fmt.Errorf("probes still running: %w", ctx.Err())
		s.abort()
		<-done
	}
	s.abort()
	if serr := s.gs.Shutdown(); serr != nil && err == nil {
		err = fmt.Errorf("scheduler shutdown: %w", serr)
	}
	return err
}
