package history

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/upchain-dev/upchain/prober"
	"github.com/upchain-dev/upchain/prober/config"
)

// Hook runs while a round is written, after its samples are appended and
// its results folded into tx.State, before the commit. Hooks may write
// files under tx.Dir (they are committed with the round) and change
// tx.State. A hook must be idempotent: after a rejected push the round is
// re-applied on top of the other runner's history and its hooks run again
// (tx.Replay is then true).
type Hook func(ctx context.Context, tx *Tx) error

// Tx is what a hook sees of the round being written.
type Tx struct {
	// Dir is the root of the history checkout.
	Dir string
	// State is the state being written; it already includes Results.
	State *State
	// Results are the round's results.
	Results []prober.Result
	// Replay is true when the round is applied again (after a rejected
	// push, or recovered from an interrupted run).
	Replay bool
	msgs   *[]string
}

// AddMessage adds a line to the commit message (after the summary line).
func (tx *Tx) AddMessage(line string) {
	*tx.msgs = append(*tx.msgs, strings.TrimSpace(line))
}

// MaxPushAttempts bounds how often a rejected push is retried (after
// fetching and re-applying the rounds on the remote's tip).
const MaxPushAttempts = 10

// Recorder writes probe rounds into the history branch. Every round is
// first spooled to a file in the git directory, then applied to the
// checkout and committed; the spool file goes away only once the round is
// pushed (or committed, without a remote). A crash at any point therefore
// loses nothing: the next run resets the checkout and re-applies what is
// spooled, and the round id written with the samples keeps a round that
// did land from being recorded twice.
type Recorder struct {
	mu    sync.Mutex
	repo  *repo
	log   io.Writer
	ret   Retention
	capOf Cap
	// location names this runner on every round it records.
	location string
	quorumOf QuorumOf

	state *State
	hooks map[string][]Hook
	seen  map[string]bool
	// The checkout holds base + the spooled rounds in applied, as written
	// by this process; anything else means another process was here and
	// the checkout is rebuilt.
	base    string
	applied []string
	// For the commit message: rounds applied on base (not already landed)
	// and hook lines.
	rounds []prober.Result
	nround int
	msgs   []string
	closed bool
	// disk is what the state file in the checkout says (see saveState);
	// forced are entries a late round changed.
	disk   *State
	forced map[Key]bool
	// repair, when set, makes rebuild repair the checkout (see Repair);
	// repaired is what it removed.
	repair   *CheckOptions
	repaired *Report
	// last is the newest round applied: the marker once pushed (see
	// checkDiverged).
	last pushMarker
	// now is the clock rounds are judged by (nil: time.Now); see
	// FutureTolerance.
	now func() time.Time
}

func (r *Recorder) clock() time.Time {
	if r.now != nil {
		return r.now()
	}
	return time.Now()
}

// checkpointEvery bounds how old the state file may get: readers replay at
// most this much from the raw files.
const checkpointEvery = 12 * time.Hour

