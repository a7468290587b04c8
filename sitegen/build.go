package sitegen

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
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
	w := newWriter(tmp, false, nil)
	if st, err := os.Lstat(filepath.Join(outDir, markerFile)); err == nil && st.Mode().IsRegular() {
		// A previous build: files with the same bytes are linked from it,
		// not written again.
		w.same = outDir
	}
	if _, err := render(in, w, nil, nil, ""); err != nil {
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

// writer writes files under root, creating directories once each. With
// have (the digests of the files root holds) it writes only files whose
// bytes differ; made collects the digest of every file of the build.
type writer struct {
	root string
	mu   sync.Mutex
	dirs map[string]bool
	have map[string]fileSum
	made map[string]fileSum
	// written counts the files actually written, linked those linked
	// from same; reused the parts carried unrendered (see sink.part).
	written, linked, reused atomic.Int64
	// same, when set, is a previous build of the site: a file whose bytes
	// equal its copy there is hard-linked from it instead of written
	// (linking costs less than writing, and builds never write into a
	// file in place, so the two names never diverge). sameSums, when
	// known, are the digests of its files: then nothing is read from it.
	same     string
	sameSums map[string]fileSum
}

// fileSum is a file's SHA-256: equal sums, equal bytes.
type fileSum [sha256.Size]byte

// sink receives a build's files; a check's files go through one of their
// own so that an incremental build knows which files a check made.
type sink interface {
	write(path string, data []byte) error
	// part makes a group of files that depend on one piece of input
	// only (a check's feeds, its badges) with render, or, in an
	// incremental build where that piece's key is the last build's,
	// carries the files it made then. key is called only where it is
	// needed.
	part(name string, key func() inputKey, render func() error) error
}

// newWriter writes into root; track keeps the digests of what it writes
// (for incremental builds), have lists what root holds.
func newWriter(root string, track bool, have map[string]fileSum) *writer {
	w := &writer{root: root, dirs: map[string]bool{}, have: have}
	if track {
		w.made = map[string]fileSum{}
	}
	return w
}

// part renders: a full build keeps nothing between builds.
func (w *writer) part(_ string, _ func() inputKey, render func() error) error { return render() }

func (w *writer) write(path string, data []byte) error {
	var sum fileSum
	if w.made != nil {
		sum = sha256.Sum256(data)
	}
	return w.put(path, sum, func(full string) error {
		if w.same != "" && w.sameSums == nil && w.linkSame(path, full, data) {
			return nil
		}
		return os.WriteFile(full, data, 0o644)
	})
}

// linkSame links full to the previous build's file at path if that is a
// regular file with exactly data in it.
func (w *writer) linkSame(path, full string, data []byte) bool {
	prev := filepath.Join(w.same, filepath.FromSlash(path))
	st, err := os.Lstat(prev)
	if err != nil || !st.Mode().IsRegular() || st.Size() != int64(len(data)) {
		return false
	}
	old, err := os.ReadFile(prev)
	if err != nil || !bytes.Equal(old, data) {
		return false
	}
	return os.Link(prev, full) == nil
}

// carry puts a file the previous build made, unchanged, from dir.
func (w *writer) carry(path string, sum fileSum, dir string) error {
	return w.put(path, sum, func(full string) error {
		data, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(path)))
		if err != nil {
			return err
		}
		if fileSum(sha256.Sum256(data)) != sum {
			return fmt.Errorf("%s changed outside the build", path)
		}
		return os.WriteFile(full, data, 0o644)
	})
}

// carryAll carries files the previous build made, unchanged, from dir.
func (w *writer) carryAll(files []checkFile, dir string) error {
	for _, f := range files {
		if err := w.carry(f.path, f.sum, dir); err != nil {
			return err
		}
	}
	return nil
}

// stream writes the file at path from what render writes, without
// holding it all in memory: into a temporary file beside it, hashed on the
// way, which then takes the place put gives it, or is dropped where put
// keeps the file there is (or links the previous build's).
func (w *writer) stream(path string, render func(io.Writer) error) error {
	full := filepath.Join(w.root, filepath.FromSlash(path))
	if err := w.mkdir(filepath.Dir(full)); err != nil {
		return err
	}
	tmp := full + ".part"
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return err
	}
	defer os.Remove(tmp) // renamed by now unless put kept the old file or this failed
	h := sha256.New()
	bw := bufio.NewWriterSize(io.MultiWriter(f, h), 64<<10)
	err = render(bw)
	if err == nil {
		err = bw.Flush()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	var sum fileSum
	h.Sum(sum[:0])
	return w.put(path, sum, func(dst string) error { return os.Rename(tmp, dst) })
}

