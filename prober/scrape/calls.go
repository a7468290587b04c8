package scrape

import (
	"fmt"
	"strings"

	"github.com/expr-lang/expr/ast"
	"github.com/expr-lang/expr/parser"
)

// Call is a call of a sample function (metric, increase, rate) in a
// condition, with its selector.
type Call struct {
	Func string
	Sel  Selector
}

// Calls finds the calls of funcs in a condition as written and reads their
// arguments: a literal name and optionally a literal map of label values,
// `increase("x", {"job": "node"})`. Only the arguments are parsed here (the
// rest of a condition may hold duration literals such as 30s, which
// package cond rewrites), so a string literal elsewhere that merely
// contains "rate(" is skipped with the literal.
func Calls(src string, funcs ...string) ([]Call, error) {
	var out []Call
	for i := 0; i < len(src); i++ {
		c := src[i]
		if c == '"' || c == '\'' || c == '`' {
			i = skipString(src, i)
			continue
		}
		if i > 0 && identByte(src[i-1]) {
			continue
		}
		for _, f := range funcs {
			if !strings.HasPrefix(src[i:], f) {
				continue
			}
			j := i + len(f)
			for j < len(src) && src[j] == ' ' {
				j++
			}
			if j >= len(src) || src[j] != '(' || (i+len(f) < len(src) && identByte(src[i+len(f)])) {
				continue
			}
			end := closing(src, j)
			if end < 0 {
				return nil, fmt.Errorf("%s( is not closed", f)
			}
			sel, err := selectorArgs(f, src[j+1:end])
			if err != nil {
				return nil, err
			}
			out = append(out, Call{Func: f, Sel: sel})
			i = end
			break
		}
	}
	return out, nil
}

func identByte(c byte) bool {
	return c == '_' || c == '.' || (c >= '0' && c <= '9') || (c|0x20 >= 'a' && c|0x20 <= 'z')
}

// skipString returns the index of the quote closing the literal at i.
func skipString(src string, i int) int {
	q := src[i]
	for j := i + 1; j < len(src); j++ {
		if src[j] == '\\' && q != '`' {
			j++
			continue
		}
		if src[j] == q {
			return j
		}
	}
	return len(src)
}

// closing returns the index of the parenthesis closing the one at open.
func closing(src string, open int) int {
	depth := 0
	for i := open; i < len(src); i++ {
		switch src[i] {
		case '"', '\'', '`':
			i = skipString(src, i)
		case '(', '[', '{':
			depth++
		case ')', ']', '}':
			depth--
			if depth == 0 {
				return i
			}
		}
	}
	return -1
}

func selectorArgs(f, args string) (Selector, error) {
	usage := fmt.Errorf(`%s() takes a metric name and optionally labels, as literals: %s("name") or %s("name", {"label": "value"})`, f, f, f)
	tree, err := parser.Parse("[" + args + "]")
	if err != nil {
		return Selector{}, usage
	}
	arr, ok := tree.Node.(*ast.ArrayNode)
	if !ok || len(arr.Nodes) < 1 || len(arr.Nodes) > 2 {
		return Selector{}, usage
	}
	name, ok := arr.Nodes[0].(*ast.StringNode)
	if !ok {
		return Selector{}, usage
	}
	sel := Selector{Name: name.Value}
	if len(arr.Nodes) == 2 {
		m, ok := arr.Nodes[1].(*ast.MapNode)
		if !ok {
			return Selector{}, usage
		}
		sel.Labels = map[string]string{}
		for _, p := range m.Pairs {
			pair, ok := p.(*ast.PairNode)
			if !ok {
				return Selector{}, usage
			}
			k, ok1 := pair.Key.(*ast.StringNode)
			v, ok2 := pair.Value.(*ast.StringNode)
			if !ok1 || !ok2 {
				return Selector{}, usage
			}
			sel.Labels[k.Value] = v.Value
		}
	}
	if err := sel.Check(); err != nil {
		return Selector{}, fmt.Errorf("%s(): %v", f, err)
	}
	return sel, nil
}

// LabelsArg turns the labels argument of a sample function as evaluated
// (a map of any) into a Selector's labels.
func LabelsArg(v any) (map[string]string, error) {
	m, ok := v.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("labels must be a map such as {\"job\": \"node\"}, not %T", v)
	}
	out := make(map[string]string, len(m))
	for k, x := range m {
		s, ok := x.(string)
		if !ok {
			return nil, fmt.Errorf("label %s: the value must be a string, not %T", k, x)
		}
		out[k] = s
	}
	return out, nil
}

// ParseSelector reads the written form of a selector, name or
// name{label="value",...}, as a check's `record:` lists it.
func ParseSelector(s string) (Selector, error) {
	s = strings.TrimSpace(s)
	name, rest, hasLabels := strings.Cut(s, "{")
	sel := Selector{Name: strings.TrimSpace(name)}
	if hasLabels {
		if !strings.HasSuffix(rest, "}") {
			return Selector{}, fmt.Errorf("%q: labels must end with }", s)
		}
		sel.Labels = map[string]string{}
		body := strings.TrimSuffix(rest, "}")
		for body = strings.TrimSpace(body); body != ""; body = strings.TrimSpace(body) {
			k, after, ok := strings.Cut(body, "=")
			after = strings.TrimSpace(after)
			if !ok || after == "" || after[0] != '"' {
				return Selector{}, fmt.Errorf(`%q: write labels as name{label="value"}`, s)
			}
			end := skipString(after, 0)
			if end >= len(after) {
				return Selector{}, fmt.Errorf("%q: unterminated label value", s)
			}
			sel.Labels[strings.TrimSpace(k)] = strings.ReplaceAll(after[1:end], `\"`, `"`)
			body = strings.TrimPrefix(strings.TrimSpace(after[end+1:]), ",")
		}
	}
	if err := sel.Check(); err != nil {
		return Selector{}, err
	}
	return sel, nil
}