// OpenRecorder prepares the history checkout for cfg (see prepareRepo),
// brings it up to date with the remote, re-applies rounds left by an
// interrupted run, and loads the current state. Progress and warnings go
// to logw.
func OpenRecorder(ctx context.Context, cfg *config.Loaded, logw io.Writer) (*Recorder, error) {
	if logw == nil {
		logw = io.Discard
	}
	h := cfg.History.WithDefaults()
	if p := h.Problems(); len(p) > 0 {
		return nil, fmt.Errorf("%s: %s", cfg.File, strings.Join(p, "; "))
	}
	cfgDir, err := filepath.Abs(cfg.Dir)
	if err != nil {
		return nil, err
	}
	histDir := h.Path(cfgDir)
	repo, err := prepareRepo(ctx, cfgDir, histDir, h.Branch, h.Remote, logw)
	if err != nil {
		return nil, fmt.Errorf("history: %w", err)
	}
	r := &Recorder{repo: repo, log: logw, ret: Retention{Raw: h.RawRetention.D(), Hourly: h.HourlyRetention.D()},
		capOf: CapsFor(cfg), location: LocationOf(h.Location), quorumOf: QuorumsFor(cfg), hooks: map[string][]Hook{}, seen: map[string]bool{}}
	if err := repo.lock(ctx); err != nil {
		return nil, fmt.Errorf("history: %w", err)
	}
	defer repo.unlock()
	if repo.hasRemote && !repo.fetched {
		found, err := repo.fetch(ctx, repo.git)
		if err != nil {
			fmt.Fprintf(logw, "history: could not fetch %s from %s, continuing on the local copy: %v\n", repo.branch, repo.remote, err)
		} else if err := r.checkDiverged(ctx, !found); err != nil {
			return nil, fmt.Errorf("history: %w", err)
		}
	}
	base, err := r.chooseBase(ctx)
	if err == nil {
		err = r.rebuild(ctx, base)
	}
	if err != nil {
		return nil, fmt.Errorf("history: %w", err)
	}
	if n := len(r.applied); n > 0 {
		fmt.Fprintf(logw, "history: %d round(s) of an earlier run were not pushed yet: they go with this round\n", n)
	}
	if n := removeStaleTemp(r.repo.spoolDir(), time.Now().Add(-staleTempAge)); n > 0 {
		fmt.Fprintf(logw, "history: removed %d temporary file(s) a killed run left in the spool\n", n)
	}
	return r, nil
}

// LocationOf is the location a runner records as: the configured one, else
// DefaultLocation.
func LocationOf(configured string) string {
	if configured = strings.TrimSpace(configured); configured != "" {
		return configured
	}
	return DefaultLocation
}

// QuorumsFor returns each check's quorum: the check's quorum, else
// defaults.quorum, else 1; the window is 1.5 times the check's interval.
func QuorumsFor(cfg *config.Loaded) QuorumOf {
	m := map[string]Quorum{}
	for _, c := range cfg.Checks {
		n := cfg.Defaults.Quorum
		if c.Quorum > 0 {
			n = c.Quorum
		}
		iv := c.Interval.D()
		if iv <= 0 {
			iv = cfg.Defaults.Interval.D()
		}
		if iv <= 0 {
			iv = config.DefaultInterval
		}
		m[c.Slug] = Quorum{N: max(n, 1), Window: iv * 3 / 2}
	}
	return func(check string) Quorum {
		if q, ok := m[check]; ok {
			return q
		}
		return Quorum{N: 1}
	}
}

// Location is the location this recorder writes on its rounds.
func (r *Recorder) Location() string { return r.location }

// staleTempAge: a temporary file older than this was left by a killed
// run (a live writer renames its file within moments); younger ones may
// belong to another runner sharing the spool.
const staleTempAge = time.Hour

// removeStaleTemp removes the temporary files in dir last written before
// cutoff and returns how many it removed.
func removeStaleTemp(dir string, cutoff time.Time) int {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return 0
	}
	n := 0
	for _, e := range entries {
		if !strings.HasPrefix(e.Name(), tmpPrefix) || e.IsDir() {
			continue
		}
		if fi, err := e.Info(); err == nil && fi.ModTime().Before(cutoff) && os.Remove(filepath.Join(dir, e.Name())) == nil {
			n++
		}
	}
	return n
}

// CapsFor returns, per check, how long one sample may stand for: twice the
// check's interval (twice the default interval for checks no longer
// configured).
func CapsFor(cfg *config.Loaded) Cap {
	def := 2 * cfg.Defaults.Interval.D()
	if def <= 0 {
		def = 2 * config.DefaultInterval
	}
	m := map[string]time.Duration{}
	for _, c := range cfg.Checks {
		if c.Interval > 0 {
			m[c.Slug] = 2 * c.Interval.D()
		}
	}
	return func(check string) time.Duration {
		if d, ok := m[check]; ok {
			return d
		}
		return def
	}
}

