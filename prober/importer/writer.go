// Package importer translates the configuration of other monitors (Upptime,
// Gatus, tenderduty) into upchain.yml and checks/*.yml. Each source has its
// own file; this one holds the output model and the writer they share.
//
// A translation never fails on what upchain cannot express: it says so,
// with the file and line of the source, and translates the rest. Only input
// that cannot be read at all (bad YAML, wrong types) is an error.
package importer

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/upchain-dev/upchain/prober/config"
	"gopkg.in/yaml.v3"
)

// Problem is a part of the source that was not translated, or that could
// not be read, with its place.
type Problem struct {
	File string
	Line int
	Msg  string
}

func (p Problem) String() string {
	if p.Line > 0 {
		return fmt.Sprintf("%s:%d: %s", p.File, p.Line, p.Msg)
	}
	return p.File + ": " + p.Msg
}

// Errors are problems that stop a translation (unreadable input).
type Errors []Problem

func (e Errors) Error() string {
	s := make([]string, len(e))
	for i, p := range e {
		s[i] = p.String()
	}
	return strings.Join(s, "\n")
}

// Result is a translated configuration.
type Result struct {
	Main Main
	// Files are the check files by name under checks/ (e.g. "web.yml").
	Files map[string]*CheckFile
	// Notes say what was translated, for the user to read.
	Notes []string
	// Skipped lists what was not translated, with file and line.
	Skipped []Problem
	// Extra files to write, by path relative to the output directory
	// (e.g. the converted history).
	Extra map[string][]byte
}

func newResult() *Result {
	return &Result{Files: map[string]*CheckFile{}, Extra: map[string][]byte{}}
}

func (r *Result) note(format string, args ...any) {
	r.Notes = append(r.Notes, fmt.Sprintf(format, args...))
}

func (r *Result) skip(file string, line int, format string, args ...any) {
	r.Skipped = append(r.Skipped, Problem{File: file, Line: line, Msg: fmt.Sprintf(format, args...)})
}

// file returns the check file for a group, creating it.
func (r *Result) file(group string) *CheckFile {
	name := config.Slugify(group)
	if name == "" {
		name = "imported"
	}
	name += ".yml"
	f, ok := r.Files[name]
	if !ok {
		f = &CheckFile{Group: group}
		r.Files[name] = f
	}
	return f
}

// Main is upchain.yml, with only what an import can fill in.
type Main struct {
	Comment       string         `yaml:"-"`
	Site          *Site          `yaml:"site,omitempty"`
	Defaults      *Defaults      `yaml:"defaults,omitempty"`
	ChecksDir     string         `yaml:"checks_dir,omitempty"`
	Incidents     *Incidents     `yaml:"incidents,omitempty"`
	Maintenance   []Maintenance  `yaml:"maintenance,omitempty"`
	Notifications *Notifications `yaml:"notifications,omitempty"`
}

// Site is upchain.yml's site section.
type Site struct {
	Title       string `yaml:"title,omitempty"`
	Description string `yaml:"description,omitempty"`
	BaseURL     string `yaml:"base_url,omitempty"`
	Links       []Link `yaml:"links,omitempty"`
}

// Link is a site link.
type Link struct {
	Name string `yaml:"name"`
	URL  string `yaml:"url"`
}

// Defaults is upchain.yml's defaults section.
type Defaults struct {
	Timeout  string `yaml:"timeout,omitempty"`
	Interval string `yaml:"interval,omitempty"`
}

// Incidents is upchain.yml's incidents section.
type Incidents struct {
	FailureThreshold int      `yaml:"failure_threshold,omitempty"`
	SuccessThreshold int      `yaml:"success_threshold,omitempty"`
	Assignees        []string `yaml:"assignees,omitempty"`
	Repository       string   `yaml:"repository,omitempty"`
}

