package prober

import (
	"context"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/upchain-dev/upchain/prober/config"
	"github.com/upchain-dev/upchain/prober/scrape"
	"github.com/upchain-dev/upchain/prober/simnet"
)

// BenchmarkOasisValidatorProbe is one validator probe (status and the
// validator with 100 signed_blocks) against the local simnet.Nexus.
func BenchmarkOasisValidatorProbe(b *testing.B) {
	nexus := simnet.NewNexus(nil, oasisTestAddress)
	nexus.Update(func(s *simnet.NexusState) { s.UptimeWindow = 1200 }) // the fake's own cost stays small
	srv := httptest.NewServer(nexus)
	defer srv.Close()
	t := &Target{Check: &config.Check{Kind: "oasis", URL: srv.URL, Options: &OasisOptions{Validator: oasisTestAddress}}, MaxBody: config.DefaultMaxBody, Now: time.Now}
	b.ReportAllocs()
	for b.Loop() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		obs, err := oasisKind{}.Probe(ctx, t)
		cancel()
		if err != nil || obs.Values["oasis_in_validator_set"] != "true" {
			b.Fatalf("probe: %v %v", err, obs.Values)
		}
	}
}

// BenchmarkPrometheusScrape is one scrape of a node_exporter-sized
// exposition (about 2,000 series, 150 KB) from simnet.Exporter, parsed,
// with one increase() series tracked.
func BenchmarkPrometheusScrape(b *testing.B) {
	exp := simnet.NewExporter(nil)
	exp.Update(func(s *simnet.ExporterState) { s.Padding = 2000 })
	srv := httptest.NewServer(exp)
	defer srv.Close()
	c := &config.Check{Kind: "prometheus", URL: srv.URL, Options: &PrometheusOptions{Record: []string{"oasis_p2p_peers"}},
		Conditions: []string{`(increase("oasis_consensus_signed_blocks") ?? 1) > 0`}}
	t := &Target{Check: c, MaxBody: config.DefaultMaxBody, Now: time.Now}
	var size int
	b.ReportAllocs()
	for b.Loop() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		obs, err := prometheusKind{}.Probe(ctx, t)
		cancel()
		if err != nil || obs.Values["prometheus_samples"] != "oasis_p2p_peers=25" {
			b.Fatalf("probe: %v %v", err, obs.Values)
		}
		size, _ = strconv.Atoi(obs.Values["prometheus_bytes"])
	}
	b.ReportMetric(float64(size), "exposition_bytes")
}

// BenchmarkScrapeParse is the parse alone of a 1 MiB exposition (the
// default size limit): what a probe costs at most in parsing.
func BenchmarkScrapeParse(b *testing.B) {
	var sb strings.Builder
	sb.WriteString("# TYPE filler gauge\n")
	for i := 0; sb.Len() < 1<<20-64; i++ {
		sb.WriteString(`filler{series="` + strconv.Itoa(i) + `",job="node"} ` + strconv.Itoa(i) + "\n")
	}
	data := []byte(sb.String())
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := scrape.Parse(data); err != nil {
			b.Fatal(err)
		}
	}
}
