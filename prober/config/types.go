// Package config loads upchain.yml and the check files under checks/,
// reporting every problem of every file in one pass with file and line.
package config

import "time"

// Config is upchain.yml plus the checks it points at.
type Config struct {
	Site          Site          `yaml:"site"`
	Defaults      Defaults      `yaml:"defaults"`
	ChecksDir     string        `yaml:"checks_dir"`
	History       History       `yaml:"history"`
	Incidents     Incidents     `yaml:"incidents"`
	Maintenance   []Maintenance `yaml:"maintenance"`
	Notifications Notifications `yaml:"notifications"`
	Serve         Serve         `yaml:"serve"`
	// Heartbeat is a URL fetched after every round that was recorded (a
	// dead man's switch: healthchecks.io, Cronitor, Better Stack). It is
	// redacted like a secret; write it as ${NAME}.
	Heartbeat string `yaml:"heartbeat"`
	// StaleAfter is how long a location may stay silent before an
	// incident opens and the site says monitoring is delayed; default 3
	// times the default interval.
	StaleAfter Duration `yaml:"stale_after"`
	// Locations place the runner locations on the site's map.
	Locations []RunnerLocation `yaml:"locations"`

	// Filled by Load.
	Checks []*Check `yaml:"-"`
	// Dir is the directory upchain.yml was read from; relative paths are
	// resolved against it.
	Dir string `yaml:"-"`
	// File is the path of upchain.yml as given.
	File string `yaml:"-"`
}

// Site holds what the status page shows about itself.
type Site struct {
	Title       string `yaml:"title"`
	Description string `yaml:"description"`
	// BaseURL is the public address of the site, e.g.
	// https://example.github.io/status/ (a subpath is fine).
	BaseURL string `yaml:"base_url"`
	Links   []Link `yaml:"links"`
	// Output directory of `upchain build`, default public.
	Output string `yaml:"output"`
}

// Link is a named outbound link (Grafana, Kibana, telemetry, ...).
type Link struct {
	Name string `yaml:"name"`
	URL  string `yaml:"url"`
	Line int    `yaml:"-"`
}

// Defaults apply to every check that does not set its own value.
type Defaults struct {
	Timeout  Duration `yaml:"timeout"`
	Retries  *int     `yaml:"retries"`
	Interval Duration `yaml:"interval"`
	// Concurrency bounds how many probes run at once in a round.
	Concurrency int `yaml:"concurrency"`
	// RoundTimeout bounds a whole round, retries included.
	RoundTimeout Duration `yaml:"round_timeout"`
	// MaxBodyBytes bounds how many bytes of a response body or message
	// are read (an integer, default 1048576 = 1 MiB); larger is a failure.
	MaxBodyBytes int64 `yaml:"max_body_bytes"`
	// Quorum is how many locations must see a check down for it to be
	// down (fewer: degraded); default 1.
	Quorum int `yaml:"quorum"`
}

// Built-in defaults, used where upchain.yml says nothing.
const (
	DefaultTimeout      = 10 * time.Second
	DefaultRetries      = 1
	DefaultInterval     = 5 * time.Minute
	DefaultRoundTimeout = 4 * time.Minute
	// DefaultConcurrency lets a round of 1,000 endpoints that never answer
	// end in about one timeout; goroutines and sockets are cheap at that scale.
	DefaultConcurrency = 1024
	DefaultMaxBody     = 1 << 20
	DefaultChecksDir   = "checks"
	DefaultOutput      = "public"
)

// Location is where something is on the site's map: a label for people
// and coordinates in degrees (WGS 84). Lat and Lon are required, so that
// 0 is a coordinate and not a forgotten one.
type Location struct {
	Label string   `yaml:"label"`
	Lat   *float64 `yaml:"lat"`
	Lon   *float64 `yaml:"lon"`
}
