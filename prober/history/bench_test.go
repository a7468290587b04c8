package history

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/upchain-dev/upchain/prober"
	"github.com/upchain-dev/upchain/prober/config"
)

// benchRounds is how many 5-minute rounds the growth benchmarks simulate
// (UPCHAIN_BENCH_ROUNDS overrides; the issue asks for at least 2,000).
func benchRounds() int {
	if n, err := strconv.Atoi(os.Getenv("UPCHAIN_BENCH_ROUNDS")); err == nil && n > 0 {
		return n
	}
	return 2000
}

const benchChecks = 50

var benchStart = time.Date(2024, 6, 1, 0, 0, 0, 0, time.UTC)

// layout is a candidate on-disk layout: given a round, it updates its files
// and returns the paths that changed.
type layout struct {
	name  string
	apply func(files map[string]*bytes.Buffer, st *State, id string, rs []prober.Result) []string
}

func buf(files map[string]*bytes.Buffer, path string, header func() string) *bytes.Buffer {
	b := files[path]
	if b == nil {
		b = &bytes.Buffer{}
		if header != nil {
			b.WriteString(header())
		}
		files[path] = b
	}
	return b
}

// dayFile appends a round to one file per day in the chosen line format.
func dayFileRound(files map[string]*bytes.Buffer, id string, rs []prober.Result) []string {
	var changed []string
	seen := map[string]bool{}
	for _, r := range rs {
		s := FromResult(r, "")
		d := dayOf(s.Time)
		p := "raw/" + d.Format(dayLayout) + ".txt"
		b := buf(files, p, func() string { return rawHeader(d) })
		if !seen[p] {
			seen[p] = true
			changed = append(changed, p)
			b.WriteString(roundPrefix + id + " " + s.Time.Format("15:04:05") + "\n")
		}
		b.Write(appendSample(nil, &s))
	}
	return changed
}

func stateChanged(files map[string]*bytes.Buffer, st *State, withValues bool) string {
	if !withValues {
		st = st.Clone()
		for _, regions := range st.Checks {
			for _, rs := range regions {
				rs.Values = nil
			}
		}
	}
	data, err := stateJSON(st)
	if err != nil {
		panic(err)
	}
	files[StateFile] = bytes.NewBuffer(data)
	return StateFile
}

var layouts = []layout{
	{"one file per check per day", func(files map[string]*bytes.Buffer, _ *State, _ string, rs []prober.Result) []string {
		var changed []string
		for _, r := range rs {
			s := FromResult(r, "")
			p := "raw/" + s.Check + "/" + s.Time.Format(dayLayout) + ".txt"
			line := appendSample(nil, &s)
			// Drop the check column: the file name says it.
			i := bytes.IndexByte(line, ' ')
			j := bytes.IndexByte(line[i+1:], ' ')
			buf(files, p, nil).Write(append(line[:i:i], line[i+1+j:]...))
			changed = append(changed, p)
		}
		return changed
	}},
	{"one file per day, ISO time, JSON lines", func(files map[string]*bytes.Buffer, _ *State, _ string, rs []prober.Result) []string {
		var changed []string
		for _, r := range rs {
			p := "raw/" + r.Time.Format(dayLayout) + ".jsonl"
			line, _ := json.Marshal(map[string]any{"t": r.Time.Format(time.RFC3339), "check": r.Check, "region": r.Region, "status": r.Status,
				"latency_ms": r.Latency.Milliseconds(), "code": r.Code, "reason": r.ReasonCode, "values": r.Values})
			b := buf(files, p, nil)
			b.Write(line)
			b.WriteByte('\n')
			if len(changed) == 0 || changed[len(changed)-1] != p {
				changed = append(changed, p)
			}
		}
		return changed
	}},
	{"one file per day, ISO time per line", func(files map[string]*bytes.Buffer, _ *State, _ string, rs []prober.Result) []string {
		var changed []string
		for _, r := range rs {
			s := FromResult(r, "")
			p := "raw/" + s.Time.Format(dayLayout) + ".txt"
			line := appendSample(nil, &s)
			b := buf(files, p, nil)
			b.WriteString(s.Time.Format("2006-01-02T"))
			b.Write(line)
			if len(changed) == 0 || changed[len(changed)-1] != p {
				changed = append(changed, p)
			}
		}
		return changed
	}},
	{"one file per month", func(files map[string]*bytes.Buffer, _ *State, id string, rs []prober.Result) []string {
		var changed []string
		for _, r := range rs {
			s := FromResult(r, "")
			p := "raw/" + s.Time.Format("2006-01") + ".txt"
			b := buf(files, p, nil)
			if len(changed) == 0 {
				changed = append(changed, p)
				b.WriteString(roundPrefix + id + "\n")
			}
			b.WriteString(s.Time.Format("02T"))
			b.Write(appendSample(nil, &s))
		}
		return changed
	}},
	{"one file per day (chosen), no state file", func(files map[string]*bytes.Buffer, _ *State, id string, rs []prober.Result) []string {
		return dayFileRound(files, id, rs)
	}},
	{"one file per day + state.json with values", func(files map[string]*bytes.Buffer, st *State, id string, rs []prober.Result) []string {
		return append(dayFileRound(files, id, rs), stateChanged(files, st, true))
	}},
	{"one file per day + state.json without values every round", func(files map[string]*bytes.Buffer, st *State, id string, rs []prober.Result) []string {
		return append(dayFileRound(files, id, rs), stateChanged(files, st, false))
	}},
	{"chosen: recorder's files (day file + state.json checkpoint)", nil},
	{"chosen, calm checks (0.1% of samples not up)", nil},
}

