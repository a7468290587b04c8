package sitegen

import (
	"bytes"
	"math"
	"slices"
	"time"
)

// Badges come in two forms: shields.io endpoint JSON (the shields.io
// "endpoint" badge fetches it and draws the badge, schemaVersion 1), and a
// static flat SVG for places that cannot reach shields.io.

type endpointBadge struct {
	SchemaVersion int    `json:"schemaVersion"`
	Label         string `json:"label"`
	Message       string `json:"message"`
	Color         string `json:"color"`
	// CacheSeconds: shields.io enforces 300 as its minimum.
	CacheSeconds int `json:"cacheSeconds"`
}

type badge struct {
	Name    string // file name without extension
	Label   string
	Message string
	Color   string // shields.io named colour
}

// badgeHex are the flat-style colours of the shields.io named colours.
var badgeHex = map[string]string{
	"brightgreen": "#4c1", "green": "#97ca00", "yellowgreen": "#a4a61d", "yellow": "#dfb317",
	"orange": "#fe7d37", "red": "#e05d44", "blue": "#007ec6", "lightgrey": "#9f9f9f",
}

func statusBadgeColor(class string) string {
	switch class {
	case "up":
		return "brightgreen"
	case "degraded":
		return "yellow"
	case "partial":
		return "orange"
	case "down":
		return "red"
	case "maintenance":
		return "blue"
	}
	return "lightgrey"
}

func uptimeBadgeColor(r float64) string {
	switch {
	case r >= 0.999:
		return "brightgreen"
	case r >= 0.99:
		return "green"
	case r >= 0.95:
		return "yellow"
	case r >= 0.90:
		return "orange"
	}
	return "red"
}

func latencyBadgeColor(d time.Duration) string {
	switch {
	case d < 300*time.Millisecond:
		return "brightgreen"
	case d < 800*time.Millisecond:
		return "green"
	case d < 1500*time.Millisecond:
		return "yellow"
	case d < 3*time.Second:
		return "orange"
	}
	return "red"
}

// checkBadges lists a check's badges: status, uptime over 30 days, and
// response time (median p50 of the last 24 hours, else the last probe).
// Other windows are in the check's history JSON.
func (m *model) checkBadges(c *checkView) []badge {
	bs := []badge{{Name: "status", Label: "status", Message: lower(c.Status.Label), Color: statusBadgeColor(c.Status.Class)}}
	up := badge{Name: "uptime", Label: "uptime 30d", Message: "no data", Color: "lightgrey"}
	for _, u := range c.Check.Uptime {
		if u.Window == Window30d && u.Samples > 0 {
			up.Message, up.Color = fmtPercent(u.Ratio), uptimeBadgeColor(u.Ratio)
		}
	}
	bs = append(bs, up)
	rt := badge{Name: "response-time", Label: "response time", Message: "no data", Color: "lightgrey"}
	if d, ok := medianP50(c.Check, Window24h); ok {
		rt.Message, rt.Color = fmtLatency(d), latencyBadgeColor(d)
	} else if c.Raw != NoData && c.Current.Latency > 0 {
		rt.Message, rt.Color = fmtLatency(c.Current.Latency), latencyBadgeColor(c.Current.Latency)
	}
	return append(bs, rt)
}

func (m *model) siteBadge() badge {
	return badge{Name: "status", Label: "status", Message: lower(m.overall.Label), Color: statusBadgeColor(m.overall.Class)}
}

func medianP50(c *Check, w Window) (time.Duration, bool) {
	s := seriesFor(c, w)
	if s == nil {
		return 0, false
	}
	var vals []time.Duration
	for _, p := range s.Points {
		if p.Samples > 0 {
			vals = append(vals, p.P50)
		}
	}
	if len(vals) == 0 {
		return 0, false
	}
	slices.Sort(vals)
	return vals[len(vals)/2], true
}

func (b badge) endpoint() endpointBadge {
	return endpointBadge{SchemaVersion: 1, Label: b.Label, Message: b.Message, Color: b.Color, CacheSeconds: 300}
}

type badgeSVG struct {
	Label, Message       string
	Title                string
	LabelW, MsgW, W      int
	LabelX, MsgX         int
	LabelTextW, MsgTextW int
	Color                string
}

func (b badge) svg() ([]byte, error) {
	lw := textWidth(b.Label)
	mw := textWidth(b.Message)
	v := badgeSVG{
		Label: b.Label, Message: b.Message, Title: b.Label + ": " + b.Message,
		LabelW: lw + 10, MsgW: mw + 10, Color: badgeHex[b.Color],
		LabelTextW: lw, MsgTextW: mw,
	}
	v.W = v.LabelW + v.MsgW
	// Text is drawn at 10x scale (as shields does) for sub-pixel placement.
	v.LabelX = v.LabelW * 5
	v.MsgX = (v.LabelW + v.MsgW/2) * 10
	v.LabelTextW *= 10
	v.MsgTextW *= 10
	var buf bytes.Buffer
	err := tmpl.badge.Execute(&buf, v)
	return buf.Bytes(), err
}

// textWidth estimates the width of s in 11px Verdana; the SVG pins the
// text to this width with textLength, so the estimate only has to be close.
func textWidth(s string) int {
	w := 0.0
	for _, r := range s {
		switch {
		case r == ' ':
			w += 3.9
		case r == 'i' || r == 'l' || r == 'j' || r == '.' || r == ',' || r == ':' || r == '\'' || r == '!' || r == '|' || r == 'I':
			w += 3.4
		case r == 'f' || r == 't' || r == 'r' || r == '(' || r == ')' || r == '-':
			w += 4.6
		case r == 'm' || r == 'w':
			w += 10.6
		case r == '%':
			w += 12.3
		case r >= '0' && r <= '9':
			w += 7
		case r >= 'A' && r <= 'Z':
			w += 7.6
		default:
			w += 6.6
		}
	}
	return int(math.Ceil(w))
}

func lower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c >= 'A' && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}
