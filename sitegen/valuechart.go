package sitegen

import (
	"fmt"
	"html"
	"html/template"
	"math"
	"strconv"
	"strings"
	"time"
)

// Value charts draw a recorded number (peers, lag, a balance) like the
// response-time charts: inline SVG from chart.go's helpers, the band from
// each bucket's minimum to its maximum and a solid line through its last
// value, gaps where no sample was recorded.

// ValueChart is the chart of one recorded value, one series per window
// (LatencyWindows).
type ValueChart struct {
	// Name is the value's key, Label its name for people.
	Name  string
	Label string
	// Suffix follows every number shown ("%", "ETH", "B"); the points are
	// already in that unit (amounts scaled to the chain's unit).
	Suffix string
	// Last is the newest recorded value, exact, formatted for people.
	Last     string
	LastTime time.Time
	Series   []ValueSeries
}

// ValueSeries is one window of a value chart.
type ValueSeries struct {
	Window Window
	// Step is the bucket width; Points are the buckets, oldest first.
	Step   time.Duration
	Points []ValuePoint
}

// ValuePoint is one bucket of a value series; Samples 0 is a gap.
type ValuePoint struct {
	Time           time.Time
	Min, Max, Last float64
	Samples        int
}

type valueChartView struct {
	Name, Label, Last string
	ID                string
	Charts            []chartView
}

// valueCharts renders every value chart of c, one figure per window.
func valueCharts(c *Check, now time.Time) []valueChartView {
	out := make([]valueChartView, 0, len(c.ValueCharts))
	for i := range c.ValueCharts {
		vc := &c.ValueCharts[i]
		v := valueChartView{Name: vc.Name, Label: vc.Label, Last: vc.Last, ID: "value-" + safeID(vc.Name)}
		for _, w := range LatencyWindows() {
			v.Charts = append(v.Charts, renderValueChart(vc, w, now, v.ID+"-"+string(w)))
		}
		out = append(out, v)
	}
	return out
}

func safeID(s string) string {
	b := []byte(s)
	for i, c := range b {
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			b[i] = '-'
		}
	}
	return string(b)
}

func (vc *ValueChart) series(w Window) *ValueSeries {
	for i := range vc.Series {
		if vc.Series[i].Window == w {
			return &vc.Series[i]
		}
	}
	return nil
}

