package history

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/upchain-dev/upchain/prober/config"
	"github.com/upchain-dev/upchain/prober/testlog"
)

// repairHelperEnv makes the test binary a repair that stops after
// rewriting its first file and waits to be killed.
const repairHelperEnv = "UPCHAIN_TEST_REPAIR_DIR"

func repairHelperMain() int {
	repairPause = func(file string) {
		fmt.Printf("paused after %s\n", file)
		time.Sleep(time.Minute)
	}
	rec, err := OpenRecorder(context.Background(), testConfig(os.Getenv(repairHelperEnv), config.History{}), os.Stderr)
	if err != nil {
		fmt.Fprintln(os.Stderr, "open:", err)
		return 1
	}
	if _, _, err := rec.Repair(context.Background(), CheckOptions{Now: day0.Add(time.Hour)}); err != nil {
		fmt.Fprintln(os.Stderr, "repair:", err)
		return 1
	}
	return 0
}

// TestKilledRepairLosesNothing kills a repair with SIGKILL after it
// rewrote a file and before it committed: the history keeps every good
// sample and its last commit, the next run repairs, and rounds go on.
func TestKilledRepairLosesNothing(t *testing.T) {
	captureSlog(t)
	cfgDir, histDir := recorded(t, 3)
	commitDamage(t, histDir, filepath.Join(RawDir, "2024-06-01.txt"), insertAfter(6, "<<<<<<< HEAD\n=======\n>>>>>>> other\n"))
	commitDamage(t, histDir, StateFile, func(b []byte) []byte { return b[:len(b)/2] })
	head := sh(t, histDir, "rev-parse", "HEAD")

	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), repairHelperEnv+"="+cfgDir)
	var out, errb testlog.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(30 * time.Second)
	for !strings.Contains(out.String(), "paused") && cmd.ProcessState == nil && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if !strings.Contains(out.String(), "paused") {
		cmd.Process.Kill()
		cmd.Wait()
		t.Fatalf("repair did not reach its first file:\n%s\n%s", out.String(), errb.String())
	}
	cmd.Process.Kill()
	cmd.Wait()

	if got := sh(t, histDir, "rev-parse", "HEAD"); got != head {
		t.Errorf("a killed repair moved HEAD from %s to %s", head, got)
	}
	wantRounds(t, samplesByKey(t, histDir), "a", 0, 1, 2)

	// The next run resets the half-done repair away and repairs in full.
	rec, err := OpenRecorder(context.Background(), testConfig(cfgDir, config.History{}), nil)
	if err != nil {
		t.Fatal(err)
	}
	rep, commit, err := rec.Repair(context.Background(), CheckOptions{Now: day0.Add(time.Hour)})
	if err != nil || commit == "" {
		t.Fatalf("repair after the kill: commit %q, %v", commit, err)
	}
	if rep.Counts[Damaged] != 3 || rep.Counts[CorruptState] != 1 {
		t.Errorf("repair removed %v, want 3 damaged lines and the state", rep.Counts)
	}
	if _, err := rec.Record(context.Background(), round("a", 3, day0)); err != nil {
		t.Fatal(err)
	}
	after, err := Check(histDir, CheckOptions{Now: day0.Add(time.Hour)})
	if err != nil || after.Damage() != 0 {
		t.Fatalf("check after repair: %v %v", err, after.Problems)
	}
	got := samplesByKey(t, histDir)
	wantRounds(t, got, "a", 0, 1, 2, 3)
	if len(got) != 16 {
		t.Errorf("%d samples, want 16", len(got))
	}
	if rs := rec.State().Get("alpha", "global"); rs == nil || rs.ConsecutiveSuccesses != 4 {
		t.Errorf("alpha/global after repair and a round: %+v", rs)
	}
}

