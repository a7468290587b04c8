package history

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"time"
)

// ProblemKind names what `upchain history check` found. Damage (damaged
// lines, duplicate rounds, a corrupt state file) is what --repair removes;
// the rest are notes about the data that readers already cope with.
type ProblemKind string

// Problem kinds.
const (
	// Damaged: a line no reader can parse (skipped by every reader).
	Damaged ProblemKind = "damaged"
	// DuplicateRound: a round recorded twice in one file (a hand merge);
	// its second copy would count every sample twice.
	DuplicateRound ProblemKind = "duplicate-round"
	// CorruptState: state.json is not valid JSON (readers rebuild it).
	CorruptState ProblemKind = "corrupt-state"
	// OutOfOrder: a sample older than the previous one of its series in
	// the same file (a late round, or a runner's clock behind); readers
	// sort.
	OutOfOrder ProblemKind = "out-of-order"
	// Future: a sample dated ahead of the clock (a runner's clock ahead).
	Future ProblemKind = "future"
	// Gap: no sample of a series for longer than it may stand for.
	Gap ProblemKind = "gap"
)

// IsDamage reports whether --repair removes problems of kind k.
func (k ProblemKind) IsDamage() bool {
	return k == Damaged || k == DuplicateRound || k == CorruptState
}

// Problem is one finding, at a line of a file of the history branch.
type Problem struct {
	Kind ProblemKind
	// File is relative to the history root (slash-separated).
	File string
	// Line is 1-based; 0 for the whole file.
	Line int
	// Text is the line, redacted and shortened.
	Text   string
	Detail string
}

func (p Problem) String() string {
	s := p.File
	if p.Line > 0 {
		s += ":" + strconv.Itoa(p.Line)
	}
	s += ": " + string(p.Kind) + ": " + p.Detail
	if p.Text != "" {
		s += ": " + strconv.Quote(p.Text)
	}
	return s
}

// maxProblems bounds the report's list (the counts stay exact): a file of
// garbage must not produce a report of millions of lines.
const maxProblems = 10000

// Report is what Check found.
type Report struct {
	Files, Samples int
	// Problems in file order, at most maxProblems; Counts counts all.
	Problems []Problem
	Counts   map[ProblemKind]int
	// drop are the lines (1-based) that repair removes, per file; header
	// marks files whose first line must become a version header again.
	drop   map[string]map[int]bool
	header map[string]string
}

// Damage is the number of problems that --repair removes.
func (r *Report) Damage() int {
	n := 0
	for k, c := range r.Counts {
		if k.IsDamage() {
			n += c
		}
	}
	return n
}

func (r *Report) add(p Problem, text []byte) {
	r.Counts[p.Kind]++
	if len(r.Problems) < maxProblems {
		if text != nil {
			p.Text = damage.shown(text, 120)
		}
		// Parse errors quote fields of the line: redact them too.
		p.Detail = damage.shown([]byte(p.Detail), 300)
		r.Problems = append(r.Problems, p)
	}
}

func (r *Report) remove(file string, line int) {
	if r.drop[file] == nil {
		r.drop[file] = map[int]bool{}
	}
	r.drop[file][line] = true
}

// CheckOptions are the clock and the gap rule of a check.
type CheckOptions struct {
	// Now is the checking clock (zero: time.Now).
	Now time.Time
	// Cap is how long a sample may stand for (nil: DefaultCap).
	Cap Cap
}

