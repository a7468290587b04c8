package daemon

import (
	"strings"
	"testing"
)

func TestLoopbackOnly(t *testing.T) {
	tests := []struct {
		addr string
		ok   bool
	}{
		{"127.0.0.1:8080", true},
		{"127.0.0.2:0", true},
		{"[::1]:8080", true},
		{"localhost:8080", true},
		{"0.0.0.0:8080", false},
		{":8080", false},
		{"[::]:8080", false},
		{"192.168.1.10:8080", false},
		{"status.example:8080", false},
		{"", false},
		{"127.0.0.1", false}, // no port: not an address
	}
	for _, tt := range tests {
		if err := loopbackOnly(tt.addr); (err == nil) != tt.ok {
			t.Errorf("loopbackOnly(%q) = %v, want ok %v", tt.addr, err, tt.ok)
		}
	}
}

func TestPprofOnlyWhenAsked(t *testing.T) {
	for _, on := range []bool{false, true} {
		s := newSite(t)
		s.write(baseConfig, httpCheck("down", "http://127.0.0.1:1/"))
		r := start(t, Options{ConfigPath: s.path(), Pprof: on})
		code, body := r.get(t, "/debug/pprof/")
		if served := code == 200 && strings.Contains(body, "goroutine"); served != on {
			t.Errorf("pprof %v: GET /debug/pprof/ = %d %.80q", on, code, body)
		}
	}
}

func TestPprofRefusesANonLoopbackListener(t *testing.T) {
	s := newSite(t)
	s.write(baseConfig, httpCheck("down", "http://127.0.0.1:1/"))
	_, err := New(Options{ConfigPath: s.path(), Pprof: true, Listen: "0.0.0.0:0"})
	if err == nil || !strings.Contains(err.Error(), "loopback") {
		t.Errorf("New with --pprof on 0.0.0.0 = %v, want a loopback error", err)
	}
}
