package sitegen

import (
	"bytes"
	"crypto/sha1"
	"encoding/xml"
	"fmt"
	"html/template"
	"sort"
	"strings"
	"time"
)

// Feeds are built with encoding/xml rather than text templates: every
// value is escaped by the encoder, and invalid characters are replaced.

// feedMaxItems bounds a feed; readers keep what they have seen.
const feedMaxItems = 100

// feedItem is one incident or maintenance window in a feed.
type feedItem struct {
	GUID      string // urn:uuid:..., stable for the item's lifetime
	Title     string
	Link      string
	Published time.Time
	Updated   time.Time
	Category  string
	HTML      string
}

// uuidNamespace is upchain's name-based UUID namespace (RFC 9562 §5.5).
var uuidNamespace = [16]byte{0x5f, 0x0b, 0x8e, 0x51, 0x3c, 0x2a, 0x4e, 0x11, 0x9d, 0x3e, 0x6a, 0x1c, 0x77, 0x20, 0x42, 0xe9}

// stableUUID is a version 5 UUID of name: the same name gives the same
// GUID in every build, so feed readers do not notify twice.
func stableUUID(name string) string {
	h := sha1.New()
	h.Write(uuidNamespace[:])
	h.Write([]byte(name))
	s := h.Sum(nil)
	s[6] = s[6]&0x0f | 0x50
	s[8] = s[8]&0x3f | 0x80
	return fmt.Sprintf("urn:uuid:%x-%x-%x-%x-%x", s[0:4], s[4:6], s[6:8], s[8:10], s[10:16])
}

func (m *model) incidentItem(v *incidentView) feedItem {
	var b strings.Builder
	fmt.Fprintf(&b, "<p><strong>%s</strong> · %s severity · started %s", template.HTMLEscapeString(v.StatusText), template.HTMLEscapeString(v.Severity), template.HTMLEscapeString(v.Started))
	if v.Resolved != "" {
		fmt.Fprintf(&b, " · resolved %s", template.HTMLEscapeString(v.Resolved))
	}
	if v.Duration != "" {
		fmt.Fprintf(&b, " · duration %s", template.HTMLEscapeString(v.Duration))
	}
	b.WriteString("</p>")
	if len(v.Checks) > 0 {
		names := make([]string, 0, len(v.Checks))
		for _, c := range v.Checks {
			names = append(names, template.HTMLEscapeString(c.Name))
		}
		fmt.Fprintf(&b, "<p>Affected: %s (%s)</p>", strings.Join(names, ", "), template.HTMLEscapeString(v.RegionText))
	}
	for _, u := range v.Timeline {
		fmt.Fprintf(&b, "<h3>%s · %s</h3>%s", template.HTMLEscapeString(u.Status), template.HTMLEscapeString(u.Time), u.HTML)
	}
	b.WriteString(string(v.BodyHTML))
	prefix := "Incident"
	if !v.Open {
		prefix = "Resolved"
	}
	return feedItem{
		GUID:      stableUUID("incident/" + v.ID),
		Title:     prefix + ": " + v.Title,
		Link:      m.absURL(v.Page),
		Published: v.Incident.Started,
		Updated:   v.Updated,
		Category:  "incident",
		HTML:      b.String(),
	}
}

func (m *model) maintenanceItem(v *maintView) feedItem {
	var b strings.Builder
	fmt.Fprintf(&b, "<p>%s · %s to %s (%s)</p>", template.HTMLEscapeString(titleCase(string(v.State))), template.HTMLEscapeString(v.Start), template.HTMLEscapeString(v.End), template.HTMLEscapeString(v.Duration))
	if len(v.Checks) > 0 {
		names := make([]string, 0, len(v.Checks))
		for _, c := range v.Checks {
			names = append(names, template.HTMLEscapeString(c.Name))
		}
		fmt.Fprintf(&b, "<p>Affected: %s</p>", strings.Join(names, ", "))
	} else if v.All {
		b.WriteString("<p>Affected: all checks</p>")
	}
	b.WriteString(string(v.BodyHTML))
	return feedItem{
		GUID:      stableUUID("maintenance/" + v.ID),
		Title:     "Maintenance: " + v.Title,
		Link:      m.absURL("incidents.html#" + v.Anchor),
		Published: v.Maintenance.Start,
		Updated:   v.Maintenance.Start,
		Category:  "maintenance",
		HTML:      b.String(),
	}
}

// feedItems lists the items of the site feed (slug "") or of one check,
// newest first.
func (m *model) feedItems(slug string) []feedItem {
	var items []feedItem
	for _, v := range m.incidents {
		if slug == "" || contains(v.Incident.Checks, slug) {
			items = append(items, m.incidentItem(v))
		}
	}
	for _, v := range m.maint {
		if slug == "" || v.All || contains(v.Maintenance.Checks, slug) {
			items = append(items, m.maintenanceItem(v))
		}
	}
	sort.SliceStable(items, func(i, j int) bool {
		if !items[i].Published.Equal(items[j].Published) {
			return items[i].Published.After(items[j].Published)
		}
		return items[i].GUID < items[j].GUID
	})
	if len(items) > feedMaxItems {
		items = items[:feedMaxItems]
	}
	return items
}

type feedMeta struct {
	Title       string
	Description string
	Home        string // page the feed is about
	RSSPath     string // site paths of the two feeds
	AtomPath    string
	ID          string
}

type rssDoc struct {
	XMLName xml.Name   `xml:"rss"`
	Version string     `xml:"version,attr"`
	Atom    string     `xml:"xmlns:atom,attr"`
	Channel rssChannel `xml:"channel"`
}

