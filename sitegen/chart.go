package sitegen

import (
	"cmp"
	"fmt"
	"html"
	"html/template"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Response-time charts are inline SVG drawn here: no JavaScript, styled by
// the page's CSS (so dark mode applies), p95 dashed and p50 solid so that
// the two lines differ by more than colour, and a text summary beside each.

const (
	chartW, chartH                     = 480.0, 200.0
	chartLeft, chartRight              = 52.0, 10.0
	chartTop, chartBottom              = 10.0, 24.0
	plotW                              = chartW - chartLeft - chartRight
	plotH                              = chartH - chartTop - chartBottom
	chartGapFactor                     = 1.5
	chartDefaultStep                   = 5 * time.Minute
	chartMinTicks, chartMaxTicks       = 3, 6
	chartFontSize                      = "11"
	chartLabelFmt24h, chartLabelFmtDay = "15:04", "2 Jan"
)

type chartView struct {
	Window  string
	Label   string
	SVG     template.HTML
	Summary string
	Has     bool
}

func windowSpan(w Window) time.Duration {
	switch w {
	case Window24h:
		return 24 * time.Hour
	case Window7d:
		return 7 * 24 * time.Hour
	case Window30d:
		return 30 * 24 * time.Hour
	case Window90d:
		return 90 * 24 * time.Hour
	}
	return 365 * 24 * time.Hour
}

func seriesFor(c *Check, w Window) *Series {
	for i := range c.Latency {
		if c.Latency[i].Window == w {
			return &c.Latency[i]
		}
	}
	return nil
}

func byUnix(a, b Point) int { return cmp.Compare(a.Unix, b.Unix) }

// renderChart draws one window's chart. id must be unique in the page.
func renderChart(c *Check, w Window, now time.Time, id string) chartView {
	cv := chartView{Window: string(w), Label: "Last " + windowLabel(w)}
	s := seriesFor(c, w)
	var pts []Point
	step := chartDefaultStep
	if s != nil {
		pts = append(pts, s.Points...)
		if s.Step > 0 {
			step = s.Step
		}
	}
	if !slices.IsSortedFunc(pts, byUnix) { // they mostly come sorted
		slices.SortStableFunc(pts, byUnix)
	}
	span := windowSpan(w)
	end := now
	if end.IsZero() && len(pts) > 0 {
		end = pts[len(pts)-1].Time().Add(step)
	}
	start := end.Add(-span)

	inWindow := pts[:0] // filtered in place: pts is this chart's copy
	var maxV time.Duration
	for _, p := range pts {
		if t := p.Time(); p.Samples <= 0 || t.Before(start) || !t.Before(end) {
			continue
		}
		inWindow = append(inWindow, p)
		maxV = max(maxV, p.P95, p.P50)
	}

	var b strings.Builder
	b.Grow(1 << 10) // the head; the grid, axes and plot are built in buf below
	title := html.EscapeString("Response time, " + strings.ToLower(cv.Label))
	fmt.Fprintf(&b, `<svg class="chart" viewBox="0 0 %s %s" role="img" aria-labelledby="%s-t %s-d" font-size="%s">`,
		num(chartW), num(chartH), id, id, chartFontSize)
	fmt.Fprintf(&b, `<title id="%s-t">%s</title>`, id, title)
	if len(inWindow) == 0 || end.IsZero() {
		cv.Summary = "No data for this period."
		fmt.Fprintf(&b, `<desc id="%s-d">%s</desc>`, id, html.EscapeString(cv.Summary))
		fmt.Fprintf(&b, `<rect class="ch-frame" x="%s" y="%s" width="%s" height="%s"/>`, num(chartLeft), num(chartTop), num(plotW), num(plotH))
		fmt.Fprintf(&b, `<text class="ch-empty" x="%s" y="%s" text-anchor="middle">No data</text>`, num(chartLeft+plotW/2), num(chartTop+plotH/2))
		b.WriteString(`</svg>`)
		cv.SVG = template.HTML(b.String())
		return cv
	}
	cv.Has = true
	cv.Summary = chartSummary(inWindow, span, step)
	fmt.Fprintf(&b, `<desc id="%s-d">%s</desc>`, id, html.EscapeString(cv.Summary))

	tick, top := niceScale(maxV)
	y := func(v time.Duration) float64 {
		return chartTop + plotH - float64(v)/float64(top)*plotH
	}
	x := func(t time.Time) float64 {
		f := float64(t.Sub(start)) / float64(span)
		return chartLeft + math.Max(0, math.Min(1, f))*plotW
	}
	// Grid and labels, then the paths, are appended with strconv, not
	// fmt: four charts a check, a thousand checks, took a tenth of a
	// build through fmt.
	buf := make([]byte, 0, 2<<10+64*len(inWindow))
	buf = append(buf, `<g class="ch-grid">`...)
	for v := time.Duration(0); v <= top; v += tick {
		buf = append(buf, `<line x1="`...)
		buf = appendNum(buf, chartLeft)
		buf = append(buf, `" x2="`...)
		buf = appendNum(buf, chartLeft+plotW)
		buf = append(buf, `" y1="`...)
		buf = appendNum(buf, y(v))
		buf = append(buf, `" y2="`...)
		buf = appendNum(buf, y(v))
		buf = append(buf, `"/>`...)
	}
	buf = append(buf, `</g><g class="ch-label">`...)
	for v := time.Duration(0); v <= top; v += tick {
		buf = append(buf, `<text x="`...)
		buf = appendNum(buf, chartLeft-6)
		buf = append(buf, `" y="`...)
		buf = appendNum(buf, y(v)+4)
		buf = append(buf, `" text-anchor="end">`...)
		buf = append(buf, html.EscapeString(fmtLatency(v))...)
		buf = append(buf, `</text>`...)
	}
	for i := 0; i <= 4; i++ {
		t := start.Add(span * time.Duration(i) / 4)
		anchor := "middle"
		switch i {
		case 0:
			anchor = "start"
		case 4:
			anchor = "end"
		}
		buf = append(buf, `<text x="`...)
		buf = appendNum(buf, x(t))
		buf = append(buf, `" y="`...)
		buf = appendNum(buf, chartH-6)
		buf = append(buf, `" text-anchor="`...)
		buf = append(buf, anchor...)
		buf = append(buf, `">`...)
		buf = append(buf, html.EscapeString(axisLabel(w, t))...)
		buf = append(buf, `</text>`...)
	}
	buf = append(buf, `</g>`...)

	pt := func(i int) Point { return inWindow[i] }
	buf = appendPlot(buf, len(inWindow), func(i int) time.Time { return pt(i).Time() }, step, x,
		func(i int) float64 { return y(pt(i).P95) }, func(i int) float64 { return y(pt(i).P50) },
		[]plotLine{
			{"ch-p95", func(i int) float64 { return y(pt(i).P95) }},
			{"ch-p50", func(i int) float64 { return y(pt(i).P50) }},
		})
	b.Grow(len(buf) + 128) // buf and the frame
	b.Write(buf)
	fmt.Fprintf(&b, `<rect class="ch-frame" x="%s" y="%s" width="%s" height="%s"/>`, num(chartLeft), num(chartTop), num(plotW), num(plotH))
	b.WriteString(`</svg>`)
	cv.SVG = template.HTML(b.String()) //nolint:gosec // built from numbers and escaped text only
	return cv
}

func chartSummary(pts []Point, span, step time.Duration) string {
	p50s := make([]time.Duration, 0, len(pts))
	var maxP95 time.Duration
	for _, p := range pts {
		p50s = append(p50s, p.P50)
		maxP95 = max(maxP95, p.P95)
	}
	slices.Sort(p50s)
	median := p50s[len(p50s)/2]
	last := pts[len(pts)-1]
	buckets := int(span / step)
	return fmt.Sprintf("Median p50 %s, highest p95 %s, latest p50 %s; %d of %d intervals with data.",
		fmtLatency(median), fmtLatency(maxP95), fmtLatency(last.P50), len(pts), buckets)
}

// niceScale picks a tick step of 1, 2, 2.5 or 5 × 10^k ms giving 3 to 6
// ticks, and the top of the axis.
func niceScale(maxV time.Duration) (tick, top time.Duration) {
	if maxV <= 0 {
		maxV = time.Millisecond
	}
	step, n := niceSteps(float64(maxV) / float64(time.Millisecond))
	tick = time.Duration(step * float64(time.Millisecond))
	if tick <= 0 {
		tick = time.Millisecond
	}
	return tick, time.Duration(n) * tick
}

// niceSteps divides [0, span] (span > 0) into n ticks of 1, 2, 2.5 or 5 ×
// 10^k, 3 to 6 of them.
func niceSteps(span float64) (step float64, n int) {
	raw := span / float64(chartMinTicks+1)
	mag := math.Pow(10, math.Floor(math.Log10(raw)))
	for _, f := range []float64{1, 2, 2.5, 5, 10} {
		step = f * mag
		if span/step <= chartMaxTicks {
			break
		}
	}
	return step, max(1, int(math.Ceil(span/step)))
}

func axisLabel(w Window, t time.Time) string {
	t = t.UTC()
	switch w {
	case Window24h:
		return t.Format(chartLabelFmt24h)
	case Window1y, Window365d:
		return t.Format("Jan 2006")
	}
	return t.Format(chartLabelFmtDay)
}

// num formats a coordinate with one decimal, trimming ".0".
func num(f float64) string { return string(appendNum(nil, f)) }

func appendNum(b []byte, f float64) []byte {
	r := math.Round(f * 10)
	if !(math.Abs(r) < 1<<50) { // NaN, infinite or far off the chart
		return appendNumFloat(b, r)
	}
	// Tenths as an integer: the same digits as formatting r/10, at a
	// fraction of the cost (a year's charts hold millions of coordinates).
	k := int64(r)
	if k < 0 || math.Signbit(r) {
		b = append(b, '-')
		k = -k
	}
	if w := k / 10; w < 10000 {
		// Chart coordinates: up to four digits, written here rather
		// than by strconv's general path.
		switch {
		case w >= 1000:
			b = append(b, byte('0'+w/1000), byte('0'+w/100%10), byte('0'+w/10%10), byte('0'+w%10))
		case w >= 100:
			b = append(b, byte('0'+w/100), byte('0'+w/10%10), byte('0'+w%10))
		case w >= 10:
			b = append(b, byte('0'+w/10), byte('0'+w%10))
		default:
			b = append(b, byte('0'+w))
		}
	} else {
		b = strconv.AppendInt(b, w, 10)
	}
	if d := k % 10; d != 0 {
		b = append(b, '.', byte('0'+d))
	}
	return b
}

// appendNumFloat is appendNum by strconv, for tenths r beyond int64.
func appendNumFloat(b []byte, r float64) []byte {
	b = strconv.AppendFloat(b, r/10, 'f', 1, 64)
	if n := len(b); n >= 2 && b[n-2] == '.' && b[n-1] == '0' {
		b = b[:n-2]
	}
	return b
}

// appendPoint appends an SVG path command: M (move) or L (line) to x y.
// plotLine is one line of a chart: its class and its y of bucket i.
type plotLine struct {
	class string
	y     func(i int) float64
}

// appendPlot appends the paths of n buckets starting at at(i), drawn at
// the middle of their step: a band between hi and lo, then each line. A
// bucket without samples, or a jump of more than chartGapFactor steps,
// breaks every path, so that missing data is never drawn as a value.
func appendPlot(buf []byte, n int, at func(i int) time.Time, step time.Duration, x func(time.Time) float64, hi, lo func(i int) float64, lines []plotLine) []byte {
	var segs [][2]int // [first, end) bucket indexes
	for i := 0; i < n; i++ {
		if i == 0 || at(i).Sub(at(i-1)) > time.Duration(chartGapFactor*float64(step)) {
			segs = append(segs, [2]int{i, i})
		}
		segs[len(segs)-1][1] = i + 1
	}
	// Each bucket's x is used up to four times: compute it once.
	mids := make([]float64, n)
	for i := range mids {
		mids[i] = x(at(i).Add(step / 2))
	}
	mid := func(i int) float64 { return mids[i] }
	buf = append(buf, `<g class="ch-band">`...)
	for _, sg := range segs {
		if sg[1]-sg[0] < 2 {
			continue
		}
		buf = append(buf, `<path d="`...)
		for i := sg[0]; i < sg[1]; i++ {
			buf = appendPoint(buf, i == sg[0], mid(i), hi(i))
		}
		for i := sg[1] - 1; i >= sg[0]; i-- {
			buf = appendPoint(buf, false, mid(i), lo(i))
		}
		buf = append(buf, `Z"/>`...)
	}
	buf = append(buf, `</g>`...)
	for _, line := range lines {
		buf = append(buf, `<path class="`...)
		buf = append(buf, line.class...)
		buf = append(buf, `" d="`...)
		for _, sg := range segs {
			for i := sg[0]; i < sg[1]; i++ {
				buf = appendPoint(buf, i == sg[0], mid(i), line.y(i))
			}
			if sg[1]-sg[0] == 1 {
				buf = append(buf, "h0.01"...) // a lone bucket shows as a dot (round caps)
			}
		}
		buf = append(buf, `"/>`...)
	}
	return buf
}

func appendPoint(b []byte, move bool, x, y float64) []byte {
	if move {
		b = append(b, 'M')
	} else {
		b = append(b, 'L')
	}
	b = appendNum(b, x)
	b = append(b, ' ')
	return appendNum(b, y)
}
