// Package runlength is the one encoding of the per-block and per-epoch
// windows the chain kinds keep in history: runs of one-byte marks written
// as count and mark ("97S1M2P"), compact because a healthy validator's
// window is one long run.
package runlength

import (
	"errors"
	"strconv"
	"strings"
)

// errBad is returned for text that is not a valid encoding.
var errBad = errors.New("bad run-length window")

// Encode writes marks as runs of count and mark.
func Encode[M ~byte](marks []M) string {
	var b strings.Builder
	for i := 0; i < len(marks); {
		j := i
		for j < len(marks) && marks[j] == marks[i] {
			j++
		}
		b.WriteString(strconv.Itoa(j - i))
		b.WriteByte(byte(marks[i]))
		i = j
	}
	return b.String()
}

// Decode reads Encode's form, accepting only marks for which valid holds
// and at most max marks in all.
func Decode[M ~byte](s string, max int, valid func(M) bool) ([]M, error) {
	var out []M
	for i := 0; i < len(s); {
		j := i
		for j < len(s) && s[j] >= '0' && s[j] <= '9' {
			j++
		}
		if j == i || j >= len(s) {
			return nil, errBad
		}
		n, err := strconv.Atoi(s[i:j])
		m := M(s[j])
		if err != nil || n <= 0 || !valid(m) || len(out)+n > max {
			return nil, errBad
		}
		for range n {
			out = append(out, m)
		}
		i = j + 1
	}
	return out, nil
}