type rssChannel struct {
	Title         string      `xml:"title"`
	Link          string      `xml:"link"`
	Description   string      `xml:"description"`
	Language      string      `xml:"language"`
	Generator     string      `xml:"generator"`
	LastBuildDate string      `xml:"lastBuildDate,omitempty"`
	Self          *atomLinkEl `xml:"atom:link,omitempty"`
	Items         []rssItem   `xml:"item"`
}

type atomLinkEl struct {
	Href string `xml:"href,attr"`
	Rel  string `xml:"rel,attr"`
	Type string `xml:"type,attr,omitempty"`
}

type rssItem struct {
	Title       string  `xml:"title"`
	Link        string  `xml:"link"`
	GUID        rssGUID `xml:"guid"`
	PubDate     string  `xml:"pubDate,omitempty"`
	Category    string  `xml:"category,omitempty"`
	Description string  `xml:"description"`
}

type rssGUID struct {
	IsPermaLink string `xml:"isPermaLink,attr"`
	Value       string `xml:",chardata"`
}

// feedUpdated is when the feed's content last changed: its newest item's
// update (RSS 2.0 lastBuildDate, "the last time the content of the
// channel changed"; Atom's feed updated, RFC 4287 §4.2.15), zero without
// items. Not the build's data time: that would make every round a change
// to every feed.
func feedUpdated(items []feedItem) time.Time {
	var t time.Time
	for _, it := range items {
		t = maxTime(t, maxTime(it.Updated, it.Published))
	}
	return t
}

func maxTime(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

func rssDate(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC1123Z)
}

func (m *model) renderRSS(meta feedMeta, items []feedItem) ([]byte, error) {
	doc := rssDoc{Version: "2.0", Atom: "http://www.w3.org/2005/Atom", Channel: rssChannel{
		Title: feedTitle(meta.Title), Link: m.absURL(meta.Home), Description: feedTitle(meta.Description),
		Language: "en", Generator: "upchain", LastBuildDate: rssDate(feedUpdated(items)),
	}}
	if m.base != nil {
		doc.Channel.Self = &atomLinkEl{Href: m.absURL(meta.RSSPath), Rel: "self", Type: "application/rss+xml"}
	}
	for _, it := range items {
		doc.Channel.Items = append(doc.Channel.Items, rssItem{
			Title: feedTitle(it.Title), Link: it.Link, GUID: rssGUID{IsPermaLink: "false", Value: it.GUID},
			PubDate: rssDate(it.Published), Category: it.Category, Description: it.HTML,
		})
	}
	return marshalXML(doc)
}

type atomFeed struct {
	XMLName   xml.Name     `xml:"http://www.w3.org/2005/Atom feed"`
	Title     string       `xml:"title"`
	Subtitle  string       `xml:"subtitle,omitempty"`
	ID        string       `xml:"id"`
	Updated   string       `xml:"updated"`
	Links     []atomLinkEl `xml:"link"`
	Author    atomPerson   `xml:"author"`
	Generator string       `xml:"generator"`
	Entries   []atomEntry  `xml:"entry"`
}

type atomPerson struct {
	Name string `xml:"name"`
}

type atomEntry struct {
	Title     string       `xml:"title"`
	ID        string       `xml:"id"`
	Updated   string       `xml:"updated"`
	Published string       `xml:"published"`
	Link      atomLinkEl   `xml:"link"`
	Category  atomCategory `xml:"category"`
	Content   atomContent  `xml:"content"`
}

type atomCategory struct {
	Term string `xml:"term,attr"`
}

type atomContent struct {
	Type  string `xml:"type,attr"`
	Value string `xml:",chardata"`
}

func (m *model) renderAtom(meta feedMeta, items []feedItem) ([]byte, error) {
	updated := feedUpdated(items)
	if updated.IsZero() {
		updated = time.Unix(0, 0)
	}
	f := atomFeed{
		Title: feedTitle(meta.Title), Subtitle: feedTitle(meta.Description), ID: stableUUID("feed/" + m.siteKey() + "/" + meta.ID),
		Updated: isoTime(updated), Author: atomPerson{Name: m.siteTitle()}, Generator: "upchain",
		Links: []atomLinkEl{{Href: m.absURL(meta.Home), Rel: "alternate", Type: "text/html"}},
	}
	if m.base != nil {
		f.Links = append(f.Links, atomLinkEl{Href: m.absURL(meta.AtomPath), Rel: "self", Type: "application/atom+xml"})
	}
	for _, it := range items {
		up := it.Updated
		if up.Before(it.Published) {
			up = it.Published
		}
		f.Entries = append(f.Entries, atomEntry{
			Title: feedTitle(it.Title), ID: it.GUID, Updated: isoTime(up), Published: isoTime(it.Published),
			Link:     atomLinkEl{Href: it.Link, Rel: "alternate", Type: "text/html"},
			Category: atomCategory{Term: it.Category}, Content: atomContent{Type: "html", Value: it.HTML},
		})
	}
	return marshalXML(f)
}

// feedTitle makes a title safe for readers that (against RSS best practice)
// render titles as HTML: angle brackets become look-alike quotes, so no
// reader can see markup in a title, while the words stay readable.
var feedTitle = strings.NewReplacer("<", "\u2039", ">", "\u203a").Replace

func marshalXML(v any) ([]byte, error) {
	var buf bytes.Buffer
	buf.WriteString(xml.Header)
	enc := xml.NewEncoder(&buf)
	enc.Indent("", "  ")
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	buf.WriteByte('\n')
	return buf.Bytes(), nil
}

// siteKey identifies the site in feed IDs: its base URL, else its title.
func (m *model) siteKey() string {
	if m.base != nil {
		return m.base.String()
	}
	return m.siteTitle()
}

func (m *model) siteTitle() string {
	if t := strings.TrimSpace(m.in.Site.Title); t != "" {
		return t
	}
	return "Status"
}
