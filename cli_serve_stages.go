package main

import (
	"context"
	"log/slog"
	"path/filepath"

	"github.com/upchain-dev/upchain/prober/config"
	"github.com/upchain-dev/upchain/prober/daemon"
	"github.com/upchain-dev/upchain/prober/pipeline"
	"github.com/upchain-dev/upchain/sitegen"
	"github.com/upchain-dev/upchain/sitegen/assemble"
)

// newServeStages wires the daemon to the pipeline (round steps, history
// in batches with the incident stage as a commit hook, as in `upchain
// probe`) and to the site generator. The pipeline is opened once for the
// process, since history's branch and worktree do not change on reload,
// and follows each loaded config. tg (nil: none) is the Telegram bot.
func newServeStages(tg *serveTelegram) daemon.StagesFunc {
	var pipe *pipeline.Pipeline
	return func(l *config.Loaded, log *slog.Logger) (daemon.Stages, error) {
		if pipe == nil {
			ctx, cancel := context.WithTimeout(context.Background(), l.Defaults.RoundTimeout.D())
			defer cancel()
			opts := pipeline.Options{Record: true, Log: log}
			if tg != nil {
				opts.Incidents.Subscribers = tg
			}
			p, err := pipeline.Open(ctx, l, opts)
			if err != nil {
				return daemon.Stages{}, err
			}
			pipe = p
		} else if err := pipe.Reload(l); err != nil {
			return daemon.Stages{}, err
		}
		var stage daemon.Pipeline = pipe
		if tg != nil {
			tg.follow(l)
			stage = statusPipeline{pipe, tg}
		}
		return daemon.Stages{
			Pipeline: stage,
			Site:     func(context.Context) error { return buildSite(l) },
		}, nil
	}
}

func buildSite(l *config.Loaded) error {
	in, err := assemble.Input(l, assemble.Options{})
	if err != nil {
		return err
	}
	dir := l.Site.Output
	if !filepath.IsAbs(dir) {
		dir = filepath.Join(l.Dir, dir)
	}
	return sitegen.Build(in, dir)
}
