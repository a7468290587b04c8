package importer

import (
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// Options control an import.
type Options struct {
	// File names the source file in problems.
	File string
	// Notify (Upptime) lists the notification secrets set in the Upptime
	// repository (NOTIFICATION_SLACK_WEBHOOK_URL, ...) or their providers
	// (slack, discord, telegram, email). Secrets live in GitHub, not in
	// the file, so the caller says which exist.
	Notify []string
	// LCD (tenderduty) maps a chain's name or chain id to its Cosmos SDK
	// REST endpoint: tenderduty needs none, upchain looks operator
	// addresses up there.
	LCD map[string]string
	// Now (Gatus) dates the first maintenance window; default time.Now.
	Now func() time.Time
}

// parseSource reads a source file's YAML, keeping lines. A syntax error
// becomes a Problem at its line.
func parseSource(file string, data []byte) (*yaml.Node, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, yamlErrors(file, syntaxLine(data, err))
	}
	if doc.Kind == 0 || len(doc.Content) == 0 {
		return nil, Errors{{File: file, Msg: "empty file"}}
	}
	root := doc.Content[0]
	if root.Kind != yaml.MappingNode {
		return nil, Errors{{File: file, Line: root.Line, Msg: "expected a mapping of settings at the top"}}
	}
	return root, nil
}

// syntaxLine moves a syntax error to the line to fix: yaml.v3 names the
// line where the enclosing block began, so the shortest prefix of the file
// that fails with the same message ends on the culprit.
func syntaxLine(data []byte, err error) error {
	m := yamlLine.FindStringSubmatch(err.Error())
	if m == nil {
		return err
	}
	lines := strings.SplitAfter(string(data), "\n")
	from, _ := strconv.Atoi(m[1])
	for n := max(from, 1); n <= len(lines); n++ {
		var v yaml.Node
		perr := yaml.Unmarshal([]byte(strings.Join(lines[:n], "")), &v)
		if perr == nil {
			continue
		}
		if pm := yamlLine.FindStringSubmatch(perr.Error()); pm != nil && pm[2] == m[2] {
			return fmt.Errorf("yaml: line %d: %s", n, m[2])
		}
		return err
	}
	return err
}

// decode decodes n into v, turning yaml.v3's type errors into Problems.
func decode(file string, n *yaml.Node, v any) error {
	if err := n.Decode(v); err != nil {
		return yamlErrors(file, err)
	}
	return nil
}

var yamlLine = regexp.MustCompile(`^(?:yaml: )?line (\d+): (.*)$`)

func yamlErrors(file string, err error) Errors {
	var msgs []string
	var te *yaml.TypeError
	if errors.As(err, &te) {
		msgs = te.Errors
	} else {
		msgs = []string{err.Error()}
	}
	out := make(Errors, 0, len(msgs))
	for _, m := range msgs {
		p := Problem{File: file, Msg: strings.TrimPrefix(m, "yaml: ")}
		if sm := yamlLine.FindStringSubmatch(m); sm != nil {
			p.Line, _ = strconv.Atoi(sm[1])
			p.Msg = sm[2]
		}
		p.Msg = strings.Replace(p.Msg, "cannot unmarshal", "wrong type:", 1)
		out = append(out, p)
	}
	return out
}

// value returns the value node of key in mapping n, or nil.
func value(n *yaml.Node, key string) *yaml.Node {
	if n == nil || n.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return n.Content[i+1]
		}
	}
	return nil
}

// lineOf is the line of key in mapping n, else n's own line.
func lineOf(n *yaml.Node, key string) int {
	if n == nil {
		return 0
	}
	if n.Kind == yaml.MappingNode {
		for i := 0; i+1 < len(n.Content); i += 2 {
			if n.Content[i].Value == key {
				return n.Content[i].Line
			}
		}
	}
	return n.Line
}

// unknownKeys reports the keys of mapping n that the translation does not
// know, so nothing is dropped silently.
func (r *Result) unknownKeys(file string, n *yaml.Node, where string, known ...string) {
	if n == nil || n.Kind != yaml.MappingNode {
		return
	}
	k := map[string]bool{}
	for _, s := range known {
		k[s] = true
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		key := n.Content[i]
		if !k[key.Value] {
			r.skip(file, key.Line, "%s%q is not translated: upchain has no equivalent", where, key.Value)
		}
	}
}

func has(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
