package cond

import (
	"encoding/json"
	"math"
	"math/big"
	"strconv"
	"strings"
)

// FromJSON converts a decoded JSON value (decoded with UseNumber) into what
// conditions compare: integers as int64 (uint64 above that, so heights past
// 2^53 stay exact), other numbers as float64, and hex quantities ("0x1a")
// as numbers. Longer hex strings (hashes, addresses) stay strings.
func FromJSON(v any) any {
	switch x := v.(type) {
	case json.Number:
		s := string(x)
		if !strings.ContainsAny(s, ".eE") {
			if i, err := strconv.ParseInt(s, 10, 64); err == nil {
				return i
			}
			if u, err := strconv.ParseUint(s, 10, 64); err == nil {
				return u
			}
			if b, ok := new(big.Int).SetString(s, 10); ok {
				return b
			}
		}
		f, err := x.Float64()
		if err != nil || math.IsInf(f, 0) {
			return s
		}
		return f
	case string:
		if isQuantity(x) {
			if q, ok := ParseQuantity(x); ok {
				return q
			}
		}
		return x
	case map[string]any:
		for k, e := range x {
			x[k] = FromJSON(e)
		}
		return x
	case []any:
		for i, e := range x {
			x[i] = FromJSON(e)
		}
		return x
	}
	return v
}

// isQuantity tells hex quantities from hex data: a quantity has no leading
// zero digits (except "0x0") and fits 128 bits (amounts in wei do; hashes
// and addresses are longer and stay strings, and compare with numbers
// anyway, see exactPair).
func isQuantity(s string) bool {
	if len(s) < 3 || len(s) > 34 || s[0] != '0' || s[1] != 'x' {
		return false
	}
	if s[2] == '0' && len(s) > 3 {
		return false
	}
	return true
}
