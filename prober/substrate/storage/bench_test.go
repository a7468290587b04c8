package storage

import (
	"testing"

	"github.com/upchain-dev/upchain/prober/substrate/scale"
)

// Kusama-sized: 1,000 validators with points.
func BenchmarkDecodeEraRewardPoints(b *testing.B) {
	p := EraRewardPoints{Total: 1}
	for i := 0; i < 1000; i++ {
		var id scale.AccountID
		id[0], id[1] = byte(i), byte(i>>8)
		p.Individual = append(p.Individual, ValidatorPoints{Account: id, Points: uint32(i)})
	}
	raw := AppendEraRewardPoints(nil, p)
	b.SetBytes(int64(len(raw)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := DecodeEraRewardPoints(raw); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(len(raw)), "value_bytes")
}

func BenchmarkErasRewardPointsKey(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		_ = StakingErasRewardPoints(1500).Hex()
	}
}
