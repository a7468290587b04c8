package cond

import (
	"fmt"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/expr-lang/expr"
	"github.com/expr-lang/expr/ast"
	"github.com/expr-lang/expr/parser"
)

// Type is the type of a condition variable, as its kind declares it.
type Type int

// The types a kind declares. Number covers every size: at run time an
// integer may be int64, uint64 or *big.Int and compares exactly.
const (
	// Dynamic is a value whose shape is the server's (a JSON-RPC result, an
	// HTTP json body): nothing about it is checked at load time.
	Dynamic Type = iota
	Bool
	Number
	Duration
	String
	Strings   // a list of strings
	StringMap // a map of strings to strings (headers)
)

// Fields declares variables, or the fields of an object variable: each
// value is a Type or a nested Fields.
type Fields map[string]any

// Names lists the top-level names, sorted.
func (f Fields) Names() []string {
	out := make([]string, 0, len(f))
	for k := range f {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

var durationType = reflect.TypeOf(time.Duration(0))

// reflectType is what the type checker sees for a declaration.
func reflectType(decl any) reflect.Type {
	switch d := decl.(type) {
	case Fields:
		names := d.Names()
		fields := make([]reflect.StructField, len(names))
		for i, n := range names {
			fields[i] = reflect.StructField{
				Name: "F" + strconv.Itoa(i),
				Type: reflectType(d[n]),
				Tag:  reflect.StructTag(fmt.Sprintf("expr:%q", n)),
			}
		}
		return reflect.StructOf(fields)
	case Type:
		switch d {
		case Bool:
			return reflect.TypeOf(false)
		case Number:
			return reflect.TypeOf(int64(0))
		case Duration:
			return durationType
		case String:
			return reflect.TypeOf("")
		case Strings:
			return reflect.TypeOf([]string(nil))
		case StringMap:
			return reflect.TypeOf(map[string]string(nil))
		}
	}
	return reflect.TypeOf((*any)(nil)).Elem()
}

// CompileTyped is Compile for a kind that declares the types of its
// variables: unknown names, also nested ones (validator.mised), and
// comparisons that can never hold (latency < 800, status == "200") are
// errors that say what to write instead.
func CompileTyped(src string, vars Fields) (*Condition, error) {
	rewritten, err := rewriteDurations(src)
	if err != nil {
		return nil, err
	}
	tree, err := parser.Parse(rewritten)
	if err != nil {
		return nil, fmt.Errorf("%s", firstLine(err.Error()))
	}
	if err := checkFields(tree.Node, vars); err != nil {
		return nil, err
	}
	tc := &typeChecker{}
	opts := []expr.Option{expr.Env(reflect.New(reflectType(vars)).Elem().Interface()), hexFunc, numFunc, expr.Patch(tc)}
	opts = append(opts, unitFuncs()...)
	_, err = expr.Compile(rewritten, opts...)
	if tc.err != nil {
		return nil, tc.err
	}
	if err != nil {
		return nil, fmt.Errorf("%s", firstLine(err.Error()))
	}
	return Compile(src, vars.Names())
}

// checkFields rejects names that vars does not declare, following member
// chains (head.hieght) through declared objects.
func checkFields(root ast.Node, vars Fields) error {
	var bad error
	var visit func(ast.Node, bool)
	visit = func(n ast.Node, callee bool) {
		if bad != nil {
			return
		}
		switch x := n.(type) {
		case *ast.IdentifierNode:
			if !callee {
				if _, ok := vars[x.Value]; !ok {
					bad = unknownName(x.Value, "", vars)
				}
			}
		case *ast.MemberNode:
			if p, ok := memberPath(x); ok && !strings.Contains(p, "[") {
				bad = checkPath(p, vars)
				return
			}
			eachChild(n, visit)
		default:
			eachChild(n, visit)
		}
	}
	visit(root, false)
	return bad
}

func checkPath(p string, vars Fields) error {
	parts := strings.Split(p, ".")
	cur := vars
	for i, name := range parts {
		decl, ok := cur[name]
		if !ok {
			return unknownName(name, strings.Join(parts[:i], "."), cur)
		}
		next, isObj := decl.(Fields)
		if !isObj {
			if i < len(parts)-1 && decl != Dynamic && decl != StringMap {
				return fmt.Errorf("%s has no fields: it is %s", strings.Join(parts[:i+1], "."), typeName(decl))
			}
			return nil
		}
		cur = next
	}
	return nil
}

func unknownName(name, parent string, known Fields) error {
	full, where := name, "this kind provides"
	if parent != "" {
		full, where = parent+"."+name, parent+" has"
	}
	msg := fmt.Sprintf("unknown name %q: %s %s", full, where, strings.Join(known.Names(), ", "))
	if s := closest(name, known.Names()); s != "" {
		if parent != "" {
			s = parent + "." + s
		}
		msg += fmt.Sprintf(" (did you mean %s?)", s)
	}
	return fmt.Errorf("%s", msg)
}

// closest returns the name within two edits of name, if any.
func closest(name string, names []string) string {
	best, bestD := "", 3
	for _, n := range names {
		if d := editDistance(name, n); d < bestD {
			best, bestD = n, d
		}
	}
	return best
}

// editDistance counts insertions, deletions, changes and swaps of
// neighbours (hieght for height).
func editDistance(a, b string) int {
	d := make([][]int, len(a)+1)
	for i := range d {
		d[i] = make([]int, len(b)+1)
		d[i][0] = i
	}
	for j := range d[0] {
		d[0][j] = j
	}
	for i := 1; i <= len(a); i++ {
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			d[i][j] = min(d[i-1][j]+1, d[i][j-1]+1, d[i-1][j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				d[i][j] = min(d[i][j], d[i-2][j-2]+1)
			}
		}
	}
	return d[len(a)][len(b)]
}

func typeName(decl any) string {
	switch decl {
	case Bool:
		return "true or false"
	case Number:
		return "a number"
	case Duration:
		return "a duration"
	case String:
		return "a string"
	case Strings:
		return "a list of strings"
	}
	return "a value"
}

// Conforms reports the first variable of env whose value does not have its
// declared type, or that vars does not declare, so tests can keep a kind's
// declaration true to what its probes produce. Declared but absent names
// are fine: a kind sets some only with some options.
func Conforms(vars Fields, env map[string]any) error {
	for name, v := range env {
		decl, ok := vars[name]
		if !ok {
			return fmt.Errorf("%s is not declared", name)
		}
		if err := conforms(name, decl, v); err != nil {
			return err
		}
	}
	return nil
}

func conforms(name string, decl, v any) error {
	if f, ok := decl.(Fields); ok {
		m, ok := v.(map[string]any)
		if !ok {
			return fmt.Errorf("%s is %T, declared an object", name, v)
		}
		for k, e := range m {
			d, ok := f[k]
			if !ok {
				return fmt.Errorf("%s.%s is not declared", name, k)
			}
			if err := conforms(name+"."+k, d, e); err != nil {
				return err
			}
		}
		return nil
	}
	ok := true
	switch decl {
	case Bool:
		_, ok = v.(bool)
	case Number:
		_, isDur := v.(time.Duration)
		_, isNum := toRat(v)
		_, isStr := v.(string)
		ok = isNum && !isDur && !isStr
	case Duration:
		_, ok = v.(time.Duration)
	case String:
		_, ok = v.(string)
	case Strings:
		switch l := v.(type) {
		case []string:
		case []any:
			for _, e := range l {
				if _, isStr := e.(string); !isStr {
					ok = false
				}
			}
		default:
			ok = false
		}
	case StringMap:
		switch m := v.(type) {
		case map[string]string:
		case map[string]any:
			for _, e := range m {
				if _, isStr := e.(string); !isStr {
					ok = false
				}
			}
		default:
			ok = false
		}
	}
	if !ok {
		return fmt.Errorf("%s is %T, declared %s", name, v, typeName(decl))
	}
	return nil
}
