// Package demo is `upchain demo`: a simulated network on 127.0.0.1 (a
// website, a geo-routed API, an EVM node, a CometBFT network with
// validators, ...) and a scripted story on a simulated clock, probed
// round by round over real sockets from three runner locations (quorum 2)
// and recorded into real git history, with incidents, notifications and
// the site built from it. It needs no internet, no secrets and no GitHub.
package demo

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/upchain-dev/upchain/prober"
	"github.com/upchain-dev/upchain/prober/config"
	"github.com/upchain-dev/upchain/prober/incident"
	"github.com/upchain-dev/upchain/prober/pipeline"
	"github.com/upchain-dev/upchain/sitegen"
	"github.com/upchain-dev/upchain/sitegen/assemble"
)

// DefaultInterval is the simulated time between two rounds: a week is
// 112 rounds, each probed and recorded by each of the three locations
// (336 recorded rounds, as many as one location every 30 minutes).
const DefaultInterval = 90 * time.Minute

// Options configure a demo run.
type Options struct {
	// Dir holds the demo's config, history and site; it must not hold an
	// upchain.yml yet. Required.
	Dir string
	// Days of history the story makes (default 7); Interval is the
	// simulated time between rounds (default DefaultInterval).
	Days     int
	Interval time.Duration
	// PortBase is the first port of the simulated endpoints (default
	// DefaultPortBase); -1 lets the system pick free ports.
	PortBase int
	// Say receives what a person watching should read: notifications as
	// they fire, the steps. Default: nothing.
	Say func(string)
	// Progress, if set, is called after each round.
	Progress func(done, total int)
	// Log receives the pipeline's log; default discards.
	Log *slog.Logger
}

// Result is what a demo run made.
type Result struct {
	Dir     string // the config directory
	Site    string // the built site
	History string // the history checkout (a git repository)
	Rounds  int
	// Incidents are the titles of the incidents the story opened.
	Incidents []string
	// Notifications counts what the webhook sink received.
	Notifications int
	// Network is running until Close.
	network *network
	// The story and its first round's time, for tests.
	story *story
	start time.Time
}

// demoLocations are the demo's runners: a daemon in Europe and two
// scheduled GitHub Actions runners. Each probes every round through its
// own pipeline and records its own round, with its location, into the
// one history checkout.
var demoLocations = []string{"eu-daemon", "us-actions", "ap-actions"}

// locationRunner is one location: its config (with its location), its
// pipeline and its runner, whose connections go through the location's
// own network (see reach).
type locationRunner struct {
	name   string
	cfg    *config.Loaded
	pipe   *pipeline.Pipeline
	runner *prober.Runner
}

func openLocations(ctx context.Context, opts Options, net *network, clk *clock) ([]*locationRunner, error) {
	var out []*locationRunner
	for _, loc := range demoLocations {
		l, err := prober.Load(filepath.Join(opts.Dir, "upchain.yml"), config.Options{Lookup: demoEnv})
		if err != nil {
			return nil, fmt.Errorf("the demo's own config does not load: %w", err)
		}
		l.History.Location = loc
		pipe, err := pipeline.Open(ctx, l, pipeline.Options{
			Record: true, Log: opts.Log,
			// No GitHub, whatever the environment holds.
			Incidents: incident.Options{Env: noEnv},
		})
		if err != nil {
			for _, r := range out {
				r.pipe.Close()
			}
			return nil, err
		}
		out = append(out, &locationRunner{name: loc, cfg: l, pipe: pipe,
			runner: &prober.Runner{Config: l, Now: clk.Now, Prev: pipe.Prev, Backoff: time.Millisecond, Dial: net.dialer(loc)}})
	}
	return out, nil
}

// playRound probes round from every location that records in it, all at
// once, then records each location's round in turn, as runners taking
// turns at the branch do. Each is committed before the next: a location
// sees the others' rounds (quorum, stale locations) in the checkout.
func playRound(ctx context.Context, runners []*locationRunner, st *story, round int) error {
	results := make([][]prober.Result, len(runners))
	var wg sync.WaitGroup
	for i, r := range runners {
		if !st.records(r.name, round) {
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[i] = r.runner.Round(ctx, nil)
		}()
	}
	wg.Wait()
	for i, r := range runners {
		if results[i] == nil {
			continue
		}
		r.pipe.Finish(results[i])
		r.pipe.Stage(results[i])
		if err := r.pipe.Flush(ctx); err != nil {
			return fmt.Errorf("recording round %d from %s: %w", round+1, r.name, err)
		}
	}
	return nil
}

