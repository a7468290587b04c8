package prober

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/upchain-dev/upchain/prober/config/configtest"

	"github.com/upchain-dev/upchain/prober/config"
)

// loadYAML writes upchain.yml and checks/checks.yml (checksYAML) into a
// temporary directory and loads them with the real loader.
func loadYAML(t *testing.T, checksYAML string, env map[string]string) (*config.Loaded, error) {
	t.Helper()
	return configtest.Load(t, Builtin(), "defaults:\n  timeout: 10s\n  retries: 0\n", map[string]string{"checks/checks.yml": checksYAML}, env)
}

func mustLoad(t *testing.T, checksYAML string) *config.Loaded {
	t.Helper()
	l, err := loadYAML(t, checksYAML, nil)
	if err != nil {
		t.Fatalf("load: %v\n%s", err, checksYAML)
	}
	return l
}

// rounds runs probe rounds with history in memory: each round gets the
// values the previous one recorded, as the recorder does.
type rounds struct {
	runner *Runner
	mu     sync.Mutex
	prev   map[string]Values
}

func newRounds(l *config.Loaded) *rounds {
	r := &rounds{prev: map[string]Values{}}
	r.runner = &Runner{Config: l, Backoff: time.Millisecond, Prev: func(check, region string) Values {
		r.mu.Lock()
		defer r.mu.Unlock()
		return r.prev[check+"/"+region]
	}}
	return r
}

func (r *rounds) round(t *testing.T) []Result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	res := r.runner.Round(ctx, nil)
	// The lag step runs on a finished round, as the pipeline runs it.
	NewLag(r.runner.Config.Checks, Builtin().Values().ChainValues()).Apply(res)
	assertDeclared(t, nil, res)
	r.mu.Lock()
	for _, x := range res {
		r.prev[x.Check+"/"+x.Region] = x.Values
	}
	r.mu.Unlock()
	return res
}

// byCheck returns the public-region result of slug.
func byCheck(t *testing.T, res []Result, slug string) Result {
	t.Helper()
	for _, r := range res {
		if r.Check == slug && r.Region == config.PublicRegion {
			return r
		}
	}
	t.Fatalf("no result for %s in %v", slug, res)
	return Result{}
}

// failedText lists the failed conditions with observed values, for
// assertions and failure messages.
func failedText(r Result) string {
	var parts []string
	for _, f := range r.Failed {
		parts = append(parts, f.Condition+" ["+f.Observed+"]")
	}
	return strings.Join(parts, "; ")
}
