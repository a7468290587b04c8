package schedule

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/upchain-dev/upchain/prober/config/configtest"

	"github.com/upchain-dev/upchain/prober"
	"github.com/upchain-dev/upchain/prober/config"
)

func TestOffsetIsStableAndWithinInterval(t *testing.T) {
	tests := []struct {
		slug     string
		interval time.Duration
	}{
		{"web", 30 * time.Second},
		{"web", 5 * time.Minute},
		{"eth-mainnet-rpc", time.Second},
		{"a", time.Nanosecond},
		{"x", 0},
	}
	for _, tt := range tests {
		off := Offset(tt.slug, tt.interval)
		if off != Offset(tt.slug, tt.interval) {
			t.Errorf("Offset(%q, %v) differs between calls", tt.slug, tt.interval)
		}
		if off < 0 || (tt.interval > 0 && off >= tt.interval) || (tt.interval == 0 && off != 0) {
			t.Errorf("Offset(%q, %v) = %v, outside the interval", tt.slug, tt.interval, off)
		}
	}
}

// Checks share whole-second phases (so that the checks of a second run
// together), unless the interval is too short to hold two of them.
func TestOffsetsAreWholeSlots(t *testing.T) {
	tests := []struct {
		interval time.Duration
		whole    bool
	}{
		{30 * time.Second, true},
		{5 * time.Minute, true},
		{2500 * time.Millisecond, true},
		{2 * time.Second, true},
		{1500 * time.Millisecond, false},
		{200 * time.Millisecond, false},
	}
	for _, tt := range tests {
		distinct := map[time.Duration]bool{}
		for i := range 200 {
			off := Offset(fmt.Sprintf("check-%d", i), tt.interval)
			if off < 0 || off >= tt.interval {
				t.Fatalf("Offset(check-%d, %v) = %v, outside the interval", i, tt.interval, off)
			}
			distinct[off] = true
			if tt.whole && off%phaseSlot != 0 {
				t.Errorf("Offset(check-%d, %v) = %v, not a whole %v", i, tt.interval, off, phaseSlot)
			}
		}
		if slots := int(tt.interval / phaseSlot); tt.whole && len(distinct) < min(slots, 100) {
			t.Errorf("interval %v: 200 checks use only %d of %d slots", tt.interval, len(distinct), slots)
		}
		if !tt.whole && len(distinct) < 100 {
			t.Errorf("interval %v: 200 checks use only %d phases: sub-slot intervals should keep exact phases", tt.interval, len(distinct))
		}
	}
}

// 1,000 checks at the same interval must not fire together: no second of
// the interval may hold much more than its share of first runs.
func TestOffsetsSpreadChecksOverTheInterval(t *testing.T) {
	const n, interval = 1000, 30 * time.Second
	buckets := make([]int, 30)
	for i := range n {
		buckets[Offset(fmt.Sprintf("check-%d", i), interval)/time.Second]++
	}
	mean := n / len(buckets)
	for sec, count := range buckets {
		if count > 2*mean || count == 0 {
			t.Errorf("second %d of the interval holds %d of %d checks (mean %d): not spread", sec, count, n, mean)
		}
	}
}

func TestNextRunIsAlignedToTheCheckPhase(t *testing.T) {
	base := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		slug     string
		interval time.Duration
		now      time.Time
	}{
		{"web", 30 * time.Second, base},
		{"web", 30 * time.Second, base.Add(17 * time.Second)},
		{"rpc", 5 * time.Minute, base.Add(time.Millisecond)},
		{"rpc", time.Second, base.Add(999 * time.Millisecond)},
		{"old", time.Hour, time.Unix(0, 1)},
	}
	for _, tt := range tests {
		next := NextRun(tt.slug, tt.interval, tt.now)
		lead := next.Sub(tt.now)
		if lead < minLead || lead > tt.interval+minLead {
			t.Errorf("NextRun(%q, %v, %v) is %v ahead, want within (%v, interval]", tt.slug, tt.interval, tt.now, lead, minLead)
		}
		if phase := time.Duration(next.UnixNano() % int64(tt.interval)); phase != Offset(tt.slug, tt.interval) {
			t.Errorf("NextRun(%q) phase %v, want the check's offset %v", tt.slug, phase, Offset(tt.slug, tt.interval))
		}
		// The same check keeps its rhythm across a restart one second later.
		later := NextRun(tt.slug, tt.interval, tt.now.Add(time.Second))
		if d := later.Sub(next) % tt.interval; d != 0 {
			t.Errorf("restart moved %q's phase by %v", tt.slug, d)
		}
	}
}

// endpoint is a local HTTP server that counts requests and can hold them.
type endpoint struct {
	*httptest.Server
	requests atomic.Int64
	inFlight atomic.Int64
	maxIn    atomic.Int64
	arrived  chan struct{}
	hold     chan struct{} // closed to release held requests; nil holds nothing
}

