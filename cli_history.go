package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"

	"github.com/upchain-dev/upchain/prober"
	"github.com/upchain-dev/upchain/prober/config"
	"github.com/upchain-dev/upchain/prober/history"
)

// The logic lives in prober/history (Check, Recorder.Repair); this file
// only parses flags and prints.

var historyCommand = command{name: "history", summary: "history check [--repair]: report (and remove) damaged lines, gaps, out-of-order samples, duplicate rounds", run: runHistory}

func runHistory(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] != "check" {
		fmt.Fprintln(stderr, "usage: upchain history check [--repair] [--config upchain.yml] [--dir history-worktree]")
		return exitUsage
	}
	fs := flag.NewFlagSet("history check", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfgPath := fs.String("config", "upchain.yml", "path to upchain.yml")
	dirFlag := fs.String("dir", "", "history worktree to check (default: history.dir of upchain.yml; not with --repair)")
	repair := fs.Bool("repair", false, "remove the damage as one commit on the history branch (and push it)")
	if err := fs.Parse(args[1:]); err != nil {
		return exitUsage
	}
	if *repair && *dirFlag != "" {
		fmt.Fprintln(stderr, "upchain history check: --repair works on the history of upchain.yml; drop --dir")
		return exitUsage
	}
	l, err := prober.Load(*cfgPath, config.Options{AllowMissingSecrets: true})
	if err != nil {
		printConfigErrors(stderr, err)
		return exitFailed
	}
	history.SetRedactor(l.Redactor.String)
	opt := history.CheckOptions{Cap: history.CapsFor(l)}
	if !*repair {
		dir := *dirFlag
		if dir == "" {
			dir = l.History.WithDefaults().Path(l.Dir)
		}
		if _, err := os.Stat(dir); err != nil {
			fmt.Fprintf(stderr, "upchain history check: no history checkout at %s (run `upchain probe` once, or pass --dir): %v\n", dir, l.Redactor.Error(err))
			return exitFailed
		}
		rep, err := history.Check(dir, opt)
		if err != nil {
			fmt.Fprintln(stderr, "upchain history check:", l.Redactor.Error(err))
			return exitFailed
		}
		printReport(stdout, dir, rep)
		if rep.Damage() > 0 {
			fmt.Fprintln(stdout, "run `upchain history check --repair` to remove the damage (one commit on the history branch)")
			return exitFailed
		}
		return exitOK
	}
	rec, err := history.OpenRecorder(ctx, l, stderr)
	if err != nil {
		fmt.Fprintln(stderr, "upchain history check:", l.Redactor.Error(err))
		return exitFailed
	}
	defer rec.Close()
	rep, commit, err := rec.Repair(ctx, opt)
	if rep != nil {
		printReport(stdout, rec.Dir(), rep)
	}
	if err != nil {
		fmt.Fprintln(stderr, "upchain history check:", l.Redactor.Error(err))
		return exitFailed
	}
	if commit != "" {
		fmt.Fprintf(stdout, "repaired: removed %d damaged record(s) in commit %.12s\n", rep.Damage(), commit)
	}
	return exitOK
}

func printReport(w io.Writer, dir string, rep *history.Report) {
	for _, p := range rep.Problems {
		fmt.Fprintln(w, p)
	}
	kinds := make([]string, 0, len(rep.Counts))
	for k, n := range rep.Counts {
		kinds = append(kinds, fmt.Sprintf("%d %s", n, k))
	}
	sort.Strings(kinds)
	found := "no problems"
	if len(kinds) > 0 {
		found = strings.Join(kinds, ", ")
	}
	fmt.Fprintf(w, "%s: %d file(s), %d sample(s): %s\n", dir, rep.Files, rep.Samples, found)
}

// reportSkipped says how many damaged history records a command skipped
// (since history.ResetSkipped).
func reportSkipped(w io.Writer, cmd string) {
	if n := history.Skipped(); n > 0 {
		fmt.Fprintf(w, "%s: skipped %d damaged history record(s); `upchain history check` lists them\n", cmd, n)
	}
}
