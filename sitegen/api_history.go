package sitegen

import (
	"encoding/json"
	"maps"
	"math"
	"slices"
	"strconv"
)

// appendHistory appends a check's history document to b exactly as
// json.Marshal writes it. The latency rows and the days, most of its
// bytes, are written here: encoding them by reflection took a fifth of a
// check's rendering. The rest goes through encoding/json; a value json
// cannot encode (NaN) gets json.Marshal's own error.
func appendHistory(b []byte, doc *historyDoc) ([]byte, error) {
	w := historyWriter{b: b, ok: true}
	w.doc(doc)
	if !w.ok {
		data, err := json.Marshal(doc)
		return append(b, data...), err
	}
	return w.b, nil
}

// historyWriter appends JSON to b; ok turns false at the first value json
// cannot encode.
type historyWriter struct {
	b  []byte
	ok bool
}

func (w *historyWriter) raw(s string) { w.b = append(w.b, s...) }

// val writes key, then v through encoding/json.
func (w *historyWriter) val(key string, v any) {
	w.raw(key)
	data, err := json.Marshal(v)
	if err != nil {
		w.ok = false
		return
	}
	w.b = append(w.b, data...)
}

// float writes f as encoding/json writes a float64.
func (w *historyWriter) float(f float64) {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		w.ok = false // json refuses them
		return
	}
	abs := math.Abs(f)
	if f == math.Trunc(f) && abs < 1<<53 && !(f == 0 && math.Signbit(f)) {
		// Whole numbers (times, counts): the digits 'f' gives.
		w.b = strconv.AppendInt(w.b, int64(f), 10)
		return
	}
	format := byte('f')
	if abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		format = 'e'
	}
	w.b = strconv.AppendFloat(w.b, f, format, -1, 64)
	if format == 'e' {
		// json writes e-07 as e-7.
		if n := len(w.b); n >= 4 && w.b[n-4] == 'e' && w.b[n-3] == '-' && w.b[n-2] == '0' {
			w.b[n-2] = w.b[n-1]
			w.b = w.b[:n-1]
		}
	}
}

func (w *historyWriter) doc(doc *historyDoc) {
	w.val(`{"schema":`, doc.Schema)
	w.val(`,"updated":`, doc.Updated)
	w.val(`,"check":`, doc.Check)
	w.val(`,"status":`, doc.Status)
	w.val(`,"regions":`, doc.Regions)
	w.val(`,"uptime":`, doc.Uptime)
	w.raw(`,"days":`)
	if doc.Days == nil {
		w.raw("null")
	} else {
		w.raw("[")
		for i := range doc.Days {
			if i > 0 {
				w.raw(",")
			}
			d := &doc.Days[i]
			w.raw(`{"date":`)
			w.b = appendString(w.b, d.Date)
			w.raw(`,"uptime":`)
			if d.Uptime == nil {
				w.raw("null")
			} else {
				w.float(*d.Uptime)
			}
			w.raw(`,"samples":`)
			w.b = strconv.AppendInt(w.b, int64(d.Samples), 10)
			w.raw(`,"degraded":`)
			w.float(d.Degraded)
			w.raw(`,"failures":`)
			w.b = strconv.AppendInt(w.b, int64(d.Failures), 10)
			if len(d.Incidents) > 0 {
				w.val(`,"incidents":`, d.Incidents)
			}
			w.raw("}")
		}
		w.raw("]")
	}
	w.raw(`,"latency":`)
	if doc.Latency == nil {
		w.raw("null")
	} else {
		w.raw("{")
		for i, k := range slices.Sorted(maps.Keys(doc.Latency)) { // as json sorts map keys
			if i > 0 {
				w.raw(",")
			}
			s := doc.Latency[k]
			w.b = appendString(w.b, k)
			w.val(`:{"step_s":`, s.StepS)
			w.val(`,"columns":`, s.Columns)
			w.raw(`,"points":`)
			if s.Points == nil {
				w.raw("null")
			} else {
				w.raw("[")
				for j := range s.Points {
					if j > 0 {
						w.b = append(w.b, ',')
					}
					w.b = append(w.b, '[')
					for c, f := range &s.Points[j] {
						if c > 0 {
							w.b = append(w.b, ',')
						}
						if f == 0 && !math.Signbit(f) {
							// Most of the grid of a check probed for a
							// short while: gaps.
							w.b = append(w.b, '0')
							continue
						}
						w.float(f)
					}
					w.b = append(w.b, ']')
				}
				w.raw("]")
			}
			w.raw("}")
		}
		w.raw("}")
	}
	w.val(`,"incidents":`, doc.Incidents)
	w.val(`,"links":`, doc.Links)
	if len(doc.Charts) > 0 {
		w.val(`,"charts":`, doc.Charts)
	}
	if doc.Validator != nil {
		w.val(`,"validator":`, doc.Validator)
	}
	w.raw("}")
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
