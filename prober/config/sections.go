package config

import (
	"fmt"
	"path/filepath"
	"time"
)

// The sections below belong to later stages (history, incidents,
// notifications, the daemon). Each keeps its own type so that its options
// are validated like everything else.

// History configures the git history store.
type History struct {
	// Branch holding the history, default "upchain-history".
	Branch string `yaml:"branch"`
	// Dir is the worktree of that branch, default ".upchain/history",
	// relative to the directory of upchain.yml.
	Dir string `yaml:"dir"`
	// Remote to push to when it exists, default "origin".
	Remote string `yaml:"remote"`
	// Retention of raw samples before they are rolled up, default 14d.
	RawRetention Duration `yaml:"raw_retention"`
	// Retention of hourly roll-ups, default 90d. Daily roll-ups are kept forever.
	HourlyRetention Duration `yaml:"hourly_retention"`
}

// Incidents configures how failures become incidents.
type Incidents struct {
	FailureThreshold int      `yaml:"failure_threshold"`
	SuccessThreshold int      `yaml:"success_threshold"`
	Assignees        []string `yaml:"assignees"`
	Labels           []string `yaml:"labels"`
	// Repository "owner/name" for incident issues; default from
	// GITHUB_REPOSITORY.
	Repository string   `yaml:"repository"`
	Reminder   Duration `yaml:"reminder"`
}

// Maintenance is a planned window during which failures alert nobody.
type Maintenance struct {
	Title  string   `yaml:"title"`
	Checks []string `yaml:"checks"`
	Start  string   `yaml:"start"`
	End    string   `yaml:"end"`
	// Every repeats the window, e.g. "7d" for weekly.
	Every Duration `yaml:"every"`
	Body  string   `yaml:"body"`
	Line  int      `yaml:"-"`
}

// Notifications lists the channels told about incidents.
type Notifications struct {
	Template string    `yaml:"template"`
	Channels []Channel `yaml:"channels"`
}

// Channel is one notification target. Kind selects which fields apply.
type Channel struct {
	Kind       string   `yaml:"kind"`
	URL        string   `yaml:"url"`
	Token      string   `yaml:"token"`
	ChatIDs    []string `yaml:"chat_ids"`
	RoutingKey string   `yaml:"routing_key"`
	Secret     string   `yaml:"secret"`
	// SMTP
	Host     string   `yaml:"host"`
	Port     int      `yaml:"port"`
	Username string   `yaml:"username"`
	Password string   `yaml:"password"`
	From     string   `yaml:"from"`
	To       []string `yaml:"to"`
	Template string   `yaml:"template"`
	Line     int      `yaml:"-"`
}

// Serve configures `upchain serve`.
type Serve struct {
	// Listen address, default 127.0.0.1:8080.
	Listen string `yaml:"listen"`
	// CommitEvery batches history commits, default 5m.
	CommitEvery Duration `yaml:"commit_every"`
	// BuildEvery rebuilds the site, default 5m.
	BuildEvery Duration `yaml:"build_every"`
}

// Defaults of the history section.
const (
	DefaultHistoryBranch = "upchain-history"
	DefaultHistoryDir    = ".upchain/history"
	DefaultHistoryRemote = "origin"
	// DefaultRawRetention is 14 days, DefaultHourlyRetention 90 days.
	DefaultRawRetention    = Duration(14 * 24 * time.Hour)
	DefaultHourlyRetention = Duration(90 * 24 * time.Hour)
)

// WithDefaults returns h with every unset field at its default.
func (h History) WithDefaults() History {
	if h.Branch == "" {
		h.Branch = DefaultHistoryBranch
	}
	if h.Dir == "" {
		h.Dir = DefaultHistoryDir
	}
	if h.Remote == "" {
		h.Remote = DefaultHistoryRemote
	}
	if h.RawRetention == 0 {
		h.RawRetention = DefaultRawRetention
	}
	if h.HourlyRetention == 0 {
		h.HourlyRetention = DefaultHourlyRetention
	}
	return h
}

// Path resolves Dir (with its default) against the directory of upchain.yml.
func (h History) Path(cfgDir string) string {
	d := h.WithDefaults().Dir
	if filepath.IsAbs(d) {
		return filepath.Clean(d)
	}
	return filepath.Join(cfgDir, d)
}

// Problems lists what is wrong with the history section (after defaults),
// as messages that name the upchain.yml keys to fix.
func (h History) Problems() []string {
	h = h.WithDefaults()
	var out []string
	day := Duration(24 * time.Hour)
	if h.RawRetention < day {
		out = append(out, fmt.Sprintf("history.raw_retention is %s: keep raw samples at least 1d (default 14d)", h.RawRetention))
	}
	if h.HourlyRetention < h.RawRetention+2*day {
		out = append(out, fmt.Sprintf("history.hourly_retention (%s) must be at least history.raw_retention (%s) plus 2d: hourly roll-ups are made from raw samples as they expire", h.HourlyRetention, h.RawRetention))
	}
	return out
}
