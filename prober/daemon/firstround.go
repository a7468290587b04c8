package daemon

import (
	"sync"
	"time"
)

// firstRound notices when every check has been probed once since start:
// the daemon then commits that round, logs "first round done" (operators
// see when the status is complete; the start-up benchmark measures up to
// it) and builds the site.
type firstRound struct {
	mu    sync.Mutex
	start time.Time
	want  int
	seen  map[string]bool // nil once done
	// done is closed when the round is complete; took is valid from then.
	done chan struct{}
	took time.Duration
}

func newFirstRound(checks int) *firstRound {
	return &firstRound{start: time.Now(), want: checks, seen: map[string]bool{}, done: make(chan struct{})}
}

// note records a run of check, and closes done on the run that completes
// the first round.
func (f *firstRound) note(check string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.seen == nil {
		return
	}
	f.seen[check] = true
	if len(f.seen) < f.want {
		return
	}
	f.seen = nil
	f.took = time.Since(f.start)
	close(f.done)
}
