package main

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/upchain-dev/upchain/prober"
	"github.com/upchain-dev/upchain/prober/config"
	"github.com/upchain-dev/upchain/prober/history"
	"github.com/upchain-dev/upchain/prober/incident"
)

// recorder writes a round into history; the incident stage runs inside the
// same commit (a history hook), so incidents and samples land together and
// a commit re-applied after a rejected push re-runs it idempotently.
type recorder struct {
	rec       *history.Recorder
	incidents *incident.Manager
	log       io.Writer
	red       func(string) string
}

func openRecorder(ctx context.Context, l *config.Loaded, log io.Writer) (*recorder, error) {
	history.SetRedactor(l.Redactor.String)
	history.ResetSkipped()
	rec, err := history.OpenRecorder(ctx, l, log)
	if err != nil {
		return nil, err
	}
	r := &recorder{rec: rec, log: log, red: l.Redactor.String}
	// One manager per process, outside the hook: a retried commit must not
	// re-send what this process already delivered.
	r.incidents, err = incident.New(l, incident.Options{Log: r.logf})
	if err != nil {
		rec.Close()
		return nil, err
	}
	return r, nil
}

func (r *recorder) logf(format string, args ...any) {
	fmt.Fprintln(r.log, r.red(fmt.Sprintf(format, args...)))
}

func (r *recorder) prev(check, region string) prober.Values { return r.rec.Prev(check, region) }

func (r *recorder) record(ctx context.Context, results []prober.Result) error {
	defer r.rec.Close()
	hook := func(ctx context.Context, tx *history.Tx) error {
		// tx.Results are the results exactly as the recorder stored and
		// folded into tx.State (times in whole seconds); handing the
		// incident stage anything else would count the round twice. The
		// incident id derives from the round's time, the same on every
		// attempt of this commit.
		summary, err := r.incidents.Apply(ctx, tx.Dir, tx.State, tx.Results, roundStart(tx.Results))
		if err != nil {
			// Only local file problems: the samples still land; pending
			// incident work is retried next round.
			r.logf("incidents: %v", err)
		}
		if summary != "" {
			tx.AddMessage(summary)
		}
		return nil
	}
	commit, err := r.rec.Record(ctx, results, hook)
	reportSkipped(r.log, "history")
	if commit != "" {
		fmt.Fprintf(r.log, "history: recorded %d result(s) in %.12s (%s)\n", len(results), commit, r.rec.Dir())
	}
	return err
}

func roundStart(results []prober.Result) time.Time {
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
