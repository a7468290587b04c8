package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"sync"
	"text/tabwriter"
	"time"

	"github.com/upchain-dev/upchain/prober"
	"github.com/upchain-dev/upchain/prober/config"
	"github.com/upchain-dev/upchain/prober/logging"
	"github.com/upchain-dev/upchain/prober/pipeline"
)

var probeCommand = command{name: "probe", summary: "run one round of probes (and record it in history unless --once)", run: runProbe}

// probeOutput is the stable JSON shape of `upchain probe --json`.
type probeOutput struct {
	Version  int                  `json:"version"`
	Started  time.Time            `json:"started"`
	Duration float64              `json:"duration_s"`
	Summary  map[string]int       `json:"summary"`
	Checks   []prober.CheckResult `json:"checks"`
}

func runProbe(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("probe", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfgPath := fs.String("config", "upchain.yml", "path to upchain.yml")
	once := fs.Bool("once", false, "probe and print only: record nothing in history")
	asJSON := fs.Bool("json", false, "print results as JSON")
	only := fs.String("check", "", "probe only these checks (comma-separated slugs)")
	location := fs.String("location", "", "name of this runner's location on every sample (default $"+locationEnv+", else history.location, else \"default\")")
	shardFlag := fs.String("shard", "", "probe only shard K/N of the checks, chosen by slug (e.g. 2/3), for a matrix of runners")
	if err := fs.Parse(args); err != nil {
		return exitUsage
	}
	sh, err := parseShard(*shardFlag)
	if err != nil {
		fmt.Fprintln(stderr, "upchain:", err)
		return exitUsage
	}
	l, err := prober.Load(*cfgPath, config.Options{MissingSecretsFailChecks: true})
	if err != nil {
		printConfigErrors(stderr, err)
		return exitFailed
	}
	if err := applyLocation(l, *location); err != nil {
		fmt.Fprintln(stderr, "upchain:", err)
		return exitUsage
	}
	checks, err := selectChecks(l.Checks, *only)
	if err != nil {
		fmt.Fprintln(stderr, "upchain:", err)
		return exitUsage
	}
	checks = sh.filter(checks)
	if err := prober.EnsureOpenFiles(l, checks); err != nil {
		fmt.Fprintln(stderr, "upchain:", err)
		return exitFailed
	}
	for _, w := range lagWithoutReference(checks) {
		fmt.Fprintln(stderr, "upchain: note:", w)
	}
	log, _ := logging.NewCommand(stderr, l.Redactor)
	// Packages that log on their own (history's damage warnings) use the
	// same redacted handler.
	slog.SetDefault(log)
	pipe, err := pipeline.Open(ctx, l, pipeline.Options{Record: !*once, Log: log})
	if err != nil {
		fmt.Fprintln(stderr, "upchain:", l.Redactor.Error(err))
		return exitFailed
	}
	defer pipe.Close()
	runner := &prober.Runner{Config: l, Prev: pipe.Prev}
	var progress *progressLine
	if isTerminal(os.Stderr) && !*asJSON {
		progress = startProgress(stderr, probeCount(checks))
		runner.Progress = progress.update
	}
	started := time.Now()
	results := runner.Round(ctx, checks)
	pipe.Finish(results)
	elapsed := time.Since(started)
	if progress != nil {
		progress.stop()
	}
	if *asJSON {
		writeJSON(stdout, started, elapsed, results)
	} else {
		writeTable(stdout, results)
		fmt.Fprintf(stdout, "\n%s in %s\n", summaryLine(results), elapsed.Round(time.Millisecond))
	}
	if !*once {
		pipe.Stage(results)
		if err := pipe.Flush(ctx); err != nil {
			fmt.Fprintln(stderr, "upchain:", l.Redactor.Error(err))
			return exitFailed
		}
	}
	return exitOK
}

func selectChecks(all []*config.Check, only string) ([]*config.Check, error) {
	if only == "" {
		return all, nil
	}
	want := map[string]bool{}
	for _, s := range strings.Split(only, ",") {
		want[strings.TrimSpace(s)] = true
	}
	var out []*config.Check
	for _, c := range all {
		if want[c.Slug] {
			out = append(out, c)
			delete(want, c.Slug)
		}
	}
	for s := range want {
		return nil, fmt.Errorf("no check with slug %q (see upchain validate)", s)
	}
	return out, nil
}

// lagWithoutReference names the selected checks whose lag reference is not
// probed in this round, so their lag cannot be judged.
func lagWithoutReference(checks []*config.Check) []string {
	slugs, groups := map[string]bool{}, map[string]int{}
	for _, c := range checks {
		slugs[c.Slug] = true
		groups[c.Group]++
	}
	var out []string
	for _, c := range checks {
		switch lg := c.Lag; {
		case lg == nil:
		case lg.Reference != "" && !slugs[lg.Reference]:
			out = append(out, fmt.Sprintf("%s: lag reference %q is not probed in this round (add it to --check); lag is not judged", c.Slug, lg.Reference))
		case lg.Group != "" && groups[lg.Group] < 2 && (c.Group == lg.Group || groups[lg.Group] == 0):
			out = append(out, fmt.Sprintf("%s: no other check of group %q is probed in this round (see --check); lag is not judged", c.Slug, lg.Group))
		}
	}
	return out
}

func counts(results []prober.Result) map[string]int {
	m := map[string]int{"up": 0, "degraded": 0, "down": 0}
	for _, c := range prober.ByCheck(results) {
		m[string(c.Status)]++
	}
	return m
}

func summaryLine(results []prober.Result) string {
	c := counts(results)
	return fmt.Sprintf("%d up, %d degraded, %d down (%d probes)", c["up"], c["degraded"], c["down"], len(results))
}

func writeJSON(w io.Writer, started time.Time, elapsed time.Duration, results []prober.Result) {
	out := probeOutput{Version: 1, Started: started.UTC(), Duration: elapsed.Seconds(), Summary: counts(results), Checks: prober.ByCheck(results)}
	if out.Checks == nil {
		out.Checks = []prober.CheckResult{}
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false) // conditions read "a < b", not "a \u003c b"
	_ = enc.Encode(out)
}

func writeTable(w io.Writer, results []prober.Result) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "GROUP\tCHECK\tREGION\tSTATUS\tLATENCY\tCODE\tREASON")
	for _, r := range results {
		code := ""
		if r.Code != 0 {
			code = fmt.Sprint(r.Code)
		}
		status := strings.ToUpper(string(r.Status))
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", r.Group, r.Check, r.Region, status, latencyText(r.Latency), code, oneLine(r.Reason, 100))
	}
	tw.Flush()
}

