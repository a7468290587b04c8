package uptime

import (
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/upchain-dev/upchain/prober/history"
)

// TestExactPercentilesMatchSorting: selection gives what sorting and
// history.Percentile give, on random data with many ties and on edge sizes.
func TestExactPercentilesMatchSorting(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 5))
	for trial := 0; trial < 3000; trial++ {
		n := 1 + rng.IntN(600)
		if trial < 40 {
			n = trial + 1
		}
		lat := make([]float32, n)
		levels := 1 + rng.IntN(50) // few distinct values: many ties
		if trial%3 == 0 {
			levels = 1 << 30
		}
		for i := range lat {
			lat[i] = float32(rng.IntN(levels)) / 4
		}
		if trial%7 == 0 {
			slices.Sort(lat) // already sorted input
		}
		sorted := slices.Clone(lat)
		slices.Sort(sorted)
		p50, p95 := exactPercentiles(lat)
		if w50, w95 := history.Percentile(sorted, 0.5), history.Percentile(sorted, 0.95); p50 != w50 || p95 != w95 {
			t.Fatalf("n=%d: got %v, %v; sorting gives %v, %v", n, p50, p95, w50, w95)
		}
	}
}
