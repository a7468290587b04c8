package history

import (
	"bytes"
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/upchain-dev/upchain/prober/config"
	"github.com/upchain-dev/upchain/prober/testlog"
)

// captureSlog sends the default slog logger to a buffer for the test.
func captureSlog(t *testing.T) *testlog.Buffer {
	t.Helper()
	var buf testlog.Buffer
	old := slog.Default()
	slog.SetDefault(slog.New(slog.NewTextHandler(&buf, nil)))
	t.Cleanup(func() { slog.SetDefault(old) })
	return &buf
}

// recorded makes a standalone history with rounds 0..n-1 of runner "a"
// and returns the config dir and the history dir.
func recorded(t *testing.T, n int) (cfgDir, histDir string) {
	t.Helper()
	ctx := context.Background()
	cfgDir = t.TempDir()
	rec, err := OpenRecorder(ctx, testConfig(cfgDir, config.History{}), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer rec.Close()
	for i := 0; i < n; i++ {
		if _, err := rec.Record(ctx, round("a", i, day0)); err != nil {
			t.Fatal(err)
		}
	}
	return cfgDir, rec.Dir()
}

// commitDamage edits a file of the history with edit and commits it, as a
// hand edit pushed by a person would arrive.
func commitDamage(t *testing.T, histDir, file string, edit func([]byte) []byte) {
	t.Helper()
	path := filepath.Join(histDir, file)
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, edit(data), 0o644); err != nil {
		t.Fatal(err)
	}
	sh(t, histDir, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q", "-am", "hand edit")
}

// insertAfter inserts text after line n (1-based) of data.
func insertAfter(n int, text string) func([]byte) []byte {
	return func(data []byte) []byte {
		lines := strings.SplitAfter(string(data), "\n")
		return []byte(strings.Join(lines[:n], "") + text + strings.Join(lines[n:], ""))
	}
}

func lineCount(data []byte) int { return bytes.Count(data, []byte{'\n'}) }

// TestDamageNeverStopsMonitoring feeds each kind of damage into the real
// git history: every reader goes on, the recorder records the next round,
// history check names the line, and a repair commit makes the check clean
// with every good sample kept.
func TestDamageNeverStopsMonitoring(t *testing.T) {
	rawFile := filepath.Join(RawDir, "2024-06-01.txt")
	tests := []struct {
		name string
		file string
		// edit damages the file; line is the damaged line check must name
		// (0: none), kind what it must call it.
		edit    func([]byte) []byte
		line    int
		kind    ProblemKind
		skipped bool // readers skip (and count) a line
		hidden  string
	}{
		{name: "merge conflict markers", file: rawFile, edit: insertAfter(6, "<<<<<<< HEAD\n=======\n>>>>>>> other\n"), line: 7, kind: Damaged, skipped: true},
		{name: "truncated last line", file: rawFile, edit: func(b []byte) []byte { return append(b, "00:20:01 alpha glo"...) }, line: -1, kind: Damaged, skipped: true},
		{name: "stray bytes", file: rawFile, edit: insertAfter(5, "\x00\xff\xfe\x01 junk\n"), line: 6, kind: Damaged, skipped: true},
		{name: "bad status", file: rawFile, edit: insertAfter(5, "00:01:00 alpha global sideways 200 - 12\n"), line: 6, kind: Damaged, skipped: true},
		{name: "garbled header", file: rawFile, edit: func(b []byte) []byte { return append([]byte("<<<<<<< HEAD\n"), b[bytes.IndexByte(b, '\n')+1:]...) }, line: 1, kind: Damaged, skipped: true},
		{name: "secret in a damaged line", file: rawFile, edit: insertAfter(5, "see https://bob:hunter2@rpc.example/x\n"), line: 6, kind: Damaged, skipped: true, hidden: "hunter2"},
		{name: "duplicate round", file: rawFile, edit: func(b []byte) []byte {
			lines := strings.SplitAfter(string(b), "\n")
			// Lines 5-9 are round 0 (after the four header lines): its
			// marker and four samples.
			return []byte(strings.Join(lines[:len(lines)-1], "") + strings.Join(lines[4:9], "") + lines[len(lines)-1])
		}, line: -5, kind: DuplicateRound},
		{name: "corrupt state file", file: StateFile, edit: func(b []byte) []byte { return append([]byte("<<<<<<< HEAD\n"), b...) }, kind: CorruptState, skipped: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			logs := captureSlog(t)
			cfgDir, histDir := recorded(t, 3)
			commitDamage(t, histDir, tt.file, tt.edit)
			data, _ := os.ReadFile(filepath.Join(histDir, tt.file))
			want := tt.line
			if want < 0 {
				want = lineCount(data) + 1 + tt.line // counted from the end
				if tt.line == -1 {
					want = lineCount(data) + 1
				}
			}
			before := Skipped()

			// Every reader goes on.
			s, err := Open(histDir)
			if err != nil {
				t.Fatal(err)
			}
			st, err := s.State()
			if err != nil {
				t.Fatalf("State: %v", err)
			}
			if rs := st.Get("beta", "global"); rs == nil || rs.Status != "down" {
				t.Errorf("beta/global state after damage: %+v", rs)
			}
			if _, err := s.Points(time.Time{}, time.Time{}); err != nil {
				t.Fatalf("Points: %v", err)
			}
			if tt.kind != DuplicateRound {
				wantRounds(t, samplesByKey(t, histDir), "a", 0, 1, 2)
			}
			if tt.skipped && Skipped() <= before {
				t.Errorf("Skipped() did not grow (%d)", Skipped())
			}
			if tt.skipped && !strings.Contains(logs.String(), filepath.Join(histDir, tt.file)) {
				t.Errorf("no warning names %s:\n%s", tt.file, logs)
			}
			if tt.hidden != "" && strings.Contains(logs.String(), tt.hidden) {
				t.Errorf("warning shows the secret: %s", logs)
			}

			// history check names the line.
			rep, err := Check(histDir, CheckOptions{Now: day0.Add(time.Hour)})
			if err != nil {
				t.Fatal(err)
			}
			found := false
			for _, p := range rep.Problems {
				if p.Kind == tt.kind && p.File == filepath.ToSlash(tt.file) && (tt.line == 0 || p.Line == want) {
					found = true
				}
				if tt.hidden != "" && strings.Contains(p.String(), tt.hidden) {
					t.Errorf("report shows the secret: %s", p)
				}
			}
			if !found {
				t.Errorf("check does not report %s at %s:%d: %v", tt.kind, tt.file, want, rep.Problems)
			}

			// The recorder records the next round.
			rec, err := OpenRecorder(ctx, testConfig(cfgDir, config.History{}), nil)
			if err != nil {
				t.Fatalf("OpenRecorder: %v", err)
			}
			if _, err := rec.Record(ctx, round("a", 3, day0)); err != nil {
				t.Fatalf("Record: %v", err)
			}
			if rs := rec.State().Get("alpha", "global"); rs == nil || rs.ConsecutiveSuccesses < 2 {
				t.Errorf("alpha/global after damage and a round: %+v", rs)
			}

			if tt.kind == CorruptState {
				// The round rewrote the state file in full; damage it
				// again for the repair.
				commitDamage(t, histDir, tt.file, tt.edit)
			}

			// A repair commit makes the check clean and keeps every good
			// sample exactly once.
			rep2, commit, err := rec.Repair(ctx, CheckOptions{Now: day0.Add(time.Hour)})
			if err != nil {
				t.Fatalf("Repair: %v", err)
			}
			if commit == "" || rep2.Damage() == 0 {
				t.Fatalf("repair made no commit (%q, %d)", commit, rep2.Damage())
			}
			msg := sh(t, histDir, "log", "-1", "--format=%B")
			if !strings.HasPrefix(msg, "history: repair: removed") || !strings.Contains(msg, filepath.ToSlash(tt.file)) {
				t.Errorf("repair commit message %q", msg)
			}
			after, err := Check(histDir, CheckOptions{Now: day0.Add(time.Hour)})
			if err != nil {
				t.Fatal(err)
			}
			if after.Damage() != 0 {
				t.Errorf("still damaged after repair: %v", after.Problems)
			}
			got := samplesByKey(t, histDir)
			wantRounds(t, got, "a", 0, 1, 2, 3)
			if len(got) != 16 {
				t.Errorf("%d distinct samples after repair, want 16", len(got))
			}
			if st := sh(t, histDir, "status", "--porcelain"); st != "" {
				t.Errorf("checkout not clean after repair: %q", st)
			}
			if _, commit, err := rec.Repair(ctx, CheckOptions{Now: day0.Add(time.Hour)}); err != nil || commit != "" {
				t.Errorf("second repair: commit %q, %v; want nothing to do", commit, err)
			}
		})
	}
}

