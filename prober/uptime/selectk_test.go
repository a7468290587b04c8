package uptime

import (
	"math"
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

// TestSortLatencies: the radix sort gives what slices.Sort gives, for
// short and long lists, repeated values, zeros and huge latencies, and
// falls back for values it cannot order by their bits.
func TestSortLatencies(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	gen := map[string]func(int) float32{
		"tenths of ms":  func(int) float32 { return float32(r.IntN(50000)) / 10 },
		"few distinct":  func(int) float32 { return float32(r.IntN(4)) * 100 },
		"wide range":    func(int) float32 { return float32(math.Exp(r.Float64() * 30)) },
		"with zeros":    func(i int) float32 { return float32(i%3) * float32(r.IntN(1000)) },
		"negative zero": func(i int) float32 { return float32(math.Copysign(0, -1)) + float32(i%5) },
		"negative":      func(i int) float32 { return float32(i%7 - 3) },
		"sorted":        func(i int) float32 { return float32(i) },
		"reversed":      func(i int) float32 { return float32(100000 - i) },
	}
	for name, g := range gen {
		for _, n := range []int{0, 1, 255, 256, 1000, 4032} {
			lat := make([]float32, n)
			for i := range lat {
				lat[i] = g(i)
			}
			want := slices.Clone(lat)
			slices.Sort(want)
			sortLatencies(lat)
			if !slices.Equal(lat, want) {
				t.Errorf("%s, %d values: not sorted as slices.Sort sorts", name, n)
			}
		}
	}
}
