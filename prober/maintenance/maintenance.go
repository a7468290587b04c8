// Package maintenance reads planned maintenance windows, declared in
// upchain.yml or announced as GitHub issues labelled "maintenance" (synced
// into the history branch as maintenance/gh-<number>.md), and says which
// are upcoming, active or past at a given time. During an active window,
// failures of the affected checks open no incident and alert nobody.
package maintenance

import (
	"cmp"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/upchain-dev/upchain/prober/config"
	"github.com/upchain-dev/upchain/prober/internal/frontmatter"
)

// State of a window relative to a time.
type State string

// States.
const (
	Upcoming State = "upcoming"
	Active   State = "active"
	Past     State = "past"
)

// Dir is the directory of maintenance files inside the history worktree.
const Dir = "maintenance"

// Window is one maintenance window. For a recurring window, Start and End
// are the occurrence that matters at the time given to Windows: the one in
// progress, else the next one (or the last one, once a closed issue ended
// the series).
type Window struct {
	ID    string
	Title string
	// Body is Markdown.
	Body string
	// Checks are the slugs affected; empty means every check.
	Checks     []string
	Start, End time.Time
	// Every is the recurrence period, 0 for a single window.
	Every time.Duration
	State State
	// Source is "config" or "github".
	Source string
	Issue  int
	URL    string
	Author string

	first, stop time.Time // first occurrence's start; when a closed issue ended the series
	length      time.Duration
}

// Affects reports whether the window covers check.
func (w *Window) Affects(check string) bool {
	if len(w.Checks) == 0 {
		return true
	}
	for _, c := range w.Checks {
		if c == check {
			return true
		}
	}
	return false
}

// Occurrence returns the occurrence relevant at t: the one in progress,
// else the next, else (a series ended by closing its issue) the last.
// ok is false for a window cancelled before it began.
func (w *Window) Occurrence(t time.Time) (start, end time.Time, ok bool) {
	start = w.first
	if w.Every > 0 && !t.Before(w.first) {
		k := t.Sub(w.first) / w.Every
		start = w.first.Add(k * w.Every)
		if !t.Before(start.Add(w.length)) {
			start = start.Add(w.Every)
		}
	}
	end = start.Add(w.length)
	if w.stop.IsZero() {
		return start, end, true
	}
	// A closed issue ends the series: nothing starts at or after the
	// close, an occurrence in progress ends with it.
	if !start.Before(w.stop) {
		if !w.first.Before(w.stop) {
			return time.Time{}, time.Time{}, false // cancelled before it began
		}
		start = w.first
		if w.Every > 0 {
			start = w.first.Add((w.stop.Sub(w.first) - 1) / w.Every * w.Every)
		}
		end = start.Add(w.length)
	}
	if end.After(w.stop) {
		end = w.stop
	}
	return start, end, true
}

// ActiveAt reports whether t falls inside an occurrence.
func (w *Window) ActiveAt(t time.Time) bool {
	s, e, ok := w.Occurrence(t)
	return ok && !t.Before(s) && t.Before(e)
}

func (w *Window) at(now time.Time) bool {
	s, e, ok := w.Occurrence(now)
	if !ok {
		return false
	}
	w.Start, w.End = s, e
	switch {
	case now.Before(s):
		w.State = Upcoming
	case now.Before(e):
		w.State = Active
	default:
		w.State = Past
	}
	return true
}

// Windows lists the windows declared in cfg and synced from issues into
// dir (the history worktree; "" for none), with their state at now,
// sorted by start. Unreadable issue files are reported in the error; the
// windows that could be read are still returned.
func Windows(cfg []config.Maintenance, dir string, now time.Time) ([]Window, error) {
	var out []Window
	var errs []error
	for i, m := range cfg {
		first, end, err := m.Span()
		if err != nil {
			errs = append(errs, fmt.Errorf("maintenance[%d] (%s): %v", i, m.Title, err))
			continue
		}
		title := m.Title
		if title == "" {
			title = "Maintenance"
		}
		w := Window{
			ID:     "cfg-" + config.Slugify(title) + "-" + first.Format("20060102-1504"),
			Title:  title,
			Body:   m.Body,
			Checks: m.Checks,
			Every:  m.Every.D(),
			Source: "config",
			first:  first,
			length: end.Sub(first),
		}
		if w.at(now) {
			out = append(out, w)
		}
	}
	if dir != "" {
		files, err := LoadIssues(dir)
		if err != nil {
			errs = append(errs, err)
		}
		for _, f := range files {
			if f.Problem != "" || f.Start.IsZero() || !f.End.After(f.Start) {
				continue
			}
			w := Window{
				ID: f.ID, Title: f.Title, Body: f.Body, Checks: f.Checks,
				Source: cmp.Or(f.Source, "github"), Issue: f.Issue, URL: f.URL, Author: f.Author,
				first: f.Start, length: f.End.Sub(f.Start),
			}
			if f.Every != "" {
				w.Every, _ = config.ParseDuration(f.Every)
			}
			if f.State == "closed" {
				w.stop = f.Closed
				if w.stop.IsZero() {
					w.stop = f.Updated
				}
			}
			if w.at(now) {
				out = append(out, w)
			}
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		if !out[i].Start.Equal(out[j].Start) {
			return out[i].Start.Before(out[j].Start)
		}
		return out[i].ID < out[j].ID
	})
	return out, errors.Join(errs...)
}

