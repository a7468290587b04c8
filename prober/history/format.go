package history

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"math/bits"
	"strconv"
	"strings"
	"time"

	"github.com/upchain-dev/upchain/prober"
)

// On-disk layout of the history branch (see FormatDoc for the text that
// documents it inside the branch):
//
//	README.md             what this branch is and how to read it
//	state.json            current state of every check and region
//	raw/YYYY-MM-DD.txt    raw samples of one UTC day, all checks
//	hourly/YYYY-MM-DD.txt hourly roll-ups of one UTC day
//	daily/YYYY.txt        daily roll-ups of one UTC year
//	values-hourly/YYYY-MM-DD.txt, values-daily/YYYY.txt
//	                      the same for charted and validator values
//
// One raw file per day for all checks was chosen by measurement (see
// layout_bench_test.go): each round then changes one blob and one tree
// entry, so git's delta compression stores little more than the appended
// lines.
const (
	RawDir    = "raw"
	HourlyDir = "hourly"
	DailyDir  = "daily"
	StateFile = "state.json"
	Readme    = "README.md"
)

// FormatVersion is the version of the raw and roll-up line formats. A reader
// refuses files with a newer major version rather than misreading them.
//
// Version 2 adds the runner's location to every "# round" line (samples
// carry the location of the round they follow, so it costs no bytes per
// sample). Version 1 files, and round lines without a location, read as
// DefaultLocation.
//
// Version 3 adds the value roll-ups (values-hourly/, values-daily/, see
// values_rollup.go); raw and uptime roll-up lines are unchanged, so version
// 2 files read as before. Days rolled up before version 3 have no value
// roll-ups.
const FormatVersion = 3

// DefaultLocation is the location of samples written before locations
// existed, and of runners that do not name theirs: a single-runner setup
// keeps one continuous series across the upgrade.
const DefaultLocation = "default"

const (
	rawMagic    = "# upchain raw v"
	hourlyMagic = "# upchain hourly v"
	dailyMagic  = "# upchain daily v"
	roundPrefix = "# round "
	dayLayout   = "2006-01-02"
	// Limits keep one misbehaving kind from bloating history.
	maxValues   = 32
	maxValueLen = 256
)

func rawHeader(day time.Time) string {
	return fmt.Sprintf("%s%d\n# day %s UTC\n# columns: time check region status code reason latency_ms [name=value ...]\n# rounds: # round ID HH:MM:SS LOCATION\n",
		rawMagic, FormatVersion, day.Format(dayLayout))
}

func hourlyHeader(day time.Time) string {
	return fmt.Sprintf("%s%d\n# day %s UTC\n# columns: %s\n", hourlyMagic, FormatVersion, day.Format(dayLayout), "hour "+rollupColumns)
}

func dailyHeader(year int) string {
	return fmt.Sprintf("%s%d\n# year %d UTC\n# columns: %s\n", dailyMagic, FormatVersion, year, "day "+rollupColumns)
}

const rollupColumns = "check region samples down degraded covered_s down_s degraded_s uptime_pct p50_ms p95_ms max_ms"

// checkVersion reads the format version from a file's first line. A
// missing or garbled header is damage (a *lineError: the lines are still
// read); a newer version is not, and readers refuse the file.
func checkVersion(first []byte, magic, path string) error {
	s := string(first)
	if !strings.HasPrefix(s, magic) {
		return damaged(fmt.Errorf("%s: not an upchain history file (first line %q, want %q)", path, trim(s, 60), magic+"N"))
	}
	v, err := strconv.Atoi(strings.TrimSpace(s[len(magic):]))
	if err != nil {
		return damaged(fmt.Errorf("%s: bad format version line %q", path, trim(s, 60)))
	}
	if v > FormatVersion {
		return fmt.Errorf("%s: format version %d is newer than this upchain understands (%d): upgrade upchain", path, v, FormatVersion)
	}
	return nil
}

// roundLine is the "# round ID HH:MM:SS LOCATION" line before a round's
// samples in one day file.
func roundLine(b []byte, id string, t time.Time, loc string) []byte {
	b = append(b, roundPrefix+id+" "+t.UTC().Format("15:04:05")+" "...)
	if loc == "" {
		loc = DefaultLocation
	}
	b = appendField(b, loc)
	return append(b, '\n')
}

