package main

import (
	"encoding/json"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// BenchmarkServeStartup1000Checks starts `upchain serve` on the issue-22
// workload and reports the CPU (user+sys, git included) it spent until
// the config was loaded ("starting") and until every check was probed
// once ("first round done"), and how long that took.
func BenchmarkServeStartup1000Checks(b *testing.B) {
	w := newWorkload(b, workloadChecks)
	bin := upchainBinary(b)
	b.ResetTimer()
	for range b.N {
		dir := b.TempDir()
		writeServeConfig(b, dir, "defaults:\n  timeout: 5s\n  retries: 0\nserve:\n  listen: 127.0.0.1:0\n", w.upchainChecks("u"))
		args := []string{"serve", "--config", filepath.Join(dir, "upchain.yml")}
		profDir := os.Getenv("UPCHAIN_SERVE_PPROF")
		if profDir != "" {
			args = append(args, "--pprof")
		}
		p := startDaemon(b, nil, bin, args...)
		p.waitLog(b, "msg=starting", time.Minute)
		loadCPU, _, _, err := procStats(p.cmd.Process.Pid)
		if err != nil {
			b.Fatal(err)
		}
		// The first 29 s of probing (the server's write timeout is 30 s).
		profiled := make(chan struct{})
		go func() {
			defer close(profiled)
			if m := listenRE.FindStringSubmatch(p.log.String()); profDir != "" && m != nil {
				saveProfile(profDir, "startup-cpu.pprof", m[1], "/debug/pprof/profile?seconds=29")
			}
		}()
		at := p.waitLog(b, "first round done", 3*time.Minute)
		cpu, _, hwm, err := procStats(p.cmd.Process.Pid)
		if err != nil {
			b.Fatal(err)
		}
		_, gitCPU, err := procCPU(p.cmd.Process.Pid)
		if err != nil {
			b.Fatal(err)
		}
		// Then the first site build, which is not part of start-up any more.
		<-profiled
		heapDone, siteProfiled := make(chan struct{}), make(chan struct{})
		if m := listenRE.FindStringSubmatch(p.log.String()); profDir != "" && m != nil {
			go func() {
				defer close(siteProfiled)
				saveProfile(profDir, "first-site-cpu.pprof", m[1], "/debug/pprof/profile?seconds=15")
			}()
			// The live heap during the build, every half second (each
			// sample collects garbage first, so the build runs longer).
			go func() {
				for i := 0; ; i++ {
					select {
					case <-heapDone:
						return
					case <-time.After(500 * time.Millisecond):
					}
					saveProfile(profDir, fmt.Sprintf("first-site-heap-%02d.pprof", i), m[1], "/debug/pprof/heap?gc=1")
				}
			}()
		} else {
			close(siteProfiled)
		}
		p.waitLog(b, "site built", 5*time.Minute)
		close(heapDone)
		if m := listenRE.FindStringSubmatch(p.log.String()); profDir != "" && m != nil {
			// The runtime's memory classes (MemStats) at the end.
			saveProfile(profDir, "first-site-memstats.txt", m[1], "/debug/pprof/heap?debug=1")
		}
		siteCPU, _, siteHWM, err := procStats(p.cmd.Process.Pid)
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric((siteCPU - cpu).Seconds(), "first_site_cpu_s")
		b.ReportMetric(float64(siteHWM)/(1<<20), "peak_rss_with_site_MB")
		fmt.Printf("serve start-up: the first site build then took %.2f s of CPU, peak RSS %.1f MB; %s\n", (siteCPU - cpu).Seconds(), float64(siteHWM)/(1<<20), logLine(p.log.String(), "first round done"))
		b.ReportMetric(loadCPU.Seconds(), "load_cpu_s")
		b.ReportMetric(cpu.Seconds(), "first_round_cpu_s")
		b.ReportMetric(gitCPU.Seconds(), "first_round_git_cpu_s")
		b.ReportMetric(at.Sub(p.started).Seconds(), "first_round_s")
		b.ReportMetric(float64(hwm)/(1<<20), "peak_rss_MB")
		fmt.Printf("serve start-up, %d checks: config loaded after %.2f s of CPU; first round done after %.1f s wall, %.2f s of CPU (target ≤ 1 s; git's %.2f s of it), peak RSS %.1f MB\n",
			workloadChecks, loadCPU.Seconds(), at.Sub(p.started).Seconds(), cpu.Seconds(), gitCPU.Seconds(), float64(hwm)/(1<<20))
		<-siteProfiled // before the daemon stops
		_ = p.cmd.Process.Signal(os.Interrupt)
	}
}

// The side-by-side run lasts this long (env UPCHAIN_GATUS_BENCH; 0 skips
// it): long enough that its window holds a history commit and a site
// rebuild (every 5 minutes).
var gatusBench = envDuration("UPCHAIN_GATUS_BENCH", 9*time.Minute)

// gatusWarmup is how long both run before the window: Gatus starts its
// endpoints' monitors 222 ms apart, so 1,000 of them all run only after
// 222 s.
const gatusWarmup = 4 * time.Minute

// gatusVersion is the Gatus the side-by-side benchmark builds.
const gatusVersion = "v5.36.0"

// gatusBinary builds Gatus from the module proxy once and caches the
// binary under $HOME/.cache/upchain-bench; it skips b if that fails.
func gatusBinary(b *testing.B) string {
	home, err := os.UserHomeDir()
	if err != nil {
		b.Skipf("Gatus not built: no home directory for its cache: %v", err)
	}
	bin := filepath.Join(home, ".cache", "upchain-bench", "gatus-"+gatusVersion)
	if _, err := os.Stat(bin); err == nil {
		return bin
	}
	out, err := exec.Command("go", "mod", "download", "-json", "github.com/TwiN/gatus/v5@"+gatusVersion).Output()
	if err != nil {
		b.Skipf("Gatus %s cannot be built: go mod download: %v", gatusVersion, err)
	}
	var mod struct{ Dir string }
	if err := json.Unmarshal(out, &mod); err != nil || mod.Dir == "" {
		b.Skipf("Gatus %s cannot be built: go mod download said %s", gatusVersion, out)
	}
	if err := os.MkdirAll(filepath.Dir(bin), 0o755); err != nil {
		b.Skipf("Gatus not built: %v", err)
	}
	build := exec.Command("go", "build", "-o", bin+".tmp", ".")
	build.Dir = mod.Dir
	build.Env = append(os.Environ(), "GOFLAGS=-mod=mod")
	if out, err := build.CombinedOutput(); err != nil {
		b.Skipf("Gatus %s cannot be built (it takes a few minutes once): %v\n%s", gatusVersion, err, tail(string(out), 2000))
	}
	if err := os.Rename(bin+".tmp", bin); err != nil {
		b.Skipf("Gatus not built: %v", err)
	}
	return bin
}

// gatusConfig is the same workload for Gatus under prefix, on port.
// disable-monitoring-lock makes its concurrency unlimited: in v5.36.0
// `concurrency: 0` falls back to the default of 3, which cannot keep 1,000
// endpoints at 30 s.
func (w *workload) gatusConfig(prefix string, port int) string {
	var sb strings.Builder
	fmt.Fprintf(&sb, "disable-monitoring-lock: true\nstorage:\n  type: memory\nweb:\n  address: 127.0.0.1\n  port: %d\nendpoints:\n", port)
	for i := range w.n {
		if i%2 == 0 {
			fmt.Fprintf(&sb, "  - name: check-%d\n    group: local\n    interval: %s\n    url: %s/%s/%d\n    client: {timeout: 5s}\n    conditions: ['[STATUS] == 200']\n",
				i, workloadInterval, w.httpURL, prefix, i)
		} else {
			fmt.Fprintf(&sb, "  - name: check-%d\n    group: local\n    interval: %s\n    url: %s/%s/%d\n    client: {timeout: 5s}\n    body: '{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"system_health\",\"params\":[]}'\n    conditions: ['[CONNECTED] == true', '[BODY].result.peers >= 5']\n",
				i, workloadInterval, w.wsURL, prefix, i)
		}
	}
	return sb.String()
}

// monitorFigures are one monitor's measurements in the side-by-side run.
type monitorFigures struct {
	name        string
	firstAll    time.Duration // start to every endpoint answered once
	cpuShare    float64       // % of one core over the window
	peakMB      float64       // peak RSS within the window
	probesPerS  float64       // requests answered per second in the window
	cpuPerProbe time.Duration
}

// BenchmarkServeVsGatus runs `upchain serve` and Gatus side by side on the
// same 1,000 endpoints (500 HTTP, 500 JSON-RPC over websocket, 50 ms each,
// every check at 30 s) and reports, for each, the time until every
// endpoint had been probed once, and over the window after the warm-up
// (which holds upchain's history commit at 5:00 and site rebuild at about
// 5:30) CPU share of one core, CPU per probe, peak RSS and probes per
// second. Gatus is built once from the module proxy (skipped if it cannot
// be).
func BenchmarkServeVsGatus(b *testing.B) {
	if gatusBench <= 0 {
		b.Skip("UPCHAIN_GATUS_BENCH=0")
	}
	const warmup = gatusWarmup
	if gatusBench <= warmup {
		b.Fatalf("UPCHAIN_GATUS_BENCH=%s: needs more than the %s warm-up", gatusBench, warmup)
	}
	gatus := gatusBinary(b)
	bin := upchainBinary(b)
	w := newWorkload(b, workloadChecks)
	dir := b.TempDir()
	writeServeConfig(b, dir, "defaults:\n  timeout: 5s\n  retries: 0\nserve:\n  listen: 127.0.0.1:0\n", w.upchainChecks("u"))
	port := loopbackPort(b)
	gatusCfg := filepath.Join(dir, "gatus.yaml")
	if err := os.WriteFile(gatusCfg, []byte(w.gatusConfig("g", port)), 0o644); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	args := []string{"serve", "--config", filepath.Join(dir, "upchain.yml")}
	profDir := os.Getenv("UPCHAIN_SERVE_PPROF")
	if profDir != "" {
		args = append(args, "--pprof")
	}
	up := startDaemon(b, nil, bin, args...)
	gt := startDaemon(b, []string{"GATUS_CONFIG_PATH=" + gatusCfg, "GATUS_LOG_LEVEL=WARN"}, gatus)
	procs := []struct {
		*daemonProc
		name, prefix string
	}{{up, "upchain serve", "u"}, {gt, "Gatus " + gatusVersion, "g"}}

	time.Sleep(warmup)
	type mark struct {
		cpu time.Duration
		req int64
	}
	start := make([]mark, len(procs))
	for i, p := range procs {
		cpu, _, _, err := procStats(p.cmd.Process.Pid)
		if err != nil {
			b.Fatalf("%s gone: %v\n%s", p.name, err, tail(p.log.String(), 4000))
		}
		if err := resetPeak(p.cmd.Process.Pid); err != nil {
			b.Fatal(err)
		}
		req, _ := w.count(p.prefix)
		start[i] = mark{cpu, req}
	}
	stopProfiles := func() {}
	if m := listenRE.FindStringSubmatch(up.log.String()); m != nil {
		stopProfiles = profileDaemon(b, profDir, m[1])
	}
	t0 := time.Now()
	window := gatusBench - warmup
	for elapsed := time.Duration(0); elapsed < window; elapsed = time.Since(t0) {
		time.Sleep(min(time.Minute, window-elapsed))
		for i, p := range procs {
			cpu, rss, _, err := procStats(p.cmd.Process.Pid)
			if err != nil {
				b.Fatalf("%s gone: %v\n%s", p.name, err, tail(p.log.String(), 4000))
			}
			fmt.Fprintf(os.Stderr, "vs gatus: %s: %s: cpu %.2f%% of a core, rss %.1f MB\n",
				time.Since(t0).Round(time.Second), p.name, 100*float64(cpu-start[i].cpu)/float64(time.Since(t0)), float64(rss)/(1<<20))
		}
	}
	wall := time.Since(t0)
	stopProfiles()
	var figs []monitorFigures
	for i, p := range procs {
		cpu, _, hwm, err := procStats(p.cmd.Process.Pid)
		if err != nil {
			b.Fatal(err)
		}
		req, all := w.count(p.prefix)
		f := monitorFigures{name: p.name, cpuShare: 100 * float64(cpu-start[i].cpu) / float64(wall), peakMB: float64(hwm) / (1 << 20),
			probesPerS: float64(req-start[i].req) / wall.Seconds()}
		if n := req - start[i].req; n > 0 {
			f.cpuPerProbe = (cpu - start[i].cpu) / time.Duration(n)
		}
		if !all.IsZero() {
			f.firstAll = all.Sub(p.started)
		}
		figs = append(figs, f)
	}
	b.StopTimer()
	for i, f := range figs {
		tag := []string{"upchain", "gatus"}[i]
		b.ReportMetric(f.cpuShare, tag+"_cpu_%")
		b.ReportMetric(f.peakMB, tag+"_peak_MB")
		b.ReportMetric(f.firstAll.Seconds(), tag+"_first_all_s")
		b.ReportMetric(f.probesPerS, tag+"_probes/s")
		b.ReportMetric(float64(f.cpuPerProbe.Microseconds())/1000, tag+"_cpu_ms/probe")
		first := "not all endpoints probed"
		if f.firstAll > 0 {
			first = fmt.Sprintf("%.1f s", f.firstAll.Seconds())
		}
		fmt.Printf("vs gatus: %s: first result for all %d: %s; window %s after %s warm-up: cpu %.2f%% of one core (%.2f ms a probe), peak RSS %.1f MB, %.1f probes/s (expected %.1f)\n",
			f.name, workloadChecks, first, wall.Round(time.Second), warmup, f.cpuShare, float64(f.cpuPerProbe.Microseconds())/1000, f.peakMB, f.probesPerS, float64(workloadChecks)/workloadInterval.Seconds())
	}
	if figs[1].cpuShare > 0 {
		b.ReportMetric(figs[0].cpuShare/figs[1].cpuShare, "cpu_ratio")
		fmt.Printf("vs gatus: upchain's CPU is %.2f× Gatus's (target ≤ 0.8)\n", figs[0].cpuShare/figs[1].cpuShare)
	}
}

// loopbackPort is a loopback TCP port that was free a moment ago.
func loopbackPort(b *testing.B) int {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// logLine is the first line of log that contains s.
func logLine(log, s string) string {
	for _, l := range strings.Split(log, "\n") {
		if strings.Contains(l, s) {
			return l
		}
	}
	return ""
}
