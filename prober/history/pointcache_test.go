package history

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"testing"
	"time"

	"github.com/upchain-dev/upchain/prober"
)

// TestCachedPointsEqualsPoints changes a history step by step the ways a
// daemon sees it change, and after each step CachedPoints must give what
// a fresh Points read gives.
func TestCachedPointsEqualsPoints(t *testing.T) {
	smp := func(day, sec int, check, loc string, st prober.Status) Sample {
		return Sample{Time: day0.AddDate(0, 0, day).Add(time.Duration(sec) * time.Second), Check: check, Region: "global",
			Location: loc, Status: st, Latency: time.Duration(sec%97+1) * time.Millisecond}
	}
	appendRound := func(t *testing.T, dir string, s ...Sample) {
		t.Helper()
		if err := AppendSamples(dir, s); err != nil {
			t.Fatal(err)
		}
	}
	setQuorum := func(t *testing.T, dir string, n int) {
		t.Helper()
		st := State{Checks: map[string]map[string]*RegionState{"a": {"global": {Quorum: n, WindowS: 600}}}}
		data, _ := json.Marshal(st)
		if err := os.WriteFile(filepath.Join(dir, StateFile), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	steps := []struct {
		name   string
		change func(t *testing.T, dir string)
	}{
		{"empty history", func(*testing.T, string) {}},
		{"first round", func(t *testing.T, dir string) {
			appendRound(t, dir, smp(0, 60, "a", "", prober.Up), smp(0, 61, "b", "", prober.Down))
		}},
		{"a round appended to today", func(t *testing.T, dir string) { appendRound(t, dir, smp(0, 120, "a", "", prober.Up)) }},
		{"a new day", func(t *testing.T, dir string) {
			appendRound(t, dir, smp(1, 5, "a", "", prober.Degraded), smp(1, 6, "c", "", prober.Up))
		}},
		{"a late round of yesterday, out of order", func(t *testing.T, dir string) { appendRound(t, dir, smp(0, 90, "a", "", prober.Down)) }},
		{"third day, then the first expires", func(t *testing.T, dir string) {
			appendRound(t, dir, smp(2, 10, "a", "", prober.Up))
			if err := os.Remove(rawPath(dir, day0)); err != nil {
				t.Fatal(err)
			}
		}},
		{"series b gone with its day", func(t *testing.T, dir string) {}},
		{"a middle day rewritten", func(t *testing.T, dir string) {
			data, err := os.ReadFile(rawPath(dir, day0.AddDate(0, 0, 1)))
			if err != nil {
				t.Fatal(err)
			}
			data = append(data, []byte("00:00:07 d global up 200 - 12\n")...)
			if err := os.WriteFile(rawPath(dir, day0.AddDate(0, 0, 1)), data, 0o644); err != nil {
				t.Fatal(err)
			}
		}},
		{"two locations decide by quorum 1", func(t *testing.T, dir string) {
			setQuorum(t, dir, 1)
			appendRound(t, dir, smp(2, 100, "a", "fra", prober.Down))
			appendRound(t, dir, smp(2, 101, "a", "sin", prober.Up))
		}},
		{"quorum 2 from then on: the same file decides otherwise", func(t *testing.T, dir string) { setQuorum(t, dir, 2) }},
		{"every raw day gone", func(t *testing.T, dir string) {
			if err := os.RemoveAll(filepath.Join(dir, RawDir)); err != nil {
				t.Fatal(err)
			}
		}},
		{"history starts again", func(t *testing.T, dir string) { appendRound(t, dir, smp(5, 1, "e", "", prober.Up)) }},
	}
	dir := t.TempDir()
	s := &Store{dir: dir}
	var c PointCache
	for _, step := range steps {
		step.change(t, dir)
		want, err := s.Points(time.Time{}, time.Time{})
		if err != nil {
			t.Fatal(err)
		}
		got, err := s.CachedPoints(&c)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != len(want) || (len(want) > 0 && !reflect.DeepEqual(got, want)) {
			t.Fatalf("%s:\ncached %v\n fresh %v", step.name, got, want)
		}
	}
}

// TestCachedPointsReadsOnlyChangedFiles: a day file that keeps its size
// and time is not read again (here its content changes behind the
// cache's back, which history files never do, to show it), while one
// that grew is, and an expired day goes.
func TestCachedPointsReadsOnlyChangedFiles(t *testing.T) {
	dir := t.TempDir()
	at := func(d int, h time.Duration) time.Time { return day0.AddDate(0, 0, d).Add(h) }
	for d := range 3 {
		s := Sample{Time: at(d, time.Hour), Check: "a", Region: "global", Status: prober.Up, Latency: 5 * time.Millisecond}
		if err := AppendSamples(dir, []Sample{s}); err != nil {
			t.Fatal(err)
		}
	}
	s := &Store{dir: dir}
	var c PointCache
	if _, err := s.CachedPoints(&c); err != nil {
		t.Fatal(err)
	}
	middle := rawPath(dir, day0.AddDate(0, 0, 1))
	info, err := os.Stat(middle)
	if err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(middle)
	if len(data) < 2 || string(data[len(data)-2:]) != "5\n" {
		t.Fatalf("raw file does not end with the 5 ms latency:\n%s", data)
	}
	swapped := append(data[:len(data)-2:len(data)-2], "6\n"...) // same size
	if err := os.WriteFile(middle, swapped, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Chtimes(middle, info.ModTime(), info.ModTime()); err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(rawPath(dir, day0)); err != nil {
		t.Fatal(err)
	}
	if err := AppendSamples(dir, []Sample{{Time: at(2, 2*time.Hour), Check: "a", Region: "global", Status: prober.Down, Latency: 7 * time.Millisecond}}); err != nil {
		t.Fatal(err)
	}
	got, err := s.CachedPoints(&c)
	if err != nil {
		t.Fatal(err)
	}
	want := []Point{
		NewPoint(at(1, time.Hour).Unix(), 5, LevelUp), // as first read
		NewPoint(at(2, time.Hour).Unix(), 5, LevelUp),
		NewPoint(at(2, 2*time.Hour).Unix(), 7, LevelDown), // the grown file, read again
	}
	if !reflect.DeepEqual(got[Key{"a", "global"}], want) {
		t.Fatalf("points %+v, want %+v", got[Key{"a", "global"}], want)
	}
}

// TestCachedPointsSeesReplacedFile: a day file replaced by another of the
// same size and time (rsync, a checkout) is read again: its inode differs.
func TestCachedPointsSeesReplacedFile(t *testing.T) {
	if runtime.GOOS == "windows" || runtime.GOOS == "plan9" {
		t.Skip("no inodes")
	}
	dir := t.TempDir()
	s := Sample{Time: day0.Add(time.Hour), Check: "a", Region: "global", Status: prober.Up, Latency: 5 * time.Millisecond}
	if err := AppendSamples(dir, []Sample{s}); err != nil {
		t.Fatal(err)
	}
	st := &Store{dir: dir}
	var c PointCache
	if _, err := st.CachedPoints(&c); err != nil {
		t.Fatal(err)
	}
	path := rawPath(dir, day0)
	info, _ := os.Stat(path)
	data, _ := os.ReadFile(path)
	data = append(data[:len(data)-2:len(data)-2], "6\n"...) // 6 ms, same size
	tmp := path + ".new"
	if err := os.WriteFile(tmp, data, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Chtimes(tmp, info.ModTime(), info.ModTime()); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, path); err != nil {
		t.Fatal(err)
	}
	got, err := st.CachedPoints(&c)
	if err != nil {
		t.Fatal(err)
	}
	if pts := got[Key{"a", "global"}]; len(pts) != 1 || pts[0].Latency() != 6 {
		t.Fatalf("points %+v, want the replaced file's 6 ms", pts)
	}
}
