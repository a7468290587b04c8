package main

import (
	"time"

	"github.com/upchain-dev/upchain/prober/config"
	"github.com/upchain-dev/upchain/sitegen"
)

// loadSiteInput fills the site's input from config alone: every configured
// check with its links and regions, and no history yet (status "no data").
// The history adapter replaces this file; whatever replaces it keeps the
// rule that every text from config passes the redactor, because config
// values may contain expanded ${NAME} secrets.
func loadSiteInput(l *config.Loaded) (*sitegen.Input, error) {
	red := l.Redactor.String
	in := &sitegen.Input{
		Site: sitegen.Site{
			Title:       red(l.Site.Title),
			Description: red(l.Site.Description),
			BaseURL:     red(l.Site.BaseURL),
		},
	}
	for _, link := range l.Site.Links {
		in.Site.Links = append(in.Site.Links, sitegen.Link{Name: red(link.Name), URL: red(link.URL)})
	}
	groupIndex := map[string]int{}
	for _, c := range l.Checks {
		sc := sitegen.Check{
			Slug:        c.Slug,
			Name:        red(c.Name),
			Group:       red(c.Group),
			Kind:        c.Kind,
			DisplayURL:  red(c.DisplayURL),
			Description: red(c.Description),
			Interval:    c.Interval.D(),
			Current:     sitegen.Current{Status: sitegen.NoData},
		}
		for _, t := range c.Tags {
			sc.Tags = append(sc.Tags, red(t))
		}
		for _, name := range c.LinkNames() {
			sc.Links = append(sc.Links, sitegen.Link{Name: name, URL: red(c.Links[name])})
		}
		for _, r := range c.Targets() {
			sc.Regions = append(sc.Regions, sitegen.Region{Name: r.Name, Current: sitegen.Current{Status: sitegen.NoData}})
		}
		gi, ok := groupIndex[sc.Group]
		if !ok {
			gi = len(in.Groups)
			groupIndex[sc.Group] = gi
			in.Groups = append(in.Groups, sitegen.Group{Name: sc.Group})
		}
		in.Groups[gi].Checks = append(in.Groups[gi].Checks, sc)
	}
	// Maintenance windows written with RFC 3339 times; repeating windows
	// ("every") are expanded by the incidents stage, not here.
	for _, m := range l.Maintenance {
		start, err1 := time.Parse(time.RFC3339, m.Start)
		end, err2 := time.Parse(time.RFC3339, m.End)
		if err1 != nil || err2 != nil || m.Every != 0 {
			continue
		}
		in.Maintenance = append(in.Maintenance, sitegen.Maintenance{
			Title: red(m.Title), Checks: m.Checks, Start: start, End: end, Body: red(m.Body),
		})
	}
	return in, nil
}
