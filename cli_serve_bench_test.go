package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"github.com/upchain-dev/upchain/prober/testlog"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"

	"github.com/prometheus/common/expfmt"
	"time"
)

// The daemon benchmark runs for this long (env UPCHAIN_SERVE_BENCH or
// -serve-bench=DURATION; 0 skips it).
var serveBench = flag.Duration("serve-bench", envDuration("UPCHAIN_SERVE_BENCH", 10*time.Minute), "how long BenchmarkServe1000Checks runs the daemon")

func envDuration(name string, def time.Duration) time.Duration {
	if v := os.Getenv(name); v != "" {
		if d, err := time.ParseDuration(v); err == nil {
			return d
		}
	}
	return def
}

// procStats reads a process's CPU time (utime+stime, plus that of its
// children that it waited for: git) and its resident and peak resident
// memory from /proc.
func procStats(pid int) (cpu time.Duration, rss, hwm int64, err error) {
	own, children, err := procCPU(pid)
	if err != nil {
		return 0, 0, 0, err
	}
	cpu = own + children
	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, 0, 0, err
	}
	for _, line := range strings.Split(string(status), "\n") {
		k, v, _ := strings.Cut(line, ":")
		kb, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
		switch k {
		case "VmRSS":
			rss = kb << 10
		case "VmHWM":
			hwm = kb << 10
		}
	}
	return cpu, rss, hwm, nil
}

// procCPU is the CPU (user + system) a process spent itself and what its
// waited-for children (git) spent.
func procCPU(pid int) (own, children time.Duration, err error) {
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, 0, err
	}
	// Fields after the command name, which is in parentheses and may hold
	// spaces: state is field 3, utime 14 and stime 15.
	rest := string(stat[strings.LastIndexByte(string(stat), ')')+2:])
	f := strings.Fields(rest)
	tick := func(i int) time.Duration {
		t, _ := strconv.ParseInt(f[i], 10, 64)
		// USER_HZ is 100 on every Linux ABI Go supports.
		return time.Duration(t) * time.Second / 100
	}
	return tick(11) + tick(12), tick(13) + tick(14), nil // utime+stime, cutime+cstime
}

