package prober

import (
	"fmt"

	"github.com/upchain-dev/upchain/prober/config"
	"github.com/upchain-dev/upchain/prober/internal/fdlimit"
)

// EnsureOpenFiles raises the process's open-file limit to the hard limit
// and fails, saying how to fix it, if it stays too low for the probes of
// checks that run at once (every region of every check, at most
// defaults.concurrency). Without it those probes would fail with "too many
// open files" and report healthy endpoints down.
func EnsureOpenFiles(l *config.Loaded, checks []*config.Check) error {
	n := 0
	for _, c := range checks {
		n += len(c.Targets())
	}
	limit := l.Defaults.Concurrency
	if limit <= 0 {
		limit = config.DefaultConcurrency
	}
	return fdlimit.Ensure(min(n, limit), fmt.Sprintf("%d checks", len(checks)))
}