func newEndpoint(t *testing.T, hold bool) *endpoint {
	e := &endpoint{arrived: make(chan struct{}, 100)}
	if hold {
		e.hold = make(chan struct{})
	}
	e.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		e.requests.Add(1)
		n := e.inFlight.Add(1)
		defer e.inFlight.Add(-1)
		for {
			m := e.maxIn.Load()
			if n <= m || e.maxIn.CompareAndSwap(m, n) {
				break
			}
		}
		select {
		case e.arrived <- struct{}{}:
		default:
		}
		if e.hold != nil {
			select {
			case <-e.hold:
			case <-r.Context().Done():
				return
			}
		}
		fmt.Fprintln(w, "ok")
	}))
	t.Cleanup(func() {
		e.release()
		e.Close()
	})
	return e
}

var releaseMu sync.Mutex

func (e *endpoint) release() {
	releaseMu.Lock()
	defer releaseMu.Unlock()
	if e.hold != nil {
		select {
		case <-e.hold:
		default:
			close(e.hold)
		}
	}
}

// load writes upchain.yml and checks/test.yml and loads them.
func load(t *testing.T, dir, checks string) *config.Loaded {
	t.Helper()
	path := configtest.WriteDir(t, dir, "defaults:\n  timeout: 20s\n  retries: 0\n  round_timeout: 30s\n", map[string]string{"checks/test.yml": "group: Test\nchecks:\n" + checks})
	l, err := config.Load(path, testKinds, config.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// testKinds are the built-in kinds and counterKind.
var testKinds = prober.NewRegistry(append(prober.Builtin().All(), counterKind{})...)

func httpCheck(name, url, interval string) string {
	return fmt.Sprintf("  - name: %s\n    kind: http\n    url: %s\n    interval: %s\n", name, url, interval)
}

// collector gathers OnResults calls.
type collector struct {
	mu      sync.Mutex
	results map[string][]prober.Result
	notify  chan string
}

func newCollector() *collector {
	return &collector{results: map[string][]prober.Result{}, notify: make(chan string, 1000)}
}

func (c *collector) add(run Run) {
	rs := run.Results
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, r := range rs {
		c.results[r.Check] = append(c.results[r.Check], r)
	}
	if len(rs) > 0 {
		select {
		case c.notify <- rs[0].Check:
		default:
		}
	}
}

func (c *collector) get(check string) []prober.Result {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]prober.Result(nil), c.results[check]...)
}

// waitFor waits until cond holds, checking after each delivered result.
func (c *collector) waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.After(30 * time.Second)
	for !cond() {
		select {
		case <-c.notify:
		case <-deadline:
			t.Fatalf("gave up waiting for %s", what)
		}
	}
}

func start(t *testing.T, l *config.Loaded, c *collector) *Scheduler {
	t.Helper()
	s, err := New(l, Options{Kinds: testKinds, OnRun: c.add})
	if err != nil {
		t.Fatal(err)
	}
	s.Start()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		_ = s.Stop(ctx)
	})
	return s
}

func TestSlowCheckNeitherDelaysOthersNorOverlapsItself(t *testing.T) {
	slow := newEndpoint(t, true)
	fast := newEndpoint(t, false)
	l := load(t, t.TempDir(), httpCheck("slow", slow.URL, "100ms")+httpCheck("fast", fast.URL, "100ms"))
	c := newCollector()
	start(t, l, c)

	<-slow.arrived
	// While slow's first probe hangs, fast keeps its own rhythm.
	c.waitFor(t, "five probes of fast", func() bool { return len(c.get("fast")) >= 5 })
	if n := len(c.get("slow")); n != 0 {
		t.Fatalf("slow delivered %d results while its endpoint hangs", n)
	}
	if n := slow.requests.Load(); n != 1 {
		t.Fatalf("slow was probed %d times while its first probe ran: runs overlap", n)
	}
	slow.release()
	c.waitFor(t, "slow's result", func() bool { return len(c.get("slow")) >= 1 })
	if r := c.get("slow")[0]; r.Status != prober.Up {
		t.Errorf("slow: %s %s", r.Status, r.Reason)
	}
	if m := slow.maxIn.Load(); m != 1 {
		t.Errorf("slow had %d probes in flight at once", m)
	}
}

func TestEveryRegionIsProbedEachRun(t *testing.T) {
	ep := newEndpoint(t, false)
	port := ep.Listener.Addr().(*net.TCPAddr).Port
	checks := httpCheck("multi", "http://localhost:"+strconv.Itoa(port)+"/", "200ms") +
		"    regions:\n      - name: us\n        address: 127.0.0.1:1\n      - name: eu\n        address: 127.0.0.1\n"
	l := load(t, t.TempDir(), checks)
	c := newCollector()
	start(t, l, c)
	c.waitFor(t, "a run of multi", func() bool { return len(c.get("multi")) >= 3 })
	rs := c.get("multi")[:3]
	var got []string
	for _, r := range rs {
		got = append(got, r.Region+"="+string(r.Status))
	}
	// One run delivers every region, sorted (the public name first); the
	// us backend refuses connections.
	want := "global=up eu=up us=down"
	if strings.Join(got, " ") != want {
		t.Errorf("one run delivered %v, want %v", got, want)
	}
}

