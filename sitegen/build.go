package sitegen

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
)

// Build renders the whole site for in into outDir. It writes into a new
// directory beside outDir and swaps it in only when every file is written,
// so a failed build leaves the previous site untouched. The same input
// always gives byte-identical files.
func Build(in *Input, outDir string) error {
	if in == nil {
		return errors.New("sitegen: no input")
	}
	if err := validate(in); err != nil {
		return err
	}
	outDir = filepath.Clean(outDir)
	if err := checkOutDir(outDir); err != nil {
		return err
	}
	parent := filepath.Dir(outDir)
	if err := os.MkdirAll(parent, 0o755); err != nil {
		return fmt.Errorf("sitegen: %w", err)
	}
	tmp, err := os.MkdirTemp(parent, "."+filepath.Base(outDir)+".build-")
	if err != nil {
		return fmt.Errorf("sitegen: %w", err)
	}
	swapped := false
	defer func() {
		if !swapped {
			os.RemoveAll(tmp)
		}
	}()
	if err := render(in, tmp); err != nil {
		return err
	}
	if err := os.Chmod(tmp, 0o755); err != nil {
		return fmt.Errorf("sitegen: %w", err)
	}
	if err := swapDir(tmp, outDir); err != nil {
		return fmt.Errorf("sitegen: replacing %s: %w", outDir, err)
	}
	swapped = true
	return nil
}

// writer writes files under root, creating directories once each.
type writer struct {
	root string
	mu   sync.Mutex
	dirs map[string]bool
}

func (w *writer) write(path string, data []byte) error {
	full := filepath.Join(w.root, filepath.FromSlash(path))
	dir := filepath.Dir(full)
	w.mu.Lock()
	if !w.dirs[dir] {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			w.mu.Unlock()
			return err
		}
		w.dirs[dir] = true
	}
	w.mu.Unlock()
	return os.WriteFile(full, data, 0o644)
}

func (w *writer) json(path string, v any) error {
	data, err := marshalJSON(v)
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return w.write(path, data)
}

// render writes every file of the site into dir.
func render(in *Input, dir string) error {
	m := newModel(in)
	w := &writer{root: dir, dirs: map[string]bool{}}
	var errs []error
	keep := func(err error) {
		if err != nil {
			errs = append(errs, err)
		}
	}
	pngIcon, icoIcon := favicons()
	keep(w.write(markerFile, nil))
	keep(w.write("style.css", tmpl.css))
	keep(w.write("favicon.svg", tmpl.faviconSVG))
	keep(w.write("favicon.png", pngIcon))
	keep(w.write("favicon.ico", icoIcon))
	keep(w.write("robots.txt", m.robots()))
	if m.base != nil {
		keep(w.write("sitemap.xml", m.sitemap()))
	}
	for path, data := range map[string]func() ([]byte, error){
		"index.html":     m.homePage,
		"incidents.html": m.incidentsPage,
		"404.html":       m.notFoundPage,
	} {
		b, err := data()
		if err != nil {
			keep(fmt.Errorf("%s: %w", path, err))
			continue
		}
		keep(w.write(path, b))
	}
	for _, v := range m.incidents {
		b, err := m.incidentPage(v)
		if err != nil {
			keep(fmt.Errorf("%s: %w", v.Page, err))
			continue
		}
		keep(w.write(v.Page, b))
	}
	for path, v := range m.apiFiles() {
		keep(w.json(path, v))
	}
	keep(w.json("api/checks.json", m.checkIndex()))
	keep(m.writeFeeds(w, "", feedMeta{
		Title: m.siteTitle() + ": incidents and maintenance", Description: "Incidents and planned maintenance of " + m.siteTitle(),
		Home: "incidents.html", RSSPath: "feeds/rss.xml", AtomPath: "feeds/atom.xml", ID: "all",
	}))
	sb := m.siteBadge()
	keep(m.writeBadge(w, "badges/status", sb))
	if len(errs) > 0 {
		return fmt.Errorf("sitegen: %w", errors.Join(errs...))
	}

	// Checks are independent: render them on every core, with a few more
	// workers than cores because much of the time is spent creating files.
	jobs := make(chan *checkView)
	var mu sync.Mutex
	var wg sync.WaitGroup
	for range max(4, 2*runtime.GOMAXPROCS(0)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for c := range jobs {
				if err := m.writeCheck(w, c); err != nil {
					mu.Lock()
					errs = append(errs, fmt.Errorf("check %s: %w", c.Slug, err))
					mu.Unlock()
				}
			}
		}()
	}
	for _, c := range m.checks {
		jobs <- c
	}
	close(jobs)
	wg.Wait()
	if len(errs) > 0 {
		return fmt.Errorf("sitegen: %w", errors.Join(errs...))
	}
	return nil
}

