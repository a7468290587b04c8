package httplimit

import (
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func TestLimits(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := map[string]int{"/small": 10, "/exact": 100, "/big": 1000}[r.URL.Path]
		if r.URL.Query().Get("chunked") != "" {
			w.(http.Flusher).Flush() // no Content-Length: the limit applies while reading
		}
		io.WriteString(w, strings.Repeat("x", n))
	}))
	defer srv.Close()
	c := Client(5*time.Second, 100)
	for _, tt := range []struct {
		path    string
		tooMany bool
	}{
		{"/small", false}, {"/exact", false}, {"/big", true}, {"/big?chunked=1", true}, {"/exact?chunked=1", false},
	} {
		resp, err := c.Get(srv.URL + tt.path)
		if err == nil {
			_, err = io.ReadAll(resp.Body)
			resp.Body.Close()
		}
		if got := errors.Is(err, ErrTooLarge); got != tt.tooMany {
			t.Errorf("%s: err = %v", tt.path, err)
		}
	}
}
