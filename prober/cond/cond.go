// Package cond compiles the conditions users write in check files, such as
// `status == 200`, `latency < 800ms`, `result.peers >= 5` or
// `cert.expires_in > 14d`, using expr-lang/expr. Conditions are compiled
// once at load time and evaluated for every probe.
package cond

import (
	"errors"
	"fmt"
	"github.com/upchain-dev/upchain/prober/internal/text"
	"math/big"
	"reflect"
	"sort"
	"strings"
	"time"

	"github.com/expr-lang/expr"
	"github.com/expr-lang/expr/ast"
	"github.com/expr-lang/expr/file"
	"github.com/expr-lang/expr/parser"
	"github.com/expr-lang/expr/vm"
)

// Condition is one compiled condition.
type Condition struct {
	// Source is the condition as the user wrote it.
	Source  string
	program *vm.Program
	// paths are the variable paths the condition reads (e.g.
	// "result.peers"), evaluated separately to report observed values.
	paths []path
}

type path struct {
	name    string
	program *vm.Program
}

// Compile compiles src. vars lists the top-level names the check's kind
// provides; any other name is an error, so typos are caught at load time.
func Compile(src string, vars []string) (*Condition, error) {
	rewritten, err := rewriteDurations(src)
	if err != nil {
		return nil, err
	}
	tree, err := parser.Parse(rewritten)
	if err != nil {
		return nil, fmt.Errorf("%s", firstLine(err.Error()))
	}
	// Values are only known at probe time (a JSON-RPC result has any shape),
	// so the program is compiled untyped; names are checked here instead.
	if err := checkNames(tree.Node, vars); err != nil {
		return nil, err
	}
	prog, err := expr.Compile(rewritten, options()...)
	if err != nil {
		return nil, fmt.Errorf("%s", firstLine(err.Error()))
	}
	c := &Condition{Source: src, program: prog}
	for _, p := range collectPaths(tree.Node) {
		pp, err := expr.Compile(p, options()...)
		if err == nil {
			c.paths = append(c.paths, path{name: p, program: pp})
		}
	}
	return c, nil
}

// options are what every compile gets: the helper functions and the
// operators that compare numbers of any size exactly.
func options() []expr.Option {
	out := []expr.Option{hexFunc, numFunc, expr.Patch(bigPatcher{})}
	out = append(out, bigFuncs...)
	return append(out, unitFuncs()...)
}

// eachChild calls visit on the sub-expressions of n that may name
// variables; callee is set for the name of a called function.
func eachChild(n ast.Node, visit func(n ast.Node, callee bool)) {
	switch x := n.(type) {
	case *ast.MemberNode:
		visit(x.Node, false)
		if _, isStr := x.Property.(*ast.StringNode); !isStr {
			visit(x.Property, false)
		}
	case *ast.BinaryNode:
		visit(x.Left, false)
		visit(x.Right, false)
	case *ast.UnaryNode:
		visit(x.Node, false)
	case *ast.CallNode:
		visit(x.Callee, true)
		for _, a := range x.Arguments {
			visit(a, false)
		}
	case *ast.BuiltinNode:
		for _, a := range x.Arguments {
			visit(a, false)
		}
	case *ast.ConditionalNode:
		visit(x.Cond, false)
		visit(x.Exp1, false)
		visit(x.Exp2, false)
	case *ast.ArrayNode:
		for _, e := range x.Nodes {
			visit(e, false)
		}
	}
}

// checkNames rejects identifiers that are not among vars, naming the known
// ones, so a typo fails at load time instead of evaluating to nil.
func checkNames(root ast.Node, vars []string) error {
	known := map[string]bool{}
	for _, v := range vars {
		known[v] = true
	}
	var bad []string
	var visit func(ast.Node, bool)
	visit = func(n ast.Node, callee bool) {
		switch x := n.(type) {
		case *ast.IdentifierNode:
			if !callee && !known[x.Value] {
				bad = append(bad, x.Value)
			}
		default:
			eachChild(n, visit)
		}
	}
	visit(root, false)
	if len(bad) > 0 {
		names := append([]string(nil), vars...)
		sort.Strings(names)
		return fmt.Errorf("unknown name %q: this kind provides %s", bad[0], strings.Join(names, ", "))
	}
	return nil
}

// MustCompile is Compile for conditions built into the program.
func MustCompile(src string, vars []string) *Condition {
	c, err := Compile(src, vars)
	if err != nil {
		panic(err)
	}
	return c
}

func firstLine(s string) string {
	l, _, _ := strings.Cut(s, "\n")
	return l
}

// Eval evaluates the condition. On false or error it also returns the
// observed values of the variables involved, e.g. "latency=1.2s".
func (c *Condition) Eval(env map[string]any) (ok bool, observed string, err error) {
	return c.EvalClean(env, nil)
}

// EvalClean is Eval with clean (e.g. a secrets redactor) applied to each
// observed value before it is cut to MaxObserved: cutting first could leave
// a prefix of a secret that clean no longer recognises.
func (c *Condition) EvalClean(env map[string]any, clean func(string) string) (ok bool, observed string, err error) {
	out, err := expr.Run(c.program, env)
	if err == nil {
		if b, isBool := out.(bool); isBool && b {
			return true, "", nil
		}
	}
	return false, c.observed(env, clean), err
}

// Reads reports whether the condition reads the top-level variable name.
func (c *Condition) Reads(name string) bool {
	for _, p := range c.paths {
		if p.name == name || strings.HasPrefix(p.name, name+".") || strings.HasPrefix(p.name, name+"[") {
			return true
		}
	}
	return false
}

