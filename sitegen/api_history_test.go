package sitegen

import (
	"bytes"
	"encoding/json"
	"math"
	"math/rand/v2"
	"testing"
)

// TestAppendHistoryMatchesJSON: the hand-written history document is the
// bytes json.Marshal writes, for random documents whose numbers cover
// zero, whole, fractional, tiny, huge and negative-zero values and whose
// strings need escaping, and json's error for NaN.
func TestAppendHistoryMatchesJSON(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 11))
	num := func() float64 {
		switch r.IntN(10) {
		case 0:
			return float64(r.IntN(2e9))
		case 8:
			return 0 // the gaps of a latency grid
		case 1:
			return math.Round(r.Float64()*1e6) / 1e3
		case 2:
			return r.Float64() * 1e-7
		case 3:
			return r.Float64() * 1e22
		case 4:
			return math.Copysign(0, -1)
		case 5:
			return -r.Float64() * 100
		case 6:
			return float64(1<<53) + float64(r.IntN(100))*2
		case 7:
			return 1e21
		}
		return r.Float64()
	}
	str := func() string {
		return []string{"", "plain", `quote"d`, "back\\slash", "<b>&amp;</b>", "tab\t", "naïve", "\u2028", "bad \xff utf-8", "1 < 2", "a>b", "x & y"}[r.IntN(12)]
	}
	pf := func() *float64 {
		if r.IntN(3) == 0 {
			return nil
		}
		f := num()
		return &f
	}
	ps := func() *string {
		if r.IntN(2) == 0 {
			return nil
		}
		s := str()
		return &s
	}
	for trial := range 300 {
		doc := historyDoc{Schema: 1, Updated: ps(),
			Check:   historyCheck{Slug: str(), Name: str(), Tags: []string{str()}, Description: str()},
			Status:  historyState{Status: str(), Since: ps(), LatencyMS: num(), Values: map[string]string{str(): str()}},
			Regions: []historyRegion{{Name: str(), historyState: historyState{Status: "up", LatencyMS: num()}}},
			Uptime:  map[string]historyUptime{"24h": {Ratio: pf(), Samples: r.IntN(100)}, str(): {}},
			Latency: map[string]historySeries{}, Incidents: []string{}, Links: map[string]string{str(): str()},
		}
		if trial%7 != 0 {
			for range r.IntN(20) {
				hd := historyDay{Date: str(), Uptime: pf(), Samples: r.IntN(300), Degraded: num(), Failures: r.IntN(5)}
				if r.IntN(4) == 0 {
					hd.Incidents = []string{str()}
				}
				doc.Days = append(doc.Days, hd)
			}
		} else {
			doc.Days = []historyDay{}
		}
		for _, w := range []string{"7d", "24h", "1y", str()} {
			s := historySeries{StepS: int64(r.IntN(86400)), Columns: []string{"time", "p50_ms"}}
			if r.IntN(5) > 0 {
				s.Points = [][4]float64{}
				for range r.IntN(30) {
					s.Points = append(s.Points, [4]float64{num(), num(), num(), num()})
				}
			}
			doc.Latency[w] = s
		}
		if trial%3 == 0 {
			doc.Charts = map[string]historyValueChart{"peers": {Label: str(), Series: map[string]historyValueSeries{"24h": {Points: [][5]float64{{1, 2, 3, 4, 5}}}}}}
			doc.Validator = &historyValidator{Days: []historyValidatorDay{{Date: "2026-01-01", Active: "all"}}}
		}
		if trial%11 == 0 {
			doc.Latency = nil
			doc.Days = nil
		}
		if trial%13 == 0 && doc.Latency != nil {
			doc.Latency["24h"] = historySeries{Points: [][4]float64{{math.NaN(), 1, 2, 3}}}
		}
		want, wantErr := json.Marshal(&doc)
		// After bytes already there, which a failure leaves as they were.
		got, gotErr := appendHistory([]byte("[prefix]"), &doc)
		if (wantErr == nil) != (gotErr == nil) || !bytes.Equal(got, append([]byte("[prefix]"), want...)) {
			t.Fatalf("trial %d:\n got %s (%v)\nwant %s (%v)", trial, got, gotErr, want, wantErr)
		}
	}
}
