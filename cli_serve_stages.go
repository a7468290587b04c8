package main

import (
	"context"
	"fmt"
	"io"
	"path/filepath"
	"sort"
	"sync"

	"github.com/upchain-dev/upchain/prober"
	"github.com/upchain-dev/upchain/prober/config"
	"github.com/upchain-dev/upchain/prober/daemon"
	"github.com/upchain-dev/upchain/prober/history"
	"github.com/upchain-dev/upchain/prober/incident"
	"github.com/upchain-dev/upchain/sitegen"
)

// newServeStages wires the daemon to history (batched commits, with the
// incident stage as a commit hook, as in `upchain probe`) and to the site
// generator. The history recorder is opened once for the process: its
// branch and worktree do not change on reload. The incident manager and
// the site builder follow each loaded config.
func newServeStages(log io.Writer) daemon.StagesFunc {
	sink := &historySink{log: log}
	return func(l *config.Loaded) (daemon.Stages, error) {
		if err := sink.open(l); err != nil {
			return daemon.Stages{}, err
		}
		inc, err := incident.New(l, incident.Options{Log: func(format string, args ...any) {
			fmt.Fprintln(log, l.Redactor.String("incidents: "+fmt.Sprintf(format, args...)))
		}})
		if err != nil {
			return daemon.Stages{}, err
		}
		sink.setIncidents(inc, l.Redactor.String)
		return daemon.Stages{
			History: sink,
			Site:    func(context.Context) error { return buildSite(l) },
			Prev:    sink.rec.Prev,
		}, nil
	}
}

func buildSite(l *config.Loaded) error {
	in, err := loadSiteInput(l)
	if err != nil {
		return err
	}
	dir := l.Site.Output
	if !filepath.IsAbs(dir) {
		dir = filepath.Join(l.Dir, dir)
	}
	return sitegen.Build(in, dir)
}

// historySink batches results in memory (Stage must not block on I/O) and
// hands them to the recorder as one round per flush.
type historySink struct {
	log  io.Writer
	rec  *history.Recorder
	once sync.Once
	err  error

	mu     sync.Mutex
	batch  []prober.Result
	inc    *incident.Manager
	redact func(string) string
}

func (h *historySink) open(l *config.Loaded) error {
	h.once.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), l.Defaults.RoundTimeout.D())
		defer cancel()
		history.SetRedactor(l.Redactor.String) // damaged lines are logged
		h.rec, h.err = history.OpenRecorder(ctx, l, h.log)
	})
	return h.err
}

func (h *historySink) setIncidents(m *incident.Manager, redact func(string) string) {
	h.mu.Lock()
	h.inc, h.redact = m, redact
	h.mu.Unlock()
}

// Stage implements daemon.RoundSink.
func (h *historySink) Stage(results []prober.Result) {
	h.mu.Lock()
	h.batch = append(h.batch, results...)
	h.mu.Unlock()
}

// Flush implements daemon.RoundSink: a failed hand-over keeps the batch;
// once handed over, the recorder's spool keeps it until it is pushed.
func (h *historySink) Flush(ctx context.Context) error {
	h.mu.Lock()
	batch, inc, redact := h.batch, h.inc, h.redact
	h.batch = nil
	h.mu.Unlock()
	if len(batch) > 0 {
		// State folds results in time order.
		sort.SliceStable(batch, func(i, j int) bool { return batch[i].Time.Before(batch[j].Time) })
		hook := func(ctx context.Context, tx *history.Tx) error {
			summary, err := inc.Apply(ctx, tx.Dir, tx.State, tx.Results, roundStart(tx.Results))
			if err != nil {
				fmt.Fprintln(h.log, redact("incidents: "+err.Error()))
			}
			if summary != "" {
				tx.AddMessage(summary)
			}
			return nil
		}
		if err := h.rec.Stage(ctx, batch, hook); err != nil {
			h.mu.Lock()
			h.batch = append(batch, h.batch...)
			h.mu.Unlock()
			return err
		}
	}
	_, err := h.rec.Flush(ctx)
	return err
}