// roundLocation reads the location of a "# round" line (without the
// prefix); a version 1 line has none.
func roundLocation(rest []byte) string {
	f := bytes.Fields(rest)
	if len(f) < 3 {
		return DefaultLocation
	}
	loc, err := field(f[2])
	if err != nil || loc == "" {
		return DefaultLocation
	}
	return loc
}

// upgradeRawHeader marks a version 1 raw file as version 2 before rounds
// with locations are appended to it. The line keeps its length; the old
// rounds stay valid (no location = DefaultLocation).
func upgradeRawHeader(b []byte) []byte {
	old := rawMagic + "1\n"
	if bytes.HasPrefix(b, []byte(old)) {
		copy(b, rawMagic+strconv.Itoa(FormatVersion)+"\n")
	}
	return b
}

func trim(s string, n int) string {
	if len(s) > n {
		return s[:n] + "..."
	}
	return s
}

// appendSample writes one raw line. Times are kept to the second; the day is
// in the file name.
func appendSample(b []byte, s *Sample) []byte {
	t := s.Time.UTC()
	h, m, sec := t.Clock()
	b = append(b, byte('0'+h/10), byte('0'+h%10), ':', byte('0'+m/10), byte('0'+m%10), ':', byte('0'+sec/10), byte('0'+sec%10), ' ')
	b = appendField(b, s.Check)
	b = append(b, ' ')
	b = appendField(b, s.Region)
	b = append(b, ' ')
	b = appendField(b, string(s.Status))
	b = append(b, ' ')
	b = strconv.AppendInt(b, int64(s.Code), 10)
	b = append(b, ' ')
	b = appendField(b, string(s.Reason))
	b = append(b, ' ')
	b = appendLatency(b, s.Latency)
	keys := s.Values.Keys()
	if len(keys) > maxValues {
		keys = keys[:maxValues]
	}
	for _, k := range keys {
		v := s.Values[k]
		if len(v) > maxValueLen {
			v = v[:maxValueLen]
		}
		b = append(b, ' ')
		b = appendEscaped(b, k)
		b = append(b, '=')
		b = appendEscaped(b, v)
	}
	return append(b, '\n')
}

// appendLatency writes milliseconds: whole below 10 s precision is noise, a
// tenth of a millisecond matters only for fast local endpoints.
func appendLatency(b []byte, d time.Duration) []byte {
	ms := float64(d) / float64(time.Millisecond)
	if ms < 0 {
		ms = 0
	}
	if ms >= 10 {
		return strconv.AppendInt(b, int64(math.Round(ms)), 10)
	}
	return strconv.AppendFloat(b, math.Round(ms*10)/10, 'f', -1, 64)
}

// appendField writes a space-free token; empty is "-" (and "-" itself is
// escaped so that the two stay apart).
func appendField(b []byte, s string) []byte {
	switch s {
	case "":
		return append(b, '-')
	case "-":
		return append(b, "%2D"...)
	}
	return appendEscaped(b, s)
}

// appendEscaped percent-encodes the bytes that would break the line's
// structure (space, '=', '%', '#', control characters); everything else,
// UTF-8 included, stays readable.
func appendEscaped(b []byte, s string) []byte {
	const hex = "0123456789ABCDEF"
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c <= ' ' || c == '%' || c == '=' || c == '#' || c == 0x7f {
			b = append(b, '%', hex[c>>4], hex[c&15])
			continue
		}
		b = append(b, c)
	}
	return b
}

func unescape(s []byte) (string, error) {
	if bytes.IndexByte(s, '%') < 0 {
		return string(s), nil
	}
	out := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		if s[i] != '%' {
			out = append(out, s[i])
			continue
		}
		if i+2 >= len(s) {
			return "", errors.New("truncated %-escape")
		}
		hi, ok1 := unhex(s[i+1])
		lo, ok2 := unhex(s[i+2])
		if !ok1 || !ok2 {
			return "", errors.New("bad %-escape")
		}
		out = append(out, hi<<4|lo)
		i += 2
	}
	return string(out), nil
}