func (m *model) writeCheck(w *writer, c *checkView) error {
	page, err := m.checkPage(c)
	if err != nil {
		return err
	}
	if err := w.write(c.Page, page); err != nil {
		return err
	}
	// History is compact: a year of points indented would triple its size.
	hist, err := json.Marshal(m.historyJSON(c))
	if err != nil {
		return err
	}
	if err := w.write("api/checks/"+c.Slug+".json", append(hist, '\n')); err != nil {
		return err
	}
	if err := m.writeFeeds(w, c.Slug, feedMeta{
		Title: c.Name + ": incidents and maintenance", Description: "Incidents and planned maintenance of " + c.Name,
		Home: c.Page, RSSPath: "feeds/" + c.Slug + ".rss.xml", AtomPath: "feeds/" + c.Slug + ".atom.xml", ID: "check/" + c.Slug,
	}); err != nil {
		return err
	}
	for _, b := range m.checkBadges(c) {
		if err := m.writeBadge(w, "badges/"+c.Slug+"/"+b.Name, b); err != nil {
			return err
		}
	}
	return nil
}

func (m *model) writeFeeds(w *writer, slug string, meta feedMeta) error {
	items := m.feedItems(slug)
	rss, err := m.renderRSS(meta, items)
	if err != nil {
		return fmt.Errorf("%s: %w", meta.RSSPath, err)
	}
	if err := w.write(meta.RSSPath, rss); err != nil {
		return err
	}
	atom, err := m.renderAtom(meta, items)
	if err != nil {
		return fmt.Errorf("%s: %w", meta.AtomPath, err)
	}
	return w.write(meta.AtomPath, atom)
}

func (m *model) writeBadge(w *writer, base string, b badge) error {
	if err := w.json(base+".json", b.endpoint()); err != nil {
		return err
	}
	svg, err := b.svg()
	if err != nil {
		return fmt.Errorf("%s.svg: %w", base, err)
	}
	return w.write(base+".svg", svg)
}

type checkIndexEntry struct {
	Slug    string `json:"slug"`
	Name    string `json:"name"`
	Group   string `json:"group"`
	Status  string `json:"status"`
	Page    string `json:"page"`
	History string `json:"history"`
}

func (m *model) checkIndex() any {
	list := []checkIndexEntry{}
	for _, c := range m.checks {
		list = append(list, checkIndexEntry{
			Slug: c.Slug, Name: c.Name, Group: c.Group, Status: string(c.Raw),
			Page: m.absURL(c.Page), History: m.absURL("api/checks/" + c.Slug + ".json"),
		})
	}
	return struct {
		Schema  int               `json:"schema"`
		Updated *string           `json:"updated"`
		Checks  []checkIndexEntry `json:"checks"`
	}{1, jsonTime(m.now), list}
}

func (m *model) robots() []byte {
	var b strings.Builder
	b.WriteString("User-agent: *\nAllow: /\n")
	if m.base != nil {
		b.WriteString("Sitemap: " + m.absURL("sitemap.xml") + "\n")
	}
	return []byte(b.String())
}

func (m *model) sitemap() []byte {
	type loc struct {
		Loc string `xml:"loc"`
	}
	type urlset struct {
		XMLName struct{} `xml:"http://www.sitemaps.org/schemas/sitemap/0.9 urlset"`
		URLs    []loc    `xml:"url"`
	}
	s := urlset{URLs: []loc{{m.absURL("")}, {m.absURL("incidents.html")}}}
	for _, c := range m.checks {
		s.URLs = append(s.URLs, loc{m.absURL(c.Page)})
	}
	for _, v := range m.incidents {
		s.URLs = append(s.URLs, loc{m.absURL(v.Page)})
	}
	b, _ := marshalXML(s)
	return b
}
