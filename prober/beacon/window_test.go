package beacon

import (
	"strings"
	"testing"
)

func win(s string) Window { return Window(s) }

func TestWindowStats(t *testing.T) {
	for _, tc := range []struct {
		w                    string
		live, missed, consec int
		pct                  float64
	}{
		{"", 0, 0, 0, 0},
		{"LLLL", 4, 0, 0, 0},
		{"LLMMM", 2, 3, 3, 60},
		{"LMNMN", 1, 2, 2, 200.0 / 3},
		{"MMUM", 0, 3, 1, 100},
		{"NNNN", 0, 0, 0, 0},
	} {
		s := win(tc.w).Stats()
		if s.Live != tc.live || s.Missed != tc.missed || s.Consecutive != tc.consec || s.MissedPercent() != tc.pct {
			t.Errorf("%q: got %+v %.2f%%", tc.w, s, s.MissedPercent())
		}
	}
}

func TestWindowPushBounded(t *testing.T) {
	var w Window
	for range 10 {
		w = w.Push(Live, 4)
	}
	w = w.Push(Missed, 4)
	if string(w) != "LLLM" {
		t.Fatalf("got %q", string(w))
	}
}

func TestEncodeWindowsRoundTrip(t *testing.T) {
	ws := []Window{win("LLLL"), win("LLLL"), win("LLLL"), win("LLMM"), win(""), win("LLLL")}
	s := EncodeWindows(ws)
	if s != "4L*3,2L2M,,4L" {
		t.Fatalf("encoded %q", s)
	}
	got, err := DecodeWindows(s, len(ws), 8)
	if err != nil {
		t.Fatal(err)
	}
	for i := range ws {
		if string(got[i]) != string(ws[i]) {
			t.Fatalf("window %d: got %q want %q", i, got[i], ws[i])
		}
	}
}

func TestEncodeWindowsCompact(t *testing.T) {
	ws := make([]Window, 1000)
	for i := range ws {
		ws[i] = Window(strings.Repeat("L", 32))
	}
	if s := EncodeWindows(ws); s != "32L*1000" {
		t.Fatalf("got %q", s)
	}
}

func TestDecodeWindowsRefuses(t *testing.T) {
	for _, tc := range []struct {
		s      string
		n, max int
	}{
		{"4L", 2, 8},           // too few validators
		{"4L*3", 2, 8},         // too many
		{"9L", 1, 8},           // longer than the window
		{"4Q", 1, 8},           // unknown mark
		{"L4", 1, 8},           // no count
		{"4L*x", 1, 8},         // bad repeat
		{"", 1, 8},             // nothing for one validator
		{"4L,4L,4L", 2, 8},     // extra part
		{"0L", 1, 8},           // empty run
		{"4L*-1", 1, 8},        // negative repeat
		{"99999999999L", 1, 8}, // overflow
	} {
		if _, err := DecodeWindows(tc.s, tc.n, tc.max); err == nil {
			t.Errorf("%q n=%d max=%d: accepted", tc.s, tc.n, tc.max)
		}
	}
}
