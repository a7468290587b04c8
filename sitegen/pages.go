package sitegen

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"html/template"
	"io"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/upchain-dev/upchain/templates"
)

type templateSet struct {
	home, check, incidents, incident, notFound *template.Template
	badge                                      *template.Template
	css                                        []byte
	cssHref                                    string
	faviconSVG                                 []byte
}

// pageRef pairs an incident with the path to the site root, for the shared
// "incidentitem" template.
type pageRef struct {
	Root string
	V    *incidentView
}

var tmpl = loadTemplates()

func loadTemplates() *templateSet {
	funcs := template.FuncMap{
		"pair": func(root string, v *incidentView) pageRef { return pageRef{root, v} },
	}
	base := template.Must(template.New("layout.html").Funcs(funcs).ParseFS(templates.FS, "layout.html"))
	page := func(name string) *template.Template {
		return template.Must(template.Must(base.Clone()).ParseFS(templates.FS, name))
	}
	css, err := templates.FS.ReadFile("style.css")
	if err != nil {
		panic(err)
	}
	fav, err := templates.FS.ReadFile("favicon.svg")
	if err != nil {
		panic(err)
	}
	sum := sha256.Sum256(css)
	return &templateSet{
		home: page("home.html"), check: page("check.html"), incidents: page("incidents.html"),
		incident: page("incident.html"), notFound: page("notfound.html"),
		badge: template.Must(template.New("badge.svg").ParseFS(templates.FS, "badge.svg")),
		css:   css,
		// The stylesheet's hash in its URL lets browsers cache it forever
		// and still see a new one after an upgrade.
		cssHref:    "style.css?v=" + hex.EncodeToString(sum[:6]),
		faviconSVG: fav,
	}
}

type feedLink struct {
	Title string
	Type  string
	Href  string
}

// pageData is what the layout needs; Main is the page's own data.
type pageData struct {
	Root        string // path from the page to the site root: "", "../", or an absolute path
	Home        string
	Title       string
	Description string
	SiteTitle   string
	Notice      string
	Nav         string
	CSS         string
	Canonical   string
	Updated     string
	UpdatedISO  string
	// SiteFeeds are the site's feeds, Feeds the page's own.
	SiteFeeds []feedLink
	Feeds     []feedLink
	Links     []linkView
	// Chrome is what the pages of one directory share, made from the
	// fields above once a build (chromeOf).
	Chrome chrome
	Main   any
}

// chrome is a page's head links, header and footer, rendered.
type chrome struct{ Head, Top, Foot template.HTML }

// chromeOf renders p's chrome, or returns the one already rendered for a
// page with the same root and navigation: within a build nothing else it
// shows differs from page to page, and rendering it for each of a
// thousand check pages took a quarter of their template time (its links
// each pass three escapers).
func (m *model) chromeOf(p *pageData) (chrome, error) {
	key := p.Root + "\x00" + p.Nav
	m.chromeMu.Lock()
	defer m.chromeMu.Unlock()
	if c, ok := m.chromes[key]; ok {
		return c, nil
	}
	var c chrome
	for _, part := range []struct {
		name string
		out  *template.HTML
	}{{"chrome-head", &c.Head}, {"chrome-top", &c.Top}, {"chrome-foot", &c.Foot}} {
		var b strings.Builder
		if err := tmpl.notFound.ExecuteTemplate(&b, part.name, p); err != nil {
			return chrome{}, err
		}
		*part.out = template.HTML(b.String()) //nolint:gosec // made by html/template
	}
	if m.chromes == nil {
		m.chromes = map[string]chrome{}
	}
	m.chromes[key] = c
	return c, nil
}

// delayedText is the banner of a site whose newest round is too old.
func (m *model) delayedText() string {
	if m.in.DelayedSince.IsZero() {
		return ""
	}
	return "Monitoring delayed since " + fmtTime(m.in.DelayedSince) + ": no probe round has been recorded since; the states shown may be out of date."
}

func (m *model) page(root, title, nav, path string, main any) pageData {
	home := root
	if home == "" {
		home = "./"
	}
	notice := m.in.Site.Notice
	if d := m.delayedText(); d != "" {
		notice = strings.TrimSpace(d + " " + notice)
	}
	p := pageData{
		Root: root, Home: home, Title: title, Description: m.in.Site.Description, SiteTitle: m.siteTitle(), Notice: notice, Nav: nav,
		CSS: tmpl.cssHref, Main: main,
		SiteFeeds: []feedLink{
			{Title: m.siteTitle() + ": incidents and maintenance (RSS)", Type: "application/rss+xml", Href: "feeds/rss.xml"},
			{Title: m.siteTitle() + ": incidents and maintenance (Atom)", Type: "application/atom+xml", Href: "feeds/atom.xml"},
		},
	}
	if m.base != nil && path != "" {
		p.Canonical = m.absURL(strings.TrimSuffix(path, "index.html"))
	}
	if !m.now.IsZero() {
		p.Updated, p.UpdatedISO = fmtTime(m.now), isoTime(m.now)
	}
	for _, l := range m.in.Site.Links {
		if h := safeHref(l.URL); h != "" {
			p.Links = append(p.Links, linkView{Name: l.Name, Href: h})
		}
	}
	return p
}

