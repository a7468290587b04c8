package config

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strconv"
	"strings"

	"github.com/upchain-dev/upchain/prober/cond"
	"github.com/upchain-dev/upchain/prober/redact"
	"gopkg.in/yaml.v3"
)

// Kind is what the loader needs to know of a check kind. The prober package
// implements it for each kind; the config package stays free of probing code.
type Kind interface {
	// NewOptions returns a pointer to a fresh options value for the key named
	// after the kind, or nil if the kind takes no options.
	NewOptions() any
	// Vars lists the names conditions of this kind may refer to.
	Vars() []string
	// Validate checks a decoded check of this kind. Problems name a field
	// ("url", "jsonrpc.method", ...) so the loader can find its line.
	Validate(c *Check) []FieldProblem
	// DefaultConditions are added to the user's, e.g. "catching_up == false"
	// for a chain node. They may depend on the options.
	DefaultConditions(c *Check) (up, degraded []string)
}

// TypedKind is a Kind that declares the types of its condition variables,
// nested fields included, so that conditions are type-checked at load
// time (cond.CompileTyped). Its names must be those of Vars.
type TypedKind interface {
	VarTypes() cond.Fields
}

// FieldProblem is a kind's complaint about one field of a check.
type FieldProblem struct {
	Field string
	Msg   string
}

// Kinds looks kinds up by name.
type Kinds interface {
	Lookup(name string) (Kind, bool)
	Names() []string
}

// Options control Load.
type Options struct {
	// Lookup reads environment variables; default os.LookupEnv.
	Lookup func(string) (string, bool)
	// AllowMissingSecrets leaves ${NAME} unexpanded when NAME is unset,
	// for commands that never contact endpoints (build, validate --offline).
	AllowMissingSecrets bool
	// MissingSecretsFailChecks (probe, serve) leaves an unset ${NAME} in a
	// check file unexpanded and records it in the check's MissingEnv, so
	// that only the checks using it fail; elsewhere it is still an error.
	MissingSecretsFailChecks bool
	// Redactor receives every secret value; default a new one.
	Redactor *redact.Redactor
}

// Loaded is a config together with its compiled conditions and redactor.
type Loaded struct {
	*Config
	Redactor *redact.Redactor
	// Conditions per check slug.
	Conditions map[string]*CompiledConditions
}

// CompiledConditions are a check's conditions, compiled once at load.
type CompiledConditions struct {
	Up       []*cond.Condition
	Degraded []*cond.Condition
}

// Load reads upchain.yml at path and every *.yml/*.yaml file in its checks
// directory. It returns Errors listing every problem found.
func Load(path string, kinds Kinds, opts Options) (*Loaded, error) {
	if opts.Lookup == nil {
		opts.Lookup = os.LookupEnv
	}
	if opts.Redactor == nil {
		opts.Redactor = redact.New()
	}
	var errs Errors
	cfg := &Config{File: path, Dir: filepath.Dir(path)}
	exp := &expander{lookup: opts.Lookup, allowMissing: opts.AllowMissingSecrets, red: opts.Redactor, raw: map[*yaml.Node]string{}, expanded: map[string]map[int]bool{}}

	data, err := os.ReadFile(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil, Errors{{File: path, Msg: "not found: create upchain.yml (see README, Configuration)"}}
	case err != nil:
		return nil, Errors{{File: path, Msg: err.Error()}}
	}
	c := collector{file: path, errs: &errs}
	root := parseYAML(data, c)
	if root != nil {
		exp.c = c
		exp.walk(root)
		checkKeys(root, reflect.TypeOf(cfg).Elem(), "", c)
		if err := root.Decode(cfg); err != nil {
			c.addYAML(err, 1)
		}
		validateSite(cfg, root, c)
		validateServe(cfg.Serve, root, c)
		validateLocations(cfg, root, c)
	}
	applyDefaults(cfg)

	l := &Loaded{Config: cfg, Redactor: opts.Redactor, Conditions: map[string]*CompiledConditions{}}
	dir := cfg.ChecksDir
	if !filepath.IsAbs(dir) {
		dir = filepath.Join(cfg.Dir, dir)
	}
	files, err := checkFiles(dir)
	if err != nil {
		errs = append(errs, Problem{File: dir, Msg: err.Error()})
	}
	exp.allowMissing = opts.AllowMissingSecrets || opts.MissingSecretsFailChecks
	for _, f := range files {
		loadCheckFile(f, cfg, kinds, exp, &errs)
	}
	validateChecks(l, kinds, &errs)
	validateLags(l, &errs)
	validateSections(cfg, root, c)
	if len(errs) > 0 {
		errs.hideExpanded(exp.expanded)
		for i := range errs {
			errs[i].Msg = opts.Redactor.String(errs[i].Msg)
		}
		return l, errs.sorted()
	}
	return l, nil
}

