package pipeline

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/upchain-dev/upchain/prober/redact"
)

func TestHeartbeat(t *testing.T) {
	const token = "hc-0123456789abcdef"
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !strings.HasSuffix(r.URL.Path, "/"+token) {
			w.WriteHeader(http.StatusNotFound)
		}
	}))
	defer srv.Close()
	// A port nothing listens on: the ping fails with the URL in the error.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := "http://" + ln.Addr().String() + "/ping/" + token
	ln.Close()
	red := redact.New()
	red.Add(token, "${HEARTBEAT}")
	for _, tt := range []struct {
		name, url string
		ok        bool
	}{
		{"pinged", srv.URL + "/ping/" + token, true},
		{"HTTP error fails the ping", srv.URL + "/other", false},
		{"refused fails the ping", closed, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			err := heartbeat(context.Background(), srv.Client(), tt.url, red.Error)
			if (err == nil) != tt.ok {
				t.Fatalf("err %v, want ok %v", err, tt.ok)
			}
			if err != nil && strings.Contains(err.Error(), token) {
				t.Errorf("error leaks the token: %v", err)
			}
		})
	}
}
