//go:build unix

package history

import (
	"io/fs"
	"syscall"
)

// inode tells a file replaced under the same name (rsync, a checkout)
// from the one it replaced, even at the same size and time.
func inode(info fs.FileInfo) uint64 {
	if st, ok := info.Sys().(*syscall.Stat_t); ok {
		return uint64(st.Ino) //nolint:unconvert // uint32 on some systems
	}
	return 0
}