// Check reads every file of the history at dir and reports damaged lines,
// duplicate rounds, a corrupt state file, out-of-order and future samples
// and gaps. It changes nothing.
func Check(dir string, opt CheckOptions) (*Report, error) {
	if opt.Now.IsZero() {
		opt.Now = time.Now()
	}
	if opt.Cap == nil {
		opt.Cap = DefaultCap
	}
	rep := &Report{Counts: map[ProblemKind]int{}, drop: map[string]map[int]bool{}, header: map[string]string{}}
	raw, err := listDays(dir, RawDir)
	if err != nil {
		return nil, err
	}
	series := map[Key][]Point{}
	where := map[Key][]string{} // file:line of each point, for gaps
	for _, f := range raw {
		if err := checkRaw(dir, f, opt, rep, series, where); err != nil {
			return nil, err
		}
	}
	hourly, err := listDays(dir, HourlyDir)
	if err != nil {
		return nil, err
	}
	for _, f := range hourly {
		if err := checkRollups(dir, f.path, hourlyMagic, hourlyHeader(f.day), rep, uptimeRollup(f.day)); err != nil {
			return nil, err
		}
	}
	valuesHourly, err := listDays(dir, ValuesHourlyDir)
	if err != nil {
		return nil, err
	}
	for _, f := range valuesHourly {
		if err := checkRollups(dir, f.path, valuesHourlyMagic, valuesHourlyHeader(f.day), rep, valueRollup(f.day)); err != nil {
			return nil, err
		}
	}
	yearly := []struct {
		sub, magic string
		header     func(int) string
		parse      func([]byte, *[][]byte) error
	}{
		{DailyDir, dailyMagic, dailyHeader, uptimeRollup(time.Time{})},
		{ValuesDailyDir, valuesDailyMagic, valuesDailyHeader, valueRollup(time.Time{})},
	}
	for _, yf := range yearly {
		years, err := listYears(dir, yf.sub)
		if err != nil {
			return nil, err
		}
		for _, y := range years {
			if err := checkRollups(dir, y.path, yf.magic, yf.header(y.year), rep, yf.parse); err != nil {
				return nil, err
			}
		}
	}
	checkGaps(series, where, opt.Cap, rep)
	if data, err := os.ReadFile(filepath.Join(dir, StateFile)); err == nil {
		var st State
		if err := json.Unmarshal(data, &st); err != nil {
			rep.add(Problem{Kind: CorruptState, File: StateFile, Detail: "not valid JSON (" + err.Error() + "): readers rebuild it from the raw samples"}, nil)
		}
	} else if !errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	return rep, nil
}

// eachLine calls fn with every line of data (1-based number, without its
// newline, complete false for a last line without newline).
func eachLine(data []byte, fn func(n int, line []byte, complete bool)) {
	for n := 1; len(data) > 0; n++ {
		i := bytes.IndexByte(data, '\n')
		if i < 0 {
			fn(n, data, false)
			return
		}
		fn(n, data[:i], true)
		data = data[i+1:]
	}
}

func relPath(dir, path string) string {
	if rel, err := filepath.Rel(dir, path); err == nil {
		return filepath.ToSlash(rel)
	}
	return path
}

// checkHeader reports a missing or garbled version header; a newer
// version is an error (this upchain must not judge that file).
func checkHeader(rep *Report, rel, path string, data []byte, magic, header string) error {
	first, _, _ := bytes.Cut(data, []byte{'\n'})
	err := checkVersion(first, magic, path)
	if err == nil {
		return nil
	}
	if !isDamaged(err) {
		return err
	}
	rep.add(Problem{Kind: Damaged, File: rel, Line: 1, Detail: "not a format header (want " + magic + "N)"}, first)
	rep.remove(rel, 1)
	h, _, _ := bytes.Cut([]byte(header), []byte{'\n'})
	rep.header[rel] = string(h)
	return nil
}

func checkRaw(dir string, f dayFile, opt CheckOptions, rep *Report, series map[Key][]Point, where map[Key][]string) error {
	data, err := os.ReadFile(f.path)
	if err != nil {
		return err
	}
	rel := relPath(dir, f.path)
	rep.Files++
	if err := checkHeader(rep, rel, f.path, data, rawMagic, rawHeader(f.day)); err != nil {
		return err
	}
	limit := opt.Now.Add(FutureTolerance)
	rounds := map[string]int{} // round id -> line of its first copy
	dup := false               // inside the second copy of a round
	// Each location's runner appends its own rounds in time order; rounds
	// of several locations interleave.
	type locKey struct {
		Key
		loc string
	}
	last := map[locKey]time.Time{}
	loc := DefaultLocation
	var fields [][]byte
	eachLine(data, func(n int, line []byte, complete bool) {
		if n == 1 && rep.drop[rel][1] {
			return
		}
		if !complete {
			rep.add(Problem{Kind: Damaged, File: rel, Line: n, Detail: "incomplete last line (no newline)"}, line)
			rep.remove(rel, n)
			return
		}
		if rest, ok := bytes.CutPrefix(line, []byte(roundPrefix)); ok {
			id, _, _ := bytes.Cut(rest, []byte{' '})
			if first, ok := rounds[string(id)]; ok {
				dup = true
				rep.add(Problem{Kind: DuplicateRound, File: rel, Line: n, Detail: fmt.Sprintf("round %s already recorded at line %d", id, first)}, nil)
				rep.remove(rel, n)
				return
			}
			rounds[string(id)] = n
			dup = false
			loc = roundLocation(rest)
			return
		}
		if len(line) == 0 || line[0] == '#' {
			return
		}
		if dup {
			rep.remove(rel, n)
			return
		}
		smp, err := parseSampleLineAt(f.day, line, &fields, loc)
		if err != nil {
			rep.add(Problem{Kind: Damaged, File: rel, Line: n, Detail: err.Error()}, line)
			rep.remove(rel, n)
			return
		}
		k := Key{smp.Check, smp.Region}
		if !PointTimeOK(smp.Time.Unix()) {
			// Readers skip it as damaged; say so here too.
			rep.add(Problem{Kind: Damaged, File: rel, Line: n, Detail: fmt.Sprintf("%s %s %v", k.Check, k.Region, errPointTime)}, line)
			rep.remove(rel, n)
			return
		}
		rep.Samples++
		if smp.Time.After(limit) {
			rep.add(Problem{Kind: Future, File: rel, Line: n, Detail: fmt.Sprintf("%s %s dated %s, %s ahead of the clock", k.Check, k.Region, smp.Time.Format(time.RFC3339), smp.Time.Sub(opt.Now).Round(time.Second))}, nil)
		}
		if prev, ok := last[locKey{k, smp.Location}]; ok && smp.Time.Before(prev) {
			rep.add(Problem{Kind: OutOfOrder, File: rel, Line: n, Detail: fmt.Sprintf("%s %s at %s after a sample at %s (readers sort)", k.Check, k.Region, smp.Time.Format(time.TimeOnly), prev.Format(time.TimeOnly))}, nil)
		} else {
			last[locKey{k, smp.Location}] = smp.Time
		}
		series[k] = append(series[k], NewPoint(smp.Time.Unix(), 0, LevelOf(smp.Status)))
		where[k] = append(where[k], rel+":"+strconv.Itoa(n))
	})
	return nil
}

