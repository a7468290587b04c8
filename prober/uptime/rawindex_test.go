package uptime

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/upchain-dev/upchain/prober/history"
)

// TestRawIndexMatchesWalk: for periods in the raw samples, the index gives
// every figure that walking the points (accumulate) gives, exactly: on
// one and several series, with gaps, samples at the same second, down and
// degraded runs, tied and huge latencies, a zero cap, and periods that cut
// stretches, hold no sample or start before the first one; each index
// reuses the buffers of the one before.
func TestRawIndexMatchesWalk(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 11))
	const start = 1_780_000_000
	for trial := range 300 {
		nSeries := 1 + trial%4
		capSec := int64(1 + rng.IntN(900))
		if trial%25 == 0 {
			capSec = 0
		}
		now := int64(start + 14*86400)
		d := &Data{now: now, boundary: start + int64(rng.IntN(3600))}
		if trial%10 == 0 {
			d.boundary = math.MinInt64 // no roll-ups: everything is raw
		}
		ss := make([]*series, nSeries)
		for si := range ss {
			// Series start at different times, some after the boundary.
			ss[si] = &series{capSec: capSec, pts: randomPoints(rng, start-3600+rng.Int64N(2*86400), now+600, trial)}
		}
		x := d.newRawIndex(ss)
		for q := range 60 {
			from := max(d.boundary, start-7200) + rng.Int64N(15*86400)
			if q%5 == 0 { // about where a series starts
				from = max(d.boundary, ss[q%nSeries].pts[0].Unix()-rng.Int64N(1800))
			}
			to := from + rng.Int64N([]int64{900, 3600, 86400, 7 * 86400}[q%4])
			to = min(to, now)
			if from >= to {
				continue
			}
			var walked, indexed accum
			for _, sr := range ss {
				d.accumulate(sr, from, to, &walked)
			}
			f, tt := time.Unix(from, 0), time.Unix(to, 0)
			want := walked.stats(f, tt, time.Hour)
			p50, p95 := x.add(from, to, &indexed)
			got := indexed.figures(f, tt, time.Hour)
			got.P50, got.P95 = p50, p95
			if got != want {
				t.Fatalf("trial %d, %d series, cap %d, [%d, %d):\n index %+v\n walk  %+v", trial, nSeries, capSec, from-start, to-start, got, want)
			}
		}
		if len(ss) == 1 {
			// The whole raw list is the series' sorted latencies.
			want := fmt.Sprint(d.rawLat(ss[0]))
			if got := fmt.Sprint(x.lat); got != want {
				t.Fatalf("trial %d: index latencies %s, want %s", trial, got, want)
			}
		}
		x.release() // the next trial reuses its buffers, larger or smaller
	}
}

// randomPoints makes a sorted series between from and to: steps of 0 to
// 20 minutes (0 gives two samples at one second), runs of each level, and
// latencies drawn from few or many values.
func randomPoints(rng *rand.Rand, from, to int64, trial int) []history.Point {
	var pts []history.Point
	levels := []history.Level{history.LevelUp, history.LevelDown, history.LevelDegraded}
	lv := history.LevelUp
	for u := from + rng.Int64N(600); u < to; u += rng.Int64N(1200) {
		if rng.IntN(20) == 0 {
			lv = levels[rng.IntN(3)]
		}
		var l float32
		switch trial % 3 {
		case 0:
			l = float32(rng.IntN(5)) * 50 // many ties, zeros
		case 1:
			l = float32(rng.IntN(50000)) / 10
		default:
			l = float32(math.Exp(rng.Float64() * 100)) // up to +Inf
		}
		pts = append(pts, history.NewPoint(u, l, lv))
	}
	return pts
}
