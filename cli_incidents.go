package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"path/filepath"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/upchain-dev/upchain/prober"
	"github.com/upchain-dev/upchain/prober/config"
	"github.com/upchain-dev/upchain/prober/incident"
	"github.com/upchain-dev/upchain/prober/maintenance"
	"github.com/upchain-dev/upchain/prober/notify"
)

var incidentsCommand = command{name: "incidents", summary: "list incidents and maintenance windows recorded in history", run: runIncidents}

var notifyCommand = command{name: "notify", summary: "send a test message to the notification channels (--test)", run: runNotify}

// historyDir is the history worktree of l, as `upchain probe` uses it.
func historyDir(l *config.Loaded, flagDir string) string {
	dir := flagDir
	if dir == "" {
		dir = l.History.Dir
	}
	if dir == "" {
		dir = ".upchain/history"
	}
	if !filepath.IsAbs(dir) {
		dir = filepath.Join(l.Dir, dir)
	}
	return dir
}

func runIncidents(_ context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("incidents", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfgPath := fs.String("config", "upchain.yml", "path to upchain.yml")
	dirFlag := fs.String("dir", "", "history worktree (default: history.dir of upchain.yml)")
	asJSON := fs.Bool("json", false, "print as JSON")
	if err := fs.Parse(args); err != nil {
		return exitUsage
	}
	l, err := prober.Load(*cfgPath, config.Options{AllowMissingSecrets: true})
	if err != nil {
		printConfigErrors(stderr, err)
		return exitFailed
	}
	dir := historyDir(l, *dirFlag)
	incs, ierr := incident.LoadAll(dir)
	now := time.Now().UTC()
	windows, werr := maintenance.Windows(l.Maintenance, dir, now)
	for _, err := range []error{ierr, werr} {
		if err != nil {
			fmt.Fprintln(stderr, "upchain:", l.Redactor.Error(err))
		}
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		_ = enc.Encode(map[string]any{"incidents": incs, "maintenance": windows})
		return exitOK
	}
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "STATE\tSEVERITY\tSTARTED\tDURATION\tID\tTITLE")
	for _, inc := range incs {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", inc.State, inc.Severity, inc.Started.Format("2006-01-02 15:04"),
			notify.HumanDuration(inc.Duration(now)), inc.ID, oneLine(inc.Title, 80))
	}
	tw.Flush()
	if len(windows) > 0 {
		sort.SliceStable(windows, func(i, j int) bool { return windows[i].State < windows[j].State })
		fmt.Fprintln(stdout)
		tw = tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "MAINTENANCE\tFROM\tUNTIL\tCHECKS\tTITLE")
		for _, w := range windows {
			checks := strings.Join(w.Checks, ",")
			if checks == "" {
				checks = "all"
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", w.State, w.Start.Format("2006-01-02 15:04"), w.End.Format("2006-01-02 15:04"), checks, oneLine(w.Title, 60))
		}
		tw.Flush()
	}
	return exitOK
}

func runNotify(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("notify", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfgPath := fs.String("config", "upchain.yml", "path to upchain.yml")
	test := fs.Bool("test", false, "send a test message")
	only := fs.String("channel", "", "only this channel (name, or name/chat for Telegram)")
	timeout := fs.Duration("timeout", time.Minute, "give up after this long")
	if err := fs.Parse(args); err != nil {
		return exitUsage
	}
	if !*test {
		fmt.Fprintln(stderr, "upchain notify: use --test to send a test message to every channel")
		return exitUsage
	}
	l, err := prober.Load(*cfgPath, config.Options{})
	if err != nil {
		printConfigErrors(stderr, err)
		return exitFailed
	}
	n, err := notify.New(l, notify.Options{Log: func(f string, a ...any) { fmt.Fprintf(stderr, f+"\n", a...) }})
	if err != nil {
		printConfigErrors(stderr, err)
		return exitFailed
	}
	now := time.Now().UTC()
	ev := notify.Event{Kind: notify.Opened, ID: "test-" + now.Format("20060102-150405"), Seq: 1, Title: "Test message from upchain",
		Check: "test", CheckName: "Test", Status: "degraded", Text: "This is a test of the notification channels; no action is needed.",
		Started: now, Time: now, URL: l.Site.BaseURL, Site: l.Site.Title}
	ctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()
	failed := 0
	targets := n.Targets()
	if len(targets) == 0 {
		fmt.Fprintln(stdout, "no notification channels configured")
		return exitOK
	}
	type outcome struct {
		name string
		err  error
	}
	results := make(chan outcome, len(targets))
	sent := 0
	for _, t := range targets {
		if *only != "" && t != *only && !strings.HasPrefix(t, *only+"/") {
			continue
		}
		sent++
		go func() { results <- outcome{t, n.Send(ctx, t, ev)} }()
	}
	if sent == 0 {
		fmt.Fprintf(stderr, "upchain notify: no channel %q (channels: %s)\n", *only, strings.Join(targets, ", "))
		return exitUsage
	}
	var lines []string
	for i := 0; i < sent; i++ {
		o := <-results
		if o.err != nil {
			failed++
			lines = append(lines, fmt.Sprintf("%s: FAILED: %v", o.name, o.err))
		} else {
			lines = append(lines, o.name+": ok")
		}
	}
	sort.Strings(lines)
	fmt.Fprintln(stdout, strings.Join(lines, "\n"))
	if failed > 0 {
		return exitFailed
	}
	return exitOK
}
