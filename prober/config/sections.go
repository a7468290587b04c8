package config

import (
	"errors"
	"fmt"
	"net"
	"path/filepath"
	"strings"
	"time"

	"github.com/upchain-dev/upchain/prober/notify/channel"
	"gopkg.in/yaml.v3"
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
	// Location names the runner on every sample it records (e.g.
	// "gha-us-east", "fra-daemon"); --location and UPCHAIN_LOCATION
	// override it. Default "default".
	Location string `yaml:"location"`
}

// Incidents configures how failures become incidents: GitHub issues when
// a token and repository are known, Markdown files in the history branch
// always.
type Incidents struct {
	// FailureThreshold is how many rounds in a row a check (or one of its
	// regions) must fail before an incident opens, default 2.
	FailureThreshold int `yaml:"failure_threshold"`
	// SuccessThreshold is how many good rounds in a row resolve it, default 2.
	SuccessThreshold int `yaml:"success_threshold"`
	// Assignees of incident issues (GitHub logins).
	Assignees []string `yaml:"assignees"`
	// Labels added to every incident issue, besides "incident", the
	// check's slug and its tags.
	Labels []string `yaml:"labels"`
	// Repository "owner/name" for incident issues; default from
	// GITHUB_REPOSITORY.
	Repository string `yaml:"repository"`
	// Reminder re-notifies the channels while an incident stays open, e.g.
	// "4h"; 0 (default) sends no reminders.
	Reminder Duration `yaml:"reminder"`
	// GitHub turns issues off when false; by default they are used
	// whenever a token and a repository are known.
	GitHub *bool `yaml:"github"`
	// Token for the GitHub API, default from GITHUB_TOKEN. Write it as
	// ${NAME} so that it stays out of the file.
	Token string `yaml:"token"`
	// APIURL of the GitHub REST API, default GITHUB_API_URL or
	// https://api.github.com/ (GitHub Enterprise: https://host/api/v3/).
	APIURL string `yaml:"api_url"`
	// Label marks incident issues, default "incident"; MaintenanceLabel
	// marks maintenance announcements, default "maintenance".
	Label            string `yaml:"label"`
	MaintenanceLabel string `yaml:"maintenance_label"`
}

// Incident defaults.
const (
	DefaultFailureThreshold = 2
	DefaultSuccessThreshold = 2
	DefaultIncidentLabel    = "incident"
	DefaultMaintenanceLabel = "maintenance"
)

// Maintenance is a planned window during which failures of its checks open
// no incident and alert nobody.
type Maintenance struct {
	Title string `yaml:"title"`
	// Checks are the slugs affected; empty means every check.
	Checks []string `yaml:"checks"`
	// Start and End are RFC 3339 times ("2025-06-01T22:00:00Z") or
	// "2025-06-01 22:00" (UTC). Duration may replace End.
	Start    string   `yaml:"start"`
	End      string   `yaml:"end"`
	Duration Duration `yaml:"duration"`
	// Every repeats the window, e.g. "7d" for weekly.
	Every Duration `yaml:"every"`
	Body  string   `yaml:"body"`
	Line  int      `yaml:"-"`
}

// Notifications lists the channels told about incidents.
type Notifications struct {
	// Template is a Go text/template for the message text; see README.
	Template string `yaml:"template"`
	// Timeout bounds each request to a channel, default 10s.
	Timeout  Duration  `yaml:"timeout"`
	Channels []Channel `yaml:"channels"`
}

// Channel is one notification target: the keys every channel has, and
// Settings, the kind's own keys (url, token, ...) decoded from the same
// mapping into the kind's type from prober/notify/channel, which also
// validates them.
type Channel struct {
	// Name identifies the channel in logs and history, default
	// "<kind>" or "<kind>-<n>" when a kind is used twice.
	Name string `yaml:"name"`
	Kind string `yaml:"kind"`
	// Events limits the channel to some of opened, changed, resolved,
	// reminder (default all); Checks to some check slugs (default all).
	Events   []string `yaml:"events"`
	Checks   []string `yaml:"checks"`
	Template string   `yaml:"template"`
	Line     int      `yaml:"-"`
	// Settings is the kind's config, nil for an unknown kind.
	Settings channel.Channel `yaml:"-"`
	// node is the channel's mapping, for checking its keys; decodeErr
	// holds the type errors of its values.
	node      *yaml.Node
	decodeErr error
}

