// Package pipeline is what happens to finished results, the same way in
// `upchain probe` and `upchain serve`: the round steps (lag), then
// history, with the incident stage as a commit hook, and logging.
//
// `probe` hands over a whole round and flushes once; `serve` hands over
// each check's run as it finishes and flushes on a timer. Both go through
// Finish, Stage and Flush, so a step added here runs in both.
package pipeline

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"sort"
	"sync"
	"time"

	"github.com/upchain-dev/upchain/prober"
	"github.com/upchain-dev/upchain/prober/config"
	"github.com/upchain-dev/upchain/prober/history"
	"github.com/upchain-dev/upchain/prober/incident"
	"github.com/upchain-dev/upchain/prober/logging"
)

// Options configure a Pipeline.
type Options struct {
	// Record writes results into history (with incidents). Off, the
	// pipeline only runs the round steps (`probe --once`).
	Record bool
	// Kinds are the kinds the config was loaded with; default
	// prober.Builtin(). Their value declarations say which values name a
	// chain (for lag).
	Kinds *prober.Registry
	// Log receives the pipeline's log (redact it: see Logger); default
	// discards.
	Log *slog.Logger
	// Incidents tune the incident manager (tests give it a fake GitHub).
	Incidents incident.Options
	// HTTP pings the heartbeat; default an http.Client bounded by the
	// heartbeat timeout.
	HTTP *http.Client
}

// Pipeline runs the steps after probing. It is safe for concurrent use.
type Pipeline struct {
	opts Options
	log  *slog.Logger
	lag  *prober.Lag
	rec  *history.Recorder

	mu    sync.Mutex
	cfg   *config.Loaded
	inc   *incident.Manager
	batch []prober.Result
	// spooled counts results handed to history but not yet committed.
	spooled int
}

// Open builds the pipeline for a loaded config, opening history when
// results are to be recorded.
func Open(ctx context.Context, l *config.Loaded, opts Options) (*Pipeline, error) {
	if opts.Kinds == nil {
		opts.Kinds = prober.Builtin()
	}
	if opts.Log == nil {
		opts.Log = slog.New(slog.DiscardHandler)
	}
	p := &Pipeline{opts: opts, log: opts.Log, cfg: l, lag: prober.NewLag(l.Checks, opts.Kinds.Values().ChainValues())}
	if !opts.Record {
		return p, nil
	}
	// Damaged history lines are logged: redact them with this config.
	history.SetRedactor(l.Redactor.String)
	history.ResetSkipped()
	rec, err := history.OpenRecorder(ctx, l, logging.LineWriter{Log: opts.Log})
	if err != nil {
		return nil, err
	}
	p.rec = rec
	if err := p.Reload(l); err != nil {
		return nil, err
	}
	return p, nil
}

// Reload switches to a new config. History keeps its branch and checkout
// (they do not change on reload); incidents and lag follow the config.
func (p *Pipeline) Reload(l *config.Loaded) error {
	var inc *incident.Manager
	if p.rec != nil {
		io := p.opts.Incidents
		if io.Log == nil {
			io.Log = func(format string, args ...any) {
				p.log.Warn("incidents: " + l.Redactor.String(fmt.Sprintf(format, args...)))
			}
		}
		var err error
		// One manager per config, outside the hook: a retried commit must
		// not re-send what this process already delivered.
		if inc, err = incident.New(l, io); err != nil {
			return err
		}
	}
	p.lag.Retain(l.Checks)
	// The heartbeat URL is its own secret (it usually holds a token).
	l.Redactor.Add(l.Heartbeat, "${heartbeat}")
	p.mu.Lock()
	p.cfg, p.inc = l, inc
	p.mu.Unlock()
	return nil
}

// Prev returns the values last recorded for a check and region (nil when
// nothing is recorded), for the kinds that work incrementally.
func (p *Pipeline) Prev(check, region string) prober.Values {
	if p.rec == nil {
		return nil
	}
	return p.rec.Prev(check, region)
}

// Finish runs the round steps on results, in place: lag compares each
// chain check with the newest heights of its references.
func (p *Pipeline) Finish(results []prober.Result) {
	p.lag.Apply(results)
}

// Stage queues finished results for the next Flush. It does no I/O, so
// the daemon may call it from a probe's goroutine.
func (p *Pipeline) Stage(results []prober.Result) {
	if p.rec == nil {
		return
	}
	p.mu.Lock()
	p.batch = append(p.batch, results...)
	p.mu.Unlock()
}

// Flush records the queued results as one round (incidents run inside the
// same commit) and commits everything staged. A batch that could not be
// handed to history is kept for the next Flush; once handed over, the
// recorder's spool keeps it until it is pushed.
func (p *Pipeline) Flush(ctx context.Context) error {
	_, err := p.Commit(ctx)
	return err
}