// recorderFiles applies rounds with the recorder's own code (no git) and
// reports the files each round changed.
type recorderFiles struct {
	r    *Recorder
	st   *State
	last map[string][]byte
}

func newRecorderFiles(dir string) *recorderFiles {
	return &recorderFiles{r: &Recorder{repo: &repo{dir: dir}, log: os.Stderr, ret: Retention{Raw: DefaultRawRetention, Hourly: DefaultHourlyRetention},
		capOf: DefaultCap, hooks: map[string][]Hook{}, seen: map[string]bool{}}, st: &State{}, last: map[string][]byte{}}
}

func (f *recorderFiles) round(files map[string]*bytes.Buffer, rs []prober.Result) []string {
	for i := range rs {
		rs[i].Time = rs[i].Time.Truncate(time.Second)
	}
	if err := f.r.applyRound(context.Background(), f.st, spooled{ID: newRoundID(), Results: rs}); err != nil {
		panic(err)
	}
	if err := f.r.finish(f.st); err != nil {
		panic(err)
	}
	var changed []string
	dir := f.r.repo.dir
	filepath.Walk(dir, func(p string, fi os.FileInfo, err error) error {
		if err != nil || fi.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		data, _ := os.ReadFile(p)
		if !bytes.Equal(data, f.last[rel]) {
			f.last[rel] = data
			files[rel] = bytes.NewBuffer(data)
			changed = append(changed, rel)
		}
		return nil
	})
	return changed
}

func packSize(b testing.TB, gitDir string) int64 {
	b.Helper()
	var size int64
	matches, _ := filepath.Glob(filepath.Join(gitDir, "objects", "pack", "*.pack"))
	for _, m := range matches {
		if fi, err := os.Stat(m); err == nil {
			size += fi.Size()
		}
	}
	return size
}

