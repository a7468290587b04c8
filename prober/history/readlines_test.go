package history

import (
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/upchain-dev/upchain/prober"
)

// TestReadLinesInChunks: reading a file a chunk at a time gives the lines
// and line numbers that scanning it whole gives, wherever the chunks end.
func TestReadLinesInChunks(t *testing.T) {
	long := strings.Repeat("x", 3*readChunk/2) // longer than a chunk
	var many strings.Builder
	for i := 0; many.Len() < 2*readChunk; i++ {
		many.WriteString("00:00:01 c global up 200 - 12\n# round abc 00:00:00 fra\n")
	}
	tests := []struct {
		name, data string
	}{
		{"empty", ""},
		{"header only", "# upchain hourly v3\n"},
		{"a few lines", "# upchain hourly v3\na 1\n\nb 2\n"},
		{"lines across chunks", "# upchain hourly v3\n" + many.String()},
		{"a line longer than a chunk", "# upchain hourly v3\n" + many.String() + long + "\nlast\n"},
		{"a cut last line", "# upchain hourly v3\n" + many.String() + "cut"},
		{"no header", "a 1\nb 2\n"},
	}
	type line struct {
		n    int
		text string
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "f.txt")
			if err := os.WriteFile(path, []byte(tt.data), 0o644); err != nil {
				t.Fatal(err)
			}
			var whole, chunked []line
			errWhole := scanLines([]byte(tt.data), path, "# upchain hourly v", func(n int, l []byte) error {
				whole = append(whole, line{n, string(l)})
				return nil
			})
			errChunked := readLines(path, "# upchain hourly v", func(n int, l []byte) error {
				chunked = append(chunked, line{n, string(l)})
				return nil
			})
			if (errWhole == nil) != (errChunked == nil) {
				t.Fatalf("errors: whole %v, chunked %v", errWhole, errChunked)
			}
			if !reflect.DeepEqual(whole, chunked) {
				t.Fatalf("chunked read gave %d lines, whole %d", len(chunked), len(whole))
			}
		})
	}
}

// TestFillValuesAcrossChunks: the values of a series whose newest line
// with values lies in an earlier chunk of a large raw file than the end
// are still found (lines kept past readLines' callback are copies).
func TestFillValuesAcrossChunks(t *testing.T) {
	dir := t.TempDir()
	ss := []Sample{{Time: day0.Add(time.Minute), Check: "v", Region: "global", Status: prober.Up,
		Latency: time.Millisecond, Values: prober.Values{"height": "12345"}}}
	for i := 0; i < 12000; i++ { // about 400 kB of other lines after it
		ss = append(ss, Sample{Time: day0.Add(2 * time.Minute), Check: fmt.Sprintf("o%05d", i), Region: "global",
			Status: prober.Up, Latency: time.Millisecond, Values: prober.Values{"height": "99"}})
	}
	if err := AppendSamples(dir, ss); err != nil {
		t.Fatal(err)
	}
	if info, err := os.Stat(rawPath(dir, day0)); err != nil || info.Size() <= readChunk {
		t.Fatalf("raw file of %v bytes (%v), want more than a chunk", info.Size(), err)
	}
	st := &State{Checks: map[string]map[string]*RegionState{"v": {"global": {Status: prober.Up}}}}
	if err := fillValues(dir, st, time.Time{}); err != nil {
		t.Fatal(err)
	}
	if got := st.Checks["v"]["global"].Values; got["height"] != "12345" {
		t.Fatalf("values %v, want height=12345", got)
	}
}

// TestLatestAcrossChunks: Latest reads a day a chunk at a time; each
// series' newest line, read chunks before the end of the file, must come
// back whole, and a damaged newest line gives way to the one before it.
func TestLatestAcrossChunks(t *testing.T) {
	dir := t.TempDir()
	os.MkdirAll(filepath.Join(dir, RawDir), 0o755)
	var day strings.Builder
	day.WriteString(rawHeader(day0))
	// "early" has its newest samples in the first chunk; "busy" fills
	// chunks after them.
	day.WriteString("00:00:01 early global up 200 - 11 height=100\n00:00:02 early global degraded 200 - 12 height=101\n")
	day.WriteString("00:00:03 broken global up 200 - 21\n00:00:04 broken global up 200 - nonsense\n")
	for sec := 5; day.Len() < 3*readChunk; sec++ {
		fmt.Fprintf(&day, "%s busy global up 200 - 7\n", time.Unix(int64(sec%86400), 0).UTC().Format(time.TimeOnly))
	}
	if err := os.WriteFile(rawPath(dir, day0), []byte(day.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	got, err := (&Store{dir: dir}).Latest(time.Time{}, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	if g := got[Key{"early", "global"}]; g.Time != day0.Add(2*time.Second) || g.Status != prober.Degraded || g.Latency != 12*time.Millisecond || g.Values["height"] != "101" {
		t.Errorf("early: %+v", g)
	}
	if g := got[Key{"broken", "global"}]; g.Time != day0.Add(3*time.Second) || g.Latency != 21*time.Millisecond {
		t.Errorf("broken: %+v, want the sample before the damaged line", g)
	}
	if g := got[Key{"busy", "global"}]; g.Latency != 7*time.Millisecond {
		t.Errorf("busy: %+v", g)
	}
}
