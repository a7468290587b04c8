package daemon

import (
	"errors"
	"io/fs"
	"log/slog"
	"net/http"
	"os"
	"time"
)

// HTTP limits: the daemon may face the network behind a proxy, so slow or
// oversized requests are cut off.
const (
	readHeaderTimeout = 5 * time.Second
	readTimeout       = 10 * time.Second
	writeTimeout      = 30 * time.Second
	idleTimeout       = 60 * time.Second
	maxHeaderBytes    = 16 << 10
)

func (d *Daemon) newServer() *http.Server {
	mux := http.NewServeMux()
	errLog := slog.NewLogLogger(d.log.Handler(), slog.LevelError)
	mux.Handle("GET /metrics", d.metrics.Handler(errLog))
	mux.HandleFunc("GET /healthz", d.healthz)
	mux.HandleFunc("GET /", d.site)
	if d.opts.Pprof {
		mountPprof(mux)
	}
	return &http.Server{
		Handler:           mux,
		ReadHeaderTimeout: readHeaderTimeout,
		ReadTimeout:       readTimeout,
		WriteTimeout:      writeTimeout,
		IdleTimeout:       idleTimeout,
		MaxHeaderBytes:    maxHeaderBytes,
		ErrorLog:          errLog,
	}
}

// healthz answers 200 while the daemon probes, 503 once it is stopping.
func (d *Daemon) healthz(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	if d.stopping.Load() {
		w.WriteHeader(http.StatusServiceUnavailable)
		_, _ = w.Write([]byte("stopping\n"))
		return
	}
	_, _ = w.Write([]byte("ok\n"))
}

// site serves the built site from the current config's output directory.
func (d *Daemon) site(w http.ResponseWriter, r *http.Request) {
	dir := d.cur.Load().siteDir
	if _, err := os.Stat(dir); errors.Is(err, fs.ErrNotExist) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.Header().Set("Retry-After", "60")
		w.WriteHeader(http.StatusServiceUnavailable)
		_, _ = w.Write([]byte("The status page has not been built yet. /metrics and /healthz are available.\n"))
		return
	}
	http.FileServer(http.Dir(dir)).ServeHTTP(w, r)
}
