package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"github.com/upchain-dev/upchain/prober"
	"github.com/upchain-dev/upchain/prober/config"
	"github.com/upchain-dev/upchain/prober/daemon"
)

var serveCommand = command{name: "serve", summary: "run as a daemon: probe each check on its schedule, serve the site, /metrics and /healthz", run: runServe}

func runServe(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintln(stderr, "Usage: upchain serve [flags]")
		fmt.Fprintln(stderr, "\nProbes every check at its interval and serves the site, /metrics and /healthz.")
		fmt.Fprintln(stderr, "SIGHUP reloads the config (an invalid one is logged and the old one keeps running);")
		fmt.Fprintln(stderr, "SIGTERM finishes running probes, flushes history and exits (a second one aborts the probes).")
		fmt.Fprintln(stderr, "\nFlags:")
		fs.PrintDefaults()
	}
	cfgPath := fs.String("config", "upchain.yml", "path to upchain.yml")
	listen := fs.String("listen", "", "address for the site, /metrics and /healthz (default serve.listen, else "+config.DefaultListen+`; "off" for none)`)
	tgFlags := addTelegramFlags(fs)
	textfile := fs.String("textfile", "", "also write the metrics to this file for node_exporter's textfile collector (default serve.textfile); opens no port unless --listen or serve.listen is set")
	pprofOn := fs.Bool("pprof", false, "serve runtime profiles under /debug/pprof/ (needs a loopback --listen; off by default)")
	location := fs.String("location", "", "name of this runner's location on every sample (default $"+locationEnv+", else history.location, else \"default\")")
	if err := fs.Parse(args); err != nil {
		return exitUsage
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "upchain serve: unexpected argument %q\n", fs.Arg(0))
		return exitUsage
	}
	// Signals are watched before the config is read, so that a SIGHUP
	// during start-up is not fatal.
	sigs := make(chan os.Signal, 4)
	signal.Notify(sigs, syscall.SIGHUP, syscall.SIGTERM, os.Interrupt)
	defer signal.Stop(sigs)

	load := func(path string) (*config.Loaded, error) {
		l, err := prober.Load(path, config.Options{MissingSecretsFailChecks: true})
		if err == nil {
			err = applyLocation(l, *location)
		}
		return l, err
	}
	tg, err := newTelegram(tgFlags, *cfgPath, os.Getenv, func(format string, args ...any) { fmt.Fprintf(stderr, format+"\n", args...) })
	if err != nil {
		fmt.Fprintln(stderr, "upchain serve:", err)
		return exitFailed
	}
	d, err := daemon.New(daemon.Options{ConfigPath: *cfgPath, Load: load, Stages: newServeStages(tg), Listen: *listen, Textfile: *textfile, Log: stderr, Pprof: *pprofOn})
	if err != nil {
		printConfigErrors(stderr, err)
		return exitFailed
	}
	// Packages that log on their own (history's damage warnings) write
	// through the daemon's redacted handler too, not as raw lines.
	slog.SetDefault(d.Logger())
	if tg != nil {
		botCtx, stopBot := context.WithCancel(ctx)
		defer stopBot()
		go tg.bot.Run(botCtx)
	}
	done := make(chan struct{})
	defer close(done)
	go handleSignals(d, sigs, done)
	if err := d.Run(ctx); err != nil {
		fmt.Fprintln(stderr, "upchain serve:", err)
		return exitFailed
	}
	return exitOK
}

// handleSignals reloads on SIGHUP. The first SIGTERM or interrupt ends ctx
// (main's signal context); a second one aborts the running probes.
func handleSignals(d *daemon.Daemon, sigs <-chan os.Signal, done <-chan struct{}) {
	terms := 0
	for {
		select {
		case <-done:
			return
		case s := <-sigs:
			if s == syscall.SIGHUP {
				_ = d.Reload() // logged by Reload
				continue
			}
			if terms++; terms >= 2 {
				d.Abort()
			}
		}
	}
}
