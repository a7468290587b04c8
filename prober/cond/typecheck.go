package cond

import (
	"fmt"
	"reflect"
	"strconv"
	"strings"

	"github.com/expr-lang/expr/ast"
)

// typeChecker finds comparisons that compile but can never hold, or fail
// on every probe: a duration against a plain number (latency < 800, which
// a Gatus user means as 800 ms), a number against a string
// (status == "200"), true/false against anything else. It runs inside
// expr's compile, where every node carries the type the kind declared.
type typeChecker struct{ err error }

func (tc *typeChecker) Visit(node *ast.Node) {
	b, ok := (*node).(*ast.BinaryNode)
	if !ok || tc.err != nil {
		return
	}
	switch b.Operator {
	case "==", "!=", "<", "<=", ">", ">=", "+", "-":
	default:
		return
	}
	l, r := b.Left.Type(), b.Right.Type()
	if l == nil || r == nil {
		return
	}
	switch {
	case l == durationType && isPlainNumber(r) && simple(b.Right):
		tc.err = durationMismatch(b, b.Left, b.Right, false)
	case r == durationType && isPlainNumber(l) && simple(b.Left):
		tc.err = durationMismatch(b, b.Right, b.Left, true)
	case l.Kind() == reflect.String && isNumberType(r):
		tc.err = stringMismatch(b, b.Right, b.Left, true)
	case r.Kind() == reflect.String && isNumberType(l):
		tc.err = stringMismatch(b, b.Left, b.Right, false)
	case (l.Kind() == reflect.Bool) != (r.Kind() == reflect.Bool) && !isAnyType(l) && !isAnyType(r):
		tc.err = fmt.Errorf("%s compares true/false with %s: write %s == true or %s == false",
			b.String(), nonBool(b), boolSide(b), boolSide(b))
	}
}

// simple reports whether n is a literal or a variable: expr types a
// computed 2 * 100ms as a number, though it is a duration at run time.
func simple(n ast.Node) bool {
	switch n.(type) {
	case *ast.IntegerNode, *ast.FloatNode, *ast.IdentifierNode, *ast.MemberNode:
		return true
	}
	return false
}

func isAnyType(t reflect.Type) bool { return t.Kind() == reflect.Interface }

func isNumberType(t reflect.Type) bool {
	switch t.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64,
		reflect.Float32, reflect.Float64:
		return true
	}
	return false
}

func isPlainNumber(t reflect.Type) bool { return t != durationType && isNumberType(t) }

// durationMismatch says what to write: the number with a unit.
func durationMismatch(b *ast.BinaryNode, dur, num ast.Node, swapped bool) error {
	name := dur.String()
	unit := "s"
	switch {
	case strings.Contains(name, "expires"):
		unit = "d"
	case strings.Contains(name, "latency") || strings.Contains(name, "phases"):
		unit = "ms"
	}
	lit, isLit := literal(num)
	if !isLit {
		return fmt.Errorf("%s is a duration and %s a plain number: compare durations, written like 800ms, 30s or 14d", name, num.String())
	}
	fixed := lit + unit
	want := name + " " + b.Operator + " " + fixed
	if swapped {
		want = fixed + " " + b.Operator + " " + name
	}
	return fmt.Errorf("%s is a duration, %s a plain number: write %s (units ms, s, m, h, d)", name, lit, want)
}

// stringMismatch: num is the number side, str the string side.
func stringMismatch(b *ast.BinaryNode, num, str ast.Node, strLeft bool) error {
	order := func(x, y string) string {
		if strLeft {
			x, y = y, x
		}
		return x + " " + b.Operator + " " + y
	}
	if s, ok := str.(*ast.StringNode); ok {
		if _, err := strconv.ParseFloat(s.Value, 64); err == nil {
			return fmt.Errorf("%s is a number, %q a string: write %s", num.String(), s.Value, order(num.String(), s.Value))
		}
		return fmt.Errorf("%s is a number and can never equal the string %q", num.String(), s.Value)
	}
	if lit, ok := literal(num); ok {
		return fmt.Errorf("%s is a string, %s a number: write %s", str.String(), lit, order(strconv.Quote(lit), str.String()))
	}
	return fmt.Errorf("%s compares a number (%s) with a string (%s): convert with num(...)", b.String(), num.String(), str.String())
}

func literal(n ast.Node) (string, bool) {
	switch x := n.(type) {
	case *ast.IntegerNode:
		return strconv.Itoa(x.Value), true
	case *ast.FloatNode:
		return strconv.FormatFloat(x.Value, 'g', -1, 64), true
	}
	return "", false
}

func boolSide(b *ast.BinaryNode) string {
	if b.Left.Type().Kind() == reflect.Bool {
		return b.Left.String()
	}
	return b.Right.String()
}

func nonBool(b *ast.BinaryNode) string {
	if b.Left.Type().Kind() == reflect.Bool {
		return b.Right.String()
	}
	return b.Left.String()
}
