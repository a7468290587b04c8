package sitegen

import (
	"encoding/json"
	"math"
	"slices"
	"strconv"
)

// marshalHistory writes a check's history document exactly as json.Marshal
// does. The latency rows and the days, most of its bytes, are written
// here: encoding them by reflection took a fifth of a check's rendering.
// The rest goes through encoding/json; a value json cannot encode (NaN)
// gets json.Marshal's own error.
func marshalHistory(doc *historyDoc) ([]byte, error) {
	b, ok := appendHistory(make([]byte, 0, 48<<10), doc)
	if !ok {
		return json.Marshal(doc)
	}
	return b, nil
}

func appendHistory(b []byte, doc *historyDoc) ([]byte, bool) {
	ok := true
	val := func(key string, v any) {
		b = append(b, key...)
		if ok {
			b, ok = appendMarshal(b, v)
		}
	}
	val(`{"schema":`, doc.Schema)
	val(`,"updated":`, doc.Updated)
	val(`,"check":`, doc.Check)
	val(`,"status":`, doc.Status)
	val(`,"regions":`, doc.Regions)
	val(`,"uptime":`, doc.Uptime)
	b = append(b, `,"days":`...)
	if doc.Days == nil {
		b = append(b, "null"...)
	} else {
		b = append(b, '[')
		for i := range doc.Days {
			if i > 0 {
				b = append(b, ',')
			}
			d := &doc.Days[i]
			b = append(b, `{"date":`...)
			b = appendString(b, d.Date)
			b = append(b, `,"uptime":`...)
			if d.Uptime == nil {
				b = append(b, "null"...)
			} else {
				b, ok = appendFloat(b, *d.Uptime, ok)
			}
			b = append(b, `,"samples":`...)
			b = strconv.AppendInt(b, int64(d.Samples), 10)
			b = append(b, `,"degraded":`...)
			b, ok = appendFloat(b, d.Degraded, ok)
			b = append(b, `,"failures":`...)
			b = strconv.AppendInt(b, int64(d.Failures), 10)
			if len(d.Incidents) > 0 {
				val(`,"incidents":`, d.Incidents)
			}
			b = append(b, '}')
		}
		b = append(b, ']')
	}
	b = append(b, `,"latency":`...)
	if doc.Latency == nil {
		b = append(b, "null"...)
	} else {
		b = append(b, '{')
		keys := make([]string, 0, len(doc.Latency))
		for k := range doc.Latency {
			keys = append(keys, k)
		}
		slices.Sort(keys) // as json sorts map keys
		for i, k := range keys {
			if i > 0 {
				b = append(b, ',')
			}
			s := doc.Latency[k]
			b = appendString(b, k)
			val(`:{"step_s":`, s.StepS)
			val(`,"columns":`, s.Columns)
			b = append(b, `,"points":`...)
			if s.Points == nil {
				b = append(b, "null"...)
			} else {
				b = append(b, '[')
				for j, row := range s.Points {
					if j > 0 {
						b = append(b, ',')
					}
					b = append(b, '[')
					for c, f := range row {
						if c > 0 {
							b = append(b, ',')
						}
						b, ok = appendFloat(b, f, ok)
					}
					b = append(b, ']')
				}
				b = append(b, ']')
			}
			b = append(b, '}')
		}
		b = append(b, '}')
	}
	val(`,"incidents":`, doc.Incidents)
	val(`,"links":`, doc.Links)
	if len(doc.Charts) > 0 {
		val(`,"charts":`, doc.Charts)
	}
	if doc.Validator != nil {
		val(`,"validator":`, doc.Validator)
	}
	return append(b, '}'), ok
}

func appendMarshal(b []byte, v any) ([]byte, bool) {
	data, err := json.Marshal(v)
	if err != nil {
		return b, false
	}
	return append(b, data...), true
}

// appendFloat writes f as encoding/json writes a float64; ok turns false
// for NaN and infinities, which json refuses.
func appendFloat(b []byte, f float64, ok bool) ([]byte, bool) {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return b, false
	}
	abs := math.Abs(f)
	if f == math.Trunc(f) && abs < 1<<53 && !(f == 0 && math.Signbit(f)) {
		// Whole numbers (times, counts): the digits 'f' gives.
		return strconv.AppendInt(b, int64(f), 10), ok
	}
	format := byte('f')
	if abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		format = 'e'
	}
	b = strconv.AppendFloat(b, f, format, -1, 64)
	if format == 'e' {
		// json writes e-07 as e-7.
		if n := len(b); n >= 4 && b[n-4] == 'e' && b[n-3] == '-' && b[n-2] == '0' {
			b[n-2] = b[n-1]
			b = b[:n-1]
		}
	}
	return b, ok
}

// appendString writes s quoted; anything json would escape (quotes,
// control characters, <, >, &, non-ASCII) goes through json.Marshal.
func appendString(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x7f || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			data, _ := json.Marshal(s) // strings always encode
			return append(b, data...)
		}
	}
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"')
}
