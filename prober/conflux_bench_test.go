package prober

import (
	"context"
	"math/big"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/upchain-dev/upchain/prober/config"
	"github.com/upchain-dev/upchain/prober/simnet"
)

// BenchmarkConfluxValidatorProbe is one full validator probe against
// simnet.Conflux over HTTP on 127.0.0.1 with a 300-member committee: Core
// status, head, version, two balances, PoS status, account, committee and
// reward, and the committed PoS blocks since the previous probe: the
// first probe reads 50 (max_blocks_per_round), the steady state 6 (one
// minute of blocks).
func BenchmarkConfluxValidatorProbe(b *testing.B) {
	for _, bc := range []struct {
		name string
		step time.Duration
	}{{"first", 0}, {"steady", time.Minute}} {
		b.Run(bc.name, func(b *testing.B) {
			now := confluxStart
			chain := &simnet.Conflux{Now: func() time.Time { return now }, Start: confluxStart,
				Balances: map[string]*big.Int{confluxTreasury: cfx(250)}}
			for i := range 300 {
				addr := "0x" + big.NewInt(int64(i+1)).Text(16)
				addr = "0x" + pad64(addr[2:])
				chain.Validators = append(chain.Validators, &simnet.ConfluxValidator{Address: addr, AvailableVotes: 100})
			}
			chain.Validators[150].Address = confluxValidator
			srv := httptest.NewServer(chain)
			defer srv.Close()
			o := &ConfluxOptions{Balances: []ConfluxBalance{{Address: confluxTreasury, Min: "1"}, {Address: confluxOps, Name: "ops"}},
				PoS: &ConfluxPoS{Address: confluxValidator}}
			t := &Target{Check: &config.Check{Kind: "conflux", URL: srv.URL, Options: o}, MaxBody: config.DefaultMaxBody,
				Now: func() time.Time { return now }}
			b.ReportAllocs()
			for b.Loop() {
				now = now.Add(bc.step)
				ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
				obs, err := confluxKind{}.Probe(ctx, t)
				cancel()
				if err != nil || obs.Values["pos_in_committee"] != "true" {
					b.Fatalf("probe: %v %v", err, obs.Values)
				}
				if bc.step > 0 {
					t.Prev = obs.Values
				}
			}
		})
	}
}

func pad64(h string) string {
	for len(h) < 64 {
		h = "0" + h
	}
	return h
}