func (m *model) execute(t *template.Template, data pageData) ([]byte, error) {
	var buf bytes.Buffer
	if n, ok := pageSizes.Load(t); ok {
		buf.Grow(n.(int) + n.(int)/8)
	}
	if err := m.executePage(&buf, t, data); err != nil {
		return nil, err
	}
	pageSizes.Store(t, buf.Len())
	return buf.Bytes(), nil
}

// executePage writes the page t makes of data to out, with its chrome.
func (m *model) executePage(out io.Writer, t *template.Template, data pageData) error {
	c, err := m.chromeOf(&data)
	if err != nil {
		return err
	}
	data.Chrome = c
	return t.ExecuteTemplate(out, "layout", data)
}

// pageSizes holds the size of each template's last page, to size the
// next one's buffer: pages of a template are alike, and a buffer grown by
// doubling allocates twice the page (a year's check page is 65 kB).
var pageSizes sync.Map // *template.Template → int

type homeData struct {
	Overall       overall
	Updated       string
	UpdatedISO    string
	Interval      string
	Stale         string
	ActiveMaint   []*maintView
	Upcoming      []*maintView
	OpenIncidents []*incidentView
	Groups        []groupView
	Map           *worldMap // nil without places (worldmap.go)
}

// homePage writes the home page to out: streamed, since with a bar for
// every check it is the site's largest page (11 MB for 1,000 checks).
func (m *model) homePage(out io.Writer) error {
	d := homeData{
		Overall: m.overall, ActiveMaint: m.maintenanceIn(MaintenanceActive), Upcoming: m.maintenanceIn(MaintenanceUpcoming),
		OpenIncidents: m.openIncidents(), Groups: m.groups, Map: m.worldMap(),
	}
	if !m.now.IsZero() {
		d.Updated, d.UpdatedISO = fmtTime(m.now), isoTime(m.now)
	}
	if iv := m.commonInterval(); iv > 0 {
		d.Interval = fmtDuration(iv)
	}
	stale := 0
	for _, c := range m.checks {
		if c.Stale {
			stale++
		}
	}
	if stale > 0 {
		d.Stale = plural(stale, "check", "checks")
	}
	title := m.siteTitle()
	if m.overall.Class != "nodata" {
		title = m.overall.Label + " · " + title
	}
	return m.executePage(out, tmpl.home, m.page("", title, "status", "index.html", d))
}

// commonInterval is the probe interval most checks use (the smaller on a
// tie), for the freshness note.
func (m *model) commonInterval() time.Duration {
	counts := map[time.Duration]int{}
	for _, c := range m.checks {
		if c.Interval > 0 {
			counts[c.Interval]++
		}
	}
	var best time.Duration
	for iv, n := range counts {
		if n > counts[best] || (n == counts[best] && iv < best) {
			best = iv
		}
	}
	return best
}

type dayRow struct {
	Date string
	Text string
}

// badgeLink and dataLinks hold whole hrefs, from the page: each action of
// a template's URL attribute passes three escapers, a tenth of a check
// page's time as root and path.
type badgeLink struct {
	SVG  string
	JSON string
	Alt  string
}

type dataLinks struct{ RSS, Atom, History string }

// checkPage is what the check page's template reads, each field its own:
// a field reached through embedded structs is found by a search that
// allocates, for every action of every page (a twentieth of a build).
type checkPage struct {
	// The check's.
	Slug, Name, Group, Kind, Description string
	Tags                                 []string
	// Its view's (checkView).
	Status                                                         statusView
	Since, SinceISO, For, Checked, CheckedISO, LatencyText, Reason string
	URLText, StaleNote                                             string
	Stale                                                          bool
	InMaint, Maintenance                                           []*maintView
	Links                                                          []linkView
	Regions                                                        []regionView
	Locations                                                      []locationRow
	Uptime                                                         []uptimeView
	Up90                                                           uptimeView
	Values                                                         valueTable
	Incidents                                                      []*incidentView
	// The page's own.
	IntervalText string
	Charts       []chartView
	ValueCharts  []valueChartView
	Validator    *validatorView
	// DaysRows are the rows of the daily figures table, newest first.
	DaysRows template.HTML
	// Bar is checkView.Bar, from the same day views as DaysRows.
	Bar    template.HTML
	Badges []badgeLink
	Data   dataLinks
}

