// Package incident turns probe results into incidents: opened after
// failure_threshold failed rounds of a check (or one region of it),
// commented on when they change, resolved after success_threshold good
// rounds. Incidents live as Markdown files in the history branch
// (incidents/<id>.md) and, when a GitHub token and repository are known,
// as GitHub issues kept in sync with them; issues people open with the
// incident label are mirrored into history too. Channels are notified
// through the notify package.
//
// Every action is recorded before it is attempted (an update's pending
// targets), so a failed GitHub call or notification is retried next round
// and nothing is forgotten; every action is idempotent (markers in issue
// and comment bodies, label search before create), so re-running a round
// on another runner's history never duplicates an issue or a comment.
package incident

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/upchain-dev/upchain/prober"
	"github.com/upchain-dev/upchain/prober/internal/frontmatter"
)

// Dir is the directory of incident files inside the history worktree.
const Dir = "incidents"

// Sources.
const (
	// FromProber marks incidents opened by upchain.
	FromProber = "upchain"
	// FromGitHub marks issues opened by people.
	FromGitHub = "github"
)

// States.
const (
	Open     = "open"
	Resolved = "resolved"
)

// Severities, besides prober.Down and prober.Degraded.
const (
	// Notice is a human incident that names no severity.
	Notice = "notice"
)

// Update kinds.
const (
	KindOpened   = "opened"
	KindChanged  = "changed"
	KindResolved = "resolved"
	// KindComment is a comment by a person on the incident's issue.
	KindComment = "comment"
	// KindClosed and KindReopened are state changes made on GitHub.
	KindClosed   = "closed"
	KindReopened = "reopened"
)

// TargetGitHub is the pending target of updates still to be written to
// the incident's issue; other targets are notification channels.
const TargetGitHub = "github"

// Incident is one incident file.
type Incident struct {
	ID    string `yaml:"id" json:"id"`
	Title string `yaml:"title" json:"title"`
	// Source is "upchain" (opened by the prober) or "github" (an issue
	// opened by a person).
	Source string `yaml:"source" json:"source"`
	// State is open or resolved.
	State string `yaml:"state" json:"state"`
	// Severity is down (every region of the check down), degraded
	// (degraded, or down in some regions) or notice.
	Severity string `yaml:"severity" json:"severity"`
	// Checks are the slugs affected.
	Checks []string `yaml:"checks,omitempty" json:"checks,omitempty"`
	// Regions are every region affected at some point.
	Regions []string `yaml:"regions,omitempty" json:"regions,omitempty"`
	// Chain is set on a chain-wide incident ("name=id" of the chain value
	// its checks share, see chainWide); Checks lists them.
	Chain string `yaml:"chain,omitempty" json:"chain,omitempty"`
	// Location is set on a "probes from <location> stopped" incident
	// (see staleLocations); it has no checks.
	Location string    `yaml:"location,omitempty" json:"location,omitempty"`
	Started  time.Time `yaml:"started" json:"started"`
	Resolved time.Time `yaml:"resolved,omitempty" json:"resolved,omitempty"`
	Issue    int       `yaml:"issue,omitempty" json:"issue,omitempty"`
	IssueURL string    `yaml:"issue_url,omitempty" json:"issue_url,omitempty"`
	Author   string    `yaml:"author,omitempty" json:"author,omitempty"`
	Labels   []string  `yaml:"labels,omitempty" json:"labels,omitempty"`
	// Handover is set once people reopened an automatic incident: from
	// then on the prober only mirrors it.
	Handover bool     `yaml:"handover,omitempty" json:"handover,omitempty"`
	Updates  []Update `yaml:"updates,omitempty" json:"updates,omitempty"`
	// Tracking holds, while open, each region currently part of the
	// incident (automatic incidents only).
	Tracking map[string]*Region `yaml:"tracking,omitempty" json:"tracking,omitempty"`
	// Reminded is when channels were last reminded of the open incident.
	Reminded time.Time `yaml:"reminded,omitempty" json:"reminded,omitempty"`
	// IssueUpdated is the issue's updated_at at the last sync.
	IssueUpdated time.Time `yaml:"issue_updated,omitempty" json:"issue_updated,omitempty"`
	// Body is the Markdown description (the issue body).
	Body string `yaml:"-" json:"body"`
}

// Region is a region's part in an open automatic incident.
type Region struct {
	Status prober.Status `yaml:"status" json:"status"`
	Since  time.Time     `yaml:"since" json:"since"`
	// Candidate is a different failing status seen in CandidateRounds
	// rounds in a row; it becomes Status after failure_threshold rounds,
	// so a region flapping between degraded and down makes no noise.
	Candidate       prober.Status `yaml:"candidate,omitempty" json:"candidate,omitempty"`
	CandidateRounds int           `yaml:"candidate_rounds,omitempty" json:"candidate_rounds,omitempty"`
}

