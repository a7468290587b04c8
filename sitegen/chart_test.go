package sitegen

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"
	"time"
)

func chartOf(points []Point, step time.Duration) chartView {
	c := &Check{Latency: []Series{{Window: Window24h, Step: step, Points: points}}}
	return renderChart(c, Window24h, fixtureNow, "t")
}

func pathOf(svg, class string) string {
	i := strings.Index(svg, `class="`+class+`" d="`)
	if i < 0 {
		return ""
	}
	rest := svg[i+len(`class="`+class+`" d="`):]
	return rest[:strings.IndexByte(rest, '"')]
}

func TestChartGapsBreakTheLine(t *testing.T) {
	step := 5 * time.Minute
	start := fixtureNow.Add(-time.Hour)
	var pts []Point
	for i := 0; i < 12; i++ {
		p := Point{Unix: start.Add(time.Duration(i) * step).Unix(), P50: 100 * time.Millisecond, P95: 200 * time.Millisecond, Samples: 1}
		switch i {
		case 4:
			p.Samples = 0 // a bucket without data
		case 8, 9:
			continue // buckets missing altogether
		}
		pts = append(pts, p)
	}
	cv := chartOf(pts, step)
	svg := string(cv.SVG)
	p50 := pathOf(svg, "ch-p50")
	if got := strings.Count(p50, "M"); got != 3 {
		t.Errorf("p50 path has %d segments, want 3 (two gaps): %s", got, p50)
	}
	if got := strings.Count(pathOf(svg, "ch-p95"), "M"); got != 3 {
		t.Errorf("p95 path has %d segments, want 3", got)
	}
	if !cv.Has || !strings.Contains(cv.Summary, "Median p50 100 ms, highest p95 200 ms") || !strings.Contains(cv.Summary, "9 of 288 intervals") {
		t.Errorf("summary = %q", cv.Summary)
	}
	if !strings.Contains(svg, `role="img" aria-labelledby="t-t t-d"`) || !strings.Contains(svg, `<title id="t-t">Response time, last 24 hours</title>`) {
		t.Error("chart has no accessible name")
	}
}

func TestChartScalesAndLabels(t *testing.T) {
	pts := []Point{
		{Unix: fixtureNow.Add(-2 * time.Hour).Unix(), P50: 300 * time.Millisecond, P95: 1700 * time.Millisecond, Samples: 3},
		{Unix: fixtureNow.Add(-time.Hour).Unix(), P50: 250 * time.Millisecond, P95: 900 * time.Millisecond, Samples: 3},
		{Unix: fixtureNow.Add(-48 * time.Hour).Unix(), P50: time.Hour, P95: time.Hour, Samples: 3}, // outside the window
	}
	svg := string(chartOf(pts, time.Hour).SVG)
	// 1.7 s peak: ticks of 500 ms up to 2 s; the out-of-window hour is ignored.
	for _, want := range []string{">2.00 s</text>", ">500 ms</text>", ">0 ms</text>", ">12:00</text>"} {
		if !strings.Contains(svg, want) {
			t.Errorf("chart lacks %q", want)
		}
	}
	if strings.Contains(svg, "3600") {
		t.Error("a point outside the window was drawn")
	}
}

func TestChartWithoutData(t *testing.T) {
	cv := chartOf(nil, 0)
	if cv.Has || !strings.Contains(string(cv.SVG), ">No data</text>") || cv.Summary != "No data for this period." {
		t.Errorf("empty chart: %+v", cv)
	}
}

func TestNiceScale(t *testing.T) {
	for _, tc := range []struct {
		max, tick, top time.Duration
	}{
		{95 * time.Millisecond, 20 * time.Millisecond, 100 * time.Millisecond},
		{526 * time.Millisecond, 100 * time.Millisecond, 600 * time.Millisecond},
		{1700 * time.Millisecond, 500 * time.Millisecond, 2 * time.Second},
		{0, 200 * time.Microsecond, time.Millisecond},
	} {
		tick, top := niceScale(tc.max)
		if tick != tc.tick || top != tc.top {
			t.Errorf("niceScale(%v) = %v, %v; want %v, %v", tc.max, tick, top, tc.tick, tc.top)
		}
		if n := int(top / tick); n < 1 || n > chartMaxTicks {
			t.Errorf("niceScale(%v): %d ticks", tc.max, n)
		}
	}
}

// TestAppendNumMatchesStrconv: the integer path writes exactly what
// formatting the rounded tenths with strconv writes.
func TestAppendNumMatchesStrconv(t *testing.T) {
	cases := []float64{0, math.Copysign(0, -1), -0.04, 0.04, 0.05, -0.05, 0.15, 0.25, 0.35, 1, -1, 9.95, 10.05,
		123.45, -123.45, 899.99, 9, 10, 99.9, 100, 999, 1000, 9999.9, 9999.96, 10000, -9999.9, 1e6 + 0.05, 1e13, -1e13, 1 << 49, math.Inf(1), math.Inf(-1), math.NaN()}
	rng := rand.New(rand.NewPCG(3, 5))
	for range 10000 {
		cases = append(cases, (rng.Float64()-0.3)*math.Pow(10, float64(rng.IntN(8))))
	}
	for _, f := range cases {
		got, want := string(appendNum(nil, f)), string(appendNumFloat(nil, math.Round(f*10)))
		if got != want {
			t.Errorf("appendNum(%v) = %q, want %q", f, got, want)
		}
	}
}