func gitCmd(b testing.TB, dir string, stdin []byte, args ...string) string {
	b.Helper()
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	if stdin != nil {
		cmd.Stdin = bytes.NewReader(stdin)
	}
	out, err := cmd.CombinedOutput()
	if err != nil {
		b.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return strings.TrimSpace(string(out))
}

// BenchmarkLayoutGrowth measures, for each candidate layout, how much one
// sample grows the packed repository (after git repack -adf) over
// benchRounds() rounds of 50 checks at 5-minute intervals. The commits
// are made with git fast-import: same objects as commits made one by one,
// much faster. BenchmarkRecorderRound measures the chosen layout through
// the real recorder.
func BenchmarkLayoutGrowth(b *testing.B) {
	rounds := benchRounds()
	for _, l := range layouts {
		b.Run(strings.ReplaceAll(l.name, " ", "_"), func(b *testing.B) {
			for it := 0; it < b.N; it++ {
				dir := b.TempDir()
				gitCmd(b, dir, nil, "init", "-q", "--bare")
				cmd := exec.Command("git", "fast-import", "--quiet")
				cmd.Dir = dir
				pipe, _ := cmd.StdinPipe()
				var errb bytes.Buffer
				cmd.Stderr = &errb
				if err := cmd.Start(); err != nil {
					b.Fatal(err)
				}
				w := bufio.NewWriterSize(pipe, 1<<20)
				s := newSim(benchChecks, 1)
				if strings.Contains(l.name, "calm") {
					s.downPM, s.degradedPM = 0, 1
				}
				st := &State{}
				files := map[string]*bytes.Buffer{}
				rf := newRecorderFiles(b.TempDir())
				samples := 0
				for i := 0; i < rounds; i++ {
					t := benchStart.Add(time.Duration(i) * 5 * time.Minute)
					rs := s.round(t)
					samples += len(rs)
					before := st.Clone()
					st.Apply(rs)
					var changed []string
					if l.apply == nil {
						changed = rf.round(files, rs)
					} else {
						changed = l.apply(files, st, newRoundID(), rs)
					}
					sort.Strings(changed)
					msg := summary(1, rs, before, st) + "\n"
					fmt.Fprintf(w, "commit refs/heads/h\nauthor upchain <upchain@localhost> %d +0000\ncommitter upchain <upchain@localhost> %d +0000\ndata %d\n%s", t.Unix(), t.Unix(), len(msg), msg)
					last := ""
					for _, p := range changed {
						if p == last {
							continue
						}
						last = p
						data := files[p].Bytes()
						fmt.Fprintf(w, "M 100644 inline %s\ndata %d\n", p, len(data))
						w.Write(data)
						w.WriteByte('\n')
					}
					w.WriteByte('\n')
				}
				w.Flush()
				pipe.Close()
				if err := cmd.Wait(); err != nil {
					b.Fatalf("fast-import: %v\n%s", err, errb.String())
				}
				gitCmd(b, dir, nil, "repack", "-adf", "-q")
				if keep := os.Getenv("UPCHAIN_BENCH_KEEP"); keep != "" {
					exec.Command("cp", "-r", dir, keep).Run()
				}
				size := packSize(b, dir)
				per := float64(size) / float64(samples)
				b.ReportMetric(per, "bytes/sample")
				b.ReportMetric(float64(size), "pack-bytes")
				fmt.Printf("layout %-55s %5d rounds %7d samples: packed %9d bytes = %6.1f bytes/sample\n", l.name, rounds, samples, size, per)
			}
		})
	}
}

// BenchmarkRecorderRound records rounds of 50 checks through the real
// recorder (git CLI, local repository, no remote) and prints the time per
// round and the packed growth per sample.
func BenchmarkRecorderRound(b *testing.B) {
	os.Setenv("GIT_CONFIG_GLOBAL", os.DevNull)
	os.Setenv("GIT_CONFIG_NOSYSTEM", "1")
	rounds := benchRounds()
	for it := 0; it < b.N; it++ {
		ctx := context.Background()
		cfgDir := b.TempDir()
		cfg := testConfig(cfgDir, config.History{})
		rec, err := OpenRecorder(ctx, cfg, nil)
		if err != nil {
			b.Fatal(err)
		}
		gitDir := filepath.Join(rec.Dir(), ".git")
		gitCmd(b, rec.Dir(), nil, "repack", "-adf", "-q")
		base := packSize(b, gitDir)
		s := newSim(benchChecks, 1)
		samples := 0
		start := time.Now()
		for i := 0; i < rounds; i++ {
			rs := s.round(benchStart.Add(time.Duration(i) * 5 * time.Minute))
			samples += len(rs)
			if _, err := rec.Record(ctx, rs); err != nil {
				b.Fatal(err)
			}
		}
		elapsed := time.Since(start)
		gitCmd(b, rec.Dir(), nil, "repack", "-adf", "-q")
		size := packSize(b, gitDir) - base
		per := float64(size) / float64(samples)
		b.ReportMetric(float64(elapsed.Milliseconds())/float64(rounds), "ms/round")
		b.ReportMetric(per, "bytes/sample")
		fmt.Printf("recorder: %d rounds of %d checks (%d samples): %.1f ms per round (append + commit, local); packed growth %d bytes = %.1f bytes/sample\n",
			rounds, benchChecks, samples, float64(elapsed.Microseconds())/1000/float64(rounds), size, per)
	}
}

// BenchmarkTipSize builds 400 days of history for 100 checks at 5-minute
// rounds with the default retention (raw 14 days, hourly 90 days, daily
// forever) and prints the size of the branch tip: the checked-out files
// and the pack a shallow clone (--depth 1) fetches.
func BenchmarkTipSize(b *testing.B) {
	os.Setenv("GIT_CONFIG_GLOBAL", os.DevNull)
	os.Setenv("GIT_CONFIG_NOSYSTEM", "1")
	days := 400
	if n, err := strconv.Atoi(os.Getenv("UPCHAIN_BENCH_DAYS")); err == nil && n > 0 {
		days = n
	}
	for it := 0; it < b.N; it++ {
		root := b.TempDir()
		dir := filepath.Join(root, "h")
		s := newSim(100, 7)
		ret := Retention{Raw: DefaultRawRetention, Hourly: DefaultHourlyRetention}
		st := &State{}
		samples := 0
		for d := 0; d < days; d++ {
			var rounds [][]Sample
			for r := 0; r < 288; r++ {
				rs := s.round(benchStart.Add(time.Duration(d*288+r) * 5 * time.Minute))
				samples += len(rs)
				st.Apply(rs)
				smp := make([]Sample, len(rs))
				for i := range rs {
					smp[i] = FromResult(rs[i], "")
				}
				rounds = append(rounds, smp)
			}
			if err := AppendRounds(dir, rounds); err != nil {
				b.Fatal(err)
			}
			if err := maintain(dir, st.Updated, ret, DefaultCap); err != nil {
				b.Fatal(err)
			}
		}
		if err := writeState(dir, st); err != nil {
			b.Fatal(err)
		}
		os.WriteFile(filepath.Join(dir, Readme), []byte(FormatDoc), 0o644)
		sizes := map[string]int64{}
		var total int64
		filepath.Walk(dir, func(p string, fi os.FileInfo, err error) error {
			if err == nil && !fi.IsDir() {
				rel, _ := filepath.Rel(dir, p)
				sizes[strings.SplitN(rel, string(filepath.Separator), 2)[0]] += fi.Size()
				total += fi.Size()
			}
			return nil
		})
		gitCmd(b, dir, nil, "init", "-q", "-b", "h")
		gitCmd(b, dir, nil, "add", "-A")
		gitCmd(b, dir, nil, "-c", "user.name=u", "-c", "user.email=u@u", "commit", "-q", "-m", "tip")
		clone := filepath.Join(root, "clone")
		gitCmd(b, root, nil, "clone", "-q", "--depth", "1", "--no-checkout", "file://"+dir, clone)
		packed := packSize(b, filepath.Join(clone, ".git"))
		// Packed bytes per top-level directory (a delta counts where it is).
		paths := map[string]string{}
		for _, line := range strings.Split(gitCmd(b, clone, nil, "rev-list", "--objects", "--all"), "\n") {
			if id, path, ok := strings.Cut(line, " "); ok {
				paths[id] = strings.SplitN(path, "/", 2)[0]
			}
		}
		idx, _ := filepath.Glob(filepath.Join(clone, ".git", "objects", "pack", "*.idx"))
		inPack := map[string]int64{}
		for _, line := range strings.Split(gitCmd(b, clone, nil, append([]string{"verify-pack", "-v"}, idx...)...), "\n") {
			f := strings.Fields(line)
			if len(f) >= 5 {
				if n, err := strconv.ParseInt(f[3], 10, 64); err == nil {
					inPack[paths[f[0]]] += n
				}
			}
		}
		series := 0
		for _, regions := range st.Checks {
			series += len(regions)
		}
		b.ReportMetric(float64(packed)/1e6, "MB-packed")
		b.ReportMetric(float64(total)/1e6, "MB-files")
		mb := func(n int64) float64 { return float64(n) / 1e6 }
		fmt.Printf("tip after %d days, 100 checks (%d series, %d samples in all), default retention:\n  files %.1f MB (raw %.1f, hourly %.1f, daily %.1f, state %.2f)\n  shallow clone pack %.1f MB (raw %.1f, hourly %.1f, daily %.1f)\n",
			days, series, samples, mb(total), mb(sizes[RawDir]), mb(sizes[HourlyDir]), mb(sizes[DailyDir]), mb(sizes[StateFile]),
			mb(packed), mb(inPack[RawDir]), mb(inPack[HourlyDir]), mb(inPack[DailyDir]))
	}
}

// BenchmarkStoreRead reads 90 days of raw samples of 200 checks (a raw
// retention of 90 days) through Store.Points and prints how long it takes.
func BenchmarkStoreRead(b *testing.B) {
	dir := b.TempDir()
	s := newSim(200, 3)
	samples := 0
	for d := 0; d < 90; d++ {
		var rounds [][]Sample
		for r := 0; r < 288; r++ {
			rs := s.round(benchStart.Add(time.Duration(d*288+r) * 5 * time.Minute))
			smp := make([]Sample, len(rs))
			for i := range rs {
				smp[i] = FromResult(rs[i], "")
			}
			samples += len(smp)
			rounds = append(rounds, smp)
		}
		if err := AppendRounds(dir, rounds); err != nil {
			b.Fatal(err)
		}
	}
	store, _ := Open(dir)
	b.ResetTimer()
	for it := 0; it < b.N; it++ {
		start := time.Now()
		pts, err := store.Points(time.Time{}, time.Time{})
		if err != nil {
			b.Fatal(err)
		}
		n := 0
		for _, p := range pts {
			n += len(p)
		}
		if n != samples {
			b.Fatalf("read %d samples, wrote %d", n, samples)
		}
		el := time.Since(start)
		b.ReportMetric(el.Seconds(), "s/read")
		fmt.Printf("store: read %d raw samples (200 checks, 90 days) in %s\n", n, el.Round(time.Millisecond))
	}
}