// TestDamagedLineRedacted: a secret in a damaged line reaches neither the
// warning nor the check report, also where the parse error quotes it.
func TestDamagedLineRedacted(t *testing.T) {
	logs := captureSlog(t)
	SetRedactor(func(s string) string { return strings.ReplaceAll(s, "hunter2", "[redacted]") })
	t.Cleanup(func() { SetRedactor(nil) })
	dir := t.TempDir()
	os.MkdirAll(filepath.Join(dir, RawDir), 0o755)
	raw := rawHeader(day0) + "00:01:00 alpha global hunter2 200 - 12\n00:02:00 alpha global up 200 - 12\n"
	if err := os.WriteFile(rawPath(dir, day0), []byte(raw), 0o644); err != nil {
		t.Fatal(err)
	}
	s, _ := Open(dir)
	pts, err := s.Points(time.Time{}, time.Time{})
	if err != nil || len(pts[Key{"alpha", "global"}]) != 1 {
		t.Fatalf("points %v, %v: want the one good sample", pts, err)
	}
	rep, err := Check(dir, CheckOptions{Now: day0})
	if err != nil || rep.Counts[Damaged] != 1 {
		t.Fatalf("check: %v %v", rep, err)
	}
	var text strings.Builder
	for _, p := range rep.Problems {
		text.WriteString(p.String() + "\n")
	}
	for where, s := range map[string]string{"warning": logs.String(), "report": text.String()} {
		if strings.Contains(s, "hunter2") || !strings.Contains(s, "[redacted]") {
			t.Errorf("%s not redacted:\n%s", where, s)
		}
	}
}