// Dir is the history checkout (for Open and for hooks).
func (r *Recorder) Dir() string { return r.repo.dir }

// State returns a copy of the current state, including rounds staged but
// not yet committed.
func (r *Recorder) State() *State {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.state.Clone()
}

// Prev returns the values last observed for check in region, the shape
// prober.Runner.Prev wants.
func (r *Recorder) Prev(check, region string) prober.Values {
	r.mu.Lock()
	defer r.mu.Unlock()
	if rs := r.state.Get(check, region); rs != nil {
		return rs.Values
	}
	return nil
}

// Record writes one round: samples appended, state updated, hooks run,
// one commit, pushed when the remote exists (re-applied on the remote's
// tip and retried when the push is rejected). It returns the commit.
func (r *Recorder) Record(ctx context.Context, results []prober.Result, hooks ...Hook) (string, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if err := r.begin(ctx); err != nil {
		return "", err
	}
	defer r.repo.unlock()
	if err := r.stage(ctx, results, hooks); err != nil {
		return "", err
	}
	return r.commitAndPush(ctx)
}

// Stage applies a round to the checkout and spools it, without
// committing: the daemon stages every round and flushes on a timer. A
// staged round survives a crash (the next run commits it).
func (r *Recorder) Stage(ctx context.Context, results []prober.Result, hooks ...Hook) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if err := r.begin(ctx); err != nil {
		return err
	}
	defer r.repo.unlock()
	return r.stage(ctx, results, hooks)
}

// Flush commits and pushes everything staged, as one commit. It returns the
// commit, or "" when there was nothing to commit.
func (r *Recorder) Flush(ctx context.Context) (string, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if err := r.begin(ctx); err != nil {
		return "", err
	}
	defer r.repo.unlock()
	return r.commitAndPush(ctx)
}

// Close releases the recorder. Staged rounds not flushed stay spooled and
// are committed by the next run.
func (r *Recorder) Close() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.closed = true
	return nil
}

func (r *Recorder) begin(ctx context.Context) error {
	if r.closed {
		return errors.New("history: recorder is closed")
	}
	if err := r.repo.lock(ctx); err != nil {
		return fmt.Errorf("history: %w", err)
	}
	return nil
}

// spooled is a round waiting to be pushed.
type spooled struct {
	ID string `json:"id"`
	// Location of the runner; empty in spool files of older versions.
	Location string          `json:"location,omitempty"`
	Results  []prober.Result `json:"results"`
}

func (r *Recorder) spoolFiles() ([]string, error) {
	entries, err := os.ReadDir(r.repo.spoolDir())
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var out []string
	for _, e := range entries {
		if n := e.Name(); strings.HasSuffix(n, ".json") && !strings.HasPrefix(n, tmpPrefix) {
			out = append(out, n)
		}
	}
	sort.Strings(out) // names start with a fixed-width time
	return out, nil
}

func (r *Recorder) readSpool(name string) (spooled, error) {
	var s spooled
	data, err := os.ReadFile(filepath.Join(r.repo.spoolDir(), name))
	if err != nil {
		return s, err
	}
	if err := json.Unmarshal(data, &s); err != nil {
		return s, fmt.Errorf("spooled round %s: %v", filepath.Join(r.repo.spoolDir(), name), err)
	}
	return s, nil
}

