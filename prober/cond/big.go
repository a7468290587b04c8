package cond

import (
	"math"
	"math/big"
	"strconv"
	"time"

	"github.com/expr-lang/expr"
	"github.com/expr-lang/expr/ast"
	"github.com/expr-lang/expr/vm/runtime"
)

// Amounts in base units (wei, drip, attoFIL, planck) routinely pass 2^64,
// and expr's own operators know only Go's fixed-size numbers. So every
// comparison and arithmetic operator of a condition is rewritten into a
// call of the functions below, which compare integers of any size exactly
// and fall back to expr's own operators for everything else (durations,
// strings, times), keeping their results and their errors.

// bigOps maps an operator to the function that replaces it.
var bigOps = map[string]string{
	"==": "_big_eq", "!=": "_big_ne",
	"<": "_big_lt", "<=": "_big_le", ">": "_big_gt", ">=": "_big_ge",
	"+": "_big_add", "-": "_big_sub", "*": "_big_mul", "/": "_big_div",
	"^": "_big_pow", "**": "_big_pow",
}

// bigPatcher rewrites operators into calls of the bigOps functions.
type bigPatcher struct{}

func (bigPatcher) Visit(node *ast.Node) {
	b, ok := (*node).(*ast.BinaryNode)
	if !ok {
		return
	}
	fn, ok := bigOps[b.Operator]
	if !ok {
		return
	}
	ast.Patch(node, &ast.CallNode{
		Callee:    &ast.IdentifierNode{Value: fn},
		Arguments: []ast.Node{b.Left, b.Right},
	})
}

func cmpFunc(name string, ok func(c int) bool, fallback func(a, b any) bool) expr.Option {
	return expr.Function(name, func(p ...any) (any, error) {
		if x, isSmall := small(p[0]); isSmall {
			if y, isSmall := small(p[1]); isSmall {
				switch {
				case x < y:
					return ok(-1), nil
				case x > y:
					return ok(1), nil
				}
				return ok(0), nil
			}
		}
		if x, y, exact := exactPair(p[0], p[1]); exact {
			return ok(x.Cmp(y)), nil
		}
		return fallback(p[0], p[1]), nil
	}, new(func(any, any) bool))
}

func arithFunc(name string, op func(x, y *big.Rat) *big.Rat, fallback func(a, b any) any) expr.Option {
	return expr.Function(name, func(p ...any) (any, error) {
		if hasBig(p[0], p[1]) || (isInt(p[0]) && isInt(p[1])) {
			if x, y, exact := exactPair(p[0], p[1]); exact {
				if r := op(x, y); r != nil {
					return normalize(r), nil
				}
			}
		}
		return fallback(p[0], p[1]), nil
	}, new(func(any, any) any))
}

// bigFuncs are the operator replacements, given to every compile.
var bigFuncs = []expr.Option{
	cmpFunc("_big_eq", func(c int) bool { return c == 0 }, runtime.Equal),
	cmpFunc("_big_ne", func(c int) bool { return c != 0 }, func(a, b any) bool { return !runtime.Equal(a, b) }),
	cmpFunc("_big_lt", func(c int) bool { return c < 0 }, runtime.Less),
	cmpFunc("_big_le", func(c int) bool { return c <= 0 }, runtime.LessOrEqual),
	cmpFunc("_big_gt", func(c int) bool { return c > 0 }, runtime.More),
	cmpFunc("_big_ge", func(c int) bool { return c >= 0 }, runtime.MoreOrEqual),
	arithFunc("_big_add", func(x, y *big.Rat) *big.Rat { return new(big.Rat).Add(x, y) }, runtime.Add),
	arithFunc("_big_sub", func(x, y *big.Rat) *big.Rat { return new(big.Rat).Sub(x, y) }, runtime.Subtract),
	arithFunc("_big_mul", func(x, y *big.Rat) *big.Rat { return new(big.Rat).Mul(x, y) }, runtime.Multiply),
	// Division of plain numbers stays expr's (a float); only big operands
	// divide exactly.
	expr.Function("_big_div", func(p ...any) (any, error) {
		if hasBig(p[0], p[1]) {
			if x, y, exact := exactPair(p[0], p[1]); exact && y.Sign() != 0 {
				return normalize(new(big.Rat).Quo(x, y)), nil
			}
		}
		return runtime.Divide(p[0], p[1]), nil
	}, new(func(any, any) any)),
	// 10^18 is an exact integer, not the float expr would make of it.
	expr.Function("_big_pow", func(p ...any) (any, error) {
		if isInt(p[1]) || isBigInt(p[1]) {
			x, y, exact := exactPair(p[0], p[1])
			if exact && x.IsInt() && y.IsInt() && y.Sign() >= 0 && y.Num().BitLen() <= 12 {
				return normalize(new(big.Rat).SetInt(new(big.Int).Exp(x.Num(), y.Num(), nil))), nil
			}
		}
		return runtime.Exponent(p[0], p[1]), nil
	}, new(func(any, any) any)),
}