// Maintenance is one maintenance window.
type Maintenance struct {
	Title    string   `yaml:"title"`
	Checks   []string `yaml:"checks,omitempty"`
	Start    string   `yaml:"start"`
	Duration string   `yaml:"duration,omitempty"`
	Every    string   `yaml:"every,omitempty"`
}

// Notifications is upchain.yml's notifications section.
type Notifications struct {
	Channels []Channel `yaml:"channels"`
}

// Channel is one notification channel.
type Channel struct {
	Name       string   `yaml:"name,omitempty"`
	Kind       string   `yaml:"kind"`
	URL        string   `yaml:"url,omitempty"`
	Token      string   `yaml:"token,omitempty"`
	ChatIDs    []string `yaml:"chat_ids,omitempty"`
	RoutingKey string   `yaml:"routing_key,omitempty"`
	Host       string   `yaml:"host,omitempty"`
	Port       int      `yaml:"port,omitempty"`
	Username   string   `yaml:"username,omitempty"`
	Password   string   `yaml:"password,omitempty"`
	From       string   `yaml:"from,omitempty"`
	To         []string `yaml:"to,omitempty"`
	Events     []string `yaml:"events,omitempty"`
	Checks     []string `yaml:"checks,omitempty"`
}

// CheckFile is one checks/*.yml file.
type CheckFile struct {
	Group  string   `yaml:"group"`
	Checks []*Check `yaml:"checks"`
}

// Check is one check as written to a check file.
type Check struct {
	// Comment is written above the check.
	Comment    string            `yaml:"-"`
	Name       string            `yaml:"name"`
	Slug       string            `yaml:"slug,omitempty"`
	Kind       string            `yaml:"kind"`
	URL        string            `yaml:"url"`
	Method     string            `yaml:"method,omitempty"`
	Headers    map[string]string `yaml:"headers,omitempty"`
	Body       string            `yaml:"body,omitempty"`
	Timeout    string            `yaml:"timeout,omitempty"`
	Interval   string            `yaml:"interval,omitempty"`
	Conditions []string          `yaml:"conditions,omitempty"`
	Degraded   []string          `yaml:"degraded,omitempty"`
	Links      map[string]string `yaml:"links,omitempty"`
	Tags       []string          `yaml:"tags,omitempty"`
	HTTP       *HTTPOptions      `yaml:"http,omitempty"`
	Websocket  *WebsocketOptions `yaml:"websocket,omitempty"`
	DNS        *DNSOptions       `yaml:"dns,omitempty"`
	CometBFT   *CometBFTOptions  `yaml:"cometbft,omitempty"`
	Lag        *Lag              `yaml:"lag,omitempty"`
}

// HTTPOptions are kind http's options.
type HTTPOptions struct {
	MaxRedirects       *int `yaml:"max_redirects,omitempty"`
	InsecureSkipVerify bool `yaml:"insecure_skip_verify,omitempty"`
}

// WebsocketOptions are kind websocket's options.
type WebsocketOptions struct {
	Send               string `yaml:"send"`
	InsecureSkipVerify bool   `yaml:"insecure_skip_verify,omitempty"`
}

// DNSOptions are kind dns's options.
type DNSOptions struct {
	Type   string `yaml:"type,omitempty"`
	Server string `yaml:"server,omitempty"`
}

// CometBFTOptions are kind cometbft's options.
type CometBFTOptions struct {
	ChainID                string     `yaml:"chain_id,omitempty"`
	MaxHeadAge             string     `yaml:"max_head_age,omitempty"`
	LCD                    string     `yaml:"lcd,omitempty"`
	Validator              *Validator `yaml:"validator,omitempty"`
	MissedConsecutiveAlert *int       `yaml:"missed_consecutive_alert,omitempty"`
	MissedPercentAlert     *float64   `yaml:"missed_percent_alert,omitempty"`
	InsecureSkipVerify     bool       `yaml:"insecure_skip_verify,omitempty"`
}

