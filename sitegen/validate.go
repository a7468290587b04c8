package sitegen

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
)

// validName is what may name a file of the site: check slugs, incident and
// maintenance IDs become paths, so they are restricted rather than escaped.
var validName = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,127}$`)

// validate reports every problem of the input at once.
func validate(in *Input) error {
	var errs []string
	add := func(format string, args ...any) { errs = append(errs, fmt.Sprintf(format, args...)) }
	slugs := map[string]bool{}
	for gi, g := range in.Groups {
		for ci, c := range g.Checks {
			switch {
			case !validName.MatchString(c.Slug):
				add("groups[%d].checks[%d] (%q): slug %q must be lower-case letters, digits and '-'", gi, ci, c.Name, c.Slug)
			case slugs[c.Slug]:
				add("groups[%d].checks[%d]: duplicate slug %q", gi, ci, c.Slug)
			}
			slugs[c.Slug] = true
		}
	}
	ids := map[string]bool{}
	for i, inc := range in.Incidents {
		switch {
		case !validName.MatchString(inc.ID):
			add("incidents[%d] (%q): id %q must be lower-case letters, digits and '-'", i, inc.Title, inc.ID)
		case ids[inc.ID]:
			add("incidents[%d]: duplicate id %q", i, inc.ID)
		}
		ids[inc.ID] = true
		if inc.Started.IsZero() {
			add("incidents[%d] (%s): no start time", i, inc.ID)
		}
	}
	mids := map[string]bool{}
	for i, m := range in.Maintenance {
		id := maintenanceID(m)
		switch {
		case !validName.MatchString(id):
			add("maintenance[%d] (%q): id %q must be lower-case letters, digits and '-'", i, m.Title, id)
		case mids[id]:
			add("maintenance[%d] (%q): duplicate id %q; give the windows distinct ids", i, m.Title, id)
		}
		mids[id] = true
		if m.End.Before(m.Start) {
			add("maintenance[%d] (%q): ends before it starts", i, m.Title)
		}
	}
	if len(errs) > 0 {
		return errors.New("sitegen: invalid input:\n  " + strings.Join(errs, "\n  "))
	}
	return nil
}

// maintenanceID returns the window's ID, derived from its start and title
// when empty so that feeds keep a stable GUID.
func maintenanceID(m Maintenance) string {
	if m.ID != "" {
		return m.ID
	}
	id := m.Start.UTC().Format("20060102-1504") + "-" + slugify(m.Title)
	return strings.TrimRight(id, "-")
}

var slugJunk = regexp.MustCompile(`[^a-z0-9]+`)

func slugify(s string) string {
	s = strings.Trim(slugJunk.ReplaceAllString(strings.ToLower(s), "-"), "-")
	if len(s) > 60 {
		s = strings.TrimRight(s[:60], "-")
	}
	return s
}
