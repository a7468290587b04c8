package prober

import (
	"context"
	"net/http/httptest"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/upchain-dev/upchain/prober/config"
	"github.com/upchain-dev/upchain/prober/simnet"
)

// BenchmarkBeaconValidators1000 is one probe of a check watching 1,000
// validators against the simulated node over local HTTP, the clock one
// epoch further each probe (so every probe makes its liveness call, the
// costly case). It reports the probe time and the bytes of Values a round
// writes to history.
func BenchmarkBeaconValidators1000(b *testing.B) {
	var mu sync.Mutex
	now := beaconGenesis.Add((100*32 + 10) * 12 * time.Second)
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	node := &simnet.Beacon{Now: clock, Genesis: beaconGenesis, Peers: 50, Validators: map[uint64]*simnet.BeaconValidator{}}
	ids := make([]string, 1000)
	for i := range ids {
		idx := uint64(500_000 + i)
		node.Validators[idx] = simnet.NewBeaconValidator(idx)
		ids[i] = strconv.FormatUint(idx, 10)
	}
	// Some trouble, so the state is not one run: 5 offline every other
	// epoch, 3 exited, and proposals (one missed) in each epoch.
	node.Offline = func(index, epoch uint64) bool { return index%200 == 0 && epoch%2 == 0 }
	for i := uint64(0); i < 3; i++ {
		node.Validators[500_900+i].Status = "exited_unslashed"
	}
	node.Proposers, node.EmptySlots = map[uint64]uint64{}, map[uint64]bool{}
	for e := uint64(90); e < 100+uint64(b.N)+2; e++ {
		node.Proposers[e*32+3] = 500_000 + e%1000
		node.Proposers[e*32+4] = 500_001 + e%1000
		node.EmptySlots[e*32+4] = true
	}
	srv := httptest.NewServer(node)
	defer srv.Close()
	u := srv.URL
	o := &BeaconOptions{Validators: ids}
	t := &Target{Check: &config.Check{Kind: "beacon", URL: u, Options: o}, MaxBody: config.DefaultMaxBody, Now: clock}
	var bytes, probes int
	b.ReportAllocs()
	var elapsed time.Duration
	for b.Loop() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		start := time.Now()
		obs, err := beaconKind{}.Probe(ctx, t)
		elapsed += time.Since(start)
		cancel()
		if err != nil || obs.Values["beacon_validators_active"] != "997" {
			b.Fatalf("probe: %v %v", err, obs.Values)
		}
		size := 0
		for k, v := range obs.Values {
			size += len(k) + len(v)
		}
		bytes += size
		probes++
		t.Prev = obs.Values
		mu.Lock()
		now = now.Add(beaconEpoch)
		mu.Unlock()
	}
	b.ReportMetric(float64(elapsed.Microseconds())/1000/float64(probes), "ms/probe")
	b.ReportMetric(float64(bytes)/float64(probes), "history_bytes/round")
	b.ReportMetric(float64(node.Calls()["POST /eth/v1/validator/liveness"])/float64(probes), "liveness_calls/probe")
	b.ReportMetric(float64(len(t.Prev[bvWindows])), "window_state_bytes")
}