// exactPair converts a and b to exact rationals when both are numbers, or
// one is a number and the other a string holding one ("0x1158e4...",
// "20000000000000000000"): JSON-RPC results and LCD amounts arrive so.
func exactPair(a, b any) (*big.Rat, *big.Rat, bool) {
	_, as := a.(string)
	_, bs := b.(string)
	if as && bs {
		return nil, nil, false
	}
	x, ok := toRat(a)
	if !ok {
		return nil, nil, false
	}
	y, ok := toRat(b)
	return x, y, ok
}

// toRat converts a number (not a duration: that is compared as one) or a
// numeric string to an exact rational. Floats convert through their
// shortest decimal form, so 0.1 means one tenth, as written.
func toRat(v any) (*big.Rat, bool) {
	switch x := v.(type) {
	case int:
		return new(big.Rat).SetInt64(int64(x)), true
	case int8:
		return new(big.Rat).SetInt64(int64(x)), true
	case int16:
		return new(big.Rat).SetInt64(int64(x)), true
	case int32:
		return new(big.Rat).SetInt64(int64(x)), true
	case int64:
		return new(big.Rat).SetInt64(x), true
	case uint:
		return new(big.Rat).SetUint64(uint64(x)), true
	case uint8:
		return new(big.Rat).SetUint64(uint64(x)), true
	case uint16:
		return new(big.Rat).SetUint64(uint64(x)), true
	case uint32:
		return new(big.Rat).SetUint64(uint64(x)), true
	case uint64:
		return new(big.Rat).SetUint64(x), true
	case float32:
		return floatRat(float64(x))
	case float64:
		return floatRat(x)
	case *big.Int:
		if x == nil {
			return nil, false
		}
		return new(big.Rat).SetInt(x), true
	case *big.Rat:
		if x == nil {
			return nil, false
		}
		return x, true
	case string:
		return stringRat(x)
	}
	return nil, false
}

func floatRat(f float64) (*big.Rat, bool) {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return nil, false
	}
	return new(big.Rat).SetString(strconv.FormatFloat(f, 'g', -1, 64))
}

// stringRat parses a hex quantity or a plain decimal number ("123",
// "-4.5"); anything else (hashes with leading zeros, words) is not one.
func stringRat(s string) (*big.Rat, bool) {
	if q, ok := ParseQuantity(s); ok {
		return toRat(q)
	}
	if s == "" || len(s) > 100 {
		return nil, false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !isDigit(c) && c != '.' && !(i == 0 && c == '-') {
			return nil, false
		}
	}
	return new(big.Rat).SetString(s)
}

// small is the fast path for the common signed integers.
func small(v any) (int64, bool) {
	switch x := v.(type) {
	case int:
		return int64(x), true
	case int64:
		return x, true
	case int32:
		return int64(x), true
	}
	return 0, false
}

func isInt(v any) bool {
	switch v.(type) {
	case time.Duration:
		return false
	case int, int8, int16, int32, int64, uint, uint8, uint16, uint32, uint64:
		return true
	}
	return false
}

func isBigInt(v any) bool { _, ok := v.(*big.Int); return ok }

func hasBig(a, b any) bool {
	big := func(v any) bool {
		switch v.(type) {
		case *big.Int, *big.Rat:
			return true
		}
		return false
	}
	return big(a) || big(b)
}

// normalize returns r as int when it fits (what expr's integer literals
// are), as *big.Int when it is a larger integer, else as *big.Rat.
func normalize(r *big.Rat) any {
	if !r.IsInt() {
		return r
	}
	n := r.Num()
	if n.IsInt64() && n.Int64() >= math.MinInt && n.Int64() <= math.MaxInt {
		return int(n.Int64())
	}
	return new(big.Int).Set(n)
}

// FormatRat prints an exact rational as a decimal, up to 18 places.
func FormatRat(r *big.Rat) string {
	if r.IsInt() {
		return r.Num().String()
	}
	s := r.FloatString(18)
	for s[len(s)-1] == '0' {
		s = s[:len(s)-1]
	}
	return s
}
