package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/upchain-dev/upchain/prober"
	"github.com/upchain-dev/upchain/prober/config"
	"github.com/upchain-dev/upchain/prober/history"
	"github.com/upchain-dev/upchain/prober/importer"
)

var importCommand = command{name: "import", summary: "translate an Upptime, Gatus or tenderduty config into upchain.yml and checks/", run: runImport}

// importDefaults are the source files each tool reads by default.
var importDefaults = map[string]string{"upptime": ".upptimerc.yml", "gatus": "config.yaml", "tenderduty": "config.yml"}

func runImport(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("import", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintln(stderr, "Usage: upchain import upptime|gatus|tenderduty [FILE] [flags]")
		fs.PrintDefaults()
	}
	out := fs.String("out", ".", "directory to write upchain.yml and checks/ into")
	force := fs.Bool("force", false, "overwrite existing files")
	histDir := fs.String("history", "", "upptime: an Upptime repository checkout whose history/*.yml git log becomes upchain history")
	notify := fs.String("notify", "", "upptime: notification secrets set in the Upptime repository, comma-separated (default: the NOTIFICATION_* variables set here)")
	var lcds lcdFlag
	fs.Var(&lcds, "lcd", "tenderduty: CHAIN=URL of a chain's Cosmos SDK REST endpoint (repeatable)")
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return exitUsage
	}
	if len(pos) < 1 || len(pos) > 2 || importDefaults[pos[0]] == "" {
		fs.Usage()
		return exitUsage
	}
	source := pos[0]
	file := importDefaults[source]
	if len(pos) == 2 {
		file = pos[1]
	}
	if *histDir != "" && source != "upptime" {
		fmt.Fprintln(stderr, "upchain import: --history applies to upptime only")
		return exitUsage
	}
	data, err := readBounded(file, maxImportFile)
	if err != nil {
		fmt.Fprintln(stderr, "upchain import:", err)
		return exitFailed
	}
	opts := importer.Options{File: file, LCD: lcds.m}
	if *notify != "" {
		opts.Notify = strings.Split(*notify, ",")
	} else {
		opts.Notify = envNames("NOTIFICATION_")
	}
	var res *importer.Result
	switch source {
	case "upptime":
		res, err = importer.Upptime(data, opts)
	case "gatus":
		res, err = importer.Gatus(data, opts)
	case "tenderduty":
		res, err = importer.Tenderduty(data, opts)
	}
	if err == nil && *histDir != "" {
		err = importer.UpptimeHistory(ctx, *histDir, res, importer.HistoryOptions{})
	}
	if err != nil {
		var errs importer.Errors
		if errors.As(err, &errs) {
			for _, p := range errs {
				fmt.Fprintln(stderr, p)
			}
			fmt.Fprintf(stderr, "%d problem(s): nothing written\n", len(errs))
		} else {
			fmt.Fprintln(stderr, "upchain import:", err)
		}
		return exitFailed
	}
	files, err := res.Rendered(fmt.Sprintf("Imported by `upchain import %s` from %s: review before use.\n", source, filepath.Base(file)))
	// The converted history goes into the history branch once the config
	// is written and valid; it is kept aside until then.
	hist := map[string][]byte{}
	for p, b := range files {
		if strings.HasPrefix(p, importer.HistoryDir+string(filepath.Separator)) {
			hist[p] = b
			delete(files, p)
		}
	}
	if err == nil {
		err = importer.Write(*out, files, *force)
	}
	if err != nil {
		fmt.Fprintln(stderr, "upchain import:", err)
		return exitFailed
	}
	for _, n := range res.Notes {
		fmt.Fprintln(stdout, "translated:", n)
	}
	for _, p := range res.Skipped {
		fmt.Fprintln(stdout, "not translated:", p)
	}
	cfg := filepath.Join(*out, "upchain.yml")
	l, err := prober.Load(cfg, config.Options{AllowMissingSecrets: true})
	if err != nil {
		fmt.Fprintln(stderr, "upchain import: the written files do not validate (a bug: please report it):")
		printConfigErrors(stderr, err)
		return exitFailed
	}
	fmt.Fprintf(stdout, "wrote %s and %d check file(s): %d checks; `upchain validate --config %s` accepts them\n", cfg, len(res.Files), len(l.Checks), cfg)
	if len(hist) > 0 {
		commit, err := installHistory(ctx, l, hist, stderr)
		if err != nil {
			fmt.Fprintln(stderr, "upchain import: history:", l.Redactor.Error(err))
			if werr := importer.Write(*out, hist, *force); werr != nil {
				fmt.Fprintln(stderr, "upchain import:", werr)
				return exitFailed
			}
			fmt.Fprintf(stderr, "upchain import: the converted history is in %s: copy it into the history checkout and commit it there\n", filepath.Join(*out, importer.HistoryDir))
			return exitFailed
		}
		fmt.Fprintf(stdout, "history: committed to the history branch (%s)\n", commit)
	}
	return exitOK
}

// installHistory commits converted history files (paths under
// importer.HistoryDir) to the history branch, through the recorder that
// `upchain probe` uses: it prepares the checkout, commits, and pushes when
// the branch has a remote. An existing history is never mixed with an
// import: that is refused.
func installHistory(ctx context.Context, l *config.Loaded, files map[string][]byte, logw io.Writer) (string, error) {
	rec, err := history.OpenRecorder(ctx, l, logw)
	if err != nil {
		return "", err
	}
	defer rec.Close()
	dir := rec.Dir()
	for _, sub := range []string{history.RawDir, history.HourlyDir, history.DailyDir} {
		if entries, _ := os.ReadDir(filepath.Join(dir, sub)); len(entries) > 0 {
			return "", fmt.Errorf("%s already holds history (%s/): an import is only added to an empty history", dir, sub)
		}
	}
	for p, b := range files {
		rel, _ := filepath.Rel(importer.HistoryDir, p)
		full := filepath.Join(dir, rel)
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			return "", err
		}
		if err := os.WriteFile(full, b, 0o644); err != nil {
			return "", err
		}
	}
	return rec.Flush(ctx)
}

// maxImportFile bounds the source file: configs are kilobytes.
const maxImportFile = 16 << 20

func readBounded(path string, max int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, max+1))
	if err == nil && int64(len(b)) > max {
		err = fmt.Errorf("%s: larger than %d MiB: not a config file", path, max>>20)
	}
	return b, err
}

// parseInterspersed parses flags before, between and after positional
// arguments (`import gatus config.yaml --out x`).
func parseInterspersed(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		args = fs.Args()
		if len(args) == 0 {
			return pos, nil
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
}

// envNames lists the names (never the values) of environment variables
// with prefix.
func envNames(prefix string) []string {
	var out []string
	for _, kv := range os.Environ() {
		if name, _, _ := strings.Cut(kv, "="); strings.HasPrefix(name, prefix) {
			out = append(out, name)
		}
	}
	return out
}

// lcdFlag collects repeated --lcd CHAIN=URL flags.
type lcdFlag struct{ m map[string]string }

func (f *lcdFlag) String() string { return "" }

func (f *lcdFlag) Set(s string) error {
	k, v, ok := strings.Cut(s, "=")
	if !ok || k == "" || v == "" {
		return fmt.Errorf("want CHAIN=URL, e.g. osmosis-1=https://lcd.example.org")
	}
	if f.m == nil {
		f.m = map[string]string{}
	}
	f.m[k] = v
	return nil
}
