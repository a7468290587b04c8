package daemon

import (
	"context"
	"log/slog"

	"github.com/upchain-dev/upchain/prober"
	"github.com/upchain-dev/upchain/prober/config"
)

// Pipeline is what every finished run goes through: the round steps, then
// history in batches (pipeline.Pipeline, the same as in `upchain probe`).
type Pipeline interface {
	// Finish runs the round steps (lag) on one run's results, in place,
	// before metrics, history or incidents see them.
	Finish(results []prober.Result)
	// Stage adds the results of one run of a check to the next batch. It
	// is called from the check's job for every run: it must not block on
	// I/O.
	Stage(results []prober.Result)
	// Flush commits the staged results (one commit), every
	// serve.commit_every and once more at shutdown. A failed flush must
	// keep its batch for the next one.
	Flush(ctx context.Context) error
	// Prev returns the values last recorded for a check and region
	// before this process probed it (e.g. from history's current state),
	// given to the kind as Target.Prev; nil means none.
	Prev(check, region string) prober.Values
}

// ResultSink reacts to results. Observe is called on one goroutine, for
// each run in the order the runs finished, never concurrently with
// itself, so it may take its time (API calls) without delaying any probe.
type ResultSink interface {
	Observe(ctx context.Context, results []prober.Result) error
}

// SiteBuilder rebuilds the static site into the config's site.output
// directory, which the daemon serves.
type SiteBuilder func(ctx context.Context) error

// Stages are the pluggable stages of one config. A nil Pipeline runs the
// round steps only and records nothing; another nil field is a stage that
// is not configured.
type Stages struct {
	Pipeline  Pipeline
	Incidents ResultSink
	Site      SiteBuilder
}

// StagesFunc builds the stages for a config, at start and on each reload.
// It may return the same Pipeline as before: the daemon flushes the
// previous pipeline after switching, so nothing staged is lost.
// log is the daemon's (redacted) logger.
type StagesFunc func(l *config.Loaded, log *slog.Logger) (Stages, error)
