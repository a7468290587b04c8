package daemon

import (
	"fmt"
	"net"
	"net/http"
	"net/http/pprof"
)

// mountPprof serves the runtime profiles (upchain serve --pprof) on mux.
// The handlers are mounted explicitly: importing net/http/pprof also
// registers them on http.DefaultServeMux, which the daemon never serves.
func mountPprof(mux *http.ServeMux) {
	mux.HandleFunc("GET /debug/pprof/", pprof.Index)
	mux.HandleFunc("GET /debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("GET /debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("GET /debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("GET /debug/pprof/trace", pprof.Trace)
}

// loopbackOnly refuses --pprof unless the daemon listens on a loopback
// address only: a profile holds memory contents, so it must never be
// reachable from the network.
func loopbackOnly(addr string) error {
	if addr == "" {
		return fmt.Errorf("--pprof needs a listener: set --listen to a loopback address such as 127.0.0.1:8080")
	}
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("--pprof: listen address %q: %w", addr, err)
	}
	if host == "localhost" {
		return nil
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsLoopback() {
		return nil
	}
	return fmt.Errorf("--pprof serves memory profiles and is allowed on a loopback listener only, not on %q: listen on 127.0.0.1 or [::1]", addr)
}