// Covering returns the first window active at t that affects check, or nil.
func Covering(ws []Window, check string, t time.Time) *Window {
	for i := range ws {
		if ws[i].Affects(check) && ws[i].ActiveAt(t) {
			return &ws[i]
		}
	}
	return nil
}

// IssueFile is a maintenance issue mirrored into history.
type IssueFile struct {
	ID     string    `yaml:"id"`
	Title  string    `yaml:"title"`
	Issue  int       `yaml:"issue"`
	URL    string    `yaml:"url,omitempty"`
	Author string    `yaml:"author,omitempty"`
	State  string    `yaml:"state"`
	Closed time.Time `yaml:"closed,omitempty"`
	Start  time.Time `yaml:"start,omitempty"`
	End    time.Time `yaml:"end,omitempty"`
	Every  string    `yaml:"every,omitempty"`
	Checks []string  `yaml:"checks,omitempty"`
	// Problem says why the issue could not be read as a window.
	Problem string `yaml:"problem,omitempty"`
	// Source is where the window comes from when not an issue ("upgrade":
	// a chain's planned upgrade).
	Source string `yaml:"source,omitempty"`
	// Updated is the issue's updated_at when it was mirrored.
	Updated time.Time `yaml:"updated"`
	// Body is the issue text without the start/end/checks lines.
	Body string `yaml:"-"`
}

// IssueID names the file of issue n.
func IssueID(n int) string { return fmt.Sprintf("gh-%d", n) }

// SaveIssue writes f to dir/maintenance/<id>.md.
func SaveIssue(dir string, f IssueFile) error {
	if f.ID == "" {
		f.ID = IssueID(f.Issue)
	}
	return frontmatter.WriteFile(filepath.Join(dir, Dir, f.ID+".md"), f, f.Body)
}

// LoadIssues reads every maintenance file under dir/maintenance.
func LoadIssues(dir string) ([]IssueFile, error) {
	entries, err := os.ReadDir(filepath.Join(dir, Dir))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var out []IssueFile
	var errs []error
	for _, e := range entries {
		if e.IsDir() || !strings.HasSuffix(e.Name(), ".md") || strings.HasPrefix(e.Name(), ".") {
			continue
		}
		var f IssueFile
		body, err := frontmatter.Read(filepath.Join(dir, Dir, e.Name()), &f)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		f.Body = body
		out = append(out, f)
	}
	return out, errors.Join(errs...)
}

// Spec is what an issue body declares.
type Spec struct {
	Start, End time.Time
	Every      time.Duration
	Checks     []string
}

var specLine = regexp.MustCompile(`(?i)^\s*(?:[-*+]\s*)?(?:\*\*|__)?(start|starts|from|end|ends|until|duration|every|repeat|checks|affected|affected checks)(?:\*\*|__)?\s*:\s*(?:\*\*|__)?\s*(.*?)\s*$`)

// ParseIssue reads a maintenance window from an issue body: lines such as
//
//	start: 2025-06-01 22:00
//	end: 2025-06-02 01:00       (or duration: 3h)
//	checks: eth-rpc, cosmos-rpc (or affected: ...; omitted means all)
//	every: 7d                   (optional)
//
// (bold keys and list bullets are fine). It returns the window and the
// rest of the body. A problem is reported in words a person can act on.
func ParseIssue(body string) (Spec, string, error) {
	var spec Spec
	var rest []string
	var dur time.Duration
	var problems []string
	for _, line := range strings.Split(strings.ReplaceAll(body, "\r\n", "\n"), "\n") {
		m := specLine.FindStringSubmatch(line)
		if m == nil {
			rest = append(rest, line)
			continue
		}
		key, val := strings.ToLower(m[1]), strings.Trim(m[2], "`* ")
		var err error
		switch key {
		case "start", "starts", "from":
			spec.Start, err = config.ParseTime(val)
		case "end", "ends", "until":
			spec.End, err = config.ParseTime(val)
		case "duration":
			dur, err = config.ParseDuration(val)
		case "every", "repeat":
			spec.Every, err = config.ParseDuration(val)
		default:
			for _, c := range strings.FieldsFunc(val, func(r rune) bool { return r == ',' || r == ' ' || r == ';' }) {
				if c = strings.Trim(c, "`"); c != "" {
					spec.Checks = append(spec.Checks, c)
				}
			}
		}
		if err != nil {
			problems = append(problems, fmt.Sprintf("%s: %v", key, err))
		}
	}
	if spec.End.IsZero() && dur > 0 && !spec.Start.IsZero() {
		spec.End = spec.Start.Add(dur)
	}
	switch {
	case len(problems) > 0:
	case spec.Start.IsZero():
		problems = append(problems, "no start: add a line `start: 2025-06-01 22:00` (UTC, or RFC 3339 with a zone)")
	case spec.End.IsZero():
		problems = append(problems, "no end: add a line `end: 2025-06-02 01:00` or `duration: 3h`")
	case !spec.End.After(spec.Start):
		problems = append(problems, "end is not after start")
	}
	text := strings.TrimSpace(strings.Join(rest, "\n"))
	if len(problems) > 0 {
		return spec, text, errors.New(strings.Join(problems, "; "))
	}
	return spec, text, nil
}
