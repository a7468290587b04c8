package prober

import (
	"context"
	"math/big"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/upchain-dev/upchain/prober/config"
	"github.com/upchain-dev/upchain/prober/simnet"
	"github.com/upchain-dev/upchain/prober/substrate/scale"
	"github.com/upchain-dev/upchain/prober/substrate/storage"
)

// BenchmarkSubstrateValidatorProbe is one validator probe with default
// options (node checks, a Polkadot-sized active set of 600, era points of
// 600, the bond; no session queue or slashes stored) over a websocket to
// the local fake node.
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
	f.SetBond(aliceID, big.NewInt(2e16))
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

// BenchmarkSubstrateValidatorFullProbe adds everything a validator check
// can read to BenchmarkSubstrateValidatorProbe: 600 queued session keys,
// disabled validators, 28 eras of unapplied slashes, the ledger, and one
// GRANDPA read with 200 missing voters, against a window of 200 rounds.
func BenchmarkSubstrateValidatorFullProbe(b *testing.B) {
	f := newFakeSubstrate(b)
	now := time.Now()
	f.SetTime(now.Add(-3 * time.Second))
	ids := make([]scale.AccountID, 600)
	pts := make([]storage.ValidatorPoints, 600)
	queued := map[scale.AccountID]scale.AccountID{}
	var missing []scale.AccountID
	for i := range ids {
		ids[i][0], ids[i][1] = byte(i), byte(i>>8)
		pts[i] = storage.ValidatorPoints{Account: ids[i], Points: 20 * uint32(i)}
		gran := ids[i]
		gran[31] = 0xaa
		queued[ids[i]] = gran
		if i%3 == 0 {
			missing = append(missing, gran)
		}
	}
	ids[599], pts[599].Account = aliceID, aliceID
	queued[aliceID] = aliceGran
	f.SetSession(300, ids...)
	f.SetQueuedKeys(queued)
	f.SetDisabled(3, 17)
	f.SetEra(50, uint64(now.UnixMilli()))
	f.SetPoints(50, 1_000_000, pts...)
	f.SetBond(aliceID, big.NewInt(2e16))
	for era := uint32(51); era < 79; era++ {
		f.SetSlashes(era, storage.UnappliedSlash{Validator: ids[era], Own: big.NewInt(1)})
	}
	f.ScriptGrandpa(simnet.GrandpaReport{SetID: 9, Best: simnet.GrandpaRoundState{Round: 5000, Prevotes: missing, Precommits: missing}})
	var window []string
	for r := 4800; r < 5000; r++ {
		window = append(window, "9."+strconv.Itoa(r)+":vv")
	}
	o := &SubstrateOptions{Validator: alicePolkadot, Grandpa: true, GrandpaSamples: 1, GrandpaWindow: 200}
	t := &Target{Check: &config.Check{Kind: "substrate", URL: f.wsURL(), Options: o}, MaxBody: config.DefaultMaxBody, Now: time.Now,
		Prev: Values{valGrandpaWindow: strings.Join(window, " ")}}
	b.ReportAllocs()
	start := time.Now()
	reads := f.Calls("state_getStorage")
	for b.Loop() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		obs, err := substrateKind{}.Probe(ctx, t)
		cancel()
		if err != nil || obs.Values["next_session_queued"] != "true" || obs.Values["grandpa_decided"] != "200" {
			b.Fatalf("probe: %v %v", err, obs.Values)
		}
	}
	b.ReportMetric(float64(time.Since(start).Microseconds())/1000/float64(b.N), "ms/probe")
	b.ReportMetric(float64(f.Calls("state_getStorage")-reads)/float64(b.N), "storage_reads/probe")
}

// BenchmarkSubstrateBalances20 is one probe of a node check with the
// most balances a check takes (20 System.Account reads, in parallel over
// one websocket) against the local fake node.
func BenchmarkSubstrateBalances20(b *testing.B) {
	f := newFakeSubstrate(b)
	f.SetTime(time.Now().Add(-3 * time.Second))
	o := &SubstrateOptions{Chain: "Polkadot"}
	for i := range maxBalances {
		var id scale.AccountID
		id[0], id[31] = byte(i), 0xee
		f.SetAccount(id, storage.AccountInfo{Free: big.NewInt(int64(i+1) * 1e12), Reserved: big.NewInt(1e10), Frozen: big.NewInt(5e11)})
		addr, _ := ss58String(id)
		o.Balances = append(o.Balances, Balance{Name: "a" + strconv.Itoa(i), Address: addr, Min: "1"})
	}
	t := &Target{Check: &config.Check{Kind: "substrate", URL: f.wsURL(), Options: o}, MaxBody: config.DefaultMaxBody, Now: time.Now}
	b.ReportAllocs()
	start := time.Now()
	for b.Loop() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		obs, err := substrateKind{}.Probe(ctx, t)
		cancel()
		if err != nil || obs.Values[valueSubstrateBalanceLowest.Name] != "510000000000" || obs.Vars["balance_low"] != "" {
			b.Fatalf("probe: %v %v", err, obs.Values)
		}
	}
	b.ReportMetric(float64(time.Since(start).Microseconds())/1000/float64(b.N), "ms/probe")
	b.ReportMetric(float64(f.Calls("state_getStorage"))/float64(b.N), "storage_reads/probe")
}