func (r *Recorder) stage(ctx context.Context, results []prober.Result, hooks []Hook) error {
	if len(results) == 0 {
		return nil
	}
	inSync, err := r.inSync(ctx)
	if err != nil {
		return err
	}
	// Samples keep whole seconds; so does the state, so that what readers
	// replay from the samples matches it exactly.
	results = slices.Clone(results)
	for i := range results {
		results[i].Time = results[i].Time.UTC().Truncate(time.Second)
	}
	sp := spooled{ID: newRoundID(), Location: r.location, Results: results}
	data, err := json.Marshal(sp)
	if err != nil {
		return err
	}
	name := fmt.Sprintf("%020d-%s.json", time.Now().UnixNano(), sp.ID)
	if err := writeFileAtomic(filepath.Join(r.repo.spoolDir(), name), data); err != nil {
		return fmt.Errorf("history: spool round: %w", err)
	}
	// Round-trip through JSON so that a first application and a replay
	// see exactly the same results.
	if err := json.Unmarshal(data, &sp); err != nil {
		return err
	}
	r.hooks[sp.ID] = hooks
	if !inSync {
		return r.rebuild(ctx, "HEAD")
	}
	st := r.state
	if err := r.applyRound(ctx, st, sp); err != nil {
		return err
	}
	r.applied = append(r.applied, name)
	return r.finish(st)
}

// inSync reports whether the checkout is exactly what this process left:
// the same commit with the same spooled rounds applied.
func (r *Recorder) inSync(ctx context.Context) (bool, error) {
	if r.base == "" {
		return false, nil
	}
	head, err := r.repo.git.out(ctx, "rev-parse", "HEAD")
	if err != nil {
		return false, err
	}
	files, err := r.spoolFiles()
	if err != nil {
		return false, err
	}
	return head == r.base && strings.Join(files, "\n") == strings.Join(r.applied, "\n"), nil
}

// rebuild resets the checkout to base and applies every spooled round on
// it (rounds already present in base are recognised by their id and
// skipped).
func (r *Recorder) rebuild(ctx context.Context, base string) error {
	g := r.repo.git
	if err := removeStaleIndexLock(ctx, g); err != nil {
		return err
	}
	if _, err := g.out(ctx, "reset", "-q", "--hard", base); err != nil {
		return err
	}
	if _, err := g.out(ctx, "clean", "-q", "-f", "-d", "-x"); err != nil {
		return err
	}
	if err := r.runRepair(); err != nil {
		return err
	}
	head, err := g.out(ctx, "rev-parse", "HEAD")
	if err != nil {
		return err
	}
	file, corrupt, err := readStateFile(r.repo.dir)
	if err != nil {
		return err
	}
	r.disk, r.forced = file, map[Key]bool{}
	if _, err := os.Stat(filepath.Join(r.repo.dir, StateFile)); err != nil || corrupt {
		r.disk = nil // written in full with the next round
	}
	st, err := loadState(r.repo.dir, r.clock().Add(FutureTolerance))
	if err != nil {
		return err
	}
	r.base, r.applied, r.rounds, r.nround, r.msgs = head, nil, nil, 0, nil
	files, err := r.spoolFiles()
	if err != nil {
		return err
	}
	for _, name := range files {
		sp, err := r.readSpool(name)
		if err != nil {
			// A spool file is written atomically; an unreadable one was
			// damaged outside upchain. Keep it for a person to look at.
			fmt.Fprintf(r.log, "history: skipping %v\n", err)
			continue
		}
		if err := r.applyRound(ctx, st, sp); err != nil {
			return err
		}
		r.applied = append(r.applied, name)
	}
	return r.finish(st)
}

// removeStaleIndexLock removes an index.lock left by a git process killed
// mid-command. It is only called under the recorder's lock, so no other
// upchain process is using this checkout.
func removeStaleIndexLock(ctx context.Context, g *git) error {
	p, err := g.out(ctx, "rev-parse", "--git-path", "index.lock")
	if err != nil {
		return err
	}
	if !filepath.IsAbs(p) {
		p = filepath.Join(g.dir, p)
	}
	if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	return nil
}

