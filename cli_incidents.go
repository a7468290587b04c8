package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/upchain-dev/upchain/prober"
	"github.com/upchain-dev/upchain/prober/config"
	"github.com/upchain-dev/upchain/prober/history"
	"github.com/upchain-dev/upchain/prober/incident"
	"github.com/upchain-dev/upchain/prober/maintenance"
	"github.com/upchain-dev/upchain/prober/notify"
)

var incidentsCommand = command{name: "incidents", summary: "list incidents and maintenance windows recorded in history", run: runIncidents}

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
	// The history worktree, else the history branch (as `upchain build`
	// reads it).
	dir, cleanup := *dirFlag, func() {}
	if wt := l.History.WithDefaults().Path(l.Dir); dir == "" && isDir(wt) {
		dir = wt
	}
	if dir == "" {
		if dir, cleanup, err = history.Source(l); err != nil {
			fmt.Fprintln(stderr, "upchain incidents:", l.Redactor.Error(err))
			return exitFailed
		}
	}
	defer cleanup()
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

func isDir(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && fi.IsDir()
}