// mkdir creates dir, once a build.
func (w *writer) mkdir(dir string) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.dirs[dir] {
		return nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	w.dirs[dir] = true
	return nil
}

func (w *writer) put(path string, sum fileSum, write func(full string) error) error {
	full := filepath.Join(w.root, filepath.FromSlash(path))
	dir := filepath.Dir(full)
	w.mu.Lock()
	if w.made != nil {
		w.made[path] = sum
	}
	old, existed := w.have[path]
	if existed && old == sum {
		w.mu.Unlock()
		return nil
	}
	if !w.dirs[dir] {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			w.mu.Unlock()
			return err
		}
		w.dirs[dir] = true
	}
	w.mu.Unlock()
	if !existed {
		if s, ok := w.sameSums[path]; ok && s == sum && os.Link(filepath.Join(w.same, filepath.FromSlash(path)), full) == nil {
			w.linked.Add(1)
			return nil
		}
		w.written.Add(1)
		return write(full)
	}
	w.written.Add(1)
	// Replace rather than overwrite: a slow reader that opened this file
	// when it was served two builds ago keeps reading whole old bytes.
	if err := write(full + ".new"); err != nil {
		return err
	}
	return os.Rename(full+".new", full)
}

// removeStale deletes the files root had that this build did not make,
// and the directories that leaves empty, and counts the files.
func (w *writer) removeStale() (int, error) {
	var stale []string
	for path := range w.have {
		if _, ok := w.made[path]; !ok {
			stale = append(stale, path)
		}
	}
	slices.Sort(stale)
	for _, path := range stale {
		full := filepath.Join(w.root, filepath.FromSlash(path))
		if err := os.Remove(full); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return 0, err
		}
		for dir := filepath.Dir(full); dir != w.root && strings.HasPrefix(dir, w.root); dir = filepath.Dir(dir) {
			if os.Remove(dir) != nil {
				break // not empty
			}
		}
	}
	return len(stale), nil
}

// checkSink records the files of one check, and which of them each part
// made; prev are the parts of the check's last build, in prevDir.
type checkSink struct {
	w       *writer
	files   []checkFile
	parts   map[string]part
	prev    map[string]part
	prevDir string
}

// part is a group of a check's files and the key of the input they came
// from.
type part struct {
	key   inputKey
	files []checkFile
}

func (c *checkSink) part(name string, key func() inputKey, render func() error) error {
	k := key()
	if c.parts == nil {
		c.parts = map[string]part{}
	}
	if p, ok := c.prev[name]; ok && p.key == k {
		if err := c.w.carryAll(p.files, c.prevDir); err != nil {
			return err
		}
		c.files = append(c.files, p.files...)
		c.parts[name] = p
		c.w.reused.Add(1)
		return nil
	}
	from := len(c.files)
	err := render()
	c.parts[name] = part{key: k, files: slices.Clone(c.files[from:])}
	return err
}

type checkFile struct {
	path string
	sum  fileSum
}

func (c *checkSink) write(path string, data []byte) error {
	sum := fileSum(sha256.Sum256(data))
	c.files = append(c.files, checkFile{path, sum})
	return c.w.put(path, sum, func(full string) error { return os.WriteFile(full, data, 0o644) })
}

func writeJSON(s sink, path string, v any) error {
	data, err := marshalJSON(v)
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return s.write(path, data)
}

// rendered is what a build remembers of a check for the next one: the
// digest of its input and the files it made.
type rendered struct {
	key   inputKey
	files []checkFile
	// parts: which of files each part made (see sink.part).
	parts map[string]part
	// rendered: made by this build rather than carried.
	rendered bool
}

