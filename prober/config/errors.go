package config

import (
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

// Problem is one thing wrong in a config file.
type Problem struct {
	File string
	Line int
	Msg  string
}

func (p Problem) String() string {
	if p.Line > 0 {
		return fmt.Sprintf("%s:%d: %s", p.File, p.Line, p.Msg)
	}
	return fmt.Sprintf("%s: %s", p.File, p.Msg)
}

// Errors is every problem found in one load, in file and line order.
type Errors []Problem

func (e Errors) Error() string {
	lines := make([]string, len(e))
	for i, p := range e {
		lines[i] = p.String()
	}
	return strings.Join(lines, "\n")
}

func (e Errors) sorted() Errors {
	sort.SliceStable(e, func(i, j int) bool {
		if e[i].File != e[j].File {
			return e[i].File < e[j].File
		}
		return e[i].Line < e[j].Line
	})
	return e
}

type collector struct {
	file string
	errs *Errors
}

func (c collector) add(line int, format string, args ...any) {
	*c.errs = append(*c.errs, Problem{File: c.file, Line: line, Msg: fmt.Sprintf(format, args...)})
}

var yamlLineMsg = regexp.MustCompile(`^line (\d+): (.*)$`)

// addYAML turns a yaml.v3 error ("yaml: line 3: ..." or a TypeError listing
// "line N: ..." entries) into problems with lines.
func (c collector) addYAML(err error, fallbackLine int) {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	msg = strings.TrimPrefix(msg, "unmarshal errors:\n")
	for _, l := range strings.Split(msg, "\n") {
		l = strings.TrimSpace(l)
		if l == "" {
			continue
		}
		if m := yamlLineMsg.FindStringSubmatch(l); m != nil {
			n, _ := strconv.Atoi(m[1])
			c.add(n, "%s", friendlyYAML(m[2]))
			continue
		}
		c.add(fallbackLine, "%s", friendlyYAML(l))
	}
}

var goTypeName = regexp.MustCompile(` into ([\w.\[\]*]+)$`)

// friendlyYAML drops Go type names from yaml.v3 messages: users write YAML,
// not Go. The type becomes what to write instead.
func friendlyYAML(msg string) string {
	if !strings.HasPrefix(msg, "cannot unmarshal") {
		return msg
	}
	want := "a different type"
	if m := goTypeName.FindStringSubmatch(msg); m != nil {
		want = expectedYAML(m[1])
	}
	msg = goTypeName.ReplaceAllString(msg, "")
	return strings.Replace(msg, "cannot unmarshal", "wrong type:", 1) + " (expected " + want + " here; check quoting and indentation)"
}

// expectedYAML names what a Go type looks like in YAML.
func expectedYAML(goType string) string {
	t := strings.TrimLeft(goType, "*")
	switch {
	case strings.HasPrefix(t, "[]"):
		return "a list"
	case strings.HasPrefix(t, "map["), strings.Contains(t, "."):
		return "a mapping of keys to values"
	case strings.HasPrefix(t, "int"), strings.HasPrefix(t, "uint"):
		return "a whole number"
	case strings.HasPrefix(t, "float"):
		return "a number"
	case t == "bool":
		return "true or false"
	case t == "string":
		return "a single value"
	}
	return "a different type"
}

// excerpt matches the value yaml.v3 quotes in a type error (`abcdefg...`).
var excerpt = regexp.MustCompile("`[^`]*`")

// hideExpanded removes quoted values from messages about lines where a
// ${NAME} was expanded: yaml.v3 quotes the first characters of a value,
// a prefix of a secret that the redactor cannot recognise.
func (e Errors) hideExpanded(expanded map[string]map[int]bool) {
	for i, p := range e {
		if expanded[p.File][p.Line] {
			e[i].Msg = excerpt.ReplaceAllString(p.Msg, "(value from the environment, not shown)")
		}
	}
}
