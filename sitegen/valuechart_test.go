package sitegen

import (
	"encoding/json"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// TestCheckPageValueCharts: a chart per charted value and window, each
// with role="img", a <title>, an aria-label naming the range and the last
// value, and a text summary; gaps break the line.
func TestCheckPageValueCharts(t *testing.T) {
	now := time.Date(2025, 3, 14, 12, 0, 0, 0, time.UTC)
	pt := func(h int, lo, hi, last float64) ValuePoint {
		return ValuePoint{Time: now.Add(time.Duration(h-24) * time.Hour), Min: lo, Max: hi, Last: last, Samples: 4}
	}
	c := Check{Slug: "val", Name: "Validator", Kind: "cometbft", Current: Current{Status: Up, Checked: now},
		ValueCharts: []ValueChart{
			{Name: "peers", Label: "Peers", Last: "12", Series: []ValueSeries{{Window: Window24h, Step: time.Hour, Points: []ValuePoint{
				pt(0, 9, 12, 10), pt(1, 10, 11, 11), pt(5, 8, 14, 12), // a gap from 02:00 to 05:00
			}}}},
			{Name: "evm_balance_lowest", Label: "Lowest balance", Suffix: "ETH", Last: "1.5 ETH", Series: []ValueSeries{{Window: Window24h, Step: time.Hour, Points: []ValuePoint{
				pt(3, 1.5, 1.5, 1.5),
			}}}},
		}}
	in := &Input{Now: now, Groups: []Group{{Name: "g", Checks: []Check{c}}}}
	files := readTree(t, build(t, in))
	page := string(files["checks/val.html"])
	svgs := regexp.MustCompile(`<svg class="chart"[^>]*aria-label="([^"]*)"[^>]*>`).FindAllStringSubmatch(page, -1)
	// 4 windows x 2 values; the response-time charts use aria-labelledby.
	if len(svgs) != 8 {
		t.Fatalf("%d labelled value charts, want 8", len(svgs))
	}
	labels := map[string]bool{}
	for _, m := range svgs {
		labels[m[1]] = true
	}
	for _, want := range []string{
		"Peers, last 24 hours: range 8 to 14, latest 12",
		"Peers, last 7 days: no data",
		"Lowest balance, last 24 hours: range steady at 1.50 ETH, latest 1.50 ETH",
	} {
		if !labels[want] {
			t.Errorf("no chart labelled %q; have %v", want, labels)
		}
	}
	for _, want := range []string{
		`<title>Peers, last 24 hours</title>`,
		`Range 8 to 14, latest 12; 3 of 24 intervals with data.`,
		`<h3 id="value-peers" class="value-h">Peers <span class="muted">latest 12</span></h3>`,
		`<h3 id="value-evm_balance_lowest" class="value-h">Lowest balance <span class="muted">latest 1.5 ETH</span></h3>`,
	} {
		if !strings.Contains(page, want) {
			t.Errorf("page lacks %q", want)
		}
	}
	// The gap splits the peers line in two: two M commands in its path.
	i := strings.Index(page, `aria-label="Peers, last 24 hours`)
	line := regexp.MustCompile(`<path class="ch-p50" d="([^"]*)"`).FindStringSubmatch(page[i:])
	if line == nil || strings.Count(line[1], "M") != 2 {
		t.Errorf("peers line %v: want two segments", line)
	}
	var doc struct {
		Charts map[string]struct {
			Unit   string `json:"unit"`
			Last   string `json:"last"`
			Series map[string]struct {
				Points [][5]float64 `json:"points"`
			} `json:"series"`
		} `json:"charts"`
	}
	if err := json.Unmarshal(files[filepath.ToSlash("api/checks/val.json")], &doc); err != nil {
		t.Fatal(err)
	}
	if p := doc.Charts["peers"].Series["24h"].Points; len(p) != 3 || p[2][1] != 8 || p[2][2] != 14 || p[2][3] != 12 {
		t.Errorf("JSON peers points %v", p)
	}
	if b := doc.Charts["evm_balance_lowest"]; b.Unit != "ETH" || b.Last != "1.5 ETH" {
		t.Errorf("JSON balance chart %+v", b)
	}
}

// TestValidatorBar: one cell per day, coloured and titled all day, part
// of the day, not at all or no data, with the figures; the same days in
// the JSON API.
func TestValidatorBar(t *testing.T) {
	now := time.Date(2025, 3, 14, 12, 0, 0, 0, time.UTC)
	today := time.Date(2025, 3, 14, 0, 0, 0, 0, time.UTC)
	vh := &ValidatorHistory{ActiveLabel: "In the active set"}
	for i := 89; i >= 0; i-- {
		d := ValidatorDay{Date: today.AddDate(0, 0, -i)}
		switch i {
		case 0:
			d.Active = ActiveAllDay
			d.Figures = []ValidatorFigure{{Role: "signed", Name: "signed", Label: "Blocks signed", Value: "9990"}, {Role: "missed", Name: "missed", Label: "Blocks missed", Value: "10"}}
		case 1:
			d.Active = ActivePart
		case 2:
			d.Active = ActiveNone
		}
		vh.Days = append(vh.Days, d)
	}
	c := Check{Slug: "val", Name: "Validator", Kind: "cometbft", Current: Current{Status: Up, Checked: now}, Validator: vh}
	files := readTree(t, build(t, &Input{Now: now, Groups: []Group{{Name: "g", Checks: []Check{c}}}}))
	page := string(files["checks/val.html"])
	i := strings.Index(page, `aria-label="In the active set of Validator, last 90 days"`)
	if i < 0 {
		t.Fatalf("no validator bar in the page")
	}
	bar := page[i:]
	bar = bar[:strings.Index(bar, "</svg>")]
	cells := regexp.MustCompile(`class="d-(\w+)" role="img"><title>([^<]*)</title>`).FindAllStringSubmatch(bar, -1)
	if len(cells) != 90 {
		t.Fatalf("%d cells, want 90", len(cells))
	}
	for _, tt := range []struct {
		cell         int
		class, title string
	}{
		{89, "up", "Fri 14 Mar 2025: in the active set all day; blocks signed 9990; blocks missed 10"},
		{88, "partial", "Thu 13 Mar 2025: in the active set part of the day"},
		{87, "down", "Wed 12 Mar 2025: not in the active set"},
		{86, "nodata", "Tue 11 Mar 2025: no data"},
	} {
		if got := cells[tt.cell]; got[1] != tt.class || got[2] != tt.title {
			t.Errorf("cell %d: class %s title %q, want %s %q", tt.cell, got[1], got[2], tt.class, tt.title)
		}
	}
	if !strings.Contains(page, "1 day all day, 1 day part of the day, 1 day not at all, 87 days without data.") {
		t.Error("no text summary of the validator history")
	}
	var doc struct {
		Validator struct {
			Days []struct {
				Date    string            `json:"date"`
				Active  string            `json:"active"`
				Figures map[string]string `json:"figures"`
			} `json:"days"`
		} `json:"validator"`
	}
	if err := json.Unmarshal(files["api/checks/val.json"], &doc); err != nil {
		t.Fatal(err)
	}
	days := doc.Validator.Days
	if len(days) != 90 || days[89].Date != "2025-03-14" || days[89].Active != "all" || days[89].Figures["missed"] != "10" || days[88].Active != "part" || days[87].Active != "none" || days[86].Active != "" {
		t.Errorf("JSON validator days: %d, last %+v", len(days), days[len(days)-3:])
	}
}

func TestValueScale(t *testing.T) {
	for _, tt := range []struct {
		name     string
		lo, hi   float64
		fromZero bool
	}{
		{"counts near zero start at zero", 3, 14, true},
		{"peers far from zero", 9, 14, false},
		{"a balance", 1.2, 1.5, false},
		{"flat", 5, 5, false},
		{"all zero", 0, 0, true},
		{"negative", -3, 2, false},
		{"huge amounts", 1e20, 1.2e20, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			base, tick, n := valueScale(tt.lo, tt.hi)
			top := base + float64(n)*tick
			if base > tt.lo || top < tt.hi || n < 1 || n > 8 || tick <= 0 {
				t.Fatalf("valueScale(%v, %v) = base %v tick %v n %d: does not span the values in 1 to 8 ticks", tt.lo, tt.hi, base, tick, n)
			}
			if (base == 0) != tt.fromZero {
				t.Errorf("base %v, want from zero %v", base, tt.fromZero)
			}
			if tt.lo == tt.hi && tt.lo != 0 && !(base < tt.lo && tt.lo < top) {
				t.Errorf("flat line on the frame: base %v top %v", base, top)
			}
		})
	}
}

func TestFmtTick(t *testing.T) {
	for _, tt := range []struct {
		v, tick, largest float64
		want             string
	}{
		{1.234, 0.002, 1.25, "1.234"},
		{1.25, 0.25, 1.5, "1.25"},
		{20, 5, 40, "20"},
		{1.5e6, 5e5, 3e6, "1.5M"},
		{12000, 2000, 20000, "12k"},
	} {
		if got := fmtTick(tt.v, tt.tick, tt.largest); got != tt.want {
			t.Errorf("fmtTick(%v, %v, %v) = %q, want %q", tt.v, tt.tick, tt.largest, got, tt.want)
		}
	}
}
