package history

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/upchain-dev/upchain/prober/testlog"

	"github.com/upchain-dev/upchain/prober"
	"github.com/upchain-dev/upchain/prober/config"
)

func TestMain(m *testing.M) {
	// Tests must not depend on (or change) the developer's git config.
	os.Setenv("GIT_CONFIG_GLOBAL", os.DevNull)
	os.Setenv("GIT_CONFIG_NOSYSTEM", "1")
	if os.Getenv(runnerEnv) != "" {
		os.Exit(runnerMain())
	}
	if os.Getenv(repairHelperEnv) != "" {
		os.Exit(repairHelperMain())
	}
	os.Exit(m.Run())
}

// testConfig is what config.Load would return for an upchain.yml in dir
// with the given history section.
func testConfig(dir string, h config.History) *config.Loaded {
	cfg := &config.Config{Dir: dir, File: filepath.Join(dir, "upchain.yml"), History: h}
	cfg.Defaults.Interval = config.Duration(5 * time.Minute)
	return &config.Loaded{Config: cfg}
}

func sh(t testing.TB, dir string, args ...string) string {
	t.Helper()
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return strings.TrimSpace(string(out))
}

// userRepo makes a repository like the one a user keeps upchain.yml in,
// with one commit on main and, if remote is set, an origin.
func userRepo(t testing.TB, dir, remote string) {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	sh(t, dir, "init", "-q", "-b", "main")
	if err := os.WriteFile(filepath.Join(dir, "upchain.yml"), []byte("site: {title: t}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	sh(t, dir, "add", "-A")
	sh(t, dir, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q", "-m", "config")
	if remote != "" {
		sh(t, dir, "remote", "add", "origin", remote)
		sh(t, dir, "push", "-q", "origin", "main")
	}
}

// round builds the results of round i of a runner: three checks, one with
// two regions; values carry the runner and round so that every sample can
// be found again.
func round(runner string, i int, base time.Time) []prober.Result {
	t := base.Add(time.Duration(i) * 5 * time.Minute)
	v := func(c string) prober.Values {
		return prober.Values{"runner": runner, "round": strconv.Itoa(i), "height": strconv.Itoa(1000 + i)}
	}
	st := prober.Up
	if i%3 == 2 {
		st = prober.Down
	}
	return []prober.Result{
		result("alpha", "global", t, prober.Up, 40*time.Millisecond, v("alpha")),
		result("beta", "global", t.Add(time.Second), st, 120*time.Millisecond, v("beta")),
		result("beta", "eu", t.Add(2*time.Second), prober.Up, 80*time.Millisecond, v("beta")),
		result("gamma", "global", t.Add(3*time.Second), prober.Degraded, 3*time.Millisecond, v("gamma")),
	}
}

// samplesByKey maps "runner/round/check/region" to how often it occurs in
// the raw files of dir.
func samplesByKey(t testing.TB, dir string) map[string]int {
	t.Helper()
	s, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]int{}
	err = s.Samples(time.Time{}, time.Time{}, func(smp Sample) error {
		out[smp.Values["runner"]+"/"+smp.Values["round"]+"/"+smp.Check+"/"+smp.Region]++
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func wantRounds(t testing.TB, got map[string]int, runner string, rounds ...int) {
	t.Helper()
	for _, i := range rounds {
		for _, k := range []string{"alpha/global", "beta/global", "beta/eu", "gamma/global"} {
			key := fmt.Sprintf("%s/%d/%s", runner, i, k)
			if got[key] != 1 {
				t.Errorf("sample %s recorded %d times, want once", key, got[key])
			}
		}
	}
}

func TestRecorderStandalone(t *testing.T) {
	ctx := context.Background()
	cfgDir := t.TempDir()
	var log bytes.Buffer
	rec, err := OpenRecorder(ctx, testConfig(cfgDir, config.History{}), &log)
	if err != nil {
		t.Fatal(err)
	}
	defer rec.Close()
	if !strings.Contains(log.String(), "not in a git repository") || !strings.Contains(log.String(), "standalone") {
		t.Errorf("log does not say the history is standalone: %q", log.String())
	}
	histDir := filepath.Join(cfgDir, ".upchain", "history")
	if rec.Dir() != histDir {
		t.Errorf("dir %s, want %s", rec.Dir(), histDir)
	}
	for i := 0; i < 3; i++ {
		commit, err := rec.Record(ctx, round("a", i, day0))
		if err != nil {
			t.Fatal(err)
		}
		if len(commit) != 40 {
			t.Fatalf("round %d: commit %q", i, commit)
		}
	}
	if got := sh(t, histDir, "rev-list", "--count", "HEAD"); got != "4" {
		t.Errorf("%s commits, want 4 (start + 3 rounds)", got)
	}
	// Round 2 has beta down in global: the check is degraded.
	if msg := sh(t, histDir, "log", "-1", "--format=%s"); msg != "probe 2024-06-01 00:10Z: 1 up, 2 degraded, 0 down; changed: beta degraded" {
		t.Errorf("summary %q", msg)
	}
	if sh(t, histDir, "status", "--porcelain") != "" {
		t.Error("checkout not clean after recording")
	}
	wantRounds(t, samplesByKey(t, histDir), "a", 0, 1, 2)

	st := rec.State()
	rs := st.Get("beta", "global")
	if rs == nil || rs.Status != prober.Down || rs.ConsecutiveFailures != 1 || !rs.Since.Equal(day0.Add(10*time.Minute+time.Second)) {
		t.Fatalf("beta/global state %+v", rs)
	}
	if rec.Prev("alpha", "global")["round"] != "2" {
		t.Errorf("prev values %v", rec.Prev("alpha", "global"))
	}
	// The file holds no values; reading it fills them in from the samples.
	raw, _ := os.ReadFile(filepath.Join(histDir, StateFile))
	if bytes.Contains(raw, []byte(`"values"`)) {
		t.Error("state.json repeats the observed values")
	}
	s, _ := Open(histDir)
	loaded, err := s.State()
	if err != nil {
		t.Fatal(err)
	}
	if loaded.Get("alpha", "global").Values["round"] != "2" || loaded.Get("beta", "global").ConsecutiveFailures != 1 {
		t.Errorf("loaded state %+v", loaded.Get("alpha", "global"))
	}

	// A second process carries on from what is there.
	rec2, err := OpenRecorder(ctx, testConfig(cfgDir, config.History{}), &log)
	if err != nil {
		t.Fatal(err)
	}
	if rec2.State().Get("alpha", "global").ConsecutiveSuccesses != 3 {
		t.Errorf("reopened state %+v", rec2.State().Get("alpha", "global"))
	}
	if _, err := rec2.Record(ctx, round("a", 3, day0)); err != nil {
		t.Fatal(err)
	}
	if rec2.State().Get("alpha", "global").ConsecutiveSuccesses != 4 {
		t.Errorf("state after a round in a new process %+v", rec2.State().Get("alpha", "global"))
	}
}

func TestRecorderWorktreeAndRemote(t *testing.T) {
	ctx := context.Background()
	root := t.TempDir()
	bare := filepath.Join(root, "remote.git")
	sh(t, root, "init", "-q", "--bare", bare)
	a := filepath.Join(root, "a")
	userRepo(t, a, bare)

	var log bytes.Buffer
	rec, err := OpenRecorder(ctx, testConfig(a, config.History{}), &log)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(log.String(), "creating branch upchain-history") {
		t.Errorf("log %q", log.String())
	}
	commit, err := rec.Record(ctx, round("a", 0, day0))
	if err != nil {
		t.Fatal(err)
	}
	if got := sh(t, bare, "rev-parse", "refs/heads/upchain-history"); got != commit {
		t.Errorf("remote branch at %s, want the recorded commit %s", got, commit)
	}
	// The user's main worktree stays clean and on main.
	if st := sh(t, a, "status", "--porcelain"); st != "" {
		t.Errorf("main worktree not clean: %q", st)
	}
	if br := sh(t, a, "symbolic-ref", "--short", "HEAD"); br != "main" {
		t.Errorf("main worktree on %s", br)
	}
	// The history branch does not share history with main.
	if _, err := exec.Command("git", "-C", a, "merge-base", "main", "upchain-history").Output(); err == nil {
		t.Error("history branch shares history with main: want an orphan branch")
	}

	// A fresh shallow clone (what CI checks out) picks the branch up.
	b := filepath.Join(root, "b")
	sh(t, root, "clone", "-q", "--depth", "1", "file://"+bare, b)
	log.Reset()
	recB, err := OpenRecorder(ctx, testConfig(b, config.History{}), &log)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(log.String(), "checking out upchain-history from origin") {
		t.Errorf("log %q", log.String())
	}
	if got := recB.State().Get("alpha", "global"); got == nil || got.ConsecutiveSuccesses != 1 || got.Values["runner"] != "a" {
		t.Fatalf("B did not start from A's state: %+v", got)
	}
	if _, err := recB.Record(ctx, round("b", 1, day0)); err != nil {
		t.Fatal(err)
	}
	check := filepath.Join(root, "check")
	sh(t, root, "clone", "-q", "-b", "upchain-history", "file://"+bare, check)
	got := samplesByKey(t, check)
	wantRounds(t, got, "a", 0)
	wantRounds(t, got, "b", 1)

	// A's next round lands on top of B's (push rejected, re-applied with
	// its hook run again).
	log.Reset()
	var replays []bool
	hook := func(ctx context.Context, tx *Tx) error {
		replays = append(replays, tx.Replay)
		tx.AddMessage("hook ran")
		return os.WriteFile(filepath.Join(tx.Dir, "hook.txt"), []byte(tx.State.Get("alpha", "global").Status), 0o644)
	}
	if _, err := rec.Record(ctx, round("a", 2, day0), hook); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(log.String(), "push rejected") {
		t.Errorf("A's push was not rejected first? log %q", log.String())
	}
	if fmt.Sprint(replays) != "[false true]" {
		t.Errorf("hook runs (replay flags) %v, want [false true]", replays)
	}
	sh(t, check, "pull", "-q")
	if got := sh(t, check, "show", "HEAD:hook.txt"); got != "up" {
		t.Errorf("hook file %q", got)
	}
	if msg := sh(t, check, "log", "-1", "--format=%B"); !strings.HasSuffix(msg, "\n\nhook ran") || strings.Count(msg, "hook ran") != 1 {
		t.Errorf("message %q", msg)
	}
	got = samplesByKey(t, check)
	wantRounds(t, got, "a", 0, 2)
	wantRounds(t, got, "b", 1)
	if len(got) != 12 {
		t.Errorf("%d samples, want 12: %v", len(got), got)
	}
	s, _ := Open(check)
	st, _ := s.State()
	if rs := st.Get("alpha", "global"); rs.ConsecutiveSuccesses != 3 {
		t.Errorf("state counts %d successes, want 3 (one per round of either runner)", rs.ConsecutiveSuccesses)
	}
}

func TestRecorderStageFlush(t *testing.T) {
	ctx := context.Background()
	cfgDir := t.TempDir()
	rec, err := OpenRecorder(ctx, testConfig(cfgDir, config.History{}), nil)
	if err != nil {
		t.Fatal(err)
	}
	var replays []bool
	hook := func(ctx context.Context, tx *Tx) error {
		replays = append(replays, tx.Replay)
		tx.State.Checks["alpha"]["global"].Incident = "inc-1"
		tx.AddMessage("incident inc-1 opened")
		return os.WriteFile(filepath.Join(tx.Dir, "incident.txt"), []byte("open\n"), 0o644)
	}
	for i := 0; i < 3; i++ {
		if err := rec.Stage(ctx, round("a", i, day0), hook); err != nil {
			t.Fatal(err)
		}
	}
	if got := sh(t, rec.Dir(), "rev-list", "--count", "HEAD"); got != "1" {
		t.Fatalf("staging committed: %s commits", got)
	}
	if rec.State().Get("alpha", "global").ConsecutiveSuccesses != 3 {
		t.Error("staged rounds not in State")
	}
	commit, err := rec.Flush(ctx)
	if err != nil || commit == "" {
		t.Fatalf("flush: %q %v", commit, err)
	}
	if got := sh(t, rec.Dir(), "rev-list", "--count", "HEAD"); got != "2" {
		t.Fatalf("%s commits, want 2", got)
	}
	msg := sh(t, rec.Dir(), "log", "-1", "--format=%B")
	if !strings.HasPrefix(msg, "probe 3 rounds to 2024-06-01 00:10Z") || !strings.Contains(msg, "incident inc-1 opened") {
		t.Errorf("message %q", msg)
	}
	if fmt.Sprint(replays) != "[false false false]" {
		t.Errorf("hook replays %v: staging re-ran hooks of earlier rounds", replays)
	}
	if sh(t, rec.Dir(), "show", "HEAD:incident.txt") != "open" {
		t.Error("hook file not committed")
	}
	s, _ := Open(rec.Dir())
	st, _ := s.State()
	if st.Get("alpha", "global").Incident != "inc-1" {
		t.Error("hook's state change not written")
	}
	if c, err := rec.Flush(ctx); err != nil || c != "" {
		t.Errorf("empty flush: %q %v", c, err)
	}
}

// TestRecorderRecoversInterruptedRound simulates a process killed in the
// middle of a round: its round is spooled, the raw file was replaced but
// the state not, a temporary file and git's index.lock are left behind.
func TestRecorderRecoversInterruptedRound(t *testing.T) {
	ctx := context.Background()
	cfgDir := t.TempDir()
	rec, err := OpenRecorder(ctx, testConfig(cfgDir, config.History{}), nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := rec.Record(ctx, round("a", 0, day0)); err != nil {
		t.Fatal(err)
	}
	// The interrupted round 1, as stage() leaves it before committing.
	sp := spooled{ID: newRoundID(), Results: round("a", 1, day0)}
	data, _ := json.Marshal(sp)
	spoolName := fmt.Sprintf("%020d-%s.json", time.Now().UnixNano(), sp.ID)
	if err := os.WriteFile(filepath.Join(rec.repo.spoolDir(), spoolName), data, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := appendRound(rec.Dir(), sp.ID, samplesOf(sp.Results...)); err != nil {
		t.Fatal(err)
	}
	dir := rec.Dir()
	os.WriteFile(filepath.Join(dir, RawDir, tmpPrefix+"2024-06-01.txt-123"), []byte("12:00:00 half"), 0o644)
	gitDir := sh(t, dir, "rev-parse", "--absolute-git-dir")
	os.WriteFile(filepath.Join(gitDir, "index.lock"), nil, 0o644)

	// Readers are not disturbed by the leftovers.
	if got := samplesByKey(t, dir); got["a/1/alpha/global"] != 1 {
		t.Fatalf("reader: %v", got)
	}

	var log bytes.Buffer
	rec2, err := OpenRecorder(ctx, testConfig(cfgDir, config.History{}), &log)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(log.String(), "1 round(s) of an earlier run") {
		t.Errorf("log %q", log.String())
	}
	if rec2.State().Get("alpha", "global").ConsecutiveSuccesses != 2 {
		t.Errorf("recovered state %+v", rec2.State().Get("alpha", "global"))
	}
	if _, err := rec2.Record(ctx, round("a", 2, day0)); err != nil {
		t.Fatal(err)
	}
	wantRounds(t, samplesByKey(t, dir), "a", 0, 1, 2)
	if _, err := os.Stat(filepath.Join(dir, RawDir, tmpPrefix+"2024-06-01.txt-123")); err == nil {
		t.Error("temporary file left in the checkout")
	}
	if files, _ := os.ReadDir(rec2.repo.spoolDir()); len(files) != 0 {
		t.Errorf("spool not emptied: %v", files)
	}
	if sh(t, dir, "ls-files", RawDir) != "raw/2024-06-01.txt" {
		t.Errorf("tracked raw files: %s", sh(t, dir, "ls-files", RawDir))
	}

	// A round that did land but whose spool file survived (killed right
	// after the commit) is not recorded twice.
	if err := os.WriteFile(filepath.Join(rec2.repo.spoolDir(), spoolName), data, 0o644); err != nil {
		t.Fatal(err)
	}
	rec3, err := OpenRecorder(ctx, testConfig(cfgDir, config.History{}), nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := rec3.Record(ctx, round("a", 3, day0)); err != nil {
		t.Fatal(err)
	}
	wantRounds(t, samplesByKey(t, dir), "a", 0, 1, 2, 3)
}

func TestRecorderConfigProblems(t *testing.T) {
	cfg := testConfig(t.TempDir(), config.History{RawRetention: config.Duration(89 * 24 * time.Hour)})
	_, err := OpenRecorder(context.Background(), cfg, nil)
	if err == nil || !strings.Contains(err.Error(), "history.hourly_retention") {
		t.Fatalf("err %v, want one about history.hourly_retention", err)
	}
	cfg = testConfig(t.TempDir(), config.History{Branch: "bad..name"})
	if _, err = OpenRecorder(context.Background(), cfg, nil); err == nil || !strings.Contains(err.Error(), "history.branch") {
		t.Fatalf("err %v, want one about history.branch", err)
	}
	// A directory in the way that is not a checkout is not overwritten.
	dir := t.TempDir()
	os.MkdirAll(filepath.Join(dir, "hist"), 0o755)
	os.WriteFile(filepath.Join(dir, "hist", "notes.txt"), []byte("mine"), 0o644)
	if _, err = OpenRecorder(context.Background(), testConfig(dir, config.History{Dir: "hist"}), nil); err == nil || !strings.Contains(err.Error(), "not a git checkout") {
		t.Fatalf("err %v", err)
	}
}

// TestCheckoutAppearsBetweenLooks: a history another run creates after
// this run first looked is opened, not called foreign: a standalone
// repository renamed into place (CI saw TestTwoRunnersSameCheckout fail on
// exactly this) or a worktree of the user's repository.
func TestCheckoutAppearsBetweenLooks(t *testing.T) {
	for _, inUserRepo := range []bool{false, true} {
		t.Run(fmt.Sprintf("worktree=%v", inUserRepo), func(t *testing.T) {
			ctx := context.Background()
			cfgDir := t.TempDir()
			if inUserRepo {
				userRepo(t, cfgDir, "")
			}
			histDir := filepath.Join(cfgDir, ".upchain", "history")
			afterFirstLook = func() {
				afterFirstLook = func() {}
				if _, err := prepareRepo(ctx, cfgDir, histDir, "upchain-history", "origin", io.Discard); err != nil {
					t.Fatalf("the other run: %v", err)
				}
			}
			t.Cleanup(func() { afterFirstLook = func() {} })
			r, err := prepareRepo(ctx, cfgDir, histDir, "upchain-history", "origin", io.Discard)
			if err != nil {
				t.Fatal(err)
			}
			if n := sh(t, r.dir, "rev-list", "--count", "HEAD"); n != "1" {
				t.Errorf("%s commits, want the other run's single start commit", n)
			}
		})
	}
}

const runnerEnv = "UPCHAIN_HISTORY_TEST_RUNNER"

// runnerMain is a child process that records rounds like `upchain probe`
// does: open, record, exit, once per round. It prints "done N" after each
// round is committed and pushed.
func runnerMain() int {
	name := os.Getenv(runnerEnv)
	dir := os.Getenv("RUNNER_DIR")
	from, _ := strconv.Atoi(os.Getenv("RUNNER_FROM"))
	to, _ := strconv.Atoi(os.Getenv("RUNNER_TO"))
	ctx := context.Background()
	for i := from; i < to; i++ {
		rec, err := OpenRecorder(ctx, testConfig(dir, config.History{}), os.Stderr)
		if err != nil {
			fmt.Fprintln(os.Stderr, "open:", err)
			return 1
		}
		if _, err := rec.Record(ctx, round(name, i, day0)); err != nil {
			fmt.Fprintln(os.Stderr, "record:", err)
			return 1
		}
		fmt.Printf("done %d\n", i)
	}
	return 0
}

func startRunner(t *testing.T, name, dir string, from, to int) (*exec.Cmd, *testlog.Buffer, *testlog.Buffer) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), runnerEnv+"="+name, "RUNNER_DIR="+dir, "RUNNER_FROM="+strconv.Itoa(from), "RUNNER_TO="+strconv.Itoa(to))
	var out, errb testlog.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			cmd.Process.Kill()
			cmd.Wait()
		}
	})
	return cmd, &out, &errb
}

// TestTwoRunnersOneRemote runs two processes that record rounds at the same
// time into clones of one bare repository, as overlapping scheduled runs or
// two probe locations do: every sample of both must land exactly once.
func TestTwoRunnersOneRemote(t *testing.T) {
	root := t.TempDir()
	bare := filepath.Join(root, "remote.git")
	sh(t, root, "init", "-q", "--bare", bare)
	seed := filepath.Join(root, "seed")
	userRepo(t, seed, bare)
	const rounds = 12
	var wg sync.WaitGroup
	type run struct {
		cmd       *exec.Cmd
		out, errb *testlog.Buffer
	}
	runs := map[string]*run{}
	for _, name := range []string{"a", "b"} {
		dir := filepath.Join(root, name)
		sh(t, root, "clone", "-q", "--depth", "1", "file://"+bare, dir)
		cmd, out, errb := startRunner(t, name, dir, 0, rounds)
		runs[name] = &run{cmd, out, errb}
		wg.Add(1)
		go func() { defer wg.Done(); cmd.Wait() }()
	}
	wg.Wait()
	rejected := 0
	for name, r := range runs {
		if !r.cmd.ProcessState.Success() {
			t.Fatalf("runner %s failed: %s\n%s", name, r.cmd.ProcessState, r.errb)
		}
		rejected += strings.Count(r.errb.String(), "push rejected")
	}
	check := filepath.Join(root, "check")
	sh(t, root, "clone", "-q", "-b", "upchain-history", "file://"+bare, check)
	got := samplesByKey(t, check)
	all := make([]int, rounds)
	for i := range all {
		all[i] = i
	}
	wantRounds(t, got, "a", all...)
	wantRounds(t, got, "b", all...)
	if len(got) != 2*rounds*4 {
		t.Errorf("%d distinct samples, want %d", len(got), 2*rounds*4)
	}
	// One commit per round and runner, plus the branch's first commit
	// (one runner's first commit may have been replaced by the other's).
	if n := sh(t, check, "rev-list", "--count", "HEAD"); n != strconv.Itoa(2*rounds+1) {
		t.Errorf("%s commits, want %d", n, 2*rounds+1)
	}
	t.Logf("%d pushes were rejected and re-applied", rejected)
}

// TestKilledRunnerLeavesReadableHistory kills a runner at several moments
// in the middle of its rounds; the next run must read the history and
// carry on, with every round that was reported done present exactly once.
func TestKilledRunnerLeavesReadableHistory(t *testing.T) {
	root := t.TempDir()
	dir := filepath.Join(root, "cfg")
	os.MkdirAll(dir, 0o755)
	next := 0
	var reported []int
	for kill := 0; kill < 4; kill++ {
		cmd, out, _ := startRunner(t, "a", dir, next, next+50)
		// Let it get into a round, then kill it without warning.
		deadline := time.Now().Add(20 * time.Second)
		for !strings.Contains(out.String(), "done") && time.Now().Before(deadline) {
			time.Sleep(10 * time.Millisecond)
		}
		time.Sleep(time.Duration(kill*37) * time.Millisecond)
		cmd.Process.Kill()
		cmd.Wait()
		last := next - 1
		for _, line := range strings.Split(out.String(), "\n") {
			if n, ok := strings.CutPrefix(line, "done "); ok {
				i, _ := strconv.Atoi(n)
				reported = append(reported, i)
				last = i
			}
		}
		histDir := filepath.Join(dir, ".upchain", "history")
		got := samplesByKey(t, histDir) // readable right after the kill
		wantRounds(t, got, "a", reported...)
		for k, n := range got {
			if n != 1 {
				t.Errorf("%s recorded %d times", k, n)
			}
		}
		// The round in flight may or may not be recovered by the next run.
		next = last + 2
	}
	// A clean run afterwards commits whatever was left spooled and goes on.
	cmd, _, errb := startRunner(t, "a", dir, next, next+2)
	if err := cmd.Wait(); err != nil {
		t.Fatalf("run after kills: %v\n%s", err, errb)
	}
	histDir := filepath.Join(dir, ".upchain", "history")
	got := samplesByKey(t, histDir)
	for k, n := range got {
		if n != 1 {
			t.Errorf("%s recorded %d times", k, n)
		}
	}
	wantRounds(t, got, "a", next, next+1)
	if st := sh(t, histDir, "status", "--porcelain"); st != "" {
		t.Errorf("checkout not clean: %q", st)
	}
}

// TestRemoteFailures: a remote that never answers costs one deadline, a
// refused push keeps the round for the next run, and credentials in the
// remote's URL never appear in errors or logs.
func TestRemoteFailures(t *testing.T) {
	ctx := context.Background()
	root := t.TempDir()
	a := filepath.Join(root, "a")
	userRepo(t, a, "")
	// A server that accepts connections and never says a word.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			defer c.Close()
		}
	}()
	sh(t, a, "remote", "add", "origin", "http://bot:s3cr3t-token@"+ln.Addr().String()+"/x.git")
	old := networkTimeout
	networkTimeout = 2 * time.Second
	defer func() { networkTimeout = old }()

	var log bytes.Buffer
	start := time.Now()
	rec, err := OpenRecorder(ctx, testConfig(a, config.History{}), &log)
	if err != nil {
		t.Fatal(err)
	}
	_, err = rec.Record(ctx, round("a", 0, day0))
	if err == nil {
		t.Fatal("push to a silent remote succeeded")
	}
	if time.Since(start) > 2*time.Minute {
		t.Errorf("took %s: the deadline did not stop git", time.Since(start))
	}
	for _, s := range []string{err.Error(), log.String()} {
		if strings.Contains(s, "s3cr3t") {
			t.Errorf("credentials leaked: %s", s)
		}
	}
	if !strings.Contains(err.Error(), "next run pushes it") {
		t.Errorf("error does not say what happens next: %v", err)
	}
	// The round is committed locally and still spooled.
	files, _ := os.ReadDir(rec.repo.spoolDir())
	if len(files) != 1 {
		t.Errorf("%d spooled rounds, want 1", len(files))
	}
	wantRounds(t, samplesByKey(t, rec.Dir()), "a", 0)

	// Once the remote works, the next run pushes both rounds.
	bare := filepath.Join(root, "remote.git")
	sh(t, root, "init", "-q", "--bare", bare)
	sh(t, a, "remote", "set-url", "origin", bare)
	rec2, err := OpenRecorder(ctx, testConfig(a, config.History{}), &log)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := rec2.Record(ctx, round("a", 1, day0)); err != nil {
		t.Fatal(err)
	}
	check := filepath.Join(root, "check")
	sh(t, root, "clone", "-q", "-b", "upchain-history", "file://"+bare, check)
	got := samplesByKey(t, check)
	wantRounds(t, got, "a", 0, 1)
	if len(got) != 8 {
		t.Errorf("%d samples, want 8", len(got))
	}
}

