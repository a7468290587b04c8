package testlog

import (
	"fmt"
	"sync"
	"testing"
)

func TestBufferConcurrent(t *testing.T) {
	var b Buffer
	var wg sync.WaitGroup
	for i := 0; i < 50; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			b.Logf("line %d", i)
		}()
	}
	wg.Wait()
	fmt.Fprint(&b, "\nend")
	if got := len(splitLines(b.String())); got != 51 {
		t.Fatalf("%d lines, want 51:\n%s", got, b.String())
	}
}

func splitLines(s string) []string {
	var out []string
	start := 0
	for i := 0; i < len(s); i++ {
		if s[i] == '\n' {
			out = append(out, s[start:i])
			start = i + 1
		}
	}
	return append(out, s[start:])
}
