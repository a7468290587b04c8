package history

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/upchain-dev/upchain/prober"
)

var day0 = time.Date(2024, 6, 1, 0, 0, 0, 0, time.UTC)

func TestSampleLineRoundTrip(t *testing.T) {
	tests := []struct {
		name string
		in   Sample
		line string
		// out differs from in where the format rounds (latency, time).
		out *Sample
	}{
		{
			name: "plain up with values",
			in:   Sample{Time: day0.Add(12*time.Hour + 5*time.Minute + 3*time.Second), Check: "eth-rpc", Region: "global", Status: prober.Up, Latency: 143 * time.Millisecond, Code: 200, Values: prober.Values{"height": "19000123", "peers": "50"}},
			line: "12:05:03 eth-rpc global up 200 - 143 height=19000123 peers=50\n",
		},
		{
			name: "down without values",
			in:   Sample{Time: day0, Check: "c", Region: "eu-west", Status: prober.Down, Latency: 10 * time.Second, Reason: prober.ReasonTimeout},
			line: "00:00:00 c eu-west down 0 timeout 10000\n",
		},
		{
			name: "sub-10ms latency keeps a tenth, above rounds to whole ms",
			in:   Sample{Time: day0.Add(time.Second), Check: "c", Region: "global", Status: prober.Degraded, Latency: 2345 * time.Microsecond, Reason: prober.ReasonCondition},
			line: "00:00:01 c global degraded 0 condition 2.3\n",
			out:  &Sample{Time: day0.Add(time.Second), Check: "c", Region: "global", Status: prober.Degraded, Latency: 2300 * time.Microsecond, Reason: prober.ReasonCondition},
		},
		{
			name: "spaces, equals, percent and newlines are escaped",
			in:   Sample{Time: day0.Add(23*time.Hour + 59*time.Minute + 59*time.Second + 900*time.Millisecond), Check: "c", Region: "us east", Status: prober.Up, Latency: 12 * time.Millisecond, Values: prober.Values{"version": "Geth/v1.13 (linux)", "a=b": "50%\n#", "empty": "", "utf8": "ñ"}},
			line: "23:59:59 c us%20east up 0 - 12 a%3Db=50%25%0A%23 empty= utf8=ñ version=Geth/v1.13%20(linux)\n",
			out:  &Sample{Time: day0.Add(23*time.Hour + 59*time.Minute + 59*time.Second), Check: "c", Region: "us east", Status: prober.Up, Latency: 12 * time.Millisecond, Values: prober.Values{"version": "Geth/v1.13 (linux)", "a=b": "50%\n#", "empty": "", "utf8": "ñ"}},
		},
		{
			name: "a region named - is not confused with empty",
			in:   Sample{Time: day0, Check: "c", Region: "-", Status: prober.Up},
			line: "00:00:00 c %2D up 0 - 0\n",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := string(appendSample(nil, &tt.in))
			if got != tt.line {
				t.Fatalf("line:\n got %q\nwant %q", got, tt.line)
			}
			back, err := parseSampleLine(day0, []byte(strings.TrimSuffix(got, "\n")), new([][]byte))
			if err != nil {
				t.Fatal(err)
			}
			want := tt.in
			if tt.out != nil {
				want = *tt.out
			}
			want.Location = DefaultLocation // a line outside any round
			if !reflect.DeepEqual(back, want) {
				t.Fatalf("parsed back:\n got %+v\nwant %+v", back, want)
			}
		})
	}
}

func TestSampleLineLimits(t *testing.T) {
	v := prober.Values{}
	for i := 0; i < 40; i++ {
		v[string(rune('a'+i%26))+strings.Repeat("x", i)] = strings.Repeat("v", 1000)
	}
	line := appendSample(nil, &Sample{Time: day0, Check: "c", Region: "global", Status: prober.Up, Values: v})
	s, err := parseSampleLine(day0, line[:len(line)-1], new([][]byte))
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Values) != maxValues {
		t.Errorf("kept %d values, want %d", len(s.Values), maxValues)
	}
	for k, val := range s.Values {
		if len(val) != maxValueLen {
			t.Errorf("value %s: %d bytes, want %d", k, len(val), maxValueLen)
		}
	}
}

func TestParseSampleLineErrors(t *testing.T) {
	for _, line := range []string{
		"12:05 c global up 0 - 1",
		"12:05:03 c global sideways 0 - 1",
		"12:05:03 c global up x - 1",
		"12:05:03 c global up 0 - fast",
		"12:05:03 c global up 0 - 1 novalue",
		"12:05:03 c global up 0 - 1 bad=%G1",
		"12:05:03 c global up",
		"25:00:00 c global up 0 - 1",
	} {
		if _, err := parseSampleLine(day0, []byte(line), new([][]byte)); err == nil {
			t.Errorf("%q: parsed, want an error", line)
		}
	}
}

func TestCheckVersion(t *testing.T) {
	if err := checkVersion([]byte("# upchain raw v1"), rawMagic, "f"); err != nil {
		t.Error(err)
	}
	if err := checkVersion([]byte("# upchain raw v2"), rawMagic, "f"); err != nil {
		t.Error(err)
	}
	if err := checkVersion([]byte("# upchain raw v3"), rawMagic, "f"); err != nil {
		t.Error(err)
	}
	if err := checkVersion([]byte("# upchain raw v4"), rawMagic, "f"); err == nil || !strings.Contains(err.Error(), "newer") {
		t.Errorf("v4: %v, want a 'newer' error", err)
	}
	if err := checkVersion([]byte("hello"), rawMagic, "f"); err == nil {
		t.Error("no header accepted")
	}
}

func TestRollupLineRoundTrip(t *testing.T) {
	r := Rollup{Check: "c", Region: "global", Start: day0.Add(7 * time.Hour), Span: time.Hour, Samples: 12, Down: 1, Degraded: 2,
		Covered: 3600 * time.Second, DownTime: 300 * time.Second, DegradedTime: 600 * time.Second, P50: 143, P95: 180, Max: 231}
	line := string(appendRollup(nil, &r))
	if want := "07 c global 12 1 2 3600 300 600 91.666 143 180 231\n"; line != want {
		t.Fatalf("got %q want %q", line, want)
	}
	back, err := parseRollupLine(day0, []byte(strings.TrimSuffix(line, "\n")), new([][]byte))
	if err != nil || !reflect.DeepEqual(back, r) {
		t.Fatalf("back %+v, %v", back, err)
	}
	d := r
	d.Start, d.Span, d.Samples, d.Down, d.P50, d.P95, d.Max = day0, 24*time.Hour, 1, 1, 0, 0, 0
	line = string(appendRollup(nil, &d))
	if want := "2024-06-01 c global 1 1 2 3600 300 600 91.666 - - -\n"; line != want {
		t.Fatalf("got %q want %q", line, want)
	}
	back, err = parseRollupLine(time.Time{}, []byte(strings.TrimSuffix(line, "\n")), new([][]byte))
	if err != nil || !reflect.DeepEqual(back, d) {
		t.Fatalf("back %+v, %v", back, err)
	}
}