func unhex(c byte) (byte, bool) {
	switch {
	case c >= '0' && c <= '9':
		return c - '0', true
	case c >= 'A' && c <= 'F':
		return c - 'A' + 10, true
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10, true
	}
	return 0, false
}

func field(s []byte) (string, error) {
	if len(s) == 1 && s[0] == '-' {
		return "", nil
	}
	return unescape(s)
}

// lineFields splits a line on single spaces without allocating more than the
// slice header array.
func lineFields(line []byte, into [][]byte) [][]byte { return lineHead(line, into, -1) }

// parseCount reads a non-negative decimal integer as strconv.ParseInt
// does (so "+5" and "-0" still count): plain digits, what writers write,
// without the conversion to a string that costs a roll-up line a third
// of its parsing.
func parseCount(b []byte) (int64, bool) {
	if len(b) == 0 || len(b) > 18 {
		return parseCountSlow(b)
	}
	var n int64
	for _, c := range b {
		if c < '0' || c > '9' {
			return parseCountSlow(b)
		}
		n = n*10 + int64(c-'0')
	}
	return n, true
}

func parseCountSlow(b []byte) (int64, bool) {
	n, err := strconv.ParseInt(string(b), 10, 64)
	return n, err == nil && n >= 0
}

// parseHour reads a roll-up line's two-character hour, 00 to 23.
func parseHour(b []byte) (int, bool) {
	if len(b) != 2 {
		return 0, false
	}
	h, ok := parseCount(b)
	return int(h), ok && h <= 23
}

// dayMemo parses the days of a daily roll-up file, whose lines come day
// by day: time.Parse once a day instead of once a line.
type dayMemo struct {
	text []byte
	t    time.Time
}

func (m *dayMemo) parse(b []byte) (time.Time, bool) {
	if m != nil && m.text != nil && bytes.Equal(b, m.text) {
		return m.t, true
	}
	t, err := time.Parse(dayLayout, string(b))
	if err != nil {
		return time.Time{}, false
	}
	if m != nil {
		m.text, m.t = append(m.text[:0], b...), t
	}
	return t, true
}

// lineHead is lineFields for readers that need only the first n fields
// (n < 0: all): the rest of the line, if any, stays one more field.
// Spaces are found eight bytes at a time: fields are short, and a call of
// bytes.IndexByte per field cost twice as much (every history reader
// splits every line).
func lineHead(line []byte, into [][]byte, n int) [][]byte {
	into = into[:0]
	start, i := 0, 0
	for ; i+8 <= len(line); i += 8 {
		x := binary.LittleEndian.Uint64(line[i:]) ^ 0x2020202020202020 // spaces become zero bytes
		// The high bit of every zero byte, and maybe of bytes after one:
		// each is checked.
		for m := (x - 0x0101010101010101) &^ x & 0x8080808080808080; m != 0; m &= m - 1 {
			j := i + bits.TrailingZeros64(m)>>3
			if line[j] != ' ' {
				continue
			}
			if len(into) == n {
				return append(into, line[start:])
			}
			into = append(into, line[start:j])
			start = j + 1
		}
	}
	for ; i < len(line); i++ {
		if line[i] != ' ' {
			continue
		}
		if len(into) == n {
			return append(into, line[start:])
		}
		into = append(into, line[start:i])
		start = i + 1
	}
	if start < len(line) {
		into = append(into, line[start:])
	}
	return into
}

// parseClock reads "HH:MM:SS" as seconds since midnight.
func parseClock(b []byte) (int64, bool) {
	if len(b) != 8 || b[2] != ':' || b[5] != ':' {
		return 0, false
	}
	d := func(i int) (int64, bool) {
		x, y := b[i]-'0', b[i+1]-'0'
		if x > 9 || y > 9 {
			return 0, false
		}
		return int64(x)*10 + int64(y), true
	}
	h, ok1 := d(0)
	m, ok2 := d(3)
	s, ok3 := d(6)
	if !ok1 || !ok2 || !ok3 || h > 23 || m > 59 || s > 60 {
		return 0, false
	}
	return h*3600 + m*60 + s, true
}

