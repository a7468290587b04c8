package prober

import (
	"context"
	"testing"
	"time"

	"github.com/upchain-dev/upchain/prober/config"
	"github.com/upchain-dev/upchain/prober/substrate/scale"
	"github.com/upchain-dev/upchain/prober/substrate/storage"
)

// BenchmarkSubstrateValidatorProbe is one full validator probe (node
// checks, a Polkadot-sized active set of 600, era points of 600) over a
// websocket to the local fake node.
func BenchmarkSubstrateValidatorProbe(b *testing.B) {
	f := newFakeSubstrate(b)
	now := time.Now()
	f.SetTime(now.Add(-3 * time.Second))
	ids := make([]scale.AccountID, 600)
	pts := make([]storage.ValidatorPoints, 600)
	for i := range ids {
		ids[i][0], ids[i][1] = byte(i), byte(i>>8)
		pts[i] = storage.ValidatorPoints{Account: ids[i], Points: 20 * uint32(i)}
	}
	ids[599], pts[599].Account = aliceID, aliceID
	f.SetSession(300, ids...)
	f.SetEra(50, uint64(now.UnixMilli()))
	f.SetPoints(50, 1_000_000, pts...)
	o := &SubstrateOptions{Validator: alicePolkadot}
	t := &Target{Check: &config.Check{Kind: "substrate", URL: f.wsURL(), Options: o}, MaxBody: config.DefaultMaxBody, Now: time.Now}
	b.ReportAllocs()
	start := time.Now()
	for b.Loop() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		obs, err := substrateKind{}.Probe(ctx, t)
		cancel()
		if err != nil || obs.Values["active"] != "true" {
			b.Fatalf("probe: %v %v", err, obs.Values)
		}
	}
	b.ReportMetric(float64(time.Since(start).Microseconds())/1000/float64(b.N), "ms/probe")
	b.ReportMetric(float64(f.Calls("state_getStorage"))/float64(b.N), "storage_reads/probe")
}
