package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"time"

	"github.com/upchain-dev/upchain/prober"
	"github.com/upchain-dev/upchain/prober/config"
	"github.com/upchain-dev/upchain/prober/history"
	"github.com/upchain-dev/upchain/prober/logging"
	"github.com/upchain-dev/upchain/sitegen"
	"github.com/upchain-dev/upchain/sitegen/assemble"
)

// buildGCPercent: a build is a batch job, often on a small CI machine, and
// its peak memory is its largest live heap (the history's points and
// roll-ups) times 1 + GOGC/100. At 70 rather than Go's 100 a build of
// 1,000 checks over a year peaks about a tenth lower, for CPU within the
// runs' spread (figures in the README, "Performance"). GOGC in the
// environment wins.
const buildGCPercent = 70

func setBuildGC() {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(buildGCPercent)
	}
}

var buildCommand = command{name: "build", summary: "render the static status site into public/ (reads config and history, no network)", run: runBuild}

func runBuild(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("build", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfgPath := fs.String("config", "upchain.yml", "path to upchain.yml")
	out := fs.String("out", "", "output directory (default: site.output of upchain.yml, relative to it; else public)")
	serve := fs.String("serve", "", "after building, serve the site on this loopback address (e.g. 127.0.0.1:8000 or :8000) until interrupted")
	// Hidden: for profiling builds (go tool pprof), not listed in the usage.
	cpuProfile := fs.String("cpuprofile", "", "")
	memProfile := fs.String("memprofile", "", "")
	fs.Usage = func() {
		shown := flag.NewFlagSet("build", flag.ContinueOnError)
		shown.SetOutput(stderr)
		fs.VisitAll(func(f *flag.Flag) {
			if f.Usage != "" {
				shown.Var(f.Value, f.Name, f.Usage)
			}
		})
		fmt.Fprintln(stderr, "Usage of build:")
		shown.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return exitUsage
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "upchain build: unexpected argument %q\n", fs.Arg(0))
		return exitUsage
	}
	var listenAddr string
	if *serve != "" {
		a, err := loopbackAddr(*serve)
		if err != nil {
			fmt.Fprintln(stderr, "upchain build:", err)
			return exitUsage
		}
		listenAddr = a
	}
	setBuildGC()
	stopProfile, err := startProfiles(*cpuProfile, *memProfile)
	if err != nil {
		fmt.Fprintln(stderr, "upchain build:", err)
		return exitFailed
	}
	defer stopProfile()
	// Building reads no endpoint: secrets referenced as ${NAME} may be unset.
	l, err := prober.Load(*cfgPath, config.Options{AllowMissingSecrets: true})
	if err != nil {
		printConfigErrors(stderr, err)
		return exitFailed
	}
	dir := *out
	if dir == "" {
		dir = l.Site.Output
		if !filepath.IsAbs(dir) {
			dir = filepath.Join(l.Dir, dir)
		}
	}
	log, _ := logging.NewCommand(stderr, l.Redactor)
	slog.SetDefault(log) // history's damage warnings
	history.SetRedactor(l.Redactor.String)
	history.ResetSkipped()
	in, err := assemble.Input(l, assemble.Options{})
	if err != nil {
		fmt.Fprintln(stderr, "upchain build:", l.Redactor.Error(err))
		return exitFailed
	}
	reportSkipped(stderr, "upchain build")
	started := time.Now()
	if err := sitegen.Build(in, dir); err != nil {
		fmt.Fprintln(stderr, "upchain build:", l.Redactor.Error(err))
		return exitFailed
	}
	checks := 0
	for _, g := range in.Groups {
		checks += len(g.Checks)
	}
	fmt.Fprintf(stdout, "built %s: %d checks, %d incidents, %d maintenance windows in %s\n",
		dir, checks, len(in.Incidents), len(in.Maintenance), time.Since(started).Round(time.Millisecond))
	if listenAddr == "" {
		return exitOK
	}
	if err := serveSite(ctx, dir, listenAddr, basePath(in.Site.BaseURL), stdout); err != nil {
		fmt.Fprintln(stderr, "upchain build:", err)
		return exitFailed
	}
	return exitOK
}

// loopbackAddr completes ":8000" to 127.0.0.1:8000 and refuses addresses
// other hosts could reach: --serve is for a local look, not for hosting.
func loopbackAddr(s string) (string, error) {
	host, port, err := net.SplitHostPort(s)
	if err != nil {
		return "", fmt.Errorf("--serve %q: want host:port, e.g. 127.0.0.1:8000", s)
	}
	if host == "" || host == "localhost" {
		host = "127.0.0.1"
	}
	ip := net.ParseIP(host)
	if ip == nil || !ip.IsLoopback() {
		return "", fmt.Errorf("--serve %q: only loopback addresses (127.0.0.1, ::1) are served; publish public/ with a web server or GitHub Pages", s)
	}
	return net.JoinHostPort(host, port), nil
}

// basePath is the path of site.base_url ("/status/"), under which the
// local server mounts the site as GitHub Pages would.
func basePath(base string) string {
	u, err := url.Parse(base)
	if err != nil || u.Path == "" {
		return "/"
	}
	if !strings.HasSuffix(u.Path, "/") {
		return u.Path + "/"
	}
	return u.Path
}

// siteHandler serves dir under prefix like a static host: 404.html for
// missing files, and / redirected to the prefix.
func siteHandler(dir, prefix string) http.Handler {
	files := http.FileServer(http.Dir(dir))
	mux := http.NewServeMux()
	mux.Handle(prefix, http.StripPrefix(strings.TrimSuffix(prefix, "/"), http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		clean := filepath.FromSlash(strings.TrimPrefix(r.URL.Path, "/"))
		if _, err := os.Stat(filepath.Join(dir, clean)); errors.Is(err, os.ErrNotExist) {
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			w.WriteHeader(http.StatusNotFound)
			if b, err := os.ReadFile(filepath.Join(dir, "404.html")); err == nil {
				_, _ = w.Write(b)
			}
			return
		}
		files.ServeHTTP(w, r)
	})))
	if prefix != "/" {
		mux.Handle("/", http.RedirectHandler(prefix, http.StatusFound))
	}
	return mux
}

func serveSite(ctx context.Context, dir, addr, prefix string, stdout io.Writer) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: siteHandler(dir, prefix), ReadHeaderTimeout: 10 * time.Second, IdleTimeout: time.Minute}
	fmt.Fprintf(stdout, "serving %s at http://%s%s (Ctrl-C to stop)\n", dir, ln.Addr(), prefix)
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
		shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		return srv.Shutdown(shutdown)
	}
}
