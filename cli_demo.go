package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/upchain-dev/upchain/prober/demo"
	"github.com/upchain-dev/upchain/prober/logging"
)

var demoCommand = command{name: "demo", summary: "simulate a network on 127.0.0.1, record a week of history, build and serve the site (offline)", run: runDemo}

func runDemo(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("demo", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintln(stderr, "Usage: upchain demo [flags]")
		fmt.Fprintln(stderr, "\nStarts a simulated network on 127.0.0.1, plays a scripted week on a simulated clock")
		fmt.Fprintln(stderr, "(a validator misses blocks, a node stalls, a region goes down, a website slows down,")
		fmt.Fprintln(stderr, "a planned restart in a maintenance window, a runner location stops, one and then two")
		fmt.Fprintln(stderr, "locations lose their route to a node, the Cosmos chain halts), probes every round from")
		fmt.Fprintln(stderr, "three locations (quorum 2), records each into a real git history, writes incidents,")
		fmt.Fprintln(stderr, "sends notifications to a local webhook, builds the site and serves it. Needs no")
		fmt.Fprintln(stderr, "internet, no secrets and no GitHub.")
		fmt.Fprintln(stderr, "\nFlags:")
		fs.PrintDefaults()
	}
	dir := fs.String("dir", "", "keep the demo (config, history repository, site) in this directory (default: a temporary one, removed at exit)")
	noServe := fs.Bool("no-serve", false, "exit after building the site")
	listen := fs.String("listen", "127.0.0.1:8000", "loopback address to serve the site on")
	days := fs.Int("days", 7, "days of history to simulate")
	interval := fs.Duration("interval", demo.DefaultInterval, "simulated time between rounds")
	ports := fs.Int("ports", demo.DefaultPortBase, "first port of the simulated endpoints on 127.0.0.1 (0: any free ports)")
	writeConfig := fs.String("write-config", "", "only write the demo's upchain.yml and checks/ into this directory (a worked example of every kind) and exit")
	force := fs.Bool("force", false, "with --write-config: overwrite existing files")
	if err := fs.Parse(args); err != nil {
		return exitUsage
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "upchain demo: unexpected argument %q\n", fs.Arg(0))
		return exitUsage
	}
	if *writeConfig != "" {
		if err := demo.WriteConfig(*writeConfig, *ports, *force); err != nil {
			fmt.Fprintln(stderr, "upchain demo:", err)
			return exitFailed
		}
		fmt.Fprintf(stdout, "wrote %s and %s (endpoints on 127.0.0.1 from port %d: run `upchain demo --ports %d` to serve them)\n",
			filepath.Join(*writeConfig, "upchain.yml"), filepath.Join(*writeConfig, "checks"), *ports, *ports)
		return exitOK
	}
	if *days < 1 || *interval < time.Minute {
		fmt.Fprintln(stderr, "upchain demo: --days must be 1 or more and --interval at least 1m")
		return exitUsage
	}
	addr := ""
	if !*noServe {
		a, err := loopbackAddr(*listen)
		if err != nil {
			fmt.Fprintln(stderr, "upchain demo:", strings.Replace(err.Error(), "--serve", "--listen", 1))
			return exitUsage
		}
		addr = a
	}
	base := *ports
	if base == 0 {
		base = -1
	}
	workDir := *dir
	if workDir == "" {
		tmp, err := os.MkdirTemp("", "upchain-demo-")
		if err != nil {
			fmt.Fprintln(stderr, "upchain demo:", err)
			return exitFailed
		}
		defer os.RemoveAll(tmp)
		workDir = tmp
	} else if demo.Exists(workDir) {
		fmt.Fprintf(stderr, "upchain demo: %s already holds an upchain.yml: choose a new directory (--dir), or remove it\n", workDir)
		return exitFailed
	}
	if err := initRepo(ctx, workDir); err != nil {
		fmt.Fprintln(stderr, "upchain demo:", err)
		return exitFailed
	}

	var (
		mu       sync.Mutex
		progress *progressLine
	)
	say := func(line string) {
		mu.Lock()
		p := progress
		mu.Unlock()
		if p != nil {
			p.println(line)
			return
		}
		fmt.Fprintln(stdout, line)
	}
	opts := demo.Options{Dir: workDir, Days: *days, Interval: *interval, PortBase: base, Say: say}
	log, _ := logging.NewCommand(io.Discard)
	opts.Log = log
	if isTerminal(os.Stdout) {
		opts.Progress = func(done, total int) {
			mu.Lock()
			if progress == nil {
				progress = startProgressLabel(stdout, "simulating", total)
			}
			p := progress
			mu.Unlock()
			p.update(done, total)
		}
	}
	started := time.Now()
	res, err := demo.Run(ctx, opts)
	mu.Lock()
	if progress != nil {
		progress.stop()
		progress = nil
	}
	mu.Unlock()
	if err != nil {
		fmt.Fprintln(stderr, "upchain demo:", err)
		return exitFailed
	}
	defer res.Close()
	fmt.Fprintf(stdout, "recorded %d rounds in %s, %d incidents, %d notifications, site built, in %s\n",
		res.Rounds, res.History, len(res.Incidents), res.Notifications, time.Since(started).Round(100*time.Millisecond))
	for _, title := range res.Incidents {
		fmt.Fprintln(stdout, "  incident:", title)
	}
	if *dir != "" {
		fmt.Fprintf(stdout, "kept in %s: upchain.yml and checks/ to copy, .upchain/history (git), %s\n", workDir, res.Site)
	}
	if addr == "" {
		return exitOK
	}
	fmt.Fprintln(stdout, "the simulated endpoints keep running while the site is served")
	if err := serveSite(ctx, res.Site, addr, "/", stdout); err != nil {
		fmt.Fprintln(stderr, "upchain demo:", err)
		return exitFailed
	}
	return exitOK
}

// initRepo makes dir a git repository of its own, so that the demo's
// history branch never lands in a repository dir happens to be inside.
func initRepo(ctx context.Context, dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	if _, err := os.Stat(filepath.Join(dir, ".git")); err == nil {
		return nil
	}
	out, err := exec.CommandContext(ctx, "git", "-C", dir, "init", "-q").CombinedOutput()
	if err != nil {
		return fmt.Errorf("git init %s: %v: %s", dir, err, strings.TrimSpace(string(out)))
	}
	return nil
}
