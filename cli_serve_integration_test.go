//go:build integration

package main

import (
	"encoding/json"
	"fmt"
	"github.com/upchain-dev/upchain/prober/testlog"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// process is a child started by a test, stopped by PID in Cleanup.
type process struct {
	cmd    *exec.Cmd
	log    *testlog.Buffer
	exited chan struct{}
	err    error
}

func startProcess(t testing.TB, name string, args ...string) *process {
	t.Helper()
	p := &process{cmd: exec.Command(name, args...), log: &testlog.Buffer{}, exited: make(chan struct{})}
	p.cmd.Stdout, p.cmd.Stderr = p.log, p.log
	if err := p.cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", name, err)
	}
	go func() { p.err = p.cmd.Wait(); close(p.exited) }()
	t.Cleanup(func() {
		select {
		case <-p.exited:
		default:
			_ = p.cmd.Process.Kill()
			<-p.exited
		}
	})
	return p
}

func (p *process) running() bool {
	select {
	case <-p.exited:
		return false
	default:
		return true
	}
}

// freePort returns a loopback port that was free a moment ago.
func freePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// startPrometheus runs the Debian prometheus on loopback with a temporary
// config and storage, scraping target every second, and waits until it is
// ready. It returns its base URL.
func startPrometheus(t *testing.T, target string) string {
	t.Helper()
	dir := t.TempDir()
	cfg := filepath.Join(dir, "prometheus.yml")
	body := fmt.Sprintf(`global:
  scrape_interval: 1s
  scrape_timeout: 1s
  evaluation_interval: 1s
scrape_configs:
  - job_name: upchain
    static_configs:
      - targets: [%q]
`, target)
	if err := os.WriteFile(cfg, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	for attempt := 0; ; attempt++ {
		port := freePort(t)
		p := startProcess(t, "/usr/bin/prometheus",
			"--config.file="+cfg,
			"--storage.tsdb.path="+filepath.Join(dir, fmt.Sprintf("data%d", attempt)),
			"--web.listen-address=127.0.0.1:"+strconv.Itoa(port),
			"--log.level=warn")
		base := "http://127.0.0.1:" + strconv.Itoa(port)
		deadline := time.Now().Add(60 * time.Second)
		for p.running() && time.Now().Before(deadline) {
			resp, err := http.Get(base + "/-/ready")
			if err == nil {
				resp.Body.Close()
				if resp.StatusCode == 200 {
					return base
				}
			}
			time.Sleep(200 * time.Millisecond)
		}
		if attempt == 2 {
			t.Fatalf("prometheus did not become ready:\n%s", p.log)
		}
		_ = p.cmd.Process.Kill()
		<-p.exited
	}
}

// promVector is the answer of Prometheus's /api/v1/query for a vector.
type promVector struct {
	Status string `json:"status"`
	Data   struct {
		Result []struct {
			Metric map[string]string `json:"metric"`
			Value  [2]any            `json:"value"`
		} `json:"result"`
	} `json:"data"`
}

// query runs an instant query and returns value by check label.
func query(t *testing.T, base, q string) map[string]string {
	t.Helper()
	resp, err := http.Get(base + "/api/v1/query?query=" + url.QueryEscape(q))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var v promVector
	if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&v); err != nil || v.Status != "success" {
		t.Fatalf("query %s: %v %+v", q, err, v)
	}
	out := map[string]string{}
	for _, r := range v.Data.Result {
		out[r.Metric["check"]], _ = r.Value[1].(string)
	}
	return out
}

// upchain serve against local endpoints, scraped by a real Prometheus:
// every check shows in Prometheus with the right probe_success, and
// SIGTERM ends the daemon cleanly.
func TestIntegrationServeScrapedByPrometheus(t *testing.T) {
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok") }))
	defer up.Close()
	down := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "maintenance", http.StatusServiceUnavailable)
	}))
	defer down.Close()
	upAddr := up.Listener.Addr().String()

	dir := t.TempDir()
	checks := serveCheck("web-up", up.URL) + serveCheck("web-down", down.URL) +
		"  - name: tcp-up\n    kind: tcp\n    url: tcp://" + upAddr + "\n    interval: 1s\n" +
		"  - name: tcp-down\n    kind: tcp\n    url: tcp://127.0.0.1:1\n    interval: 1s\n"
	writeServeConfig(t, dir, "defaults:\n  timeout: 2s\n  retries: 0\n", checks)

	daemon := startProcess(t, buildUpchain(t), "serve", "--config", filepath.Join(dir, "upchain.yml"), "--listen", "127.0.0.1:0")
	var addr string
	deadline := time.Now().Add(30 * time.Second)
	for addr == "" {
		if m := listenRE.FindStringSubmatch(daemon.log.String()); m != nil {
			addr = m[1]
		} else if !daemon.running() || time.Now().After(deadline) {
			t.Fatalf("upchain serve did not start:\n%s", daemon.log)
		}
		time.Sleep(50 * time.Millisecond)
	}

	prom := startPrometheus(t, addr)
	want := map[string]string{"web-up": "1", "web-down": "0", "tcp-up": "1", "tcp-down": "0"}
	var got map[string]string
	deadline = time.Now().Add(90 * time.Second)
	for {
		got = query(t, prom, "probe_success")
		if fmt.Sprint(got) == fmt.Sprint(want) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("Prometheus has probe_success %v, want %v\nupchain log:\n%s", got, want, daemon.log)
		}
		time.Sleep(500 * time.Millisecond)
	}
	if codes := query(t, prom, `probe_http_status_code{job="upchain"}`); codes["web-up"] != "200" || codes["web-down"] != "503" {
		t.Errorf("probe_http_status_code in Prometheus = %v", codes)
	}

	if err := daemon.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case <-daemon.exited:
	case <-time.After(60 * time.Second):
		t.Fatalf("upchain serve did not exit after SIGTERM:\n%s", daemon.log)
	}
	if daemon.err != nil || !strings.Contains(daemon.log.String(), "msg=stopped") {
		t.Errorf("upchain serve exited with %v after SIGTERM:\n%s", daemon.err, daemon.log)
	}
}
