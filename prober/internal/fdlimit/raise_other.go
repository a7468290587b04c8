//go:build !unix

package fdlimit

// raise: this OS has no per-process open-file limit to raise or check.
func raise() (limit uint64, ok bool) { return 0, false }
