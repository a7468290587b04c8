package incident

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/upchain-dev/upchain/prober"
	"github.com/upchain-dev/upchain/prober/config"
	"github.com/upchain-dev/upchain/prober/history"
	"github.com/upchain-dev/upchain/prober/internal/fakegithub"
	"github.com/upchain-dev/upchain/prober/redact"
)

func benchConfig(n int) *config.Loaded {
	cfg := &config.Config{Site: config.Site{Title: "Bench"}}
	for i := 0; i < n; i++ {
		cfg.Checks = append(cfg.Checks, &config.Check{
			Name: fmt.Sprintf("Check %d", i), Slug: fmt.Sprintf("check-%d", i), Kind: "http", URL: "https://x.example/",
			DisplayURL: "https://x.example/", Regions: []config.Region{{Name: "eu", Address: "127.0.0.2"}, {Name: "us", Address: "127.0.0.3"}},
		})
	}
	return &config.Loaded{Config: cfg, Redactor: redact.New()}
}

func benchResults(l *config.Loaded, now time.Time, failing int) []prober.Result {
	var out []prober.Result
	for i, c := range l.Checks {
		for _, r := range c.Targets() {
			st := prober.Up
			if i < failing && r.Name == "eu" {
				st = prober.Down
			}
			out = append(out, prober.Result{Check: c.Slug, Name: c.Name, Region: r.Name, Time: now, Status: st, Reason: "refused"})
		}
	}
	return out
}

// BenchmarkApply measures one round of the incident stage for 1,000 checks
// in 3 regions with 100 of them failing (open incidents), offline.
func BenchmarkApply(b *testing.B) {
	l := benchConfig(1000)
	m, err := New(l, Options{Env: func(string) (string, bool) { return "", false }})
	if err != nil {
		b.Fatal(err)
	}
	dir := b.TempDir()
	st := &history.State{}
	now := epoch
	ctx := context.Background()
	for i := 0; i < 3; i++ { // open the 100 incidents
		now = now.Add(5 * time.Minute)
		if _, err := m.Apply(ctx, dir, st, benchResults(l, now, 100), now); err != nil {
			b.Fatal(err)
		}
	}
	b.ResetTimer()
	start := time.Now()
	for i := 0; i < b.N; i++ {
		now = now.Add(5 * time.Minute)
		if _, err := m.Apply(ctx, dir, st, benchResults(l, now, 100), now); err != nil {
			b.Fatal(err)
		}
	}
	per := time.Since(start) / time.Duration(b.N)
	b.ReportMetric(float64(per.Microseconds())/1000, "ms/round")
	b.Logf("incident stage, 1000 checks × 3 regions, 100 open incidents: %s per round", per.Round(time.Microsecond))
}

// BenchmarkGitHubRound counts API calls of a steady round with GitHub on
// (nothing changing) and of a round that opens an incident.
func BenchmarkGitHubRound(b *testing.B) {
	gh := fakegithub.New(owner, repoName, ghToken)
	defer gh.Close()
	l := benchConfig(50)
	env := map[string]string{"GITHUB_TOKEN": ghToken, "GITHUB_REPOSITORY": owner + "/" + repoName, "GITHUB_API_URL": gh.URL}
	m, err := New(l, Options{Env: func(k string) (string, bool) { v, ok := env[k]; return v, ok }})
	if err != nil {
		b.Fatal(err)
	}
	dir, st, now, ctx := b.TempDir(), &history.State{}, epoch, context.Background()
	round := func(failing int) int {
		before := len(gh.Requests())
		now = now.Add(5 * time.Minute)
		if _, err := m.Apply(ctx, dir, st, benchResults(l, now, failing), now); err != nil {
			b.Fatal(err)
		}
		return len(gh.Requests()) - before
	}
	round(0)
	steady, opening := 0, 0
	for i := 0; i < b.N; i++ {
		steady = round(0)
	}
	round(1)
	opening = round(1)
	b.ReportMetric(float64(steady), "calls/steady-round")
	b.ReportMetric(float64(opening), "calls/opening-round")
	b.Logf("GitHub API calls: %d per quiet round, %d for a round that opens one incident", steady, opening)
}
