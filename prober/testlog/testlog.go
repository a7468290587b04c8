// Package testlog is a log sink for tests: written by the code under test
// from any goroutine, read by the test.
package testlog

import (
	"bytes"
	"fmt"
	"sync"
)

// Buffer is safe for concurrent writes and reads.
type Buffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

// Write implements io.Writer.
func (l *Buffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

// Logf appends one formatted line, for code that takes a printf-style
// logger.
func (l *Buffer) Logf(format string, args ...any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.b.Len() > 0 {
		l.b.WriteByte('\n')
	}
	fmt.Fprintf(&l.b, format, args...)
}

// String returns everything written so far.
func (l *Buffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}
