package main

import (
	"context"
	"log/slog"
	"path/filepath"
	"runtime/debug"
	"sync"

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
	site := &siteStage{}
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
			Site:     func(context.Context) error { return site.build(l, log) },
		}, nil
	}
}

// siteStage rebuilds the site incrementally: nothing at all while nothing
// it reads changed (assemble.Cache), else only the checks and files that
// changed (sitegen.Builder). It lives as long as the process: config
// reloads keep it, a new output directory starts a new builder.
type siteStage struct {
	mu      sync.Mutex
	cache   assemble.Cache
	builder *sitegen.Builder
	dir     string
	last    sitegen.BuildStats
}

func (s *siteStage) build(l *config.Loaded, log *slog.Logger) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	defer lowerGC(siteBuildGCPercent)()
	dir := l.Site.Output
	if !filepath.IsAbs(dir) {
		dir = filepath.Join(l.Dir, dir)
	}
	if s.builder == nil || s.dir != dir {
		if s.builder != nil {
			s.builder.Close()
		}
		s.builder, s.dir = sitegen.NewBuilder(dir), dir
	}
	if !s.builder.Built() {
		s.cache.Forget()
	}
	in, changed, err := s.cache.Input(l, assemble.Options{})
	if err != nil {
		return err
	}
	if !changed {
		s.last = sitegen.BuildStats{Files: s.last.Files, Checks: s.last.Checks, Unchanged: true}
		if log != nil {
			log.Debug("site unchanged: no new history")
		}
		return nil
	}
	st, err := s.builder.Build(in)
	if err != nil {
		s.cache.Forget()
		return err
	}
	s.last = st
	if log == nil {
		return nil
	}
	log.Debug("site rebuilt", "files", st.Files, "written", st.Written, "linked", st.Linked, "removed", st.Removed,
		"checks_rendered", st.Rendered, "checks", st.Checks, "unchanged", st.Unchanged)
	return nil
}

// siteBuildGCPercent is the garbage collector's target while serve builds
// the site: the build's garbage is most of the daemon's peak memory. Below
// Go's 100 % it keeps the first site build of 1,000 checks a few MB
// lower for CPU within the runs' spread, now that the home page is
// streamed to its file and a rebuild allocates a third less (the
// README's Performance section has the dated figures).
const siteBuildGCPercent = 75

// lowerGC sets the collector's target percentage to pct unless it is
// already lower or off (GOGC), and returns what restores it.
func lowerGC(pct int) (restore func()) {
	prev := debug.SetGCPercent(pct)
	if prev < pct { // lower already, or off (-1)
		debug.SetGCPercent(prev)
		return func() {}
	}
	return func() { debug.SetGCPercent(prev) }
}
