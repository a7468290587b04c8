package main

import (
	"encoding/json"
	"fmt"
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

	"github.com/gorilla/websocket"
	"github.com/upchain-dev/upchain/prober/testlog"
)

// The issue-22 workload: 1,000 local endpoints, 500 HTTP and 500 JSON-RPC
// over websocket, each answering in 50 ms, every check at 30 s. Several
// monitors may probe them at once: each uses its own path prefix
// (/u/N, /g/N), and the endpoints count requests per prefix.

const (
	workloadChecks   = 1000
	workloadDelay    = 50 * time.Millisecond
	workloadInterval = 30 * time.Second
)

// workload counts what the endpoints answered, per path prefix.
type workload struct {
	httpURL, wsURL string

	mu    sync.Mutex
	total map[string]int64
	seen  map[string]map[string]bool // prefix -> distinct paths
	// all is when every one of n distinct paths of a prefix was first hit.
	all map[string]time.Time
	n   int
}

func newWorkload(b *testing.B, n int) *workload {
	w := &workload{total: map[string]int64{}, seen: map[string]map[string]bool{}, all: map[string]time.Time{}, n: n}
	h := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		time.Sleep(workloadDelay)
		w.hit(r.URL.Path)
		_, _ = rw.Write([]byte("ok"))
	}))
	// Gatus's websocket client sends an Origin that is not the host.
	up := websocket.Upgrader{CheckOrigin: func(*http.Request) bool { return true }}
	ws := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		c, err := up.Upgrade(rw, r, nil)
		if err != nil {
			return
		}
		defer c.Close()
		c.SetReadLimit(1 << 16)
		for {
			var req struct {
				ID json.RawMessage `json:"id"`
			}
			if c.ReadJSON(&req) != nil {
				return
			}
			if len(req.ID) == 0 {
				req.ID = json.RawMessage("1")
			}
			time.Sleep(workloadDelay)
			w.hit(r.URL.Path)
			if c.WriteMessage(websocket.TextMessage, []byte(`{"jsonrpc":"2.0","id":`+string(req.ID)+`,"result":{"isSyncing":false,"peers":12}}`)) != nil {
				return
			}
		}
	}))
	b.Cleanup(func() { h.Close(); ws.Close() })
	w.httpURL, w.wsURL = h.URL, "ws"+strings.TrimPrefix(ws.URL, "http")
	return w
}

func (w *workload) hit(path string) {
	prefix, _, _ := strings.Cut(strings.TrimPrefix(path, "/"), "/")
	w.mu.Lock()
	defer w.mu.Unlock()
	w.total[prefix]++
	s := w.seen[prefix]
	if s == nil {
		s = map[string]bool{}
		w.seen[prefix] = s
	}
	if !s[path] {
		s[path] = true
		if len(s) == w.n {
			w.all[prefix] = time.Now()
		}
	}
}

// count is how many requests a prefix's monitor made, and when every one
// of its endpoints had been answered once (zero: not yet).
func (w *workload) count(prefix string) (int64, time.Time) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.total[prefix], w.all[prefix]
}

// upchainChecks is checks/local.yml's list for prefix: even checks HTTP,
// odd ones JSON-RPC over websocket.
func (w *workload) upchainChecks(prefix string) string {
	var sb strings.Builder
	for i := range w.n {
		fmt.Fprintf(&sb, "  - name: check %d\n    interval: %s\n", i, workloadInterval)
		if i%2 == 0 {
			fmt.Fprintf(&sb, "    kind: http\n    url: %s/%s/%d\n    conditions: [status == 200]\n", w.httpURL, prefix, i)
		} else {
			fmt.Fprintf(&sb, "    kind: jsonrpc\n    url: %s/%s/%d\n    jsonrpc: {method: system_health}\n    conditions: [result.peers >= 5]\n", w.wsURL, prefix, i)
		}
	}
	return sb.String()
}

// daemonProc is a monitor process started by a benchmark.
type daemonProc struct {
	cmd     *exec.Cmd
	log     *testlog.Buffer
	started time.Time
}

// startDaemon starts bin with args (and env added to the benchmark's) and
// stops it, SIGTERM then SIGKILL, when b ends.
func startDaemon(b *testing.B, env []string, bin string, args ...string) *daemonProc {
	p := &daemonProc{cmd: exec.Command(bin, args...), log: &testlog.Buffer{}}
	p.cmd.Env = append(os.Environ(), env...)
	p.cmd.Stdout, p.cmd.Stderr = p.log, p.log
	p.started = time.Now()
	if err := p.cmd.Start(); err != nil {
		b.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- p.cmd.Wait() }()
	b.Cleanup(func() {
		_ = p.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(time.Minute):
			_ = p.cmd.Process.Kill()
			<-exited
		}
	})
	return p
}

// waitLog waits up to d for s in the process's log and returns when it
// appeared.
func (p *daemonProc) waitLog(b *testing.B, s string, d time.Duration) time.Time {
	for deadline := time.Now().Add(d); ; time.Sleep(20 * time.Millisecond) {
		if strings.Contains(p.log.String(), s) {
			return time.Now()
		}
		if time.Now().After(deadline) {
			b.Fatalf("%s: no %q after %s:\n%s", filepath.Base(p.cmd.Path), s, d, tail(p.log.String(), 4000))
		}
	}
}

// resetPeak restarts the kernel's peak-RSS count (VmHWM) of pid, so that
// a later read is the peak of a window, not of the process's life.
func resetPeak(pid int) error {
	return os.WriteFile(fmt.Sprintf("/proc/%d/clear_refs", pid), []byte("5"), 0)
}

func tail(s string, n int) string {
	if len(s) > n {
		return "…" + s[len(s)-n:]
	}
	return s
}