// applyRound appends a round's samples, folds it into st and runs its
// hooks, unless the round is already in the files.
func (r *Recorder) applyRound(ctx context.Context, st *State, sp spooled) error {
	samples := make([]Sample, 0, len(sp.Results))
	for _, res := range sp.Results {
		samples = append(samples, FromResult(res, sp.Location))
	}
	out, err := appendRound(r.repo.dir, sp.ID, samples)
	if err != nil {
		return err
	}
	if out.landed {
		return nil
	}
	if out.dropped > 0 {
		fmt.Fprintf(r.log, "history: round %s: dropped %d sample(s) of days already rolled up\n", sp.ID, out.dropped)
	}
	// Samples keep what this location saw; state and hooks get the status
	// decided across locations.
	results := st.Decide(sp.Location, sp.Results, r.quorumOf)
	if n := st.applyAt(results, r.clock().Add(FutureTolerance)); n > 0 {
		slog.Warn("history: round dated in the future (is this machine's clock ahead?): its samples are recorded, the current state does not move ahead to them",
			"round", sp.ID, "results", n, "time", sp.Results[0].Time.UTC().Format(time.RFC3339), "clock", r.clock().UTC().Format(time.RFC3339))
	}
	// Round marks where readers resume replaying: the last round of the
	// newest raw file. A late round that went only into older files leaves
	// it; any late samples force the state file to be written (replay
	// would not see them).
	if out.newest {
		st.Round = sp.ID
	}
	if out.earlier {
		if r.forced == nil {
			r.forced = map[Key]bool{}
		}
		for _, res := range sp.Results {
			r.forced[Key{res.Check, res.Region}] = true
		}
	}
	r.last = pushMarker{sp.ID, dayOf(sp.Results[len(sp.Results)-1].Time)}
	tx := &Tx{Dir: r.repo.dir, State: st, Results: results, Replay: r.seen[sp.ID], msgs: &r.msgs}
	r.seen[sp.ID] = true
	for _, h := range r.hooks[sp.ID] {
		if err := h(ctx, tx); err != nil {
			return fmt.Errorf("history: round %s: %w", sp.ID, err)
		}
	}
	r.rounds = results
	r.nround++
	return nil
}

// finish rolls up and prunes, writes the state and keeps the README current.
func (r *Recorder) finish(st *State) error {
	if !st.Updated.IsZero() {
		if err := maintain(r.repo.dir, st.Updated, r.ret, r.capOf); err != nil {
			return err
		}
	}
	if err := r.saveState(st); err != nil {
		return err
	}
	readme := filepath.Join(r.repo.dir, Readme)
	if old, err := os.ReadFile(readme); err != nil || string(old) != FormatDoc {
		if err := writeFileAtomic(readme, []byte(FormatDoc)); err != nil {
			return err
		}
	}
	r.state = st
	return nil
}

// saveState keeps the state file a cheap checkpoint. An entry is rewritten
// only when more than its counts, times and values changed, when a late
// round changed it, or when it is checkpointEvery old; the entry then
// names the newest round (st.Round) and readers replay the rounds after it
// (Store.State). Steady rounds thus leave the file alone and a round's
// commit is its sample lines; a status change rewrites one entry.
func (r *Recorder) saveState(st *State) error {
	disk := r.disk
	changed := disk == nil
	if disk == nil {
		disk = &State{Checks: map[string]map[string]*RegionState{}}
	}
	for c, regions := range st.Checks {
		for name, rs := range regions {
			d := disk.Get(c, name)
			if d != nil && !r.forced[Key{c, name}] && regionSig(d) == regionSig(rs) && rs.Last.Sub(d.Last) < checkpointEvery {
				continue
			}
			x := *rs
			x.Values, x.Round, x.Locations = nil, st.Round, cloneSeen(rs.Locations)
			if disk.Checks[c] == nil {
				disk.Checks[c] = map[string]*RegionState{}
			}
			disk.Checks[c][name] = &x
			changed = true
		}
	}
	r.forced = map[Key]bool{}
	if !changed {
		return nil
	}
	disk.Updated, disk.Round = st.Updated, st.Round
	disk.Locations = st.Clone().Locations
	if err := writeState(r.repo.dir, disk); err != nil {
		return err
	}
	r.disk = disk
	return nil
}

