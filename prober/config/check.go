package config

import (
	"regexp"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"
)

// Check is one endpoint to watch, as written in a checks/*.yml file.
type Check struct {
	Name       string            `yaml:"name"`
	Slug       string            `yaml:"slug"`
	Group      string            `yaml:"group"`
	Kind       string            `yaml:"kind"`
	URL        string            `yaml:"url"`
	Method     string            `yaml:"method"`
	Headers    map[string]string `yaml:"headers"`
	Body       string            `yaml:"body"`
	Timeout    Duration          `yaml:"timeout"`
	Retries    *int              `yaml:"retries"`
	Interval   Duration          `yaml:"interval"`
	Conditions []string          `yaml:"conditions"`
	Degraded   []string          `yaml:"degraded"`
	Links      map[string]string `yaml:"links"`
	Tags       []string          `yaml:"tags"`
	Regions    []Region          `yaml:"regions"`
	// Description is shown on the check's page.
	Description string `yaml:"description"`
	// Quorum overrides defaults.quorum for this check.
	Quorum int `yaml:"quorum"`
	// Lag compares this chain check's height with a reference (lag.go).
	Lag *Lag `yaml:"lag"`

	// Options holds the kind's own settings, decoded from the key named
	// after the kind (e.g. `jsonrpc: {method: ...}`) into the kind's type.
	Options any `yaml:"-"`
	// DisplayURL is URL as written, with ${NAME} placeholders unexpanded:
	// the only form of the URL that may be shown anywhere.
	DisplayURL string `yaml:"-"`
	// File and Line locate the check for error messages.
	File string `yaml:"-"`
	// MissingEnv names the environment variables the check references
	// that are not set (see Options.MissingSecretsFailChecks): probing it
	// fails with reason code config.
	MissingEnv []string `yaml:"-"`
	Line       int      `yaml:"-"`
	// Lines maps field names to their line, and "conditions[i]" /
	// "degraded[i]" to each condition's line.
	Lines map[string]int `yaml:"-"`
	// OptionsNode is the raw node of the kind's options, kept for kinds that
	// validate their options further.
	OptionsNode *yaml.Node `yaml:"-"`
}

// Region is a regional backend of a geo-routed endpoint: the prober dials
// Address instead of what DNS returns for the public name, keeping the Host
// header and TLS server name of the public name.
type Region struct {
	Name    string `yaml:"name"`
	Address string `yaml:"address"`
	// Location is where the backend is, for the site's map (optional).
	Location *Location `yaml:"location"`
}

// PublicRegion names the probe made through the public name itself.
const PublicRegion = "global"

// Targets lists the regions a check is probed from: the public name first,
// then each regional backend.
func (c *Check) Targets() []Region {
	out := make([]Region, 0, 1+len(c.Regions))
	out = append(out, Region{Name: PublicRegion})
	return append(out, c.Regions...)
}

// LinkNames returns the check's link names in display order: grafana,
// kibana, telemetry, then the rest alphabetically.
func (c *Check) LinkNames() []string {
	return orderedLinkNames(c.Links)
}

var slugJunk = regexp.MustCompile(`[^a-z0-9]+`)

// Slugify derives a stable, URL- and label-safe slug from a name.
func Slugify(name string) string {
	s := slugJunk.ReplaceAllString(strings.ToLower(name), "-")
	s = strings.Trim(s, "-")
	if len(s) > 64 {
		s = strings.TrimRight(s[:64], "-")
	}
	return s
}

var validSlug = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,63}$`)

func orderedLinkNames(links map[string]string) []string {
	rank := map[string]int{"grafana": 0, "kibana": 1, "telemetry": 2}
	names := make([]string, 0, len(links))
	for n := range links {
		names = append(names, n)
	}
	sort.Slice(names, func(i, j int) bool {
		ri, iok := rank[names[i]]
		rj, jok := rank[names[j]]
		switch {
		case iok && jok:
			return ri < rj
		case iok != jok:
			return iok
		}
		return names[i] < names[j]
	})
	return names
}