// renderValueChart draws one window of a value. id must be unique in the page.
func renderValueChart(vc *ValueChart, w Window, now time.Time, id string) chartView {
	cv := chartView{Window: string(w), Label: "Last " + windowLabel(w)}
	step := chartDefaultStep
	var pts []ValuePoint
	if s := vc.series(w); s != nil {
		if s.Step > 0 {
			step = s.Step
		}
		pts = s.Points
	}
	span := windowSpan(w)
	end := now
	if end.IsZero() && len(pts) > 0 {
		end = pts[len(pts)-1].Time.Add(step)
	}
	start := end.Add(-span)
	in := make([]ValuePoint, 0, len(pts))
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, p := range pts {
		if p.Samples <= 0 || p.Time.Before(start) || !p.Time.Before(end) {
			continue
		}
		in = append(in, p)
		lo, hi = math.Min(lo, p.Min), math.Max(hi, p.Max)
	}
	name := vc.Label + ", " + strings.ToLower(cv.Label)
	var b strings.Builder
	if len(in) == 0 || end.IsZero() {
		cv.Summary = "No data for this period."
		fmt.Fprintf(&b, `<svg class="chart" viewBox="0 0 %s %s" role="img" aria-label="%s" aria-describedby="%s-d" font-size="%s">`,
			num(chartW), num(chartH), html.EscapeString(name+": no data"), id, chartFontSize)
		fmt.Fprintf(&b, `<title>%s</title><desc id="%s-d">%s</desc>`, html.EscapeString(name), id, html.EscapeString(cv.Summary))
		fmt.Fprintf(&b, `<rect class="ch-frame" x="%s" y="%s" width="%s" height="%s"/>`, num(chartLeft), num(chartTop), num(plotW), num(plotH))
		fmt.Fprintf(&b, `<text class="ch-empty" x="%s" y="%s" text-anchor="middle">No data</text></svg>`, num(chartLeft+plotW/2), num(chartTop+plotH/2))
		cv.SVG = template.HTML(b.String()) //nolint:gosec // numbers and escaped text only
		return cv
	}
	cv.Has = true
	last := in[len(in)-1].Last
	rangeText := fmtValue(lo, vc.Suffix) + " to " + fmtValue(hi, vc.Suffix)
	if lo == hi {
		rangeText = "steady at " + fmtValue(lo, vc.Suffix)
	}
	cv.Summary = fmt.Sprintf("Range %s, latest %s; %d of %d intervals with data.", rangeText, fmtValue(last, vc.Suffix), len(in), int(span/step))
	fmt.Fprintf(&b, `<svg class="chart" viewBox="0 0 %s %s" role="img" aria-label="%s" aria-describedby="%s-d" font-size="%s">`,
		num(chartW), num(chartH), html.EscapeString(name+": range "+rangeText+", latest "+fmtValue(last, vc.Suffix)), id, chartFontSize)
	fmt.Fprintf(&b, `<title>%s</title><desc id="%s-d">%s</desc>`, html.EscapeString(name), id, html.EscapeString(cv.Summary))

	base, tick, n := valueScale(lo, hi)
	top := base + float64(n)*tick
	y := func(v float64) float64 { return chartTop + plotH - (v-base)/(top-base)*plotH }
	x := func(t time.Time) float64 {
		return chartLeft + math.Max(0, math.Min(1, float64(t.Sub(start))/float64(span)))*plotW
	}
	b.WriteString(`<g class="ch-grid">`)
	for i := 0; i <= n; i++ {
		v := y(base + float64(i)*tick)
		fmt.Fprintf(&b, `<line x1="%s" x2="%s" y1="%s" y2="%s"/>`, num(chartLeft), num(chartLeft+plotW), num(v), num(v))
	}
	b.WriteString(`</g><g class="ch-label">`)
	for i := 0; i <= n; i++ {
		v := base + float64(i)*tick
		fmt.Fprintf(&b, `<text x="%s" y="%s" text-anchor="end">%s</text>`, num(chartLeft-6), num(y(v)+4), html.EscapeString(fmtTick(v, tick, math.Max(math.Abs(base), math.Abs(top)))))
	}
	for i := 0; i <= 4; i++ {
		t := start.Add(span * time.Duration(i) / 4)
		anchor := [...]string{"start", "middle", "middle", "middle", "end"}[i]
		fmt.Fprintf(&b, `<text x="%s" y="%s" text-anchor="%s">%s</text>`, num(x(t)), num(chartH-6), anchor, html.EscapeString(axisLabel(w, t)))
	}
	b.WriteString(`</g>`)

	buf := make([]byte, 0, 48*len(in))
	buf = appendPlot(buf, len(in), func(i int) time.Time { return in[i].Time }, step, x,
		func(i int) float64 { return y(in[i].Max) }, func(i int) float64 { return y(in[i].Min) },
		[]plotLine{{"ch-p50", func(i int) float64 { return y(in[i].Last) }}})
	b.Write(buf)
	fmt.Fprintf(&b, `<rect class="ch-frame" x="%s" y="%s" width="%s" height="%s"/></svg>`, num(chartLeft), num(chartTop), num(plotW), num(plotH))
	cv.SVG = template.HTML(b.String()) //nolint:gosec // numbers and escaped text only
	return cv
}

