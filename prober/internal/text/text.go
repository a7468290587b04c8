// Package text holds the one way upchain shortens text for people:
// reasons, values and messages are cut on a character boundary, never in
// the middle of a UTF-8 sequence, and the cut is marked.
package text

import "unicode/utf8"

// Ellipsis marks a cut.
const Ellipsis = "…"

// Truncate returns s when it has at most n bytes; otherwise its longest
// prefix of at most n bytes that ends on a character boundary, followed
// by Ellipsis.
func Truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	if n < 0 {
		n = 0
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + Ellipsis
}
