//go:build linux

package sitegen

import (
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// The build benchmarks run Build on a generated Input of the stated size
// (the history adapter's loading time is not included: it is measured
// where history is read). Each build runs in a child process so that its
// peak RSS is its own; the child holds the whole Input in memory, as
// `upchain build` does.

func BenchmarkBuild200Checks90Days(b *testing.B) {
	benchBuild(b, fixtureSize{checks: 200, days: 90})
}

func BenchmarkBuild1000Checks1Year(b *testing.B) {
	benchBuild(b, fixtureSize{checks: 1000, days: 365})
}

const benchChildEnv = "SITEGEN_BENCH_CHILD"

func benchBuild(b *testing.B, size fixtureSize) {
	for i := 0; i < b.N; i++ {
		out := filepath.Join(b.TempDir(), "public")
		cmd := exec.Command(os.Args[0], "-test.run=^TestBenchChild$", "-test.count=1", "-test.v")
		cmd.Env = append(os.Environ(), fmt.Sprintf("%s=%d,%d,%s", benchChildEnv, size.checks, size.days, out))
		resetPeakRSS()
		output, err := cmd.CombinedOutput()
		if err != nil {
			b.Fatalf("child: %v\n%s", err, output)
		}
		var gen, build, inputMB, sizeMB, fsBase float64
		var files int
		line := ""
		for _, l := range strings.Split(string(output), "\n") {
			if strings.Contains(l, "bench:") {
				line = l[strings.Index(l, "bench:"):]
			}
		}
		if _, err := fmt.Sscanf(line, "bench: gen_s=%f build_s=%f input_mb=%f files=%d size_mb=%f fs_baseline_s=%f", &gen, &build, &inputMB, &files, &sizeMB, &fsBase); err != nil {
			b.Fatalf("child output %q: %v\n%s", line, err, output)
		}
		ru := cmd.ProcessState.SysUsage().(*syscall.Rusage)
		rss := float64(ru.Maxrss) / 1024 // KiB on Linux
		b.ReportMetric(build, "build-s")
		b.ReportMetric(fsBase, "fs-baseline-s")
		user := time.Duration(ru.Utime.Nano()).Seconds()
		sys := time.Duration(ru.Stime.Nano()).Seconds()
		b.ReportMetric(user, "user-cpu-s")
		b.ReportMetric(sys, "sys-cpu-s")
		b.ReportMetric(rss, "peak-RSS-MiB")
		b.ReportMetric(float64(files), "files")
		b.ReportMetric(sizeMB, "site-MiB")
		b.Logf("%d checks x %d days: input generated in %.2fs (%.0f MiB live), Build %.2fs, peak RSS %.0f MiB (whole process), %d files, %.0f MiB written; "+
			"writing the same number and size of files with os.WriteFile alone takes %.2fs on this machine now (the filesystem's share); child CPU %.2fs user + %.2fs sys (generation, build and baseline); GOMAXPROCS=%d",
			size.checks, size.days, gen, inputMB, build, rss, files, sizeMB, fsBase, user, sys, runtime.GOMAXPROCS(0))
	}
}

// TestBenchChild is the child half of the build benchmarks.
func TestBenchChild(t *testing.T) {
	spec := os.Getenv(benchChildEnv)
	if spec == "" {
		t.Skip("run by the build benchmarks only")
	}
	var checks, days int
	var out string
	parts := strings.SplitN(spec, ",", 3)
	if len(parts) != 3 {
		t.Fatalf("bad %s=%q", benchChildEnv, spec)
	}
	fmt.Sscan(parts[0], &checks)
	fmt.Sscan(parts[1], &days)
	out = parts[2]
	start := time.Now()
	in := fixture(fixtureSize{checks: checks, days: days})
	gen := time.Since(start)
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	start = time.Now()
	if err := Build(in, out); err != nil {
		t.Fatal(err)
	}
	build := time.Since(start)
	files, size := 0, int64(0)
	_ = filepath.WalkDir(out, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			files++
			if info, err := d.Info(); err == nil {
				size += info.Size()
			}
		}
		return nil
	})
	base := fsBaseline(t, filepath.Join(filepath.Dir(out), "baseline"), files, size)
	fmt.Printf("bench: gen_s=%.3f build_s=%.3f input_mb=%.1f files=%d size_mb=%.1f fs_baseline_s=%.3f\n",
		gen.Seconds(), build.Seconds(), float64(ms.HeapAlloc)/(1<<20), files, float64(size)/(1<<20), base.Seconds())
}

// fsBaseline writes files files of the same total size, ten to a
// directory, with as many goroutines as Build uses: what the filesystem
// alone costs for the site's file count on this machine at this moment.
func fsBaseline(t *testing.T, dir string, files int, size int64) time.Duration {
	data := make([]byte, size/int64(max(files, 1)))
	start := time.Now()
	for i := 0; i < files; i += 10 {
		if err := os.MkdirAll(filepath.Join(dir, fmt.Sprint(i/10)), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	jobs := make(chan int)
	var wg sync.WaitGroup
	for range max(4, 2*runtime.GOMAXPROCS(0)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range jobs {
				d := filepath.Join(dir, fmt.Sprint(i/10))
				if err := os.WriteFile(filepath.Join(d, fmt.Sprint(i)), data, 0o644); err != nil {
					t.Error(err)
				}
			}
		}()
	}
	for i := 0; i < files; i++ {
		jobs <- i
	}
	close(jobs)
	wg.Wait()
	return time.Since(start)
}

// resetPeakRSS lowers this process's peak RSS to what it uses now, before
// starting a child whose peak RSS the benchmark reports: Linux starts a
// child's peak from the parent's at exec.
func resetPeakRSS() {
	debug.FreeOSMemory()
	_ = os.WriteFile("/proc/self/clear_refs", []byte("5"), 0)
}
