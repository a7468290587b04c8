package history

import (
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/upchain-dev/upchain/prober"
)

// v1Day is a raw file as upchain wrote it before locations (format v1).
const v1Day = `# upchain raw v1
# day 2024-06-01 UTC
# columns: time check region status code reason latency_ms [name=value ...]
# round 3f9c0a1b2c4d 12:05:00
12:05:01 eth-rpc global up 200 - 143 height=19000123
12:05:02 eth-rpc eu down 0 timeout 10000
# round 4a0b1c2d3e4f 12:10:00
12:10:01 eth-rpc global up 200 - 150 height=19000150
`

func readAll(t *testing.T, dir string) []Sample {
	t.Helper()
	var out []Sample
	err := (&Store{dir: dir}).Samples(time.Time{}, time.Time{}, func(s Sample) error {
		out = append(out, s)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func writeV1(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, RawDir), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(rawPath(dir, day0), []byte(v1Day), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

func TestV1HistoryReadsAsDefaultLocation(t *testing.T) {
	dir := writeV1(t)
	before := readAll(t, dir)
	want := []Sample{
		{Time: day0.Add(12*time.Hour + 5*time.Minute + time.Second), Check: "eth-rpc", Region: "global", Location: DefaultLocation, Status: prober.Up, Code: 200, Latency: 143 * time.Millisecond, Values: prober.Values{"height": "19000123"}},
		{Time: day0.Add(12*time.Hour + 5*time.Minute + 2*time.Second), Check: "eth-rpc", Region: "eu", Location: DefaultLocation, Status: prober.Down, Reason: prober.ReasonTimeout, Latency: 10 * time.Second},
		{Time: day0.Add(12*time.Hour + 10*time.Minute + time.Second), Check: "eth-rpc", Region: "global", Location: DefaultLocation, Status: prober.Up, Code: 200, Latency: 150 * time.Millisecond, Values: prober.Values{"height": "19000150"}},
	}
	if !reflect.DeepEqual(before, want) {
		t.Fatalf("v1 samples:\n got %+v\nwant %+v", before, want)
	}
	pointsBefore, err := (&Store{dir: dir}).Points(time.Time{}, time.Time{})
	if err != nil {
		t.Fatal(err)
	}

	// A v2 round appended to the v1 day: the header becomes v2, the old
	// rounds read exactly as before, the new one carries its location.
	late := Sample{Time: day0.Add(12*time.Hour + 15*time.Minute), Check: "eth-rpc", Region: "global", Location: "fra", Status: prober.Up, Latency: time.Millisecond}
	if err := AppendSamples(dir, []Sample{late}); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(rawPath(dir, day0))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(string(data), "# upchain raw v"+strconv.Itoa(FormatVersion)+"\n") {
		t.Errorf("header not upgraded:\n%s", data)
	}
	if !strings.Contains(string(data), " 12:15:00 fra\n12:15:00 eth-rpc") {
		t.Errorf("round line without location:\n%s", data)
	}
	after := readAll(t, dir)
	if !reflect.DeepEqual(after[:3], want) || len(after) != 4 || after[3].Location != "fra" {
		t.Fatalf("after append:\n got %+v", after)
	}
	pointsAfter, err := (&Store{dir: dir}).Points(time.Time{}, day0.Add(12*time.Hour+15*time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(pointsBefore, pointsAfter) {
		t.Errorf("points of the old rounds changed:\n got %+v\nwant %+v", pointsAfter, pointsBefore)
	}
}

func TestAppendSamplesSplitsLocations(t *testing.T) {
	dir := t.TempDir()
	in := []Sample{
		{Time: day0.Add(time.Minute), Check: "a", Region: "global", Location: "fra", Status: prober.Up},
		{Time: day0.Add(time.Minute), Check: "a", Region: "global", Location: "iad", Status: prober.Down, Reason: prober.ReasonRefused},
		{Time: day0.Add(time.Minute), Check: "b", Region: "global", Location: "fra", Status: prober.Up},
	}
	if err := AppendSamples(dir, in); err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, s := range readAll(t, dir) {
		got[s.Check+"@"+s.Location] = string(s.Status)
	}
	want := map[string]string{"a@fra": "up", "a@iad": "down", "b@fra": "up"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %v want %v", got, want)
	}
}

func TestRoundLocation(t *testing.T) {
	for _, tt := range []struct{ rest, want string }{
		{"3f9c 12:05:00", DefaultLocation},
		{"3f9c 12:05:00 fra", "fra"},
		{"3f9c 12:05:00 us%20east", "us east"},
		{"3f9c 12:05:00 -", DefaultLocation},
	} {
		if got := roundLocation([]byte(tt.rest)); got != tt.want {
			t.Errorf("%q: got %q want %q", tt.rest, got, tt.want)
		}
	}
}

func TestLatest(t *testing.T) {
	dir := writeV1(t)
	late := Sample{Time: day0.Add(12*time.Hour + 15*time.Minute), Check: "eth-rpc", Region: "global", Location: "fra", Status: prober.Down, Latency: time.Millisecond}
	if err := AppendSamples(dir, []Sample{late}); err != nil {
		t.Fatal(err)
	}
	got, err := (&Store{dir: dir}).Latest(time.Time{}, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	if g := got[Key{"eth-rpc", "global"}]; !reflect.DeepEqual(g, late) {
		t.Errorf("global: %+v, want %+v", g, late)
	}
	if g := got[Key{"eth-rpc", "eu"}]; g.Status != prober.Down || g.Location != DefaultLocation {
		t.Errorf("eu: %+v", g)
	}
	// A window before the late round gives the v1 round's sample.
	got, err = (&Store{dir: dir}).Latest(time.Time{}, day0.Add(12*time.Hour+11*time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	if g := got[Key{"eth-rpc", "global"}]; g.Values["height"] != "19000150" {
		t.Errorf("bounded: %+v", g)
	}
}