// Update is one entry of an incident's timeline.
type Update struct {
	Seq  int       `yaml:"seq" json:"seq"`
	Time time.Time `yaml:"time" json:"time"`
	// Kind is opened, changed, resolved, comment, closed or reopened.
	Kind string `yaml:"kind" json:"kind"`
	// Status is the incident's status after the update (down, degraded,
	// up once resolved); Regions the regions affected after it.
	Status  string   `yaml:"status,omitempty" json:"status,omitempty"`
	Regions []string `yaml:"regions,omitempty" json:"regions,omitempty"`
	Author  string   `yaml:"author,omitempty" json:"author,omitempty"`
	// Text is Markdown.
	Text string `yaml:"text" json:"text"`
	// Comment is the id of the GitHub comment holding this update.
	Comment int64 `yaml:"comment,omitempty" json:"comment,omitempty"`
	// Pending lists where the update has not been delivered yet: "github"
	// and notification targets. Error is the last delivery failure.
	Pending []string `yaml:"pending,omitempty" json:"pending,omitempty"`
	Error   string   `yaml:"error,omitempty" json:"error,omitempty"`
}

// Check is the slug of an automatic incident's check ("" for others).
func (inc *Incident) Check() string {
	if inc.Source == FromProber && len(inc.Checks) > 0 {
		return inc.Checks[0]
	}
	return ""
}

// IsOpen reports whether the incident is open.
func (inc *Incident) IsOpen() bool { return inc.State == Open }

// automatic reports whether the prober manages the incident's lifecycle.
func (inc *Incident) automatic() bool { return inc.Source == FromProber && !inc.Handover }

// Duration is how long the incident lasted, or has lasted until now.
func (inc *Incident) Duration(now time.Time) time.Duration {
	end := inc.Resolved
	if end.IsZero() {
		end = now
	}
	if end.Before(inc.Started) {
		return 0
	}
	return end.Sub(inc.Started)
}

// PendingCount counts deliveries not made yet.
func (inc *Incident) PendingCount() int {
	n := 0
	for _, u := range inc.Updates {
		n += len(u.Pending)
	}
	return n
}

func (inc *Incident) pending(target string) bool {
	for _, u := range inc.Updates {
		if hasString(u.Pending, target) {
			return true
		}
	}
	return false
}

// lastKind is the kind of the latest update that changed the state.
func (inc *Incident) lastKind() string {
	for i := len(inc.Updates) - 1; i >= 0; i-- {
		switch k := inc.Updates[i].Kind; k {
		case KindOpened, KindResolved, KindClosed, KindReopened:
			return k
		}
	}
	return ""
}

func (inc *Incident) addUpdate(u Update) *Update {
	u.Seq = 1
	for _, x := range inc.Updates {
		if x.Seq >= u.Seq {
			u.Seq = x.Seq + 1
		}
	}
	inc.Updates = append(inc.Updates, u)
	return &inc.Updates[len(inc.Updates)-1]
}

func (inc *Incident) addRegions(names ...string) {
	for _, n := range names {
		if !hasString(inc.Regions, n) {
			inc.Regions = append(inc.Regions, n)
		}
	}
}

// Path is the file of incident id under the history worktree dir.
func Path(dir, id string) string { return filepath.Join(dir, Dir, id+".md") }

// Save writes inc to dir/incidents/<id>.md atomically.
func Save(dir string, inc *Incident) error {
	if inc.ID == "" || strings.ContainsAny(inc.ID, `/\`) || strings.HasPrefix(inc.ID, ".") {
		return fmt.Errorf("bad incident id %q", inc.ID)
	}
	return frontmatter.WriteFile(Path(dir, inc.ID), inc, inc.Body)
}

// Load reads one incident file.
func Load(path string) (*Incident, error) {
	var inc Incident
	body, err := frontmatter.Read(path, &inc)
	if err != nil {
		return nil, err
	}
	if inc.ID == "" {
		return nil, fmt.Errorf("%s: no id in the front matter", path)
	}
	inc.Body = strings.TrimSpace(body)
	return &inc, nil
}

// LoadAll reads every incident under dir/incidents (dir is the history
// worktree), newest first. Files that cannot be read are reported in the
// error, the others are still returned: this is what the site reads.
func LoadAll(dir string) ([]Incident, error) {
	ptrs, err := loadAll(dir)
	out := make([]Incident, len(ptrs))
	for i, p := range ptrs {
		out[i] = *p
	}
	return out, err
}

func loadAll(dir string) ([]*Incident, error) {
	entries, err := os.ReadDir(filepath.Join(dir, Dir))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var out []*Incident
	var errs []error
	for _, e := range entries {
		name := e.Name()
		if e.IsDir() || strings.HasPrefix(name, ".") || !strings.HasSuffix(name, ".md") {
			continue
		}
		inc, err := Load(filepath.Join(dir, Dir, name))
		if err != nil {
			errs = append(errs, err)
			continue
		}
		out = append(out, inc)
	}
	sort.SliceStable(out, func(i, j int) bool {
		if !out[i].Started.Equal(out[j].Started) {
			return out[i].Started.After(out[j].Started)
		}
		return out[i].ID < out[j].ID
	})
	return out, errors.Join(errs...)
}

func hasString(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

func without(list []string, s string) []string {
	out := list[:0:0]
	for _, v := range list {
		if v != s {
			out = append(out, v)
		}
	}
	if len(out) == 0 {
		return nil
	}
	return out
}