// counterKind records n = previous n + 1, to show that each probe sees
// the values of the previous probe of its check and region.
type counterKind struct{ prober.Base }

func (counterKind) Name() string   { return "counter" }
func (counterKind) Vars() []string { return nil }
func (counterKind) Values() []prober.ValueSpec {
	return []prober.ValueSpec{{Name: "n", Label: "Count", Unit: prober.UnitCount}}
}
func (counterKind) Probe(_ context.Context, t *prober.Target) (*prober.Observation, error) {
	n, _ := strconv.Atoi(t.Prev["n"])
	obs := prober.NewObservation()
	obs.Values["n"] = strconv.Itoa(n + 1)
	return obs, nil
}

func TestProbesSeeTheirPreviousValues(t *testing.T) {
	l := load(t, t.TempDir(), "  - name: count\n    kind: counter\n    url: counter://local\n    interval: 100ms\n")
	c := newCollector()
	s, err := New(l, Options{Kinds: testKinds, OnRun: c.add, Prev: func(check, region string) prober.Values {
		// From history: the last value recorded before this process started.
		return prober.Values{"n": "41"}
	}})
	if err != nil {
		t.Fatal(err)
	}
	s.Start()
	t.Cleanup(func() { _ = s.Stop(context.Background()) })
	c.waitFor(t, "three probes", func() bool { return len(c.get("count")) >= 3 })
	var got []string
	for _, r := range c.get("count")[:3] {
		got = append(got, r.Values["n"])
	}
	if strings.Join(got, ",") != "42,43,44" {
		t.Errorf("values %v, want 42,43,44", got)
	}
}

func TestApplySwitchesChecksWithoutRestart(t *testing.T) {
	a1, a2, b := newEndpoint(t, false), newEndpoint(t, false), newEndpoint(t, false)
	dir := t.TempDir()
	l := load(t, dir, httpCheck("a", a1.URL, "100ms")+httpCheck("b", b.URL, "100ms"))
	c := newCollector()
	s := start(t, l, c)
	c.waitFor(t, "a probe of b", func() bool { return len(c.get("b")) >= 1 })

	// a moves to another endpoint and interval, b is removed, n is new.
	l2 := load(t, dir, httpCheck("a", a2.URL, "150ms")+httpCheck("n", a2.URL, "100ms"))
	if err := s.Apply(l2); err != nil {
		t.Fatal(err)
	}
	jobs := s.Jobs()
	if _, ok := jobs["b"]; ok || len(jobs) != 2 {
		t.Errorf("jobs after apply: %v, want a and n", jobs)
	}
	c.waitFor(t, "a probe of n", func() bool { return len(c.get("n")) >= 1 })
	before := a2.requests.Load()
	c.waitFor(t, "a probes the new URL", func() bool { return a2.requests.Load() > before+2 })
	bCount := len(c.get("b"))
	// b's job is gone: after more runs of a and n no new result of b.
	seen := len(c.get("n"))
	c.waitFor(t, "three more runs of n", func() bool { return len(c.get("n")) >= seen+3 })
	if got := len(c.get("b")); got > bCount+1 { // one run may have been in flight during Apply
		t.Errorf("removed check b still runs: %d results, had %d", got, bCount)
	}
}

func TestStopLetsRunningProbesFinishAndDeliver(t *testing.T) {
	slow := newEndpoint(t, true)
	l := load(t, t.TempDir(), httpCheck("slow", slow.URL, "100ms"))
	c := newCollector()
	s, err := New(l, Options{Kinds: testKinds, OnRun: c.add})
	if err != nil {
		t.Fatal(err)
	}
	s.Start()
	<-slow.arrived
	stopped := make(chan error, 1)
	go func() { stopped <- s.Stop(context.Background()) }()
	select {
	case err := <-stopped:
		t.Fatalf("Stop returned (%v) while a probe was still running", err)
	case <-c.notify:
		t.Fatal("a result arrived before the endpoint answered")
	default:
	}
	slow.release()
	if err := <-stopped; err != nil {
		t.Fatal(err)
	}
	rs := c.get("slow")
	if len(rs) != 1 || rs[0].Status != prober.Up {
		t.Fatalf("after Stop: %+v, want the finished probe's up result", rs)
	}
	if n := slow.requests.Load(); n != 1 {
		t.Errorf("%d requests: a run started after Stop", n)
	}
}

func TestStopDeadlineAbortsAndDropsResults(t *testing.T) {
	slow := newEndpoint(t, true)
	l := load(t, t.TempDir(), httpCheck("slow", slow.URL, "100ms"))
	c := newCollector()
	s, err := New(l, Options{Kinds: testKinds, OnRun: c.add})
	if err != nil {
		t.Fatal(err)
	}
	s.Start()
	<-slow.arrived
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := s.Stop(ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("Stop = %v, want the context's error", err)
	}
	if rs := c.get("slow"); len(rs) != 0 {
		t.Errorf("an aborted probe was delivered: %+v", rs)
	}
}
