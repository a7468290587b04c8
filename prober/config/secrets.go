package config

import (
	"net/url"
	"regexp"
	"strings"

	"github.com/upchain-dev/upchain/prober/redact"
	"gopkg.in/yaml.v3"
)

var envRef = regexp.MustCompile(`\$\{([A-Za-z_][A-Za-z0-9_]*)\}`)

// expander replaces ${NAME} in every scalar of a YAML tree with the value of
// the environment variable NAME, registering each value with the redactor.
type expander struct {
	lookup       func(string) (string, bool)
	allowMissing bool
	red          *redact.Redactor
	raw          map[*yaml.Node]string // node -> value as written
	// expanded marks file lines holding an expanded value.
	expanded map[string]map[int]bool
	c        collector
}

func (e *expander) walk(n *yaml.Node) {
	if n == nil {
		return
	}
	if n.Kind == yaml.ScalarNode && strings.Contains(n.Value, "${") {
		orig := n.Value
		n.Value = envRef.ReplaceAllStringFunc(orig, func(ref string) string {
			name := envRef.FindStringSubmatch(ref)[1]
			v, ok := e.lookup(name)
			if !ok || v == "" {
				if !e.allowMissing {
					e.c.add(n.Line, "environment variable %s is not set (referenced as ${%s}); export it, or add it as a repository secret for the workflow", name, name)
				}
				return ref
			}
			e.red.Add(v, "${"+name+"}")
			return v
		})
		if n.Value != orig {
			e.raw[n] = orig
			if e.expanded[e.c.file] == nil {
				e.expanded[e.c.file] = map[int]bool{}
			}
			e.expanded[e.c.file][n.Line] = true
		}
	}
	if n.Kind == yaml.ScalarNode {
		registerURLPassword(n.Value, e.red)
	}
	for _, ch := range n.Content {
		e.walk(ch)
	}
}

// missingIn lists the variables referenced under n that are not set
// (left unexpanded), each once, in order of appearance.
func (e *expander) missingIn(n *yaml.Node) []string {
	var out []string
	seen := map[string]bool{}
	var walk func(*yaml.Node)
	walk = func(n *yaml.Node) {
		if n.Kind == yaml.ScalarNode {
			for _, m := range envRef.FindAllStringSubmatch(n.Value, -1) {
				if v, ok := e.lookup(m[1]); (!ok || v == "") && !seen[m[1]] {
					seen[m[1]] = true
					out = append(out, m[1])
				}
			}
		}
		for _, ch := range n.Content {
			walk(ch)
		}
	}
	walk(n)
	return out
}

// registerURLPassword treats a password written directly into a URL's
// userinfo as a secret too.
func registerURLPassword(s string, red *redact.Redactor) {
	if !strings.Contains(s, "://") || !strings.Contains(s, "@") {
		return
	}
	u, err := url.Parse(s)
	if err != nil || u.User == nil {
		return
	}
	if p, ok := u.User.Password(); ok {
		red.Add(p, "xxxxx")
	}
}
