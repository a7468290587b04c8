package simnet

import (
	"fmt"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Exporter is a simulated oasis-node metrics endpoint (`--metrics.mode
// pull`, served by promhttp as the only handler, any path: oasis-core
// go/oasis-node/cmd/common/metrics/metrics.go), exposing the series of
// oasis-core docs/oasis-node/metrics.md through client_golang's own
// registry and promhttp, so the text is exactly what real exporters send:
//
//   - oasis_consensus_signed_blocks and oasis_consensus_proposed_blocks
//     (counters that grow with the clock while the node signs);
//   - oasis_p2p_peers, oasis_worker_node_registered, oasis_worker_epoch_number
//     (gauges);
//   - up{job="node"} and up{job="exporter"}, to select series by label.
//
// Hostile scenarios: Malformed answers text the parser must reject, and
// Padding adds that many series (a huge exposition).
type Exporter struct {
	// Now is the clock (nil: time.Now).
	Now func() time.Time

	mu sync.Mutex
	st ExporterState
	// The signed counter was signedN at signedT; Update moves this anchor
	// so that a new BlockTime never makes the counter jump or fall.
	signedT time.Time
	signedN float64
	padding *prometheus.GaugeVec
	padded  int
	handler http.Handler
}

// ExporterState is the scenario of an Exporter.
type ExporterState struct {
	// Start is when the node started (epochs count from it).
	Start time.Time
	// BlockTime: the node signs one block per BlockTime.
	BlockTime time.Duration
	// StopSigningAt, when set, freezes the signed counter from then on.
	StopSigningAt time.Time
	Peers         int
	Registered    bool
	// EpochTime is the length of an epoch (oasis mainnet: about an hour).
	EpochTime time.Duration
	Malformed bool
	Padding   int
}

// NewExporter returns a signing, registered node with 25 peers, on clock
// now (nil: time.Now).
func NewExporter(now func() time.Time) *Exporter {
	e := &Exporter{Now: now}
	e.st = ExporterState{Start: e.now(), BlockTime: 6 * time.Second, Peers: 25, Registered: true, EpochTime: time.Hour}
	e.signedT, e.signedN = e.st.Start, 123_456
	reg := prometheus.NewRegistry()
	gauge := func(name, help string, f func(*Exporter, time.Time) float64) prometheus.Collector {
		return prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: name, Help: help}, func() float64 { return e.read(f) })
	}
	counter := func(name, help string, f func(*Exporter, time.Time) float64) prometheus.Collector {
		return prometheus.NewCounterFunc(prometheus.CounterOpts{Name: name, Help: help}, func() float64 { return e.read(f) })
	}
	up := prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "up", Help: "1 if the job's target is up."}, []string{"job"})
	up.WithLabelValues("node").Set(1)
	up.WithLabelValues("exporter").Set(1)
	e.padding = prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "simnet_padding", Help: "Filler series of a huge exposition."}, []string{"series"})
	reg.MustRegister(
		counter("oasis_consensus_signed_blocks", "Number of blocks signed by the node.", (*Exporter).signed),
		counter("oasis_consensus_proposed_blocks", "Number of blocks proposed by the node.", func(e *Exporter, t time.Time) float64 {
			return float64(int64(e.signed(t)) / 100)
		}),
		gauge("oasis_p2p_peers", "Number of connected P2P peers.", func(e *Exporter, _ time.Time) float64 { return float64(e.st.Peers) }),
		gauge("oasis_worker_node_registered", "Is the worker node registered (binary).", func(e *Exporter, _ time.Time) float64 {
			if e.st.Registered {
				return 1
			}
			return 0
		}),
		gauge("oasis_worker_epoch_number", "Current epoch number as seen by the worker node.", func(e *Exporter, t time.Time) float64 {
			if e.st.EpochTime <= 0 || t.Before(e.st.Start) {
				return 30_000
			}
			return float64(30_000 + int64(t.Sub(e.st.Start)/e.st.EpochTime))
		}),
		up, e.padding,
	)
	e.handler = promhttp.HandlerFor(reg, promhttp.HandlerOpts{})
	return e
}

// signed is the signed-blocks counter at t; the caller holds mu.
func (e *Exporter) signed(t time.Time) float64 {
	if stop := e.st.StopSigningAt; !stop.IsZero() && t.After(stop) {
		t = stop
	}
	if e.st.BlockTime <= 0 || !t.After(e.signedT) {
		return e.signedN
	}
	return e.signedN + float64(t.Sub(e.signedT)/e.st.BlockTime)
}

func (e *Exporter) now() time.Time {
	if e.Now != nil {
		return e.Now()
	}
	return time.Now()
}

func (e *Exporter) read(f func(*Exporter, time.Time) float64) float64 {
	now := e.now()
	e.mu.Lock()
	defer e.mu.Unlock()
	return f(e, now)
}

// Update changes the scenario under the lock.
func (e *Exporter) Update(f func(*ExporterState)) {
	e.mu.Lock()
	defer e.mu.Unlock()
	now := e.now()
	e.signedN, e.signedT = e.signed(now), now
	f(&e.st)
	if e.st.Padding < e.padded {
		e.padding.Reset()
		e.padded = 0
	}
	for ; e.padded < e.st.Padding; e.padded++ {
		e.padding.WithLabelValues(strconv.Itoa(e.padded)).Set(float64(e.padded))
	}
}

func (e *Exporter) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	e.mu.Lock()
	malformed := e.st.Malformed
	e.mu.Unlock()
	if malformed {
		w.Header().Set("Content-Type", "text/plain; version=0.0.4")
		fmt.Fprint(w, "# TYPE oasis_consensus_signed_blocks counter\noasis_consensus_signed_blocks{broken 12\n")
		return
	}
	e.handler.ServeHTTP(w, r)
}