func parseYAML(data []byte, c collector) *yaml.Node {
	var root yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&root); err != nil {
		if errors.Is(err, errEOF) || err.Error() == "EOF" {
			return nil // empty file
		}
		c.addYAML(syntaxLine(data, err), 1)
		return nil
	}
	return &root
}

// syntaxLine improves the line of a YAML syntax error. yaml.v3 reports the
// line where the enclosing block began (a mis-indented key on line 3 of a
// list starting on line 1 says "line 1"); the first prefix of the file
// that fails with the same message ends on the line to fix.
func syntaxLine(data []byte, err error) error {
	m := yamlLineMsg.FindStringSubmatch(strings.TrimPrefix(err.Error(), "yaml: "))
	if m == nil {
		return err
	}
	lines := bytes.SplitAfter(data, []byte("\n"))
	for n := 1; n <= len(lines); n++ {
		var v yaml.Node
		perr := yaml.Unmarshal(bytes.Join(lines[:n], nil), &v)
		if perr == nil {
			continue
		}
		if pm := yamlLineMsg.FindStringSubmatch(strings.TrimPrefix(perr.Error(), "yaml: ")); pm != nil && pm[2] == m[2] {
			if line, _ := strconv.Atoi(m[1]); n > line {
				return fmt.Errorf("yaml: line %d: %s", n, m[2])
			}
		}
		return err
	}
	return err
}

var errEOF = errors.New("EOF")

func checkFiles(dir string) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("checks directory not found: create it, or set checks_dir in upchain.yml")
		}
		return nil, err
	}
	var out []string
	for _, e := range entries {
		n := e.Name()
		if e.IsDir() || strings.HasPrefix(n, ".") {
			continue
		}
		if strings.HasSuffix(n, ".yml") || strings.HasSuffix(n, ".yaml") {
			out = append(out, filepath.Join(dir, n))
		}
	}
	sort.Strings(out)
	return out, nil
}

// checkFile is the shape of a checks/*.yml file.
type checkFile struct {
	Group  string      `yaml:"group"`
	Checks []yaml.Node `yaml:"checks"`
}