// Close stops the simulated network.
func (r *Result) Close() {
	if r.network != nil {
		r.network.close()
	}
}

// Run starts the simulated network, writes the demo's config into
// opts.Dir, plays the story and builds the site. The network keeps
// running until Result.Close, so the written config can be probed.
func Run(ctx context.Context, opts Options) (*Result, error) {
	if opts.Dir == "" {
		return nil, errors.New("demo: no directory")
	}
	if opts.Days <= 0 {
		opts.Days = 7
	}
	if opts.Interval <= 0 {
		opts.Interval = DefaultInterval
	}
	if opts.PortBase == 0 {
		opts.PortBase = DefaultPortBase
	}
	say := opts.Say
	if say == nil {
		say = func(string) {}
	}
	rounds := int(time.Duration(opts.Days) * 24 * time.Hour / opts.Interval)
	end := time.Now().UTC().Truncate(opts.Interval)
	clk := newClock(end.Add(-time.Duration(rounds) * opts.Interval))
	st := newStory(rounds, opts.Interval)

	net, err := startNetwork(clk, max(opts.PortBase, 0), say)
	if err != nil {
		return nil, err
	}
	res := &Result{Dir: opts.Dir, Rounds: rounds, network: net, story: st, start: clk.start}
	fail := func(err error) (*Result, error) {
		net.close()
		return nil, err
	}
	if err := writeFiles(opts.Dir, configFiles(net, st), false); err != nil {
		return fail(err)
	}
	runners, err := openLocations(ctx, opts, net, clk)
	if err != nil {
		return fail(err)
	}
	defer func() {
		for _, r := range runners {
			r.pipe.Close()
		}
	}()
	l, pipe := runners[0].cfg, runners[0].pipe
	res.History = pipe.Dir()

	say(fmt.Sprintf("simulating %d days: %d rounds from %d locations, one every %s of simulated time", opts.Days, rounds, len(runners), opts.Interval))
	for i := 0; i < rounds; i++ {
		if err := ctx.Err(); err != nil {
			return fail(err)
		}
		now := clk.start.Add(time.Duration(i) * opts.Interval)
		clk.set(now)
		st.apply(net, i, now)
		if err := playRound(ctx, runners, st, i); err != nil {
			return fail(err)
		}
		if opts.Progress != nil {
			opts.Progress(i+1, rounds)
		}
	}

	incs, err := incident.LoadAll(pipe.Dir())
	if err != nil {
		return fail(err)
	}
	for _, inc := range incs {
		res.Incidents = append(res.Incidents, inc.Title)
	}
	res.Notifications = len(net.sink.all())

	in, err := assemble.Input(l, assemble.Options{})
	if err != nil {
		return fail(err)
	}
	in.Site.Notice = "This is a demo: every endpoint is simulated on this machine, and its history was made in seconds on a simulated clock by `upchain demo`."
	res.Site = filepath.Join(opts.Dir, l.Site.Output)
	if err := sitegen.Build(in, res.Site); err != nil {
		return fail(err)
	}
	return res, nil
}

// WriteConfig writes the demo's upchain.yml and checks/ into dir without
// running anything: the addresses are those a demo listens on with
// portBase (DefaultPortBase when 0).
func WriteConfig(dir string, portBase int, force bool) error {
	if portBase <= 0 {
		portBase = DefaultPortBase
	}
	n := &network{clock: newClock(time.Now().UTC().Truncate(DefaultInterval).Add(-7 * 24 * time.Hour))}
	for off := 0; off < offCount; off++ {
		n.addrs[off] = fmt.Sprintf("127.0.0.1:%d", portBase+off)
	}
	return writeFiles(dir, configFiles(n, newStory(int(7*24*time.Hour/DefaultInterval), DefaultInterval)), force)
}

// lotusToken is the simulated Lotus node's API token: a secret, like a
// real one, so it is redacted wherever it could appear.
const lotusToken = "demo-lotus-read-token"

func noEnv(string) (string, bool) { return "", false }

// demoEnv is the demo's whole environment: the webhook's signing secret
// (redacted everywhere, like any secret) and nothing else.
func demoEnv(name string) (string, bool) {
	switch name {
	case "UPCHAIN_DEMO_WEBHOOK_SECRET":
		return "demo-only-signing-secret", true
	case "LOTUS_TOKEN":
		return lotusToken, true
	}
	return "", false
}

// Exists reports whether dir already holds a config.
func Exists(dir string) bool {
	_, err := os.Stat(filepath.Join(dir, "upchain.yml"))
	return err == nil
}