// parseMillis reads a non-negative decimal number of milliseconds.
func parseMillis(b []byte) (float64, bool) {
	var whole, frac, scale float64 = 0, 0, 1
	seenDot, digits := false, 0
	for _, c := range b {
		switch {
		case c >= '0' && c <= '9':
			digits++
			if seenDot {
				scale *= 10
				frac = frac*10 + float64(c-'0')
			} else {
				whole = whole*10 + float64(c-'0')
			}
		case c == '.' && !seenDot:
			seenDot = true
		default:
			return 0, false
		}
	}
	if digits == 0 {
		return 0, false
	}
	return whole + frac/scale, true
}

func parseStatus(b []byte) (Level, bool) {
	switch string(b) {
	case "up":
		return LevelUp, true
	case "degraded":
		return LevelDegraded, true
	case "down":
		return LevelDown, true
	}
	return 0, false
}

// Level is a compact status used by the fast reading path.
type Level uint8

// Levels, best first, matching prober.Status.
const (
	LevelUp Level = iota
	LevelDegraded
	LevelDown
)

// Status returns the prober status of a level.
func (l Level) Status() prober.Status {
	switch l {
	case LevelUp:
		return prober.Up
	case LevelDegraded:
		return prober.Degraded
	}
	return prober.Down
}

// LevelOf maps a prober status to its level; unknown statuses count as down.
func LevelOf(s prober.Status) Level {
	switch s {
	case prober.Up:
		return LevelUp
	case prober.Degraded:
		return LevelDegraded
	}
	return LevelDown
}

// parseSampleLine decodes a full raw line (values included).
// fsp is scratch space for the fields, reused across lines.
func parseSampleLine(day time.Time, line []byte, fsp *[][]byte) (Sample, error) {
	return parseSampleLineAt(day, line, fsp, DefaultLocation)
}

// parseSampleLineAt decodes a raw line of a round recorded at loc.
func parseSampleLineAt(day time.Time, line []byte, fsp *[][]byte, loc string) (Sample, error) {
	fs := lineFields(line, *fsp)
	*fsp = fs
	if len(fs) < 7 {
		return Sample{}, fmt.Errorf("want at least 7 fields, got %d", len(fs))
	}
	sec, ok := parseClock(fs[0])
	if !ok {
		return Sample{}, fmt.Errorf("bad time %q", fs[0])
	}
	s := Sample{Location: loc}
	s.Time = day.Add(time.Duration(sec) * time.Second)
	var err error
	if s.Check, err = field(fs[1]); err != nil {
		return s, fmt.Errorf("check: %v", err)
	}
	if s.Region, err = field(fs[2]); err != nil {
		return s, fmt.Errorf("region: %v", err)
	}
	lv, ok := parseStatus(fs[3])
	if !ok {
		return s, fmt.Errorf("bad status %q", fs[3])
	}
	s.Status = lv.Status()
	if s.Code, err = strconv.Atoi(string(fs[4])); err != nil {
		return s, fmt.Errorf("bad code %q", fs[4])
	}
	reason, err := field(fs[5])
	if err != nil {
		return s, fmt.Errorf("reason: %v", err)
	}
	s.Reason = prober.ReasonCode(reason)
	ms, ok := parseMillis(fs[6])
	if !ok {
		return s, fmt.Errorf("bad latency %q", fs[6])
	}
	s.Latency = time.Duration(math.Round(ms * float64(time.Millisecond)))
	if len(fs) > 7 {
		s.Values = make(prober.Values, len(fs)-7)
		for _, kv := range fs[7:] {
			i := bytes.IndexByte(kv, '=')
			if i <= 0 {
				return s, fmt.Errorf("bad value %q: want name=value", kv)
			}
			k, err1 := unescape(kv[:i])
			v, err2 := unescape(kv[i+1:])
			if err1 != nil || err2 != nil {
				return s, fmt.Errorf("bad escape in value %q", kv)
			}
			s.Values[k] = v
		}
	}
	return s, nil
}