func loadCheckFile(path string, cfg *Config, kinds Kinds, exp *expander, errs *Errors) {
	c := collector{file: path, errs: errs}
	data, err := os.ReadFile(path)
	if err != nil {
		c.add(0, "%v", err)
		return
	}
	root := parseYAML(data, c)
	if root == nil {
		return
	}
	exp.c = c
	exp.walk(root)
	doc := root
	if doc.Kind == yaml.DocumentNode && len(doc.Content) > 0 {
		doc = doc.Content[0]
	}
	if doc.Kind != yaml.MappingNode {
		c.add(doc.Line, "a check file is a mapping with `group:` and `checks:` (a list of checks)")
		return
	}
	for i := 0; i+1 < len(doc.Content); i += 2 {
		k := doc.Content[i]
		if k.Value != "group" && k.Value != "checks" {
			c.add(k.Line, "unknown key %q at the top of a check file%s", k.Value, suggest(k.Value, []string{"checks", "group"}))
		}
	}
	var cf checkFile
	if err := doc.Decode(&cf); err != nil {
		c.addYAML(err, doc.Line)
		return
	}
	if len(cf.Checks) == 0 {
		c.add(doc.Line, "no checks: add a `checks:` list")
	}
	if cf.Group == "" {
		base := strings.TrimSuffix(strings.TrimSuffix(filepath.Base(path), ".yml"), ".yaml")
		cf.Group = base
	}
	checkType := reflect.TypeOf(Check{})
	for i := range cf.Checks {
		n := &cf.Checks[i]
		if n.Kind != yaml.MappingNode {
			c.add(n.Line, "each check is a mapping with at least name, kind and url")
			continue
		}
		chk := &Check{File: path, Line: n.Line, Lines: map[string]int{}, MissingEnv: exp.missingIn(n)}
		// Split the kind's own options (the key named after the kind) from
		// the common fields.
		kindName := ""
		for j := 0; j+1 < len(n.Content); j += 2 {
			if n.Content[j].Value == "kind" {
				kindName = n.Content[j+1].Value
			}
		}
		common := &yaml.Node{Kind: yaml.MappingNode, Line: n.Line, Column: n.Column}
		fields := yamlFields(checkType)
		for j := 0; j+1 < len(n.Content); j += 2 {
			k, v := n.Content[j], n.Content[j+1]
			chk.Lines[k.Value] = k.Line
			if k.Value == kindName && kindName != "" {
				if _, isField := fields[k.Value]; !isField {
					chk.OptionsNode = v
					continue
				}
			}
			if _, isField := fields[k.Value]; !isField {
				if _, isKind := kinds.Lookup(k.Value); isKind {
					c.add(k.Line, "options %q do not apply to a check of kind %q", k.Value, kindName)
					continue
				}
			}
			common.Content = append(common.Content, k, v)
			switch k.Value {
			case "conditions", "degraded", "regions":
				if v.Kind == yaml.SequenceNode {
					for ci, item := range v.Content {
						chk.Lines[fmt.Sprintf("%s[%d]", k.Value, ci)] = item.Line
						if k.Value == "regions" {
							if ln := lineOf(item, "location"); ln > 1 {
								chk.Lines[fmt.Sprintf("regions[%d].location", ci)] = ln
							}
						}
					}
				}
			case "url":
				if raw, ok := exp.raw[v]; ok {
					chk.DisplayURL = raw
				}
			}
		}
		checkKeys(common, checkType, "check", c)
		if err := common.Decode(chk); err != nil {
			c.addYAML(err, n.Line)
		}
		if chk.DisplayURL == "" {
			chk.DisplayURL = chk.URL
		}
		if chk.Group == "" {
			chk.Group = cf.Group
		}
		if k, ok := kinds.Lookup(chk.Kind); ok {
			if opts := k.NewOptions(); opts != nil {
				if chk.OptionsNode != nil {
					checkKeys(chk.OptionsNode, reflect.TypeOf(opts), chk.Kind, c)
					if err := chk.OptionsNode.Decode(opts); err != nil {
						c.addYAML(err, chk.OptionsNode.Line)
					}
					for j := 0; j+1 < len(chk.OptionsNode.Content); j += 2 {
						key := chk.Kind + "." + chk.OptionsNode.Content[j].Value
						chk.Lines[key] = chk.OptionsNode.Content[j].Line
						// Items of a list option (balances) get their own
						// line: a problem with one names it.
						if v := chk.OptionsNode.Content[j+1]; v.Kind == yaml.SequenceNode {
							for i, item := range v.Content {
								chk.Lines[fmt.Sprintf("%s[%d]", key, i)] = item.Line
							}
						}
					}
				}
				chk.Options = opts
			} else if chk.OptionsNode != nil {
				c.add(chk.OptionsNode.Line, "kind %q takes no options", chk.Kind)
			}
		}
		cfg.Checks = append(cfg.Checks, chk)
	}
}

func applyDefaults(cfg *Config) {
	d := &cfg.Defaults
	if d.Timeout == 0 {
		d.Timeout = Duration(DefaultTimeout)
	}
	if d.Retries == nil {
		r := DefaultRetries
		d.Retries = &r
	}
	if d.Interval == 0 {
		d.Interval = Duration(DefaultInterval)
	}
	if d.Concurrency <= 0 {
		d.Concurrency = DefaultConcurrency
	}
	if d.RoundTimeout == 0 {
		d.RoundTimeout = Duration(DefaultRoundTimeout)
	}
	if d.MaxBodyBytes <= 0 {
		d.MaxBodyBytes = DefaultMaxBody
	}
	if cfg.ChecksDir == "" {
		cfg.ChecksDir = DefaultChecksDir
	}
	if cfg.Site.Output == "" {
		cfg.Site.Output = DefaultOutput
	}
	if cfg.Site.Title == "" {
		cfg.Site.Title = "Status"
	}
}

