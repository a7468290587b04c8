package assemble

import (
	"time"

	"github.com/upchain-dev/upchain/prober/config"
	"github.com/upchain-dev/upchain/prober/history"
	"github.com/upchain-dev/upchain/sitegen"
)

// places are the world map's dots: each runner location of `locations:`
// (up while it records, degraded once silent for longer than
// stale_after, no data before its first round), then each region with a
// location, in config order. The region's status is the site's own.
func places(l *config.Loaded, st *history.State, now time.Time, red func(string) string) []sitegen.Place {
	var out []sitegen.Place
	for _, rl := range l.Locations {
		if rl.Location == nil || rl.Location.Lat == nil || rl.Location.Lon == nil {
			continue
		}
		p := sitegen.Place{Label: red(rl.Location.Label), Lat: *rl.Location.Lat, Lon: *rl.Location.Lon, Runner: red(rl.Name), Status: sitegen.NoData}
		if st != nil {
			if last, ok := st.Locations[rl.Name]; ok {
				p.Status = sitegen.Up
				if now.Sub(last) > StaleAfter(l) {
					p.Status = sitegen.Degraded
				}
			}
		}
		out = append(out, p)
	}
	for _, c := range l.Checks {
		for _, r := range c.Regions {
			if loc := r.Location; loc != nil && loc.Lat != nil && loc.Lon != nil {
				out = append(out, sitegen.Place{Label: red(loc.Label), Lat: *loc.Lat, Lon: *loc.Lon, Check: c.Slug, Region: r.Name})
			}
		}
	}
	return out
}