// commitAndPush commits the checkout if it changed and pushes; a rejected
// push is answered by fetching, rebuilding on the remote's tip and trying
// again, at most MaxPushAttempts times.
func (r *Recorder) commitAndPush(ctx context.Context) (string, error) {
	for attempt := 1; ; attempt++ {
		inSync, err := r.inSync(ctx)
		if err != nil {
			return "", err
		}
		if !inSync {
			if err := r.rebuild(ctx, "HEAD"); err != nil {
				return "", err
			}
		}
		commit, changed, err := r.commit(ctx)
		if err != nil {
			return "", err
		}
		done := r.applied
		if !r.repo.hasRemote {
			r.committed(commit, done)
			return ifChanged(commit, changed), nil
		}
		if !changed && len(done) == 0 {
			if remote, err := r.repo.git.out(ctx, "rev-parse", "-q", "--verify", r.repo.remoteRef()); err == nil && remote == commit {
				return "", nil // nothing new, nothing unpushed
			}
		}
		err = r.push(ctx)
		if err == nil {
			if err := r.repo.writeMarker(r.last); err != nil {
				fmt.Fprintf(r.log, "history: %v\n", err)
			}
			r.committed(commit, done)
			return commit, nil
		}
		if !isRejected(err) {
			return commit, fmt.Errorf("history: committed %s locally but could not push it (the next run pushes it): %w", short(commit), r.repo.explainPush(err))
		}
		if attempt >= MaxPushAttempts {
			return commit, fmt.Errorf("history: push rejected %d times (another runner keeps pushing); committed %s locally, the next run retries: %w", attempt, short(commit), err)
		}
		// Jitter spreads runners that collided.
		wait := time.Duration(50+rand.IntN(200*attempt)) * time.Millisecond
		select {
		case <-ctx.Done():
			return commit, ctx.Err()
		case <-time.After(wait):
		}
		found, err := r.repo.fetch(ctx, r.repo.git)
		if err != nil {
			return commit, fmt.Errorf("history: push rejected and fetch failed: %w", err)
		}
		if err := r.checkDiverged(ctx, !found); err != nil {
			return commit, fmt.Errorf("history: %w", err)
		}
		base, err := r.chooseBase(ctx)
		if err != nil {
			return commit, err
		}
		fmt.Fprintf(r.log, "history: push rejected (another runner pushed first): re-applying %d round(s) on %s\n", len(r.applied), short(base))
		if err := r.rebuild(ctx, base); err != nil {
			return commit, err
		}
	}
}

func short(c string) string {
	if len(c) > 12 {
		return c[:12]
	}
	return c
}

// committed forgets the rounds that are now safely stored.
func (r *Recorder) committed(commit string, names []string) {
	for _, n := range names {
		if err := os.Remove(filepath.Join(r.repo.spoolDir(), n)); err != nil && !errors.Is(err, fs.ErrNotExist) {
			fmt.Fprintf(r.log, "history: %v\n", err)
		}
		id := strings.TrimSuffix(n[strings.LastIndexByte(n, '-')+1:], ".json")
		delete(r.hooks, id)
		delete(r.seen, id)
	}
	r.base, r.applied, r.rounds, r.nround, r.msgs = commit, nil, nil, 0, nil
}

// chooseBase picks the commit to build on: the local branch when it
// contains the remote's tip (nothing new there), else the remote's tip.
func (r *Recorder) chooseBase(ctx context.Context) (string, error) {
	g := r.repo.git
	head, err := g.out(ctx, "rev-parse", "HEAD")
	if err != nil {
		return "", err
	}
	if !r.repo.hasRemote || !exists(ctx, g, r.repo.remoteRef()) {
		return head, nil
	}
	remote, err := g.out(ctx, "rev-parse", r.repo.remoteRef())
	if err != nil {
		return "", err
	}
	if remote == head {
		return head, nil
	}
	if _, err := g.out(ctx, "merge-base", "--is-ancestor", remote, head); err == nil {
		return head, nil // local is ahead: push will fast-forward
	}
	// Behind or diverged (or unknown in a shallow clone): take the
	// remote's history; our rounds are in the spool.
	return remote, nil
}