func TestScrub(t *testing.T) {
	for in, want := range map[string]string{
		"fatal: unable to access 'https://x-access-token:ghs_abc@github.com/o/r.git/'": "fatal: unable to access 'https://***@github.com/o/r.git/'",
		"ssh://git@host/repo": "ssh://***@host/repo",
		"no url here":         "no url here",
	} {
		if got := scrub(in); got != want {
			t.Errorf("scrub(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestTwoRunnersSameCheckout: overlapping runs on one machine share the
// checkout (and create it at the same time), standalone and as a worktree
// of a repository with a remote.
func TestTwoRunnersSameCheckout(t *testing.T) {
	for _, withRemote := range []bool{false, true} {
		t.Run(fmt.Sprintf("remote=%v", withRemote), func(t *testing.T) {
			root := t.TempDir()
			dir := filepath.Join(root, "cfg")
			os.MkdirAll(dir, 0o755)
			if withRemote {
				bare := filepath.Join(root, "remote.git")
				sh(t, root, "init", "-q", "--bare", bare)
				userRepo(t, dir, bare)
			}
			const rounds = 8
			a, _, errA := startRunner(t, "a", dir, 0, rounds)
			b, _, errB := startRunner(t, "b", dir, 0, rounds)
			if err := a.Wait(); err != nil {
				t.Fatalf("runner a: %v\n%s", err, errA)
			}
			if err := b.Wait(); err != nil {
				t.Fatalf("runner b: %v\n%s", err, errB)
			}
			histDir := filepath.Join(dir, ".upchain", "history")
			if withRemote {
				histDir = filepath.Join(root, "check")
				sh(t, root, "clone", "-q", "-b", "upchain-history", "file://"+filepath.Join(root, "remote.git"), histDir)
			}
			got := samplesByKey(t, histDir)
			all := make([]int, rounds)
			for i := range all {
				all[i] = i
			}
			wantRounds(t, got, "a", all...)
			wantRounds(t, got, "b", all...)
			if n := sh(t, histDir, "rev-list", "--count", "HEAD"); n != strconv.Itoa(2*rounds+1) {
				t.Errorf("%s commits, want %d", n, 2*rounds+1)
			}
		})
	}
}

// TestRemoveStaleTemp: temporary files a killed run left in the spool are
// removed when a recorder opens; a young one (another runner's, being
// written) and spooled rounds are kept.
func TestRemoveStaleTemp(t *testing.T) {
	dir := t.TempDir()
	old := time.Now().Add(-2 * staleTempAge)
	files := map[string]time.Time{
		tmpPrefix + "round-1.json-123": old,
		tmpPrefix + "round-2.json-456": time.Now(),
		"20261201T120000-round.json":   old,
	}
	for name, mtime := range files {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte("{"), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.Chtimes(p, mtime, mtime); err != nil {
			t.Fatal(err)
		}
	}
	if n := removeStaleTemp(dir, time.Now().Add(-staleTempAge)); n != 1 {
		t.Errorf("removed %d files, want 1", n)
	}
	for name, want := range map[string]bool{tmpPrefix + "round-1.json-123": false, tmpPrefix + "round-2.json-456": true, "20261201T120000-round.json": true} {
		_, err := os.Stat(filepath.Join(dir, name))
		if (err == nil) != want {
			t.Errorf("%s: exists %v, want %v", name, err == nil, want)
		}
	}
}