// Validator names the validator a cometbft check follows.
type Validator struct {
	Valoper string `yaml:"valoper,omitempty"`
	Valcons string `yaml:"valcons,omitempty"`
}

// Lag compares a check with others of its chain.
type Lag struct {
	Reference      string `yaml:"reference,omitempty"`
	Group          string `yaml:"group,omitempty"`
	DegradedBlocks int64  `yaml:"degraded_blocks,omitempty"`
	DownBlocks     int64  `yaml:"down_blocks,omitempty"`
}

// uniqueSlugs gives every check a distinct slug: two sources may name two
// endpoints alike, and upchain refuses duplicate slugs.
func (r *Result) uniqueSlugs() {
	seen := map[string]bool{}
	for _, name := range r.fileNames() {
		for _, c := range r.Files[name].Checks {
			s := c.Slug
			if s == "" {
				s = config.Slugify(c.Name)
			}
			base := s
			for n := 2; seen[s]; n++ {
				s = fmt.Sprintf("%s-%d", base, n)
			}
			seen[s] = true
			if s != config.Slugify(c.Name) {
				c.Slug = s
			} else {
				c.Slug = ""
			}
		}
	}
}

// slugOf is the slug upchain derives for c.
func slugOf(c *Check) string {
	if c.Slug != "" {
		return c.Slug
	}
	return config.Slugify(c.Name)
}

func (r *Result) fileNames() []string {
	names := make([]string, 0, len(r.Files))
	for n := range r.Files {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// Rendered returns every file of the result by path relative to the
// output directory.
func (r *Result) Rendered(header string) (map[string][]byte, error) {
	out := map[string][]byte{}
	main, err := render(header+r.Main.Comment, &r.Main, nil)
	if err != nil {
		return nil, err
	}
	out["upchain.yml"] = main
	for _, name := range r.fileNames() {
		f := r.Files[name]
		comments := make([]string, len(f.Checks))
		for i, c := range f.Checks {
			comments[i] = c.Comment
		}
		b, err := render(header, f, comments)
		if err != nil {
			return nil, err
		}
		out[filepath.Join("checks", name)] = b
	}
	for p, b := range r.Extra {
		out[p] = b
	}
	return out, nil
}

// render encodes v as YAML with a head comment; comments, when given, go
// above the items of v's `checks` list.
func render(head string, v any, comments []string) ([]byte, error) {
	var n yaml.Node
	if err := n.Encode(v); err != nil {
		return nil, err
	}
	if comments != nil && n.Kind == yaml.MappingNode {
		for i := 0; i+1 < len(n.Content); i += 2 {
			if n.Content[i].Value != "checks" {
				continue
			}
			for j, item := range n.Content[i+1].Content {
				if j < len(comments) && comments[j] != "" {
					item.HeadComment = comments[j]
				}
			}
		}
	}
	n.HeadComment = strings.TrimRight(head, "\n")
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(&n); err != nil {
		return nil, err
	}
	return buf.Bytes(), enc.Close()
}

// ErrExists is returned by Write when a file exists and force is off.
var ErrExists = errors.New("exists")

// Write writes files under dir. Unless force, it writes nothing when any of
// them exists, and names them all in the error.
func Write(dir string, files map[string][]byte, force bool) error {
	paths := make([]string, 0, len(files))
	for p := range files {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	if !force {
		var exist []string
		for _, p := range paths {
			full := filepath.Join(dir, p)
			if _, err := os.Lstat(full); err == nil {
				exist = append(exist, full)
			} else if !errors.Is(err, fs.ErrNotExist) {
				return err
			}
		}
		if len(exist) > 0 {
			return fmt.Errorf("%w, not overwritten (use --force to replace): %s", ErrExists, strings.Join(exist, ", "))
		}
	}
	for _, p := range paths {
		full := filepath.Join(dir, p)
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(full, files[p], 0o644); err != nil {
			return err
		}
	}
	return nil
}
