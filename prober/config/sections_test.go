package config_test

import (
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/upchain-dev/upchain/prober/config/configtest"

	"github.com/upchain-dev/upchain/prober"
	"github.com/upchain-dev/upchain/prober/config"
)

func loadServe(t *testing.T, serve string) (*config.Loaded, error) {
	t.Helper()
	check := "checks:\n  - name: web\n    kind: http\n    url: http://127.0.0.1:1/\n"
	return configtest.Load(t, prober.Builtin(), "site:\n  title: t\nserve:\n"+serve, map[string]string{"checks/web.yml": check}, nil)
}

func TestServeSection(t *testing.T) {
	tests := []struct {
		name    string
		serve   string
		problem string // "" for none; else "line: text"
	}{
		{"defaults", "  listen: 127.0.0.1:9000\n", ""},
		{"off", "  listen: off\n  textfile: /var/lib/node_exporter/upchain.prom\n", ""},
		{"bad listen", "  listen: localhost\n", "4: serve.listen \"localhost\" is not host:port"},
		{"negative", "  commit_every: 1m\n  build_every: -5m\n", "5: serve.build_every must be positive"},
		{"bad duration", "  commit_every: often\n", "4: bad duration \"often\""},
		{"textfile dir", "  textfile: /var/lib/node_exporter/\n", "4: serve.textfile \"/var/lib/node_exporter/\" names a directory"},
		{"unknown key", "  listen_addr: :80\n", "4: unknown key"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := loadServe(t, tt.serve)
			if tt.problem == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			var errs config.Errors
			if !errors.As(err, &errs) {
				t.Fatalf("err = %v, want config.Errors", err)
			}
			for _, p := range errs {
				if filepath.Base(p.File) == "upchain.yml" && strings.HasPrefix(fmt.Sprintf("%d: %s", p.Line, p.Msg), tt.problem) {
					return
				}
			}
			t.Errorf("problems %v, want one at line %s", errs, tt.problem)
		})
	}
}

func TestServeWithDefaults(t *testing.T) {
	got := config.Serve{CommitEvery: config.Duration(time.Minute)}.WithDefaults()
	want := config.Serve{CommitEvery: config.Duration(time.Minute), BuildEvery: config.Duration(config.DefaultBuildEvery), TextfileEvery: config.Duration(config.DefaultTextfileEvery)}
	if got != want {
		t.Errorf("WithDefaults = %+v, want %+v", got, want)
	}
}
