package history

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// repairDir rewrites the files of the history at dir without the damage
// Check finds: damaged lines and duplicate rounds go, a garbled header
// becomes a version header again, a corrupt state file is rebuilt from the
// raw samples. Every file is replaced atomically, so a kill in the middle
// leaves each file either old or repaired; the recorder resets the
// checkout to its last commit before doing anything else, so an
// interrupted repair is simply not there.
func repairDir(dir string, opt CheckOptions) (*Report, error) {
	rep, err := Check(dir, opt)
	if err != nil {
		return nil, err
	}
	files := make([]string, 0, len(rep.drop))
	for f := range rep.drop {
		files = append(files, f)
	}
	sort.Strings(files)
	for _, rel := range files {
		path := filepath.Join(dir, filepath.FromSlash(rel))
		data, err := os.ReadFile(path)
		if err != nil {
			return nil, err
		}
		drop := rep.drop[rel]
		out := make([]byte, 0, len(data))
		if h, ok := rep.header[rel]; ok {
			out = append(out, h+"\n"...)
		}
		eachLine(data, func(n int, line []byte, _ bool) {
			if !drop[n] {
				out = append(append(out, line...), '\n')
			}
		})
		if err := writeFileAtomic(path, out); err != nil {
			return nil, err
		}
		if repairPause != nil {
			repairPause(rel)
		}
	}
	if rep.Counts[CorruptState] > 0 {
		st, err := loadState(dir, opt.Now.Add(FutureTolerance))
		if err != nil {
			return nil, err
		}
		// A checkpoint as the recorder writes it: every entry continues
		// after the newest round.
		for _, regions := range st.Checks {
			for _, rs := range regions {
				rs.Values, rs.Round = nil, st.Round
			}
		}
		if err := writeState(dir, st); err != nil {
			return nil, err
		}
	}
	return rep, nil
}

// repairPause, when set by a test, runs after each repaired file: the
// kill -9 test stops a repair there.
var repairPause func(file string)

// repairMessage is the commit message of a repair: what it removed.
func repairMessage(rep *Report) string {
	var parts []string
	if n := rep.Counts[Damaged]; n > 0 {
		parts = append(parts, fmt.Sprintf("%d damaged line(s)", n))
	}
	if n := rep.Counts[DuplicateRound]; n > 0 {
		parts = append(parts, fmt.Sprintf("%d duplicate round(s)", n))
	}
	if rep.Counts[CorruptState] > 0 {
		parts = append(parts, "a corrupt "+StateFile+" (rebuilt from the raw samples)")
	}
	var b strings.Builder
	b.WriteString("history: repair: removed " + strings.Join(parts, ", ") + "\n\n")
	const show = 50
	n := 0
	for _, p := range rep.Problems {
		if !p.Kind.IsDamage() {
			continue
		}
		if n++; n > show {
			fmt.Fprintf(&b, "... and %d more\n", rep.Damage()-show)
			break
		}
		b.WriteString(p.String() + "\n")
	}
	return b.String()
}

// Repair removes the damage that Check reports from the history branch,
// as one commit that lists what it removed, and pushes it like a round.
// Rounds spooled by an interrupted run are committed with it. It returns
// the report (nil commit when there was nothing to repair).
func (r *Recorder) Repair(ctx context.Context, opt CheckOptions) (*Report, string, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if err := r.begin(ctx); err != nil {
		return nil, "", err
	}
	defer r.repo.unlock()
	if opt.Now.IsZero() {
		opt.Now = r.clock()
	}
	if opt.Cap == nil {
		opt.Cap = r.capOf
	}
	// The repair runs inside rebuild, on the files as last committed (the
	// checkout may already hold a state file rebuilt by OpenRecorder), and
	// again on the new tip when a push is rejected because another runner
	// pushed first.
	r.repair = &opt
	defer func() { r.repair, r.repaired = nil, nil }()
	if err := r.rebuild(ctx, "HEAD"); err != nil {
		return nil, "", err
	}
	rep := r.repaired
	if rep.Damage() == 0 {
		return rep, "", nil
	}
	commit, err := r.commitAndPush(ctx)
	return rep, commit, err
}

// runRepair is the step of rebuild that repairs, when a repair is asked
// for.
func (r *Recorder) runRepair() error {
	if r.repair == nil {
		return nil
	}
	opt := *r.repair
	rep, err := repairDir(r.repo.dir, opt)
	if err != nil {
		return fmt.Errorf("repair: %w", err)
	}
	r.repaired = rep
	return nil
}

// repairSummary is the message of a commit that includes a repair ("" if
// none).
func (r *Recorder) repairSummary() string {
	if r.repaired == nil || r.repaired.Damage() == 0 {
		return ""
	}
	return repairMessage(r.repaired)
}
