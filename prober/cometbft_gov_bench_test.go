package prober

import (
	"context"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/upchain-dev/upchain/prober/cometbft"
	"github.com/upchain-dev/upchain/prober/simnet"
)

// BenchmarkCometBFTGov measures the governance watch at its bound: 50
// proposals in voting (simnet.CosmosLCD over HTTP), 10 voted. The first
// probe asks for every vote; the next asks only for the 40 still unvoted.
func BenchmarkCometBFTGov(b *testing.B) {
	voter, _ := cometbft.Bech32Encode("cosmos", []byte("operator-account-1.."))
	now := time.Now()
	gov := &simnet.CosmosLCD{}
	for i := range cometbft.MaxProposals {
		p := simnet.CosmosProposal{ID: uint64(100 + i), Title: "Proposal with a realistic title of some length", VotingEnd: now.Add(time.Duration(i+1) * time.Hour)}
		if i%5 == 0 {
			p.Votes = map[string]string{voter: "VOTE_OPTION_YES"}
		}
		gov.Proposals = append(gov.Proposals, p)
	}
	srv := httptest.NewServer(gov)
	defer srv.Close()
	lcd := &cometbft.LCD{Base: srv.URL, Client: srv.Client(), MaxBytes: 1 << 20}
	g := &CometBFTGov{}
	var first, next time.Duration
	var stateLen int
	for b.Loop() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		start := time.Now()
		_, values, err := probeGov(ctx, lcd, g, voter, nil, now)
		first += time.Since(start)
		if err != nil || values[valGovUnvoted] != "40" {
			b.Fatalf("%v %v", err, values)
		}
		start = time.Now()
		_, values, err = probeGov(ctx, lcd, g, voter, values, now)
		next += time.Since(start)
		cancel()
		if err != nil || values[valGovUnvoted] != "40" {
			b.Fatalf("%v %v", err, values)
		}
		stateLen = len(values[valGovState])
	}
	b.ReportMetric(float64(first.Microseconds())/float64(b.N)/1000, "ms/first")
	b.ReportMetric(float64(next.Microseconds())/float64(b.N)/1000, "ms/next")
	b.ReportMetric(float64(stateLen), "state-bytes")
}
