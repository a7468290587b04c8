package importer

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"
)

// BenchmarkUpptimeHistory converts a year of Upptime history of 20 sites
// (10 status changes each, one commit per change) into 5-minute samples
// and roll-ups: about 2.1 million samples.
func BenchmarkUpptimeHistory(b *testing.B) {
	repo := newUpptimeRepo(b)
	start := fixedNow.Add(-365 * 24 * time.Hour).Truncate(time.Hour)
	var sites strings.Builder
	sites.WriteString("sites:\n")
	for s := 0; s < 20; s++ {
		fmt.Fprintf(&sites, "  - name: site %d\n    url: https://s%d.example.org\n", s, s)
	}
	for c := 0; c < 10; c++ {
		at := start.Add(time.Duration(c) * 36 * 24 * time.Hour)
		for s := 0; s < 20; s++ {
			st := map[bool]string{true: "up", false: "down"}[c%2 == 0]
			repo.status(at.Add(time.Duration(s)*time.Minute), fmt.Sprintf("site-%d", s), st, 200, 100)
		}
	}
	repo.touch(fixedNow)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		res, err := Upptime([]byte(sites.String()), Options{})
		if err != nil {
			b.Fatal(err)
		}
		if err := UpptimeHistory(context.Background(), repo.dir, res, HistoryOptions{Now: func() time.Time { return fixedNow }}); err != nil {
			b.Fatal(err)
		}
		size := 0
		for _, f := range res.Extra {
			size += len(f)
		}
		b.ReportMetric(float64(size), "bytes-written")
		b.ReportMetric(float64(len(res.Extra)), "files")
	}
}