func validateSite(cfg *Config, root *yaml.Node, c collector) {
	if cfg.Site.BaseURL != "" {
		if u, err := url.Parse(cfg.Site.BaseURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			c.add(lineOf(root, "site", "base_url"), "site.base_url %q is not an http(s) URL, e.g. https://example.github.io/status/", cfg.Site.BaseURL)
		}
	}
	for i, l := range cfg.Site.Links {
		line := lineOf(root, "site", "links")
		if l.Name == "" {
			c.add(line, "site.links[%d] has no name", i)
		}
		if !isHTTPURL(l.URL) {
			c.add(line, "site.links[%d] (%s): url %q is not an http(s) URL", i, l.Name, l.URL)
		}
	}
	if cfg.Defaults.Retries != nil && *cfg.Defaults.Retries < 0 {
		c.add(lineOf(root, "defaults", "retries"), "defaults.retries must be 0 or more")
	}
}

// lineOf finds the line of a nested key path in a document, or 1.
func lineOf(root *yaml.Node, path ...string) int {
	n := root
	if n.Kind == yaml.DocumentNode && len(n.Content) > 0 {
		n = n.Content[0]
	}
	line := 1
	for _, p := range path {
		found := false
		if n.Kind == yaml.MappingNode {
			for i := 0; i+1 < len(n.Content); i += 2 {
				if n.Content[i].Value == p {
					line = n.Content[i].Line
					n = n.Content[i+1]
					found = true
					break
				}
			}
		}
		if !found {
			break
		}
	}
	return line
}

func isHTTPURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != ""
}

// compiled is one condition compiled for a kind, or why it does not
// compile.
type compiled struct {
	cnd *cond.Condition
	err error
}

