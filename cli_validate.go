package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"

	"github.com/upchain-dev/upchain/prober"
	"github.com/upchain-dev/upchain/prober/config"
)

var validateCommand = command{name: "validate", summary: "check upchain.yml and checks/ and report every problem", run: runValidate}

func runValidate(_ context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("validate", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfgPath := fs.String("config", "upchain.yml", "path to upchain.yml")
	offline := fs.Bool("allow-missing-secrets", false, "do not require the environment variables that ${NAME} references")
	if err := fs.Parse(args); err != nil {
		return exitUsage
	}
	l, err := prober.Load(*cfgPath, config.Options{AllowMissingSecrets: *offline})
	if err != nil {
		printConfigErrors(stderr, err)
		return exitFailed
	}
	regions := 0
	for _, c := range l.Checks {
		regions += len(c.Targets())
	}
	fmt.Fprintf(stdout, "%s: ok, %d checks (%d probes per round)\n", *cfgPath, len(l.Checks), regions)
	return exitOK
}

func printConfigErrors(w io.Writer, err error) {
	var errs config.Errors
	if errors.As(err, &errs) {
		for _, p := range errs {
			fmt.Fprintln(w, p.String())
		}
		fmt.Fprintf(w, "%d problem(s) found\n", len(errs))
		return
	}
	fmt.Fprintln(w, "upchain:", err)
}