// Commit is Flush that also returns the commit ("" when nothing was
// committed).
func (p *Pipeline) Commit(ctx context.Context) (commit string, err error) {
	if p.rec == nil {
		return "", nil
	}
	if err := p.Spool(ctx); err != nil {
		return "", err
	}
	p.mu.Lock()
	n := p.spooled
	p.mu.Unlock()
	commit, err = p.rec.Flush(ctx)
	if n := history.Skipped(); n > 0 {
		p.log.Warn("history: skipped damaged records; `upchain history check` lists them", "records", n)
	}
	if commit != "" {
		p.mu.Lock()
		p.spooled -= n
		p.mu.Unlock()
		p.log.Info("history: recorded", "results", n, "commit", short(commit), "dir", p.rec.Dir())
	}
	if commit != "" && err == nil {
		p.ping(ctx)
	}
	return commit, err
}

// ping fetches the configured heartbeat after a recorded round. A failed
// ping is logged and never fails the round.
func (p *Pipeline) ping(ctx context.Context) {
	p.mu.Lock()
	l := p.cfg
	p.mu.Unlock()
	if l == nil || l.Heartbeat == "" {
		return
	}
	client := p.opts.HTTP
	if client == nil {
		client = &http.Client{Timeout: heartbeatTimeout}
	}
	if err := heartbeat(ctx, client, l.Heartbeat, l.Redactor.Error); err != nil {
		p.log.Warn(err.Error())
	}
}

// Spool hands the queued results to history as one round (the incident
// stage runs on it) without committing: a crash after it loses nothing,
// and the next Flush commits it with whatever else is spooled. `upchain
// demo` spools every simulated round and commits every few.
func (p *Pipeline) Spool(ctx context.Context) error {
	if p.rec == nil {
		return nil
	}
	p.mu.Lock()
	batch, inc := p.batch, p.inc
	p.batch = nil
	p.mu.Unlock()
	if len(batch) == 0 {
		return nil
	}
	// State folds results in time order.
	sort.SliceStable(batch, func(i, j int) bool { return batch[i].Time.Before(batch[j].Time) })
	if err := p.rec.Stage(ctx, batch, p.incidentHook(inc)); err != nil {
		p.mu.Lock()
		p.batch = append(batch, p.batch...)
		p.mu.Unlock()
		return err
	}
	p.mu.Lock()
	p.spooled += len(batch)
	p.mu.Unlock()
	return nil
}

// incidentHook runs the incident stage inside a history commit.
// tx.Results are the results exactly as the recorder stored and folded
// into tx.State (times in whole seconds): handing the incident stage
// anything else would count the round twice. The incident id derives
// from the round's time, the same on every attempt of this commit.
func (p *Pipeline) incidentHook(inc *incident.Manager) history.Hook {
	return func(ctx context.Context, tx *history.Tx) error {
		if inc == nil {
			return nil
		}
		summary, err := inc.Apply(ctx, tx.Dir, tx.State, tx.Results, RoundStart(tx.Results))
		if err != nil {
			// Only local file problems: the samples still land; pending
			// incident work is retried next round.
			p.log.Error("incidents: " + err.Error())
		}
		if summary != "" {
			tx.AddMessage(summary)
		}
		return nil
	}
}

// Locations returns the time of every location's newest recorded sample
// (nil when nothing is recorded): `serve` exports it.
func (p *Pipeline) Locations() map[string]time.Time {
	if p.rec == nil {
		return nil
	}
	return p.rec.State().Locations
}

// Dir is the history checkout ("" when nothing is recorded).
func (p *Pipeline) Dir() string {
	if p.rec == nil {
		return ""
	}
	return p.rec.Dir()
}

// Close releases history. Results added but not flushed are lost, so
// flush first; staged rounds stay spooled for the next run.
func (p *Pipeline) Close() error {
	if p.rec == nil {
		return nil
	}
	p.mu.Lock()
	left := len(p.batch)
	p.mu.Unlock()
	err := p.rec.Close()
	if left > 0 {
		err = errors.Join(err, errors.New("pipeline closed with unflushed results"))
	}
	return err
}

// RoundStart is the earliest time among results (now when there are none).
func RoundStart(results []prober.Result) time.Time {
	var t time.Time
	for _, res := range results {
		if t.IsZero() || res.Time.Before(t) {
			t = res.Time
		}
	}
	if t.IsZero() {
		t = time.Now()
	}
	return t.UTC()
}

func short(c string) string {
	if len(c) > 12 {
		return c[:12]
	}
	return c
}