// render writes every file of the site through w. With keys (one per
// check, see checkKeys), a check whose key equals the one in prev is not
// rendered again: its files are carried from prevDir, where the previous
// build put them.
func render(in *Input, w *writer, keys []inputKey, prev map[string]rendered, prevDir string) (map[string]rendered, error) {
	m := newModel(in)
	var errs []error
	keep := func(err error) {
		if err != nil {
			errs = append(errs, err)
		}
	}
	// Checks are independent: render them on every core, with a few more
	// workers than cores because much of the time is spent creating files,
	// while this goroutine renders the site's own pages.
	jobs := make(chan int)
	done := make([]rendered, len(m.checks))
	var mu sync.Mutex
	var checkErrs []error
	var wg sync.WaitGroup
	for range max(4, 2*runtime.GOMAXPROCS(0)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range jobs {
				c := m.checks[i]
				err := func() error {
					if keys == nil {
						return m.writeCheck(w, c)
					}
					done[i].key = keys[i]
					p, ok := prev[c.Slug]
					if ok && p.key == done[i].key {
						done[i].files, done[i].parts = p.files, p.parts
						return w.carryAll(p.files, prevDir)
					}
					cs := &checkSink{w: w, prev: p.parts, prevDir: prevDir}
					err := m.writeCheck(cs, c)
					done[i].files, done[i].parts, done[i].rendered = cs.files, cs.parts, true
					return err
				}()
				if err != nil {
					mu.Lock()
					checkErrs = append(checkErrs, fmt.Errorf("check %s: %w", c.Slug, err))
					mu.Unlock()
				}
			}
		}()
	}
	go func() {
		for i := range m.checks {
			jobs <- i
		}
		close(jobs)
	}()

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
	keep(w.stream("index.html", m.homePage))
	for path, data := range map[string]func() ([]byte, error){
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
		keep(writeJSON(w, path, v))
	}
	keep(writeJSON(w, "api/checks.json", m.checkIndex()))
	keep(m.writeFeedItems(w, feedMeta{
		Title: m.siteTitle() + ": incidents and maintenance", Description: "Incidents and planned maintenance of " + m.siteTitle(),
		Home: "incidents.html", RSSPath: "feeds/rss.xml", AtomPath: "feeds/atom.xml", ID: "all",
	}, m.feedItems("")))
	sb := m.siteBadge()
	keep(m.writeBadge(w, "badges/status", sb))
	wg.Wait()
	errs = append(errs, checkErrs...)
	if len(errs) > 0 {
		return nil, fmt.Errorf("sitegen: %w", errors.Join(errs...))
	}
	if keys == nil {
		return nil, nil
	}
	out := make(map[string]rendered, len(m.checks))
	for i, c := range m.checks {
		out[c.Slug] = done[i]
	}
	return out, nil
}

// checkScratch holds the buffers of a check's page and history: both are
// written before the next check, so one set serves each worker, and a
// build does not allocate (and collect) them a thousand times over.
type checkScratch struct {
	page bytes.Buffer
	hist []byte
	rows [][4]float64 // the history's latency rows
}

var checkScratchPool = sync.Pool{New: func() any { return new(checkScratch) }}

func (m *model) writeCheck(w sink, c *checkView) error {
	sc := checkScratchPool.Get().(*checkScratch)
	defer checkScratchPool.Put(sc)
	sc.page.Reset()
	if err := m.checkPage(&sc.page, c); err != nil {
		return err
	}
	if err := w.write(c.Page, sc.page.Bytes()); err != nil {
		return err
	}
	// History is compact: a year of points indented would triple its size.
	doc := m.historyJSON(c, &sc.rows)
	hist, err := appendHistory(sc.hist[:0], &doc)
	if err != nil {
		return err
	}
	hist = append(hist, '\n')
	sc.hist = hist[:0]
	if err := w.write("api/checks/"+c.Slug+".json", hist); err != nil {
		return err
	}
	// Feeds and badges change far less often than the page (not with
	// every round): an incremental build renders them only when their own
	// input changed.
	meta := feedMeta{
		Title: c.Name + ": incidents and maintenance", Description: "Incidents and planned maintenance of " + c.Name,
		Home: c.Page, RSSPath: "feeds/" + c.Slug + ".rss.xml", AtomPath: "feeds/" + c.Slug + ".atom.xml", ID: "check/" + c.Slug,
	}
	items := m.feedItems(c.Slug)
	err = w.part("feeds", func() inputKey { return keyOf(m.in.Site, meta, items) }, func() error {
		return m.writeFeedItems(w, meta, items)
	})
	if err != nil {
		return err
	}
	// Each badge on its own: a response time that moves by a millisecond
	// leaves the status and uptime badges as they were.
	for _, b := range m.checkBadges(c) {
		err := w.part("badge/"+b.Name, func() inputKey { return keyOf(b) }, func() error {
			return m.writeBadge(w, "badges/"+c.Slug+"/"+b.Name, b)
		})
		if err != nil {
			return err
		}
	}
	return nil
}

func (m *model) writeFeedItems(w sink, meta feedMeta, items []feedItem) error {
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

func (m *model) writeBadge(w sink, base string, b badge) error {
	if err := writeJSON(w, base+".json", b.endpoint()); err != nil {
		return err
	}
	svg, err := m.badgeSVG(b)
	if err != nil {
		return fmt.Errorf("%s.svg: %w", base, err)
	}
	return w.write(base+".svg", svg)
}

// badgeSVG draws b once per build: checks share most badges ("status:
// operational", "uptime 30d: 100%"), and the template costs more than
// the rest of a badge.
func (m *model) badgeSVG(b badge) ([]byte, error) {
	if svg, ok := m.badges.Load(b); ok {
		return svg.([]byte), nil
	}
	svg, err := b.svg()
	if err == nil {
		m.badges.Store(b, svg)
	}
	return svg, err
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