// channelKeys are the keys every channel has.
type channelKeys Channel

// UnmarshalYAML decodes the common keys, then the kind's own from the
// same mapping. Type errors are kept for validation to report with their
// lines: returning them would drop the whole channel from the list.
func (ch *Channel) UnmarshalYAML(n *yaml.Node) error {
	var terr yaml.TypeError
	add := func(err error) error {
		var te *yaml.TypeError
		if !errors.As(err, &te) {
			return err
		}
		terr.Errors = append(terr.Errors, te.Errors...)
		return nil
	}
	if err := add(n.Decode((*channelKeys)(ch))); err != nil {
		return err
	}
	ch.node = n
	if s, ok := channel.New(ch.Kind); ok {
		ch.Settings = s
		if err := add(n.Decode(s)); err != nil {
			return err
		}
	}
	if len(terr.Errors) > 0 {
		ch.decodeErr = &terr
	}
	return nil
}

// Serve configures `upchain serve`.
type Serve struct {
	// Listen address of the site, /metrics and /healthz, default
	// 127.0.0.1:8080 (loopback: put a reverse proxy in front to publish
	// it). "off" opens no port; with a textfile and no listen address
	// none is opened either.
	Listen string `yaml:"listen"`
	// CommitEvery batches history commits, default 5m.
	CommitEvery Duration `yaml:"commit_every"`
	// BuildEvery rebuilds the site, default 5m.
	BuildEvery Duration `yaml:"build_every"`
	// Textfile is a path to write the metrics to for node_exporter's
	// textfile collector (a *.prom file in its directory), "" for none.
	// Relative paths are resolved against upchain.yml's directory.
	Textfile string `yaml:"textfile"`
	// TextfileEvery is how often the textfile is rewritten, default 15s.
	TextfileEvery Duration `yaml:"textfile_every"`
}

// Defaults of the serve section.
const (
	DefaultListen        = "127.0.0.1:8080"
	DefaultCommitEvery   = 5 * time.Minute
	DefaultBuildEvery    = 5 * time.Minute
	DefaultTextfileEvery = 15 * time.Second
	// ListenOff as the listen address opens no port.
	ListenOff = "off"
)

// WithDefaults returns s with every unset duration at its default. Listen
// is left as written: whether an empty one means the default address
// depends on whether a textfile is written.
func (s Serve) WithDefaults() Serve {
	if s.CommitEvery <= 0 {
		s.CommitEvery = Duration(DefaultCommitEvery)
	}
	if s.BuildEvery <= 0 {
		s.BuildEvery = Duration(DefaultBuildEvery)
	}
	if s.TextfileEvery <= 0 {
		s.TextfileEvery = Duration(DefaultTextfileEvery)
	}
	return s
}

// validateServe reports problems of the serve section with their lines.
func validateServe(s Serve, root *yaml.Node, c collector) {
	if s.Listen != "" && s.Listen != ListenOff {
		if _, port, err := net.SplitHostPort(s.Listen); err != nil || port == "" {
			c.add(lineOf(root, "serve", "listen"), "serve.listen %q is not host:port, e.g. 127.0.0.1:8080 (or off)", s.Listen)
		}
	}
	for key, d := range map[string]Duration{"commit_every": s.CommitEvery, "build_every": s.BuildEvery, "textfile_every": s.TextfileEvery} {
		if d < 0 {
			c.add(lineOf(root, "serve", key), "serve.%s must be positive", key)
		}
	}
	if strings.HasSuffix(s.Textfile, "/") {
		c.add(lineOf(root, "serve", "textfile"), "serve.textfile %q names a directory: name the file, e.g. %supchain.prom", s.Textfile, s.Textfile)
	}
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

// RunnerLocation places a runner location (the name it records as, see
// History.Location) on the site's map.
type RunnerLocation struct {
	Name     string    `yaml:"name"`
	Location *Location `yaml:"location"`
}