func validateChecks(l *Loaded, kinds Kinds, errs *Errors) {
	seen := map[string]*Check{}
	// Conditions compile once per kind and source: 1,000 checks that say
	// `status == 200` share one program (a compiled condition is read-only).
	// Compiling each took most of the load of 1,000 checks.
	cache := map[[2]string]compiled{}
	for _, chk := range l.Checks {
		c := collector{file: chk.File, errs: errs}
		line := func(field string) int {
			if n, ok := chk.Lines[field]; ok {
				return n
			}
			return chk.Line
		}
		if chk.Name == "" {
			c.add(chk.Line, "check has no name: add `name:`")
		}
		if chk.Slug == "" {
			chk.Slug = Slugify(chk.Name)
			if chk.Slug == "" && chk.Name != "" {
				c.add(line("name"), "no slug can be derived from name %q (it has no letters a-z or digits): add `slug:`, e.g. slug: my-check", chk.Name)
			}
		} else if !validSlug.MatchString(chk.Slug) {
			c.add(line("slug"), "slug %q: use lower-case letters, digits and dashes (at most 64)", chk.Slug)
		}
		if prev, dup := seen[chk.Slug]; dup && chk.Slug != "" {
			c.add(line("slug"), "duplicate slug %q (also used by %q at %s:%d): give one of them its own `slug:`", chk.Slug, prev.Name, prev.File, prev.Line)
		} else {
			seen[chk.Slug] = chk
		}
		if chk.Timeout == 0 {
			chk.Timeout = l.Defaults.Timeout
		}
		if chk.Retries == nil {
			chk.Retries = l.Defaults.Retries
		} else if *chk.Retries < 0 {
			c.add(line("retries"), "retries must be 0 or more")
		}
		if chk.Interval == 0 {
			chk.Interval = l.Defaults.Interval
		}
		if chk.Timeout < 0 {
			c.add(line("timeout"), "timeout must be positive")
		}
		for name, u := range chk.Links {
			if !isHTTPURL(u) {
				c.add(line("links"), "link %q: %q is not an http(s) URL", name, u)
			}
		}
		regionNames := map[string]bool{PublicRegion: true}
		for i, r := range chk.Regions {
			switch {
			case r.Name == "":
				c.add(line("regions"), "regions[%d] has no name", i)
			case regionNames[r.Name]:
				c.add(line("regions"), "region %q is listed twice (or uses the reserved name %q)", r.Name, PublicRegion)
			}
			regionNames[r.Name] = true
			if !validAddress(r.Address) {
				c.add(line("regions"), "region %q: address %q is not a host, IP or host:port to dial", r.Name, r.Address)
			}
			for _, p := range r.Location.problems() {
				ln := line(fmt.Sprintf("regions[%d].location", i))
				if ln == chk.Line {
					ln = line("regions")
				}
				c.add(ln, "region %q: %s", r.Name, p)
			}
		}
		urlOK := true
		switch {
		case chk.URL == "":
			urlOK = false
			c.add(chk.Line, "check %q has no url: add `url:`", chk.Name)
		case strings.Contains(chk.URL, "${"):
			// An unset ${NAME}, reported already (or allowed by
			// AllowMissingSecrets): the URL's shape is unknown.
			urlOK = false
		default:
			if u, err := url.Parse(chk.URL); err != nil || u.Scheme == "" || (u.Host == "" && u.Opaque == "") {
				urlOK = false
				c.add(line("url"), "bad url %q: write a full URL with scheme and host, e.g. https://rpc.example.org/", chk.DisplayURL)
			}
		}
		k, ok := kinds.Lookup(chk.Kind)
		if !ok {
			if chk.Kind == "" {
				c.add(chk.Line, "check %q has no kind: add `kind:` (one of %s)", chk.Name, strings.Join(kinds.Names(), ", "))
			} else {
				c.add(line("kind"), "unknown kind %q%s", chk.Kind, suggest(chk.Kind, kinds.Names()))
			}
			// The variables are the kind's, unknown here; syntax can
			// still be checked.
			for _, field := range []string{"conditions", "degraded"} {
				srcs := chk.Conditions
				if field == "degraded" {
					srcs = chk.Degraded
				}
				for i, src := range srcs {
					if err := cond.Syntax(src); err != nil {
						c.add(line(fmt.Sprintf("%s[%d]", field, i)), "condition %q: %v", src, err)
					}
				}
			}
			continue
		}
		for _, p := range k.Validate(chk) {
			if p.Field == "url" && !urlOK {
				continue // the url's problem is reported once, above
			}
			c.add(line(p.Field), "%s", p.Msg)
		}
		defUp, defDeg := k.DefaultConditions(chk)
		cc := &CompiledConditions{}
		vars := k.Vars()
		var types cond.Fields
		if tk, ok := k.(TypedKind); ok {
			types = tk.VarTypes()
		}
		compile := func(field string, srcs []string, into *[]*cond.Condition) {
			for i, src := range srcs {
				ln := line(fmt.Sprintf("%s[%d]", field, i))
				if field == "default" {
					ln = chk.Line
				}
				key := [2]string{chk.Kind, src}
				hit, ok := cache[key]
				if !ok {
					if types != nil {
						hit.cnd, hit.err = cond.CompileTyped(src, types)
					} else {
						hit.cnd, hit.err = cond.Compile(src, vars)
					}
					cache[key] = hit
				}
				cnd, err := hit.cnd, hit.err
				if err != nil {
					c.add(ln, "condition %q: %v", src, err)
					continue
				}
				*into = append(*into, cnd)
			}
		}
		compile("default", defUp, &cc.Up)
		compile("conditions", chk.Conditions, &cc.Up)
		compile("default", defDeg, &cc.Degraded)
		compile("degraded", chk.Degraded, &cc.Degraded)
		l.Conditions[chk.Slug] = cc
	}
}

func validAddress(a string) bool {
	if a == "" || strings.ContainsAny(a, "/ ") {
		return false
	}
	host := a
	if h, p, err := net.SplitHostPort(a); err == nil {
		if p == "" {
			return false
		}
		host = h
	}
	return host != ""
}