// benchEndpoints serves the probed endpoints from the benchmark process, so
// that their CPU does not count against the daemon.
func benchEndpoints(b *testing.B) (up, down, rpc *httptest.Server, requests *atomic.Int64) {
	requests = &atomic.Int64{}
	up = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		requests.Add(1)
		io.WriteString(w, `{"status":"ok","height":123456}`)
	}))
	down = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		requests.Add(1)
		http.Error(w, "maintenance", http.StatusServiceUnavailable)
	}))
	rpc = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		requests.Add(1)
		var req struct {
			ID json.RawMessage `json:"id"`
		}
		_ = json.NewDecoder(io.LimitReader(r.Body, 1<<16)).Decode(&req)
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"jsonrpc":"2.0","id":%s,"result":"0x1312d00"}`, req.ID)
	}))
	b.Cleanup(func() { up.Close(); down.Close(); rpc.Close() })
	return up, down, rpc, requests
}

// BenchmarkServe1000Checks runs `upchain serve` with 1,000 checks at 30 s
// intervals against local endpoints (70% HTTP up, 10% HTTP down, 10% TCP,
// 10% JSON-RPC) and reports the daemon's CPU share of one core, its
// resident memory, and how long a /metrics scrape takes.
func BenchmarkServe1000Checks(b *testing.B) {
	if *serveBench <= 0 {
		b.Skip("UPCHAIN_SERVE_BENCH=0")
	}
	const n, interval = 1000, 30 * time.Second
	up, down, rpc, requests := benchEndpoints(b)
	upAddr := up.Listener.Addr().String()
	var checks strings.Builder
	for i := range n {
		fmt.Fprintf(&checks, "  - name: check %d\n    interval: 30s\n", i)
		switch {
		case i%10 == 7:
			fmt.Fprintf(&checks, "    kind: http\n    url: %s/down/%d\n", down.URL, i)
		case i%10 == 8:
			fmt.Fprintf(&checks, "    kind: tcp\n    url: tcp://%s\n", upAddr)
		case i%10 == 9:
			fmt.Fprintf(&checks, "    kind: jsonrpc\n    url: %s/rpc/%d\n    jsonrpc:\n      method: eth_blockNumber\n    conditions:\n      - result > 0\n", rpc.URL, i)
		default:
			fmt.Fprintf(&checks, "    kind: http\n    url: %s/up/%d\n    conditions:\n      - status == 200\n      - json.height > 0\n", up.URL, i)
		}
	}
	dir := b.TempDir()
	writeServeConfig(b, dir, "defaults:\n  timeout: 5s\n  retries: 0\n", checks.String())
	if _, err := os.Stat(filepath.Join(dir, "checks", "local.yml")); err != nil {
		b.Fatal(err)
	}

	bin := buildUpchain(b)
	log := &testlog.Buffer{}
	args := []string{"serve", "--config", filepath.Join(dir, "upchain.yml"), "--listen", "127.0.0.1:0"}
	profDir := os.Getenv("UPCHAIN_SERVE_PPROF")
	if profDir != "" {
		args = append(args, "--pprof")
	}
	cmd := exec.Command(bin, args...)
	cmd.Stdout, cmd.Stderr = log, log
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	b.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(time.Minute):
			_ = cmd.Process.Kill()
			<-exited
		}
	})
	var addr string
	for deadline := time.Now().Add(time.Minute); addr == ""; time.Sleep(50 * time.Millisecond) {
		if m := listenRE.FindStringSubmatch(log.String()); m != nil {
			addr = m[1]
		} else if time.Now().After(deadline) {
			b.Fatalf("upchain serve did not start:\n%s", log)
		}
	}
	pid := cmd.Process.Pid
	stopProfiles := profileDaemon(b, profDir, addr)

	b.ResetTimer()
	cpu0, _, _, err := procStats(pid)
	if err != nil {
		b.Fatal(err)
	}
	start := time.Now()
	req0 := requests.Load()
	// Progress once a minute (to stderr: the run is long).
	for elapsed := time.Duration(0); elapsed < *serveBench; elapsed = time.Since(start) {
		step := min(time.Minute, *serveBench-elapsed)
		time.Sleep(step)
		cpu, rss, _, err := procStats(pid)
		if err != nil {
			b.Fatalf("daemon gone: %v\n%s", err, log)
		}
		fmt.Fprintf(os.Stderr, "serve bench: %s: cpu %.2f%% of a core, rss %.1f MB, %d requests\n",
			time.Since(start).Round(time.Second), 100*float64(cpu-cpu0)/float64(time.Since(start)), float64(rss)/(1<<20), requests.Load()-req0)
	}
	wall := time.Since(start)
	cpu1, rss, hwm, err := procStats(pid)
	if err != nil {
		b.Fatal(err)
	}
	probes := requests.Load() - req0
	stopProfiles()

	// Scrape /metrics as Prometheus would.
	var scrapes []time.Duration
	var size int
	var lastBody []byte
	for range 20 {
		t0 := time.Now()
		resp, err := http.Get("http://" + addr + "/metrics")
		if err != nil {
			b.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		scrapes = append(scrapes, time.Since(t0))
		size = len(body)
		lastBody = body
		if !strings.Contains(string(body), `probe_success{check="check-999"`) {
			b.Fatalf("/metrics lacks check-999 after %s", wall)
		}
	}
	b.StopTimer()
	var parser expfmt.TextParser
	families, err := parser.TextToMetricFamilies(strings.NewReader(string(lastBody)))
	if err != nil {
		b.Fatalf("/metrics does not parse: %v", err)
	}
	var probed float64
	for _, m := range families["upchain_probes_total"].GetMetric() {
		probed += m.GetCounter().GetValue()
	}
	sort.Slice(scrapes, func(i, j int) bool { return scrapes[i] < scrapes[j] })
	var total time.Duration
	for _, s := range scrapes {
		total += s
	}
	cpuShare := 100 * float64(cpu1-cpu0) / float64(wall)
	b.ReportMetric(cpuShare, "cpu_%_of_core")
	b.ReportMetric(float64(rss)/(1<<20), "rss_MB")
	b.ReportMetric(float64(hwm)/(1<<20), "peak_rss_MB")
	b.ReportMetric(float64(total.Microseconds())/float64(len(scrapes))/1000, "scrape_ms")
	b.ReportMetric(probed/wall.Seconds(), "probes/s")
	fmt.Printf("serve bench: %d checks at %s for %s: cpu %.2f%% of one core (target < 10%%), rss %.1f MB, peak %.1f MB (target < 200 MB); "+
		"%.0f probes (%.1f/s, expected %.1f/s; %d HTTP requests answered); /metrics %d bytes, scrape mean %s, median %s, max %s\n",
		n, interval, wall.Round(time.Second), cpuShare, float64(rss)/(1<<20), float64(hwm)/(1<<20),
		probed, probed/wall.Seconds(), float64(n)/interval.Seconds(), probes, size,
		(total / time.Duration(len(scrapes))).Round(time.Microsecond), scrapes[len(scrapes)/2].Round(time.Microsecond), scrapes[len(scrapes)-1].Round(time.Microsecond))
}

// profileDaemon saves the daemon's CPU profile, in consecutive 25 s windows
// (cpu-N.pprof; `go tool pprof` merges them), and at the end its heap and
// allocations (heap.pprof), into dir (UPCHAIN_SERVE_PPROF); nothing if dir
// is empty. The returned func ends the profiling.
func profileDaemon(b *testing.B, dir, addr string) (stop func()) {
	if dir == "" {
		return func() {}
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		b.Fatal(err)
	}
	save := func(name, path string) { saveProfile(dir, name, addr, path) }
	quit, done := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(done)
		for i := 0; ; i++ {
			select {
			case <-quit:
				return
			default:
			}
			save(fmt.Sprintf("cpu-%02d.pprof", i), "/debug/pprof/profile?seconds=25")
		}
	}()
	return func() {
		close(quit)
		<-done
		save("heap.pprof", "/debug/pprof/heap")
		fmt.Fprintln(os.Stderr, "serve bench: profiles in", dir)
	}
}

// saveProfile fetches path (a /debug/pprof/ URL) from the daemon at addr
// into dir/name, reporting failures on stderr only: profiles are an aid,
// not a figure.
func saveProfile(dir, name, addr, path string) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		fmt.Fprintln(os.Stderr, "profile:", err)
		return
	}
	resp, err := http.Get("http://" + addr + path)
	if err != nil {
		fmt.Fprintln(os.Stderr, "profile:", err)
		return
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		fmt.Fprintf(os.Stderr, "profile %s: HTTP %d %s\n", path, resp.StatusCode, data)
		return
	}
	_ = os.WriteFile(filepath.Join(dir, name), data, 0o644)
}
