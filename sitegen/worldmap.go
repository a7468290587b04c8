package sitegen

import (
	"fmt"
	"html/template"
	"math"
	"strconv"
	"strings"
)

// The home page's world map: a static inline SVG (equirectangular, land
// from worldmap_land.go) with one dot per place, coloured by status, and
// the same places as a list, which is what screen readers read (the SVG
// is one image with a title).

// worldMap is what home.html shows.
type worldMap struct {
	SVG    template.HTML
	Places []placeView
}

type placeView struct {
	Label  string
	What   string // "runner location eu-daemon" or "API, region eu-west"
	Page   string // the check page of a region's backend
	Status statusView
}

// mapView crops the map to 84°N–60°S: nothing is monitored further
// south, and the space goes to the continents.
const (
	mapTop    = 6.0
	mapBottom = 150.0
	mapWidth  = 360.0
)

// mapGrid is the graticule: every 30 degrees.
var mapGrid = func() string {
	var b strings.Builder
	for lat := 60; lat >= -60; lat -= 30 {
		fmt.Fprintf(&b, "M0 %dH360", 90-lat)
	}
	for lon := 30; lon < 360; lon += 30 {
		fmt.Fprintf(&b, "M%d %gV%g", lon, mapTop, mapBottom)
	}
	return b.String()
}()

// worldMap is nil when no place is configured.
func (m *model) worldMap() *worldMap {
	if len(m.in.Places) == 0 {
		return nil
	}
	wm := &worldMap{}
	var dots strings.Builder
	runners, backends := 0, 0
	for _, p := range m.in.Places {
		pv := placeView{Label: p.Label, Status: viewOf(p.Status)}
		if p.Runner != "" {
			runners++
			pv.What = "runner location " + p.Runner
			if p.Status == "" {
				pv.Status = viewOf(NoData)
			}
		} else {
			backends++
			pv.What, pv.Status = "region "+p.Region, viewOf(NoData)
			if cv := m.bySlug[p.Check]; cv != nil {
				pv.What, pv.Page = cv.Name+", region "+p.Region, cv.Page
				for _, r := range cv.Regions {
					if r.Name == p.Region {
						pv.Status = r.Status
					}
				}
			}
		}
		wm.Places = append(wm.Places, pv)
		x, y := mapX(p.Lon), mapY(p.Lat)
		fmt.Fprintf(&dots, `<circle class="map-dot map-%s" cx="%s" cy="%s" r="3.5"/>`, pv.Status.Class, coord(x), coord(y))
	}
	title := "World map of " + plural(len(m.in.Places), "monitored place", "monitored places")
	var parts []string
	if runners > 0 {
		parts = append(parts, plural(runners, "runner location", "runner locations"))
	}
	if backends > 0 {
		parts = append(parts, plural(backends, "region backend", "region backends"))
	}
	title += " (" + strings.Join(parts, ", ") + "), coloured by status; the list beside it names each one."
	wm.SVG = template.HTML(fmt.Sprintf(`<svg class="worldmap-svg" viewBox="0 %g %g %g" role="img" aria-labelledby="worldmap-title" focusable="false">`+
		`<title id="worldmap-title">%s</title><rect class="map-sea" x="0" y="%g" width="%g" height="%g"/>`+
		`<path class="map-grid" d="%s"/><path class="map-land" d="%s"/>%s</svg>`,
		mapTop, mapWidth, mapBottom-mapTop, template.HTMLEscapeString(title), mapTop, mapWidth, mapBottom-mapTop,
		mapGrid, landPath, dots.String()))
	return wm
}

// mapX and mapY place a coordinate on the map (x = lon + 180,
// y = 90 - lat), clamped to the cropped view.
func mapX(lon float64) float64 { return math.Max(0, math.Min(mapWidth, lon+180)) }
func mapY(lat float64) float64 { return math.Max(mapTop, math.Min(mapBottom, 90-lat)) }

// coord is a map coordinate to a tenth of a degree.
func coord(v float64) string { return strconv.FormatFloat(math.Round(v*10)/10, 'f', -1, 64) }

// placeOf is the label of the place of a check's region backend ("" when
// it has none), shown beside the region on the check page.
func (m *model) placeOf(slug, region string) string {
	for _, p := range m.in.Places {
		if p.Runner == "" && p.Check == slug && p.Region == region {
			return p.Label
		}
	}
	return ""
}
