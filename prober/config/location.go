package config

import (
	"fmt"

	"gopkg.in/yaml.v3"
)

// problems lists what is wrong with a location (nil: none given, fine).
func (loc *Location) problems() []string {
	if loc == nil {
		return nil
	}
	var out []string
	if loc.Label == "" {
		out = append(out, "location has no label: add `label:`, e.g. label: Frankfurt")
	}
	switch {
	case loc.Lat == nil:
		out = append(out, "location has no lat: add the latitude in degrees, -90 to 90")
	case *loc.Lat < -90 || *loc.Lat > 90:
		out = append(out, fmt.Sprintf("location lat %g is outside -90 to 90 degrees", *loc.Lat))
	}
	switch {
	case loc.Lon == nil:
		out = append(out, "location has no lon: add the longitude in degrees, -180 to 180")
	case *loc.Lon < -180 || *loc.Lon > 180:
		out = append(out, fmt.Sprintf("location lon %g is outside -180 to 180 degrees", *loc.Lon))
	}
	return out
}

// validateLocations checks locations: each names a runner location once
// and places it on the map.
func validateLocations(cfg *Config, root *yaml.Node, c collector) {
	lines := itemLines(root, "locations")
	seen := map[string]bool{}
	for i, rl := range cfg.Locations {
		line := lineOf(root, "locations")
		if i < len(lines) {
			line = lines[i]
		}
		switch {
		case rl.Name == "":
			c.add(line, "locations[%d] has no name: the location its runner records as (--location)", i)
		case seen[rl.Name]:
			c.add(line, "location %q is listed twice", rl.Name)
		}
		seen[rl.Name] = true
		if rl.Location == nil {
			c.add(line, "location %q: add `location: {label, lat, lon}`", rl.Name)
		}
		for _, p := range rl.Location.problems() {
			c.add(line, "location %q: %s", rl.Name, p)
		}
	}
}