// TestCheckReport: what check finds in a hand-made history, line by line.
func TestCheckReport(t *testing.T) {
	dir := t.TempDir()
	raw := rawHeader(day0) +
		"# round aaaa 00:00:00\n" +
		"00:00:00 c global up 200 - 10\n" +
		"00:05:00 c global up 200 - 10\n" +
		"garbage\n" + // line 8
		"# round bbbb 00:04:00\n" +
		"00:04:00 c global up 200 - 10\n" + // line 10: out of order
		"# round aaaa 00:00:00\n" + // line 11: duplicate
		"00:00:00 c global up 200 - 10\n" +
		"00:40:00 c global up 200 - 10\n" + // line 13: after a gap; removed with the duplicate
		"# round cccc 02:00:00\n" +
		"02:00:00 c global up 200 - 10\n" + // line 15: gap before it
		"02:05:00 c global up 200 - 10\n" // line 16: future
	if err := os.MkdirAll(filepath.Join(dir, RawDir), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(rawPath(dir, day0), []byte(raw), 0o644); err != nil {
		t.Fatal(err)
	}
	rep, err := Check(dir, CheckOptions{Now: day0.Add(2*time.Hour - time.Minute)})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]bool{
		"raw/2024-06-01.txt:8 damaged":          true,
		"raw/2024-06-01.txt:10 out-of-order":    true,
		"raw/2024-06-01.txt:11 duplicate-round": true,
		"raw/2024-06-01.txt:15 gap":             true,
		"raw/2024-06-01.txt:16 future":          true,
	}
	got := map[string]bool{}
	for _, p := range rep.Problems {
		got[fmt.Sprintf("%s:%d %s", p.File, p.Line, p.Kind)] = true
	}
	for k := range want {
		if !got[k] {
			t.Errorf("missing %s", k)
		}
	}
	for k := range got {
		if !want[k] {
			t.Errorf("unexpected %s", k)
		}
	}
	if rep.Damage() != 2 {
		t.Errorf("damage %d, want 2", rep.Damage())
	}
	if _, err := repairDir(dir, CheckOptions{Now: day0.Add(2*time.Hour - time.Minute)}); err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(rawPath(dir, day0))
	if strings.Contains(string(data), "garbage") || strings.Count(string(data), "# round aaaa") != 1 || strings.Contains(string(data), "00:40:00") {
		t.Errorf("repaired file:\n%s", data)
	}
	if !strings.Contains(string(data), "00:04:00 c") || !strings.Contains(string(data), "02:05:00 c") {
		t.Errorf("repair removed good samples:\n%s", data)
	}
}

// TestRollupDamage: a damaged line in an hourly or daily roll-up file is
// skipped by readers, reported by check and removed by repair.
func TestRollupDamage(t *testing.T) {
	captureSlog(t)
	files := []string{filepath.Join(HourlyDir, "2024-06-01.txt"), filepath.Join(DailyDir, "2024.txt"),
		filepath.Join(ValuesHourlyDir, "2024-06-01.txt"), filepath.Join(ValuesDailyDir, "2024.txt")}
	for _, file := range files {
		t.Run(file, func(t *testing.T) {
			dir := t.TempDir()
			var rounds [][]Sample
			for i := 0; i < 3*288; i++ {
				for _, r := range round("a", i, day0) {
					s := FromResult(r, "")
					s.Values["peers"] = strconv.Itoa(i % 50) // charted: value roll-ups too
					rounds = append(rounds, []Sample{s})
				}
			}
			if err := AppendRounds(dir, rounds); err != nil {
				t.Fatal(err)
			}
			if err := Maintain(dir, day0.Add(72*time.Hour), Retention{Raw: 24 * time.Hour, Hourly: 90 * 24 * time.Hour}, nil); err != nil {
				t.Fatal(err)
			}
			path := filepath.Join(dir, file)
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			good := strings.Count(string(data), "\n")
			os.WriteFile(path, append(data, "<<<<<<< HEAD\n"...), 0o644)
			s, _ := Open(dir)
			hourly, err1 := s.Hourly(time.Time{}, time.Time{})
			daily, err2 := s.Daily(time.Time{}, time.Time{})
			if err1 != nil || err2 != nil || len(hourly) == 0 || len(daily) == 0 {
				t.Fatalf("roll-ups: %d hourly (%v), %d daily (%v)", len(hourly), err1, len(daily), err2)
			}
			rep, err := Check(dir, CheckOptions{Now: day0.Add(72 * time.Hour)})
			if err != nil {
				t.Fatal(err)
			}
			want := filepath.ToSlash(file) + fmt.Sprintf(":%d", good+1)
			found := false
			for _, p := range rep.Problems {
				found = found || (p.Kind == Damaged && fmt.Sprintf("%s:%d", p.File, p.Line) == want)
			}
			if !found {
				t.Errorf("check does not name %s: %v", want, rep.Problems)
			}
			if _, err := repairDir(dir, CheckOptions{Now: day0.Add(72 * time.Hour)}); err != nil {
				t.Fatal(err)
			}
			if after, _ := os.ReadFile(path); string(after) != string(data) {
				t.Errorf("repaired file differs from the undamaged one")
			}
		})
	}
}