// References reports whether src (a condition as written) reads the
// top-level variable name; false if src does not parse.
func References(src, name string) bool {
	rewritten, err := rewriteDurations(src)
	if err != nil {
		return false
	}
	tree, err := parser.Parse(rewritten)
	if err != nil {
		return false
	}
	for _, p := range collectPaths(tree.Node) {
		if p == name || strings.HasPrefix(p, name+".") || strings.HasPrefix(p, name+"[") {
			return true
		}
	}
	return false
}

// Syntax checks only that src parses, for conditions whose variables are
// not known (a check of an unknown kind), so that every problem of a file
// is still reported in one run.
func Syntax(src string) error {
	rewritten, err := rewriteDurations(src)
	if err != nil {
		return err
	}
	if _, err := parser.Parse(rewritten); err != nil {
		return fmt.Errorf("%s", firstLine(err.Error()))
	}
	return nil
}

// MaxObserved bounds how much of one observed value is reported.
const MaxObserved = 120

func (c *Condition) observed(env map[string]any, clean func(string) string) string {
	parts := make([]string, 0, len(c.paths))
	for _, p := range c.paths {
		v, err := expr.Run(p.program, env)
		if err != nil {
			missing := p.name + "=<missing>"
			// A function says why it has no value (no such series).
			var fe *file.Error
			if strings.HasSuffix(p.name, ")") && errors.As(err, &fe) && fe.Message != "" {
				msg := fe.Message
				if clean != nil {
					msg = clean(msg)
				}
				missing += " (" + text.Truncate(msg, MaxObserved) + ")"
			}
			parts = append(parts, missing)
			continue
		}
		parts = append(parts, p.name+"="+FormatClean(v, clean))
	}
	return strings.Join(parts, " ")
}

// Format prints an observed value compactly: durations as durations,
// strings quoted and cut to MaxObserved bytes.
func Format(v any) string { return FormatClean(v, nil) }

// FormatClean is Format with clean applied to the text before it is cut.
func FormatClean(v any, clean func(string) string) string {
	if clean == nil {
		clean = func(s string) string { return s }
	}
	switch x := v.(type) {
	case nil:
		return "null"
	case time.Duration:
		return x.Round(time.Millisecond).String()
	case string:
		return fmt.Sprintf("%q", text.Truncate(clean(x), MaxObserved))
	case *big.Int:
		return x.String()
	case *big.Rat:
		return FormatRat(x)
	default:
		rv := reflect.ValueOf(v)
		if rv.Kind() == reflect.Map || rv.Kind() == reflect.Slice {
			return text.Truncate(clean(fmt.Sprintf("%v", v)), MaxObserved)
		}
		return clean(fmt.Sprint(v))
	}
}

// collectPaths lists the distinct variable paths (identifiers and member
// chains like result.peers) read by an expression, outermost chains only.
func collectPaths(n ast.Node) []string {
	seen := map[string]bool{}
	var out []string
	var visit func(ast.Node)
	visit = func(n ast.Node) {
		switch x := n.(type) {
		case *ast.IdentifierNode:
			add(seen, &out, x.Value)
			return
		case *ast.MemberNode:
			if p, ok := memberPath(x); ok {
				add(seen, &out, p)
				return
			}
			visit(x.Node)
			visit(x.Property)
		case *ast.BinaryNode:
			visit(x.Left)
			visit(x.Right)
		case *ast.UnaryNode:
			visit(x.Node)
		case *ast.CallNode:
			// A call of literals, such as metric("up", {"job": "node"}),
			// reads a value like a variable does: report what it returned.
			if id, named := x.Callee.(*ast.IdentifierNode); named && allLiteral(x.Arguments) {
				if id.Value == "num" || id.Value == "hex" {
					return // a literal made exact, such as num("20000000000000000000")
				}
				add(seen, &out, x.String())
				return
			}
			for _, a := range x.Arguments {
				visit(a)
			}
		case *ast.BuiltinNode:
			for _, a := range x.Arguments {
				visit(a)
			}
		case *ast.ConditionalNode:
			visit(x.Cond)
			visit(x.Exp1)
			visit(x.Exp2)
		}
	}
	visit(n)
	sort.Strings(out)
	return out
}

// allLiteral reports whether nodes are string literals or maps of them.
func allLiteral(nodes []ast.Node) bool {
	for _, n := range nodes {
		switch x := n.(type) {
		case *ast.StringNode:
		case *ast.MapNode:
			for _, p := range x.Pairs {
				pair, ok := p.(*ast.PairNode)
				if !ok || !allLiteral([]ast.Node{pair.Key, pair.Value}) {
					return false
				}
			}
		default:
			return false
		}
	}
	return len(nodes) > 0
}

func add(seen map[string]bool, out *[]string, p string) {
	if !seen[p] {
		seen[p] = true
		*out = append(*out, p)
	}
}

func memberPath(m *ast.MemberNode) (string, bool) {
	prop, ok := m.Property.(*ast.StringNode)
	if !ok {
		if in, isInt := m.Property.(*ast.IntegerNode); isInt {
			base, ok := basePath(m.Node)
			return fmt.Sprintf("%s[%d]", base, in.Value), ok
		}
		return "", false
	}
	base, ok := basePath(m.Node)
	if !ok {
		return "", false
	}
	return base + "." + prop.Value, true
}

func basePath(n ast.Node) (string, bool) {
	switch x := n.(type) {
	case *ast.IdentifierNode:
		return x.Value, true
	case *ast.MemberNode:
		return memberPath(x)
	}
	return "", false
}
