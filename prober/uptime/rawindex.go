package uptime

import (
	"math"
	"math/bits"
	"sort"
	"sync"

	"github.com/upchain-dev/upchain/prober/history"
)

// rawIndex answers the periods of one summary that lie wholly in the raw
// samples (the days, chart buckets and windows of the raw retention,
// several hundred per check) from prefix sums and latency ranks, instead
// of walking the points and selecting percentiles once per period. Every
// figure of such a period is a sum of whole seconds and counts, which
// float64 adds exactly in any order, so the figures are the ones
// accumulate makes.
type rawIndex struct {
	series []rawSeries
	// lat holds the counted latencies of all the series (not down, from
	// the boundary to now), sorted; rank maps each point (the series'
	// points one after the other) to its latency's index in lat, or -1.
	lat  []float32
	rank []int32
	// Scratch: the ranks in a period, and the latencies of a small one.
	bits  []uint64
	small []float32
	// Buffers kept for the next index: the series' sums and the sort's.
	cum       []rawCum
	keys, tmp []uint64
	// first is the earliest point's time: a period ending by then holds
	// nothing (most chart buckets of a check probed for a day only).
	first int64
}

type rawSeries struct {
	pts    []history.Point
	capSec int64
	off    int // the first point's index in rawIndex.rank
	// cum[k] sums the points before k, each covering its whole stretch.
	// uint32 halves the index: the difference of two sums is exact as
	// long as the true one fits, and a Point's seconds fit there.
	cum []rawCum
}

type rawCum struct {
	covered, down, degraded uint32
	failures, degSamples    uint32
}

// rawSums are one period's figures of one series.
type rawSums struct {
	covered, down, degraded int64
	failures, degSamples    int64
}

// rawIndexes keeps indexes for reuse: a build makes one per check, and
// allocating each afresh doubled what the figures allocate.
var rawIndexes sync.Pool

// newRawIndex indexes the series; release gives it back when the summary
// is done.
func (d *Data) newRawIndex(ss []*series) *rawIndex {
	x, _ := rawIndexes.Get().(*rawIndex)
	if x == nil {
		x = &rawIndex{}
	}
	n := 0
	for _, sr := range ss {
		n += len(sr.pts)
	}
	x.series = grow(x.series, len(ss))
	x.rank = grow(x.rank, n)
	x.cum = grow(x.cum, n+len(ss))
	// A counted point's key: its latency's bits (ordered as the values
	// are, latencies being neither negative nor NaN) above its position.
	keys := grow(x.keys, n)[:0]
	off := 0
	x.first = math.MaxInt64
	for si, sr := range ss {
		if len(sr.pts) > 0 {
			x.first = min(x.first, sr.pts[0].Unix())
		}
		rs := &x.series[si]
		*rs = rawSeries{pts: sr.pts, capSec: sr.capSec, off: off, cum: x.cum[off+si : off+si+len(sr.pts)+1]}
		var c rawCum
		rs.cum[0] = c
		for k, p := range sr.pts {
			cov := uint32(rs.coverEnd(k) - p.Unix())
			c.covered += cov
			switch p.Level() {
			case history.LevelDown:
				c.down += cov
				c.failures++
			case history.LevelDegraded:
				c.degraded += cov
				c.degSamples++
			}
			rs.cum[k+1] = c
			x.rank[off+k] = -1
			if p.Unix() >= d.boundary && p.Unix() < d.now && p.Level() != history.LevelDown {
				keys = append(keys, uint64(math.Float32bits(p.Latency()))<<32|uint64(off+k))
			}
		}
		off += len(sr.pts)
	}
	x.tmp = grow(x.tmp, len(keys))
	sorted := radixSort(keys, x.tmp, 32, 64) // by latency, then position
	x.keys, x.tmp = keys, x.tmp[:0]
	// lat is the summary's to keep (series.rawLat): not reused.
	x.lat = make([]float32, len(sorted))
	for r, k := range sorted {
		x.lat[r] = math.Float32frombits(uint32(k >> 32))
		x.rank[uint32(k)] = int32(r)
	}
	x.bits = grow(x.bits, (len(sorted)+63)/64) // add leaves it cleared
	return x
}

// release gives x back for reuse; x.lat stays with the caller.
func (x *rawIndex) release() {
	clear(x.series) // no points held from the pool
	x.lat = nil
	rawIndexes.Put(x)
}

