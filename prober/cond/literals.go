package cond

import (
	"fmt"
	"math/big"
	"strconv"
	"strings"
	"time"

	"github.com/expr-lang/expr"
)

// rewriteDurations turns duration literals (800ms, 30s, 5m, 2h, 14d, 1h30m)
// outside string literals into duration("...") calls, so users can compare
// durations the way they write them in YAML.
func rewriteDurations(src string) (string, error) {
	var b strings.Builder
	i := 0
	for i < len(src) {
		ch := src[i]
		if ch == '"' || ch == '\'' || ch == '`' {
			j := i + 1
			for j < len(src) && src[j] != ch {
				if src[j] == '\\' && ch != '`' {
					j++
				}
				j++
			}
			if j >= len(src) {
				return "", fmt.Errorf("unterminated string literal")
			}
			b.WriteString(src[i : j+1])
			i = j + 1
			continue
		}
		prevIdent := i > 0 && isIdent(src[i-1])
		if isDigit(ch) && !prevIdent {
			if lit, n := durationAt(src[i:]); n > 0 {
				d, err := parseDur(lit)
				if err != nil {
					return "", err
				}
				fmt.Fprintf(&b, "duration(%q)", d.String())
				i += n
				continue
			}
			// A plain number (or 0x hex): copy it whole so its tail is not
			// taken for a unit.
			j := i
			for j < len(src) && (isIdent(src[j]) || src[j] == '.') {
				j++
			}
			lit := src[i:j]
			if bigLiteral(lit) {
				// expr's literals are int64: a larger integer is made
				// exact by num().
				fmt.Fprintf(&b, "num(%q)", lit)
			} else {
				b.WriteString(lit)
			}
			i = j
			continue
		}
		b.WriteByte(ch)
		i++
	}
	return b.String(), nil
}

// bigLiteral reports whether lit is an integer literal (decimal or 0x hex)
// too large for int64.
func bigLiteral(lit string) bool {
	if strings.HasPrefix(lit, "0x") || strings.HasPrefix(lit, "0X") {
		v, ok := ParseQuantity(lit)
		if !ok {
			return false
		}
		_, small := v.(int64)
		return !small
	}
	for k := 0; k < len(lit); k++ {
		if !isDigit(lit[k]) {
			return false
		}
	}
	_, err := strconv.ParseInt(lit, 10, 64)
	return err != nil
}

var units = []string{"ns", "us", "µs", "ms", "s", "m", "h", "d", "w"}

// durationAt returns the duration literal at the start of s, if any: one or
// more number+unit pairs, not followed by an identifier character.
func durationAt(s string) (string, int) {
	i := 0
	pairs := 0
	for i < len(s) && isDigit(s[i]) {
		j := i
		for j < len(s) && (isDigit(s[j]) || s[j] == '.') {
			j++
		}
		unit := ""
		for _, u := range units {
			if strings.HasPrefix(s[j:], u) && len(u) > len(unit) {
				unit = u
			}
		}
		if unit == "" {
			break
		}
		i = j + len(unit)
		pairs++
	}
	if pairs == 0 || (i < len(s) && (isIdent(s[i]) || s[i] == '.')) {
		return "", 0
	}
	return s[:i], i
}

func parseDur(lit string) (time.Duration, error) {
	if d, err := time.ParseDuration(lit); err == nil {
		return d, nil
	}
	var total time.Duration
	rest := lit
	for rest != "" {
		j := 0
		for j < len(rest) && (isDigit(rest[j]) || rest[j] == '.') {
			j++
		}
		num := rest[:j]
		rest = rest[j:]
		k := 0
		for k < len(rest) && !isDigit(rest[k]) {
			k++
		}
		unit := rest[:k]
		rest = rest[k:]
		f, err := strconv.ParseFloat(num, 64)
		if err != nil {
			return 0, fmt.Errorf("bad duration %q", lit)
		}
		switch unit {
		case "d":
			total += time.Duration(f * float64(24*time.Hour))
		case "w":
			total += time.Duration(f * float64(7*24*time.Hour))
		default:
			d, err := time.ParseDuration(num + unit)
			if err != nil {
				return 0, fmt.Errorf("bad duration %q", lit)
			}
			total += d
		}
	}
	return total, nil
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }
func isIdent(c byte) bool {
	return c == '_' || isDigit(c) || (c|0x20 >= 'a' && c|0x20 <= 'z')
}

// hex("0x1a") → 26: explicit conversion for values a kind left as strings.
var hexFunc = expr.Function("hex", func(params ...any) (any, error) {
	s, ok := params[0].(string)
	if !ok {
		return params[0], nil
	}
	v, ok := ParseQuantity(s)
	if !ok {
		return nil, fmt.Errorf("hex(%q): not a hex quantity", s)
	}
	return v, nil
}, new(func(string) any))

// num("123") → 123 for numbers that arrive as decimal strings (CometBFT).
var numFunc = expr.Function("num", func(params ...any) (any, error) {
	switch x := params[0].(type) {
	case string:
		if v, ok := ParseQuantity(x); ok {
			return v, nil
		}
		if i, err := strconv.ParseInt(x, 10, 64); err == nil {
			return i, nil
		}
		if u, err := strconv.ParseUint(x, 10, 64); err == nil {
			return u, nil
		}
		if b, ok := new(big.Int).SetString(x, 10); ok {
			return b, nil
		}
		if f, err := strconv.ParseFloat(x, 64); err == nil {
			return f, nil
		}
		return nil, fmt.Errorf("num(%q): not a number", x)
	default:
		return x, nil
	}
}, new(func(any) any))

// ParseQuantity parses an Ethereum-style hex quantity ("0x0", "0x1a2b"):
// int64 when it fits, uint64 above that (exact beyond 2^53), *big.Int beyond
// 64 bits.
func ParseQuantity(s string) (any, bool) {
	if len(s) < 3 || s[0] != '0' || (s[1] != 'x' && s[1] != 'X') {
		return nil, false
	}
	digits := s[2:]
	for i := 0; i < len(digits); i++ {
		c := digits[i] | 0x20
		if !isDigit(digits[i]) && (c < 'a' || c > 'f') {
			return nil, false
		}
	}
	if len(digits) <= 16 {
		u, err := strconv.ParseUint(digits, 16, 64)
		if err != nil {
			return nil, false
		}
		if u <= 1<<63-1 {
			return int64(u), true
		}
		return u, true
	}
	b, ok := new(big.Int).SetString(digits, 16)
	return b, ok
}
