package main

import (
	"context"
	"fmt"
	"io"

	"github.com/upchain-dev/upchain/prober"
	"github.com/upchain-dev/upchain/prober/config"
	"github.com/upchain-dev/upchain/prober/history"
)

// recorder writes a round into history (and later stages react to it
// through history hooks).
type recorder struct {
	rec *history.Recorder
	log io.Writer
}

func openRecorder(ctx context.Context, l *config.Loaded, log io.Writer) (*recorder, error) {
	rec, err := history.OpenRecorder(ctx, l, log)
	if err != nil {
		return nil, err
	}
	return &recorder{rec: rec, log: log}, nil
}

func (r *recorder) prev(check, region string) prober.Values { return r.rec.Prev(check, region) }

func (r *recorder) record(ctx context.Context, results []prober.Result) error {
	defer r.rec.Close()
	commit, err := r.rec.Record(ctx, results)
	if commit != "" {
		fmt.Fprintf(r.log, "history: recorded %d result(s) in %.12s (%s)\n", len(results), commit, r.rec.Dir())
	}
	return err
}
