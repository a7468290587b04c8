package main

import (
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/upchain-dev/upchain/prober"
	"github.com/upchain-dev/upchain/prober/config"
)

// BenchmarkSiteRebuildQuiet runs serve's site stage on 1,000 checks x 1
// year of history: a full build, then a rebuild after a quiet round (no
// new history), and reports both (target: the quiet one at most 10 % of
// the full one).
func BenchmarkSiteRebuildQuiet(b *testing.B) {
	const n, days = 1000, 365
	root, _, _ := siteBenchRoot(b, n, days, 14)
	l, err := prober.Load(filepath.Join(root, "upchain.yml"), config.Options{AllowMissingSecrets: true})
	if err != nil {
		b.Fatal(err)
	}
	l.Site.Output = filepath.Join(root, "public")
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
		s.builder.Close()
		b.ReportMetric(full.Seconds(), "full_s")
		b.ReportMetric(quiet.Seconds(), "quiet_s")
		b.ReportMetric(100*quiet.Seconds()/full.Seconds(), "quiet_%_of_full")
		fmt.Printf("serve site stage, %d checks x %d days: full build %.2fs, rebuild after a quiet round %.3fs (%.1f %%)\n",
			n, days, full.Seconds(), quiet.Seconds(), 100*quiet.Seconds()/full.Seconds())
	}
}
