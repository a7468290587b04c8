// Package fdlimit makes sure a process may open the sockets its probes
// need at once: it raises the open-file soft limit to the hard limit
// where the OS allows, and turns a limit that is still too low into one
// clear error at start instead of probes failing with "too many open
// files" (which would mark healthy endpoints down).
package fdlimit

import "fmt"

// Reserve is what the process needs besides one socket per probe in
// flight: standard streams, the listener and its clients, history's git
// pipes and files, the resolver.
const Reserve = 64

// Need is the number of open files for inflight probes at once.
func Need(inflight int) uint64 { return uint64(inflight) + Reserve }

// Ensure raises the soft limit where it can and fails, explaining how to
// fix it, if it stays below what inflight probes at once need. what
// describes the probes for the message ("10,000 checks").
func Ensure(inflight int, what string) error {
	limit, ok := raise()
	if !ok {
		return nil // no such limit here (or it cannot be read): nothing to check
	}
	return check(Need(inflight), limit, inflight, what)
}

func check(need, limit uint64, inflight int, what string) error {
	if need <= limit {
		return nil
	}
	return fmt.Errorf("%s probe %d endpoints at once and need about %d open files, but the limit is %d (the hard limit too): raise it with `ulimit -n %d` (LimitNOFILE= in a systemd unit), or lower defaults.concurrency to %d or less",
		what, inflight, need, limit, need, max(int(limit)-Reserve, 1))
}
