package config

import (
	"net"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// The sections below belong to later stages (history, incidents,
// notifications, the daemon). Each keeps its own type so that its options
// are validated like everything else.

// History configures the git history store.
type History struct {
	// Branch holding the history, default "upchain-history".
	Branch string `yaml:"branch"`
	// Dir is the worktree of that branch, default ".upchain/history".
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
