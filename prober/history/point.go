package history

import (
	"errors"
	"math"
)

// Point is a raw sample reduced to what uptime and latency figures need,
// in 8 bytes: a build of a year of 1,000 checks holds four million of
// them. The time is unsigned 32-bit seconds (1970 to 2106; see
// PointTimeOK). The latency's float32 bits carry the level: the sign bit
// marks degraded (latencies are never negative), and downPoint marks down,
// whose latency no figure uses.
type Point struct {
	unix uint32
	bits uint32
}

const (
	degradedBit = 1 << 31
	// downPoint is a NaN that no parsed latency produces.
	downPoint = math.MaxUint32
)

var errPointTime = errors.New("dated before 1970 or after 2106")

// PointTimeOK reports whether unix seconds fit a Point.
func PointTimeOK(unix int64) bool { return unix >= 0 && unix <= math.MaxUint32 }

// NewPoint makes a point; unix must satisfy PointTimeOK. A negative or NaN
// latency reads as 0; a down point's latency is not kept.
func NewPoint(unix int64, latency float32, lv Level) Point {
	p := Point{unix: uint32(unix)}
	if !(latency > 0) { // NaN too
		latency = 0
	}
	switch lv {
	case LevelUp:
		p.bits = math.Float32bits(latency)
	case LevelDegraded:
		p.bits = math.Float32bits(latency) | degradedBit
	default:
		p.bits = downPoint
	}
	return p
}

// Unix is the sample time in seconds.
func (p Point) Unix() int64 { return int64(p.unix) }

// Latency in milliseconds; 0 for a down point.
func (p Point) Latency() float32 {
	if p.bits == downPoint {
		return 0
	}
	return math.Float32frombits(p.bits &^ degradedBit)
}

// Level of the sample.
func (p Point) Level() Level {
	switch {
	case p.bits == downPoint:
		return LevelDown
	case p.bits&degradedBit != 0:
		return LevelDegraded
	}
	return LevelUp
}