// grow returns s with length n, reusing its array when it is big enough
// (the elements are then not cleared).
func grow[T any](s []T, n int) []T {
	if cap(s) < n {
		return make([]T, n)
	}
	return s[:n]
}

// coverEnd is where point k's stretch ends, as history.Cover has it
// before cutting it to a period.
func (rs *rawSeries) coverEnd(k int) int64 {
	t := rs.pts[k].Unix()
	if rs.capSec <= 0 {
		return t // Cover reports nothing
	}
	end := t + rs.capSec
	if k+1 < len(rs.pts) && rs.pts[k+1].Unix() < end {
		end = rs.pts[k+1].Unix()
	}
	return end
}

// add adds [from, to) to a, from at or after the boundary and to at most
// now, and returns the period's exact percentiles.
func (x *rawIndex) add(from, to int64, a *accum) (p50, p95 float64) {
	if to <= x.first {
		return 0, 0 // what the loop below adds: nothing
	}
	counted := 0
	type span struct{ off, i, j int }
	var spans [8]span
	in := spans[:0]
	for si := range x.series {
		rs := &x.series[si]
		i := sort.Search(len(rs.pts), func(k int) bool { return rs.pts[k].Unix() >= from })
		j := i + sort.Search(len(rs.pts)-i, func(k int) bool { return rs.pts[i+k].Unix() >= to })
		cj, ci := rs.cum[j], rs.cum[i]
		c := rawSums{int64(cj.covered - ci.covered), int64(cj.down - ci.down), int64(cj.degraded - ci.degraded),
			int64(cj.failures - ci.failures), int64(cj.degSamples - ci.degSamples)}
		// The last point's stretch may run past to, and the one before
		// from into the period.
		if j > i {
			if over := rs.coverEnd(j-1) - to; over > 0 {
				c.addLevel(rs.pts[j-1], -over)
			}
		}
		if i > 0 {
			if e := min(rs.coverEnd(i-1), to); e > from {
				c.addLevel(rs.pts[i-1], e-from)
			}
		}
		a.covered += float64(c.covered)
		a.down += float64(c.down)
		a.degraded += float64(c.degraded)
		a.samples += float64(j - i)
		a.failures += float64(c.failures)
		a.degSamples += float64(c.degSamples)
		counted += j - i - int(c.failures)
		in = append(in, span{rs.off, i, j})
	}
	if counted == 0 {
		return 0, 0
	}
	at := func(q float64) int { // the index history.Percentile takes
		return max(0, min(int(math.Ceil(q*float64(counted)))-1, counted-1))
	}
	if counted*2 < len(x.bits) {
		// Few samples: selecting them beats scanning every rank.
		x.small = x.small[:0]
		for _, s := range in {
			for _, r := range x.rank[s.off+s.i : s.off+s.j] {
				if r >= 0 {
					x.small = append(x.small, x.lat[r])
				}
			}
		}
		for _, l := range x.small {
			a.max = max(a.max, float64(l))
		}
		return exactPercentiles(x.small)
	}
	for _, s := range in {
		for _, r := range x.rank[s.off+s.i : s.off+s.j] {
			if r >= 0 {
				x.bits[r>>6] |= 1 << (r & 63)
			}
		}
	}
	p50, p95 = float64(x.lat[x.nth(at(0.5))]), float64(x.lat[x.nth(at(0.95))])
	for w := len(x.bits) - 1; w >= 0; w-- {
		if b := x.bits[w]; b != 0 {
			a.max = max(a.max, float64(x.lat[w*64+63-bits.LeadingZeros64(b)]))
			break
		}
	}
	clear(x.bits)
	return p50, p95
}

// nth is the rank of the (n+1)th set bit.
func (x *rawIndex) nth(n int) int {
	for w, b := range x.bits {
		c := bits.OnesCount64(b)
		if n >= c {
			n -= c
			continue
		}
		for ; n > 0; n-- {
			b &= b - 1 // drop the lowest set bit
		}
		return w*64 + bits.TrailingZeros64(b)
	}
	panic("uptime: rank out of range")
}

// addLevel adds secs of p's stretch to the times its level counts in.
func (c *rawSums) addLevel(p history.Point, secs int64) {
	c.covered += secs
	switch p.Level() {
	case history.LevelDown:
		c.down += secs
	case history.LevelDegraded:
		c.degraded += secs
	}
}