// latencyText rounds to milliseconds, keeping one decimal below 10 ms so a
// fast local answer does not print as 0s.
func latencyText(d time.Duration) string {
	if d < 10*time.Millisecond {
		return d.Round(100 * time.Microsecond).String()
	}
	return d.Round(time.Millisecond).String()
}

func oneLine(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > n {
		return s[:n-1] + "…"
	}
	return s
}

func isTerminal(f *os.File) bool {
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

func probeCount(checks []*config.Check) int {
	n := 0
	for _, c := range checks {
		n += len(c.Targets())
	}
	return n
}

// progressLine redraws one status line on a terminal: when probes finish
// (at most ten times a second) and every second in between, so that a
// round waiting on slow endpoints still shows that it is alive.
type progressLine struct {
	w     io.Writer
	label string
	total int
	start time.Time
	mu    sync.Mutex
	done  int
	last  time.Time
	quit  chan struct{}
	ended chan struct{}
}

func startProgress(w io.Writer, total int) *progressLine {
	return startProgressLabel(w, "probing", total)
}

func startProgressLabel(w io.Writer, label string, total int) *progressLine {
	p := &progressLine{w: w, label: label, total: total, start: time.Now(), quit: make(chan struct{}), ended: make(chan struct{})}
	p.draw(true)
	go func() {
		defer close(p.ended)
		tick := time.NewTicker(time.Second)
		defer tick.Stop()
		for {
			select {
			case <-tick.C:
				p.draw(true)
			case <-p.quit:
				return
			}
		}
	}()
	return p
}

// update is the Runner's Progress callback.
func (p *progressLine) update(done, _ int) {
	p.mu.Lock()
	p.done = done
	p.mu.Unlock()
	p.draw(done == p.total)
}

func (p *progressLine) draw(force bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if !force && time.Since(p.last) < 100*time.Millisecond {
		return
	}
	p.last = time.Now()
	fmt.Fprintf(p.w, "\r\033[K%s: %d/%d done, %s", p.label, p.done, p.total, time.Since(p.start).Truncate(time.Second))
}

// println prints a line above the progress line.
func (p *progressLine) println(line string) {
	p.mu.Lock()
	fmt.Fprintf(p.w, "\r\033[K%s\n", line)
	p.mu.Unlock()
	p.draw(true)
}

// stop ends the redraws and clears the line for the results.
func (p *progressLine) stop() {
	close(p.quit)
	<-p.ended
	p.mu.Lock()
	defer p.mu.Unlock()
	fmt.Fprint(p.w, "\r\033[K")
}