// checkPage writes the page of c into out.
func (m *model) checkPage(out *bytes.Buffer, c *checkView) error {
	p := checkPage{
		Slug: c.Slug, Name: c.Name, Group: c.Group, Kind: c.Kind, Description: c.Description, Tags: c.Tags,
		Status: c.Status, Since: c.Since, SinceISO: c.SinceISO, For: c.For, Checked: c.Checked, CheckedISO: c.CheckedISO,
		LatencyText: c.LatencyText, Reason: c.Reason, URLText: c.URLText, StaleNote: c.StaleNote, Stale: c.Stale,
		InMaint: c.InMaint, Maintenance: c.Maintenance, Links: c.Links, Regions: c.Regions, Locations: c.Locations,
		Uptime: c.Uptime, Up90: c.Up90, Values: c.Values, Incidents: c.Incidents,
	}
	if c.Interval > 0 {
		p.IntervalText = fmtDuration(c.Interval)
	}
	for _, w := range LatencyWindows() {
		p.Charts = append(p.Charts, renderChart(c.Check, w, m.now, "chart-"+string(w)))
	}
	p.ValueCharts, p.Validator = valueCharts(c.Check, m.now), validatorBar(c.Name, c.Check.Validator)
	days := m.days(c.Check)
	p.DaysRows, p.Bar = dayRows(days), barSVG(c.Name, days)
	const root = "../"
	for _, b := range m.checkBadges(c) {
		base := root + "badges/" + c.Slug + "/" + b.Name
		p.Badges = append(p.Badges, badgeLink{SVG: base + ".svg", JSON: base + ".json", Alt: b.Label + ": " + b.Message})
	}
	p.Data = dataLinks{RSS: root + "feeds/" + c.Slug + ".rss.xml", Atom: root + "feeds/" + c.Slug + ".atom.xml", History: root + "api/checks/" + c.Slug + ".json"}
	title := c.Name + " · " + c.Status.Label + " · " + m.siteTitle()
	data := m.page(root, title, "", c.Page, p)
	data.Feeds = append(data.Feeds,
		feedLink{Title: c.Name + ": incidents and maintenance (RSS)", Type: "application/rss+xml", Href: "feeds/" + c.Slug + ".rss.xml"},
		feedLink{Title: c.Name + ": incidents and maintenance (Atom)", Type: "application/atom+xml", Href: "feeds/" + c.Slug + ".atom.xml"})
	return m.executePage(out, tmpl.check, data)
}

type incidentsData struct {
	Open     []*incidentView
	Active   []*maintView
	Upcoming []*maintView
	Past     []*maintView
	Months   []monthGroup
}

type monthGroup struct {
	Month     string
	Incidents []*incidentView
}

func (m *model) incidentsPage() ([]byte, error) {
	d := incidentsData{
		Open: m.openIncidents(), Active: m.maintenanceIn(MaintenanceActive),
		Upcoming: m.maintenanceIn(MaintenanceUpcoming), Past: m.maintenanceIn(MaintenancePast),
	}
	// Past maintenance newest first.
	sort.SliceStable(d.Past, func(i, j int) bool { return d.Past[i].Maintenance.Start.After(d.Past[j].Maintenance.Start) })
	for _, v := range m.incidents {
		if v.Open {
			continue
		}
		if n := len(d.Months); n == 0 || d.Months[n-1].Month != v.Month {
			d.Months = append(d.Months, monthGroup{Month: v.Month})
		}
		d.Months[len(d.Months)-1].Incidents = append(d.Months[len(d.Months)-1].Incidents, v)
	}
	return m.execute(tmpl.incidents, m.page("", "Incidents · "+m.siteTitle(), "incidents", "incidents.html", d))
}

type incidentPage struct {
	*incidentView
	IssueHref string
}

func (m *model) incidentPage(v *incidentView) ([]byte, error) {
	p := incidentPage{incidentView: v, IssueHref: safeHref(v.IssueURL)}
	return m.execute(tmpl.incident, m.page("../", v.Title+" · Incidents · "+m.siteTitle(), "incidents", v.Page, p))
}

// notFoundPage is served by GitHub Pages (and most static hosts) for any
// missing path at any depth, so its links are absolute from the site root.
func (m *model) notFoundPage() ([]byte, error) {
	return m.execute(tmpl.notFound, m.page(m.basePath(), "Page not found · "+m.siteTitle(), "", "", nil))
}

// dayRows writes the 90 rows of the daily figures table, newest first, as
// the template wrote them: a template range over them cost more than the
// rest of the check page.
func dayRows(days []dayView) template.HTML {
	var b strings.Builder
	b.Grow(len(days) * 96)
	for i := len(days) - 1; i >= 0; i-- {
		b.WriteString("\n<tr><th scope=\"row\">")
		b.WriteString(escapeText(days[i].Date))
		b.WriteString("</th><td>")
		b.WriteString(escapeText(days[i].Text))
		b.WriteString("</td></tr>")
	}
	return template.HTML(b.String()) //nolint:gosec // every text escaped above
}

// escapeText escapes s for HTML text as html/template does (its escaper
// also writes + as &#43;, and NUL as U+FFFD); TestEscapeTextMatchesTemplate
// holds the two together.
var escapeText = strings.NewReplacer("\x00", "\uFFFD", `"`, "&#34;", "&", "&amp;", "'", "&#39;", "+", "&#43;", "<", "&lt;", ">", "&gt;").Replace