// valueScale picks the axis: from zero when the values are not far from
// it (counts, lag), else from a tick below the minimum (balances), so
// that a change of a large number stays visible.
func valueScale(lo, hi float64) (base, tick float64, n int) {
	switch {
	case hi-lo > 0:
	case lo == 0: // all zero (nothing missed): the line on the axis
		hi = 1
	default: // flat: the line in the middle, not on the frame
		d := math.Max(math.Abs(hi)/10, 1)
		lo, hi = lo-d/2, hi+d/2
	}
	if lo >= 0 && lo <= hi/2 {
		lo = 0
	}
	tick, _ = niceSteps(hi - lo)
	base = math.Floor(lo/tick) * tick
	n = max(1, int(math.Ceil((hi-base)/tick-1e-9)))
	return base, tick, n
}

// fmtValue writes a number for axes and summaries: three significant
// digits, large ones with k, M, G, T or P.
func fmtValue(v float64, suffix string) string {
	s := compactNumber(v)
	switch suffix {
	case "":
		return s
	case "%":
		return s + " %"
	}
	return s + " " + suffix
}

// fmtTick writes an axis label with as many decimals as the tick step
// needs, so that neighbouring labels differ, in the k/M/G unit of the
// axis's largest value.
func fmtTick(v, tick, largest float64) string {
	div, unit := 1.0, ""
	for _, u := range compactUnits {
		if largest >= u.from {
			div, unit = u.f, u.s
			break
		}
	}
	step := tick / div
	dec := 0
	for ; dec < 8 && math.Abs(step*math.Pow(10, float64(dec))-math.Round(step*math.Pow(10, float64(dec)))) > 1e-6; dec++ {
	}
	return strconv.FormatFloat(v/div, 'f', dec, 64) + unit
}

// compactUnits: from 10,000 on, numbers are written in k (not from 1,000,
// where four digits still read well).
var compactUnits = []struct {
	from, f float64
	s       string
}{{1e15, 1e15, "P"}, {1e12, 1e12, "T"}, {1e9, 1e9, "G"}, {1e6, 1e6, "M"}, {1e4, 1e3, "k"}}

func compactNumber(v float64) string {
	a := math.Abs(v)
	for _, u := range compactUnits {
		if a >= u.from {
			return sig3(v/u.f) + u.s
		}
	}
	return sig3(v)
}

func sig3(v float64) string {
	a := math.Abs(v)
	switch {
	case v == math.Trunc(v) && a < 1e4:
		return strconv.FormatFloat(v, 'f', 0, 64)
	case a >= 100:
		return strconv.FormatFloat(v, 'f', 0, 64)
	case a >= 10:
		return strconv.FormatFloat(v, 'f', 1, 64)
	case a >= 1:
		return strconv.FormatFloat(v, 'f', 2, 64)
	}
	return strconv.FormatFloat(v, 'g', 3, 64)
}

// historyValueChart is a value chart in the per-check JSON: series as
// [unix_s, min, max, last, samples] rows, in the unit of Suffix.
type historyValueChart struct {
	Label  string                        `json:"label"`
	Unit   string                        `json:"unit,omitempty"`
	Last   string                        `json:"last"`
	Series map[string]historyValueSeries `json:"series"`
}

type historyValueSeries struct {
	StepS   int64        `json:"step_s"`
	Columns []string     `json:"columns"`
	Points  [][5]float64 `json:"points"`
}

func valueChartsJSON(c *Check) map[string]historyValueChart {
	if len(c.ValueCharts) == 0 {
		return nil
	}
	out := make(map[string]historyValueChart, len(c.ValueCharts))
	for _, vc := range c.ValueCharts {
		hc := historyValueChart{Label: vc.Label, Unit: vc.Suffix, Last: vc.Last, Series: map[string]historyValueSeries{}}
		for _, s := range vc.Series {
			hs := historyValueSeries{StepS: int64(s.Step / time.Second), Columns: []string{"time", "min", "max", "last", "samples"}, Points: make([][5]float64, 0, len(s.Points))}
			for _, p := range s.Points {
				hs.Points = append(hs.Points, [5]float64{float64(p.Time.Unix()), round6(p.Min), round6(p.Max), round6(p.Last), float64(p.Samples)})
			}
			hc.Series[string(s.Window)] = hs
		}
		out[vc.Name] = hc
	}
	return out
}
