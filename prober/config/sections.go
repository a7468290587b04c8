package config

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
	// Listen address, default 127.0.0.1:8080.
	Listen string `yaml:"listen"`
	// CommitEvery batches history commits, default 5m.
	CommitEvery Duration `yaml:"commit_every"`
	// BuildEvery rebuilds the site, default 5m.
	BuildEvery Duration `yaml:"build_every"`
}
