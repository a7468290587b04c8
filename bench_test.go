package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// The round benchmarks run the real binary, `upchain probe --once --json`,
// as a child process against local servers, and print its wall time and
// peak RSS (the child's rusage). They assert nothing about either.

var (
	buildOnce sync.Once
	binPath   string
	buildErr  error
)

// upchainBinary builds the upchain binary once per test process.
func upchainBinary(b *testing.B) string {
	b.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "upchain-bench-")
		if err != nil {
			buildErr = err
			return
		}
		binPath = filepath.Join(dir, "upchain")
		out, err := exec.Command("go", "build", "-o", binPath, ".").CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		b.Fatal(buildErr)
	}
	return binPath
}

func TestMain(m *testing.M) {
	code := m.Run()
	if binPath != "" {
		os.RemoveAll(filepath.Dir(binPath))
	}
	os.Exit(code)
}

// roundResult is what one benchmarked round measured.
type roundResult struct {
	wall    time.Duration
	cpu     time.Duration // user+sys
	rssMB   float64
	summary map[string]int
}

// benchRound writes upchain.yml and checks/bench.yml (the given checks)
// into a temp dir and runs one round with the real binary.
func benchRound(b *testing.B, defaults string, checks []string) roundResult {
	return benchRoundEnv(b, nil, defaults, checks)
}

// benchRoundEnv is benchRound with env added to the child's environment.
func benchRoundEnv(b *testing.B, env []string, defaults string, checks []string) roundResult {
	b.Helper()
	dir := b.TempDir()
	if err := os.Mkdir(filepath.Join(dir, "checks"), 0o755); err != nil {
		b.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "upchain.yml"), []byte(defaults), 0o644); err != nil {
		b.Fatal(err)
	}
	file := "group: bench\nchecks:\n" + strings.Join(checks, "")
	if err := os.WriteFile(filepath.Join(dir, "checks", "bench.yml"), []byte(file), 0o644); err != nil {
		b.Fatal(err)
	}
	var stdout, stderr bytes.Buffer
	cmd := exec.Command(upchainBinary(b), "probe", "--once", "--json", "--config", filepath.Join(dir, "upchain.yml"))
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	cmd.Env = append(os.Environ(), env...)
	resetPeakRSS()
	start := time.Now()
	if err := cmd.Run(); err != nil {
		b.Fatalf("upchain probe: %v\n%s", err, stderr.String())
	}
	wall := time.Since(start)
	var out struct {
		Summary map[string]int `json:"summary"`
	}
	if err := json.Unmarshal(stdout.Bytes(), &out); err != nil {
		b.Fatalf("output: %v", err)
	}
	rss := float64(cmd.ProcessState.SysUsage().(*syscall.Rusage).Maxrss) / 1024 // KiB on Linux
	cpu := cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
	return roundResult{wall: wall, cpu: cpu, rssMB: rss, summary: out.Summary}
}

func report(b *testing.B, name string, r roundResult) {
	b.ReportMetric(r.wall.Seconds(), "round_s")
	b.ReportMetric(r.cpu.Seconds(), "cpu_s")
	b.ReportMetric(r.rssMB, "peak_rss_MB")
	b.ReportMetric(float64(r.summary["up"]), "up")
	b.ReportMetric(float64(r.summary["down"]), "down")
	fmt.Printf("%s: round %.2fs wall, %.2fs CPU, peak RSS %.1f MB, summary %v\n", name, r.wall.Seconds(), r.cpu.Seconds(), r.rssMB, r.summary)
}

// slowEndpoints serves HTTP and JSON-RPC over websocket on 127.0.0.1,
// answering every request after delay.
func slowEndpoints(b *testing.B, delay time.Duration) (httpURL, wsURL string) {
	h := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(delay)
		_, _ = io.WriteString(w, "ok")
	}))
	b.Cleanup(h.Close)
	return h.URL, jsonrpcWebsocket(b, delay, `{"isSyncing":false,"peers":12}`)
}

// mixedChecks is n checks, half http and half JSON-RPC over websocket.
func mixedChecks(n int, httpURL, wsURL string) []string {
	out := make([]string, 0, n)
	for i := 0; i < n; i++ {
		if i%2 == 0 {
			out = append(out, fmt.Sprintf("  - {name: http %d, kind: http, url: '%s/%d', conditions: [status == 200]}\n", i, httpURL, i))
		} else {
			out = append(out, fmt.Sprintf("  - {name: rpc %d, kind: jsonrpc, url: '%s/%d', jsonrpc: {method: system_health}, conditions: [result.peers >= 5]}\n", i, wsURL, i))
		}
	}
	return out
}

// BenchmarkRound1000Answering: 1,000 checks (mixed http and websocket
// JSON-RPC) against local servers answering in 50 ms, at the default
// concurrency bound. Targets: under 2 s wall, under 150 MB peak RSS.
func BenchmarkRound1000Answering(b *testing.B) {
	httpURL, wsURL := slowEndpoints(b, 50*time.Millisecond)
	checks := mixedChecks(1000, httpURL, wsURL)
	upchainBinary(b)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		report(b, "1000 checks answering in 50ms", benchRound(b, "", checks))
	}
}

// BenchmarkRound1000NeverAnswering: 1,000 checks against endpoints that
// accept connections and never answer, 5 s timeout, default retries and
// concurrency. Target: the round ends in about one timeout period (under
// 15 s), not in 1,000 of them.
func BenchmarkRound1000NeverAnswering(b *testing.B) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	var mu sync.Mutex
	var conns []net.Conn
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c) // held open, never written to
			mu.Unlock()
		}
	}()
	b.Cleanup(func() {
		ln.Close()
		<-done
		mu.Lock()
		for _, c := range conns {
			c.Close()
		}
		mu.Unlock()
	})
	addr := ln.Addr().String()
	checks := mixedChecks(1000, "http://"+addr, "ws://"+addr)
	upchainBinary(b)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		report(b, "1000 checks never answering, 5s timeout", benchRound(b, "defaults: {timeout: 5s}\n", checks))
	}
}

// BenchmarkRound10000Answering: 10,000 checks (half http, half JSON-RPC
// over websocket) answering in 50 ms, one round of `upchain probe --once`
// at each concurrency bound (defaults.concurrency) and GOMAXPROCS of the
// child (4 simulates a 4-core runner on fewer cores: the scheduler's
// parallelism, not the hardware). It must finish; it prints wall, CPU and
// peak RSS, to choose the default concurrency.
func BenchmarkRound10000Answering(b *testing.B) {
	httpURL, wsURL := slowEndpoints(b, 50*time.Millisecond)
	checks := mixedChecks(10000, httpURL, wsURL)
	upchainBinary(b)
	for _, procs := range []int{2, 4} {
		for _, conc := range []int{256, 512, 1024, 2048, 4096} {
			b.Run(fmt.Sprintf("procs=%d/concurrency=%d", procs, conc), func(b *testing.B) {
				for range b.N {
					r := benchRoundEnv(b, []string{fmt.Sprintf("GOMAXPROCS=%d", procs)}, fmt.Sprintf("defaults: {concurrency: %d, timeout: 10s}\n", conc), checks)
					report(b, fmt.Sprintf("10000 checks answering in 50ms, GOMAXPROCS=%d, concurrency %d", procs, conc), r)
				}
			})
		}
	}
}
