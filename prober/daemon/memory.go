package daemon

import (
	"context"
	"runtime/debug"
)

// releasing runs f, a periodic job that needs much more memory than the
// daemon's steady state (a site build, a history commit), and then
// returns the freed memory to the OS at once. Between such jobs the daemon
// needs tens of MB; without this, RSS stays at the job's peak for minutes,
// since the runtime gives memory back only gradually. It costs one extra
// garbage collection per job, every few minutes.
func releasing(f func(context.Context)) func(context.Context) {
	return func(ctx context.Context) {
		f(ctx)
		debug.FreeOSMemory()
	}
}
