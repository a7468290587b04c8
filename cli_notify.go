package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	"github.com/upchain-dev/upchain/prober"
	"github.com/upchain-dev/upchain/prober/config"
	"github.com/upchain-dev/upchain/prober/notify"
)

var notifyCommand = command{name: "notify", summary: "send a test message to the notification channels (--test)", run: runNotify}

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
