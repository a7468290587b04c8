package daemon

import (
	"context"

	"github.com/upchain-dev/upchain/prober"
	"github.com/upchain-dev/upchain/prober/config"
)

// RoundSink records results in history in batches.
type RoundSink interface {
	// Stage adds the results of one run of a check to the next batch. It
	// is called from the check's job for every run: it must not block on
	// I/O.
	Stage(results []prober.Result)
	// Flush commits the staged results (one commit), every
	// serve.commit_every and once more at shutdown. A failed flush must
	// keep its batch for the next one.
	Flush(ctx context.Context) error
}

// ResultSink reacts to results: incidents and notifications. Observe is
// called on one goroutine, for each run in the order the runs finished,
// never concurrently with itself, so it may take its time (API calls)
// without delaying any probe.
type ResultSink interface {
	Observe(ctx context.Context, results []prober.Result) error
}

// SiteBuilder rebuilds the static site into the config's site.output
// directory, which the daemon serves.
type SiteBuilder func(ctx context.Context) error

// Stages are the pluggable stages of one config. A nil field is a stage
// that is not configured.
type Stages struct {
	History   RoundSink
	Incidents ResultSink
	Site      SiteBuilder
	// Prev returns the values last recorded for a check and region
	// before this process probed it (e.g. from history's current state),
	// given to the kind as Target.Prev.
	Prev func(check, region string) prober.Values
}

// StagesFunc builds the stages for a config, at start and on each reload.
// It may return the same RoundSink as before: the daemon flushes the
// previous history sink after switching, so nothing staged is lost.
type StagesFunc func(l *config.Loaded) (Stages, error)
