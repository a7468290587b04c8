package main

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"github.com/upchain-dev/upchain/prober"
	"github.com/upchain-dev/upchain/prober/config"
	"github.com/upchain-dev/upchain/prober/history"
)

// BenchmarkSiteRebuildQuiet runs serve's site stage on 1,000 checks x 1
// year of history: a full build, then a rebuild after a quiet round (no
// new history), and reports both (target: the quiet one at most 10 % of
// the full one); then, for comparison, a rebuild after one new round
// (which changes every page: the time of the newest data is on each).
func BenchmarkSiteRebuildQuiet(b *testing.B) {
	const n, days = 1000, 365
	root, _, _ := siteBenchRoot(b, n, days, 14)
	l, err := prober.Load(filepath.Join(root, "upchain.yml"), config.Options{AllowMissingSecrets: true})
	if err != nil {
		b.Fatal(err)
	}
	l.Site.Output = filepath.Join(root, "public")
	hist := filepath.Join(root, ".upchain", "history")
	privateHistory(b, hist) // before the first build: the stage keeps what it read of these files
	b.ResetTimer()
	for it := 0; it < b.N; it++ {
		s := &siteStage{}
		t0 := time.Now()
		if err := s.build(l, nil); err != nil {
			b.Fatal(err)
		}
		full := time.Since(t0)
		t1 := time.Now()
		if err := s.build(l, nil); err != nil {
			b.Fatal(err)
		}
		quiet := time.Since(t1)
		b.StopTimer()
		addSiteBenchRound(b, hist, n, siteBenchNow.Add(time.Duration(it+1)*5*time.Minute))
		b.StartTimer()
		var m0, m1 runtime.MemStats
		runtime.ReadMemStats(&m0)
		t2 := time.Now()
		if err := s.build(l, nil); err != nil {
			b.Fatal(err)
		}
		round := time.Since(t2)
		runtime.ReadMemStats(&m1)
		allocMB := float64(m1.TotalAlloc-m0.TotalAlloc) / (1 << 20)
		st := s.last
		s.builder.Close()
		b.ReportMetric(full.Seconds(), "full_s")
		b.ReportMetric(quiet.Seconds(), "quiet_s")
		b.ReportMetric(round.Seconds(), "new_round_s")
		b.ReportMetric(100*quiet.Seconds()/full.Seconds(), "quiet_%_of_full")
		b.ReportMetric(allocMB, "new_round_alloc_MB")
		fmt.Printf("serve site stage, %d checks x %d days: full build %.2fs, rebuild after a quiet round %.3fs (%.1f %%), after a new round %.2fs, %.0f MB allocated (%d of %d files written)\n",
			n, days, full.Seconds(), quiet.Seconds(), 100*quiet.Seconds()/full.Seconds(), round.Seconds(), allocMB, st.Written, st.Files)
	}
}

// privateHistory replaces a link to a reused history
// (UPCHAIN_BENCH_HISTORY) with a copy that the benchmark may change.
func privateHistory(b *testing.B, dir string) {
	b.Helper()
	if target, err := os.Readlink(dir); err == nil {
		if err := os.Remove(dir); err != nil {
			b.Fatal(err)
		}
		if o, err := exec.Command("cp", "-r", target, dir).CombinedOutput(); err != nil {
			b.Fatalf("copying history: %v\n%s", err, o)
		}
	}
}

// addSiteBenchRound records one more round of n checks at t, all up, in
// dir (see privateHistory).
func addSiteBenchRound(b *testing.B, dir string, n int, t time.Time) {
	b.Helper()
	smp := make([]history.Sample, n)
	for i := range smp {
		smp[i] = history.Sample{Time: t, Check: fmt.Sprintf("check-%04d", i), Region: "global", Status: prober.Up,
			Latency: 120 * time.Millisecond, Code: 200, Values: prober.Values{"height": "2000000", "peers": "12"}}
	}
	if err := history.AppendSamples(dir, smp); err != nil {
		b.Fatal(err)
	}
	data, err := os.ReadFile(filepath.Join(dir, history.StateFile))
	if err != nil {
		b.Fatal(err)
	}
	var st history.State
	if err := json.Unmarshal(data, &st); err != nil {
		b.Fatal(err)
	}
	st.Updated = t
	for _, regions := range st.Checks {
		for _, rs := range regions {
			rs.Last = t
		}
	}
	if data, err = json.Marshal(st); err != nil {
		b.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, history.StateFile), data, 0o644); err != nil {
		b.Fatal(err)
	}
}