// commit commits the checkout if anything changed and returns HEAD.
func (r *Recorder) commit(ctx context.Context) (head string, changed bool, err error) {
	g := r.repo.git
	if _, err := g.out(ctx, "add", "-A"); err != nil {
		return "", false, err
	}
	if _, err := g.out(ctx, "diff", "--cached", "--quiet"); err != nil {
		if exitCode(err) != 1 {
			return "", false, err
		}
		msg := r.message(ctx)
		if _, err := g.run(ctx, localTimeout, []byte(msg), "commit", "-q", "--no-verify", "-F", "-"); err != nil {
			return "", false, err
		}
		changed = true
	}
	head, err = g.out(ctx, "rev-parse", "HEAD")
	return head, changed, err
}

func ifChanged(commit string, changed bool) string {
	if changed {
		return commit
	}
	return ""
}

// message is the commit message: one summary line, then hook lines.
func (r *Recorder) message(ctx context.Context) string {
	before := &State{}
	if data, err := r.repo.git.run(ctx, localTimeout, nil, "show", "HEAD:"+StateFile); err == nil {
		_ = json.Unmarshal([]byte(data), before)
	}
	line := summary(r.nround, r.rounds, before, r.state)
	if rs := r.repairSummary(); rs != "" {
		if r.nround > 0 {
			rs += "\nwith " + line + "\n"
		}
		line = strings.TrimRight(rs, "\n")
	}
	if len(r.msgs) > 0 {
		line += "\n\n" + strings.Join(r.msgs, "\n")
	}
	return line + "\n"
}

// summary is e.g. "probe 2024-06-01 12:05Z: 48 up, 1 degraded, 1 down;
// changed: eth-rpc down, cosmos-rpc up".
func summary(rounds int, last []prober.Result, before, after *State) string {
	if rounds == 0 {
		return "history: maintenance"
	}
	var t time.Time
	for _, res := range last {
		if res.Time.After(t) {
			t = res.Time
		}
	}
	counts := map[prober.Status]int{}
	for _, c := range prober.ByCheck(last) {
		counts[c.Status]++
	}
	s := "probe " + t.UTC().Format("2006-01-02 15:04Z")
	if rounds > 1 {
		s = fmt.Sprintf("probe %d rounds to %s", rounds, t.UTC().Format("2006-01-02 15:04Z"))
	}
	s += fmt.Sprintf(": %d up, %d degraded, %d down", counts[prober.Up], counts[prober.Degraded], counts[prober.Down])
	var changed []string
	for _, c := range sortedChecks(after) {
		now := after.CheckStatus(c)
		if was := before.CheckStatus(c); was != now {
			changed = append(changed, c+" "+string(now))
		}
	}
	if len(changed) > 0 {
		const show = 5
		if len(changed) > show {
			changed = append(changed[:show], fmt.Sprintf("+%d more", len(changed)-show))
		}
		s += "; changed: " + strings.Join(changed, ", ")
	}
	return s
}

func sortedChecks(st *State) []string {
	out := make([]string, 0, len(st.Checks))
	for c := range st.Checks {
		out = append(out, c)
	}
	sort.Strings(out)
	return out
}

// push pushes HEAD to the remote branch.
func (r *Recorder) push(ctx context.Context) error {
	_, err := r.repo.git.run(ctx, networkTimeout, nil, "push", "--porcelain", "--no-verify", r.repo.remote, "HEAD:refs/heads/"+r.repo.branch)
	return err
}

// isRejected tells a push refused because the remote moved (retry on its
// tip) from other failures (network, permissions).
func isRejected(err error) bool {
	out := gitOutput(err)
	for _, s := range []string{"[rejected]", "non-fast-forward", "fetch first", "cannot lock ref", "failed to update ref", "incorrect old value"} {
		if strings.Contains(out, s) {
			return true
		}
	}
	return false
}
