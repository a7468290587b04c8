package sitegen

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// BenchmarkCreateFiles10000 creates as many files as a site of 1,000
// checks has (one directory per check, 4 kB each) in TMPDIR, one at a
// time: what file creation alone costs on that file system, which is
// most of a full build's wall time on a slow disk.
func BenchmarkCreateFiles10000(b *testing.B) {
	data := make([]byte, 4096)
	for it := 0; it < b.N; it++ {
		dir := b.TempDir()
		start := time.Now()
		for c := 0; c < 1000; c++ {
			d := filepath.Join(dir, "checks", fmt.Sprint(c))
			if err := os.MkdirAll(d, 0o755); err != nil {
				b.Fatal(err)
			}
			for f := 0; f < 10; f++ {
				if err := os.WriteFile(filepath.Join(d, fmt.Sprintf("f%d", f)), data, 0o644); err != nil {
					b.Fatal(err)
				}
			}
		}
		el := time.Since(start)
		b.ReportMetric(el.Seconds(), "create_s")
		fmt.Printf("10,000 files of 4 kB in %s: %.2fs\n", os.TempDir(), el.Seconds())
	}
}
