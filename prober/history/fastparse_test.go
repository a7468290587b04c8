package history

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"os"
	"reflect"
	"strconv"
	"testing"
	"time"

	"github.com/upchain-dev/upchain/prober"
)

// TestParseCountMatchesStrconv: the digit fast path accepts and returns
// what strconv.ParseInt does, non-negative only, hand-edited signs too.
func TestParseCountMatchesStrconv(t *testing.T) {
	for _, in := range []string{"0", "7", "14400", "007", "+5", "-0", "-5", "", "1a", " 1", "1.0",
		"999999999999999999", "9223372036854775807", "9223372036854775808", "99999999999999999999"} {
		got, ok := parseCount([]byte(in))
		want, err := strconv.ParseInt(in, 10, 64)
		wantOK := err == nil && want >= 0
		if ok != wantOK || (ok && got != want) {
			t.Errorf("parseCount(%q) = %d, %v; strconv gives %d, %v", in, got, ok, want, wantOK)
		}
	}
}

func TestParseHour(t *testing.T) {
	tests := []struct {
		in   string
		want int
		ok   bool
	}{
		{"00", 0, true}, {"09", 9, true}, {"23", 23, true}, {"24", 0, false}, {"7", 0, false},
		{"007", 0, false}, {"+5", 5, true}, {"-0", 0, true}, {"-1", 0, false}, {"ab", 0, false},
	}
	for _, tt := range tests {
		got, ok := parseHour([]byte(tt.in))
		if ok != tt.ok || (ok && got != tt.want) {
			t.Errorf("parseHour(%q) = %d, %v; want %d, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

// TestDayMemo: a remembered day is given back only for the same text,
// and a bad day is not remembered.
func TestDayMemo(t *testing.T) {
	var m dayMemo
	for _, tt := range []struct {
		in string
		ok bool
	}{{"2026-01-01", true}, {"2026-01-01", true}, {"2026-01-02", true}, {"2026-13-01", false}, {"2026-01-02", true}, {"2025-12-31", true}} {
		got, ok := m.parse([]byte(tt.in))
		want, err := time.Parse(dayLayout, tt.in)
		if ok != tt.ok || ok != (err == nil) || !got.Equal(want) {
			t.Errorf("parse(%q) = %v, %v; want %v, %v", tt.in, got, ok, want, tt.ok)
		}
	}
}

func TestLineHead(t *testing.T) {
	for _, tt := range []struct {
		in   string
		n    int
		want []string
	}{
		{"a b c d", 2, []string{"a", "b", "c d"}},
		{"a b", 2, []string{"a", "b"}},
		{"a b ", 2, []string{"a", "b"}}, // as lineFields: a trailing space ends the last field
		{"a", 3, []string{"a"}},
		{"", 3, nil},
		{"00:00:00 c global up 200 - 12 height=5 peers=3", 7, []string{"00:00:00", "c", "global", "up", "200", "-", "12", "height=5 peers=3"}},
	} {
		var got []string
		for _, f := range lineHead([]byte(tt.in), nil, tt.n) {
			got = append(got, string(f))
		}
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("lineHead(%q, %d) = %q, want %q", tt.in, tt.n, got, tt.want)
		}
	}
}

// TestLineHeadMatchesIndexByte: splitting eight bytes at a time gives the
// fields that splitting at each bytes.IndexByte gives, for random lines
// of spaces, zero bytes, bytes above 0x80 and letters, at every limit.
func TestLineHeadMatchesIndexByte(t *testing.T) {
	ref := func(line []byte, n int) [][]byte {
		var into [][]byte
		for len(line) > 0 {
			if len(into) == n {
				return append(into, line)
			}
			i := bytes.IndexByte(line, ' ')
			if i < 0 {
				return append(into, line)
			}
			into = append(into, line[:i])
			line = line[i+1:]
		}
		return into
	}
	r := rand.New(rand.NewPCG(1, 1))
	alphabet := []byte{' ', ' ', ' ', 0, 0x80, 0xff, '!', 'a', 'b', '\t', '=', 0x21}
	for range 20000 {
		line := make([]byte, r.IntN(40))
		for i := range line {
			line[i] = alphabet[r.IntN(len(alphabet))]
		}
		n := r.IntN(10) - 1
		want, got := ref(line, n), lineHead(line, nil, n)
		if !reflect.DeepEqual(fmt.Sprintf("%q", want), fmt.Sprintf("%q", got)) {
			t.Fatalf("lineHead(%q, %d) = %q, want %q", line, n, got, want)
		}
	}
}

// TestPointsWhenRoundsChangeOrder: readPoints guesses each line's series
// from the order of the round before; rounds that list the series in
// another order, drop or add one (or one region), and names whose escaped text equals
// another's name still give every point to its own series (Samples, the
// plain parser, is the reference).
func TestPointsWhenRoundsChangeOrder(t *testing.T) {
	dir := t.TempDir()
	names := []string{"a", "b", "a b", "a%20b", "c"} // "a b" is written a%20b, "a%20b" a%2520b
	orders := [][]int{{0, 1, 2, 3, 4}, {0, 1, 2, 3, 4}, {4, 3, 2, 1, 0}, {0, 2, 4}, {1, 0, 3, 2, 4}, {0, 1, 2, 3, 4}, {0, 1, 2, 3, 4}}
	var ss []Sample
	for r, order := range orders {
		for _, i := range order {
			for _, region := range []string{"eu", "us"} {
				if r == len(orders)-1 && i == 1 && region == "eu" {
					continue // b/us follows a/us where b/eu did: only the region differs
				}
				ss = append(ss, Sample{Time: day0.Add(time.Duration(r) * time.Minute), Check: names[i], Region: region,
					Status: prober.Up, Latency: time.Duration(100*i+r+1) * time.Millisecond})
			}
		}
	}
	if err := AppendSamples(dir, ss); err != nil {
		t.Fatal(err)
	}
	if data, err := os.ReadFile(rawPath(dir, day0)); err != nil {
		t.Fatal(err)
	} else if !bytes.Contains(data, []byte(" a%2520b ")) || !bytes.Contains(data, []byte(" a%20b ")) {
		t.Fatalf("raw file does not escape the names as this test expects:\n%s", data)
	}
	s, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	got, err := s.Points(time.Time{}, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	want := map[Key][]Point{}
	if err := s.Samples(time.Time{}, time.Time{}, func(smp Sample) error {
		k := Key{smp.Check, smp.Region}
		want[k] = append(want[k], NewPoint(smp.Time.Unix(), float32(float64(smp.Latency)/float64(time.Millisecond)), LevelUp))
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if len(want) != len(names)*2 {
		t.Fatalf("reference has %d series, want %d", len(want), len(names)*2)
	}
	if !reflect.DeepEqual(got, want) {
		for k := range want {
			if !reflect.DeepEqual(got[k], want[k]) {
				t.Errorf("%v: got %s, want %s", k, fmtPoints(got[k]), fmtPoints(want[k]))
			}
		}
		t.Fatalf("got %d series, want %d", len(got), len(want))
	}
}

func fmtPoints(ps []Point) string {
	out := ""
	for _, p := range ps {
		out += fmt.Sprintf("%d:%g ", p.Unix()-day0.Unix(), p.Latency())
	}
	return out
}