// uptimeRollup and valueRollup parse one line of an uptime or a value
// roll-up file of day (zero for yearly files).
func uptimeRollup(day time.Time) func([]byte, *[][]byte) error {
	return func(line []byte, fields *[][]byte) error {
		_, err := parseRollupLine(day, line, fields)
		return err
	}
}

func valueRollup(day time.Time) func([]byte, *[][]byte) error {
	in := interner{}
	return func(line []byte, fields *[][]byte) error {
		_, err := parseValueRollup(day, line, fields, in, nil, nil)
		return err
	}
}

func checkRollups(dir, path, magic, header string, rep *Report, parse func([]byte, *[][]byte) error) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	rel := relPath(dir, path)
	rep.Files++
	if err := checkHeader(rep, rel, path, data, magic, header); err != nil {
		return err
	}
	var fields [][]byte
	eachLine(data, func(n int, line []byte, complete bool) {
		if n == 1 && rep.drop[rel][1] {
			return
		}
		if !complete {
			rep.add(Problem{Kind: Damaged, File: rel, Line: n, Detail: "incomplete last line (no newline)"}, line)
			rep.remove(rel, n)
			return
		}
		if len(line) == 0 || line[0] == '#' {
			return
		}
		if err := parse(line, &fields); err != nil {
			rep.add(Problem{Kind: Damaged, File: rel, Line: n, Detail: err.Error()}, line)
			rep.remove(rel, n)
		}
	})
	return nil
}

// checkGaps reports, per series, stretches between samples longer than
// the series' samples may stand for (the site shows them as no data).
func checkGaps(series map[Key][]Point, where map[Key][]string, capOf Cap, rep *Report) {
	keys := make([]Key, 0, len(series))
	for k := range series {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return keyLess(keys[i], keys[j]) })
	for _, k := range keys {
		pts, at := series[k], where[k]
		idx := make([]int, len(pts))
		for i := range idx {
			idx[i] = i
		}
		sort.SliceStable(idx, func(a, b int) bool { return pts[idx[a]].Unix() < pts[idx[b]].Unix() })
		capSec := int64(capOf(k.Check) / time.Second)
		for i := 1; i < len(idx); i++ {
			a, b := pts[idx[i-1]], pts[idx[i]]
			if d := b.Unix() - a.Unix(); capSec > 0 && d > capSec {
				file, line := splitWhere(at[idx[i]])
				rep.add(Problem{Kind: Gap, File: file, Line: line, Detail: fmt.Sprintf("%s %s: no sample for %s (from %s to %s)", k.Check, k.Region,
					time.Duration(d-capSec)*time.Second, time.Unix(a.Unix()+capSec, 0).UTC().Format(time.RFC3339), time.Unix(b.Unix(), 0).UTC().Format(time.RFC3339))}, nil)
			}
		}
	}
}

func splitWhere(s string) (string, int) {
	i := bytes.LastIndexByte([]byte(s), ':')
	n, _ := strconv.Atoi(s[i+1:])
	return s[:i], n
}
