// Package configtest writes a config directory (upchain.yml and check
// files) for tests and loads it: the one helper every package's tests use
// instead of writing files by hand.
package configtest

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/upchain-dev/upchain/prober/config"
)

// WriteDir writes upchain.yml and files (paths relative to dir, such as
// "checks/test.yml") into dir, replacing what is there, and returns the
// path of upchain.yml.
func WriteDir(t testing.TB, dir, upchain string, files map[string]string) string {
	t.Helper()
	all := map[string]string{"upchain.yml": upchain}
	for name, body := range files {
		all[name] = body
	}
	for name, body := range all {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.MkdirAll(filepath.Join(dir, "checks"), 0o755); err != nil {
		t.Fatal(err)
	}
	return filepath.Join(dir, "upchain.yml")
}

// Write is WriteDir into a new temporary directory.
func Write(t testing.TB, upchain string, files map[string]string) string {
	t.Helper()
	return WriteDir(t, t.TempDir(), upchain, files)
}

// Load writes a config with Write and loads it with kinds. env holds the
// environment the config's ${NAME} references see (nothing else is set).
func Load(t testing.TB, kinds config.Kinds, upchain string, files map[string]string, env map[string]string) (*config.Loaded, error) {
	t.Helper()
	return config.Load(Write(t, upchain, files), kinds, config.Options{Lookup: Env(env)})
}

// Env returns a lookup function over env alone.
func Env(env map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) {
		v, ok := env[k]
		return v, ok
	}
}
