//go:build unix

package fdlimit

import "syscall"

// raise sets the soft open-file limit to the hard limit and returns the
// soft limit in force afterwards. (Go's os package does the same at
// start on some systems; doing it here makes it explicit and checked.)
func raise() (limit uint64, ok bool) {
	var l syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &l); err != nil {
		return 0, false
	}
	if l.Cur < l.Max {
		want := l
		want.Cur = l.Max
		if syscall.Setrlimit(syscall.RLIMIT_NOFILE, &want) == nil {
			l = want
		}
		// else: some systems cap the soft limit below an "unlimited" hard
		// one (macOS); the current soft limit then stays and is checked.
	}
	return uint64(l.Cur), true
}
