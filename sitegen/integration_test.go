//go:build integration

package sitegen

import (
	"bytes"
	"flag"
	"image/png"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/upchain-dev/upchain/sitegen/browsertest"

	"golang.org/x/net/html"
)

var screenshotsDir = flag.String("screenshots", "", "write PNG screenshots of the built site into this directory (make screenshots)")

func chromium(t *testing.T, args ...string) []byte {
	t.Helper()
	return browsertest.Chromium(t, args...)
}

// requestLog records what the browser fetched and what it got.
type requestLog struct {
	mu   sync.Mutex
	seen map[string]int
}

type statusRecorder struct {
	http.ResponseWriter
	code int
}

func (r *statusRecorder) WriteHeader(code int) {
	r.code = code
	r.ResponseWriter.WriteHeader(code)
}

// serveSite serves dir under /status/ as GitHub Pages serves a project
// site, on 127.0.0.1.
func serveSite(t *testing.T, dir string) (string, *requestLog) {
	t.Helper()
	log := &requestLog{seen: map[string]int{}}
	files := http.StripPrefix("/status", http.FileServer(http.Dir(dir)))
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := &statusRecorder{ResponseWriter: w, code: 200}
		if strings.HasPrefix(r.URL.Path, "/status/") {
			files.ServeHTTP(rec, r)
		} else {
			http.NotFound(rec, r)
		}
		log.mu.Lock()
		log.seen[r.URL.RequestURI()] = rec.code
		log.mu.Unlock()
	}))
	t.Cleanup(srv.Close)
	return srv.URL + "/status/", log
}

func dumpDOM(t *testing.T, url string) *html.Node {
	t.Helper()
	out := chromium(t, "--dump-dom", url)
	doc, err := html.Parse(bytes.NewReader(out))
	if err != nil {
		t.Fatal(err)
	}
	// The site works without JavaScript because it has none. (Chromium's
	// --dump-dom and --screenshot need JavaScript on to work themselves.)
	if s := elements(doc, "script"); len(s) > 0 {
		t.Errorf("%s has %d script elements", url, len(s))
	}
	if len(elements(doc, "main")) != 1 {
		t.Fatalf("%s: rendered DOM has no main element:\n%.500s", url, out)
	}
	return doc
}

func firstText(doc *html.Node, tag string) string {
	if els := elements(doc, tag); len(els) > 0 {
		return textOf(els[0])
	}
	return ""
}

func withClass(doc *html.Node, tag, class string) []*html.Node {
	var out []*html.Node
	for _, n := range elements(doc, tag) {
		if hasClass(n, class) {
			out = append(out, n)
		}
	}
	return out
}

func TestIntegrationChromiumRendersSite(t *testing.T) {
	in := fixture(fixtureSize{checks: 12, days: 120})
	dir := build(t, in)
	base, log := serveSite(t, dir)

	home := dumpDOM(t, base)
	if got := firstText(home, "h1"); got != in.Site.Title {
		t.Errorf("home h1 = %q", got)
	}
	if got := textOf(withClass(home, "section", "banner")[0]); !strings.Contains(got, "Partial outage") || !strings.Contains(got, "Data as of 2025-03-14 12:00 UTC") {
		t.Errorf("banner = %q", got)
	}
	if bars := withClass(home, "svg", "bar"); len(bars) != 12 {
		t.Errorf("%d uptime bars, want 12", len(bars))
	} else if cells := elements(bars[0], "rect"); len(cells) != 90 || !strings.HasPrefix(firstText(cells[89], "title"), "Fri 14 Mar 2025: ") {
		t.Errorf("first bar: %d cells, last titled %q", len(cells), firstText(cells[89], "title"))
	}
	var groups []string
	for _, g := range withClass(home, "section", "group") {
		groups = append(groups, firstText(g, "h2"))
	}
	if strings.Join(groups, ",") != "Cosmos,Ethereum,Polkadot,Web" {
		t.Errorf("groups = %v", groups)
	}
	if inc := textOf(withClass(home, "section", "notice-incident")[0]); !strings.Contains(inc, "Elevated RPC errors") {
		t.Errorf("ongoing incident notice = %q", inc)
	}

	page := dumpDOM(t, base+"checks/cosmos-node-1.html")
	if got := firstText(page, "h1"); got != "Cosmos node 1" {
		t.Errorf("check h1 = %q", got)
	}
	charts := withClass(page, "svg", "chart")
	if len(charts) != 4+2*4 { // response time, and two values in four windows
		t.Fatalf("%d charts, want 12", len(charts))
	}
	for _, c := range charts {
		p50 := withClass(c, "path", "ch-p50")
		if len(p50) != 1 {
			t.Errorf("chart without a p50 line")
			continue
		}
		if d, _ := attr(p50[0], "d"); len(d) < 100 {
			t.Errorf("p50 line too short: %q", d)
		}
	}
	rows := 0
	for _, tb := range elements(page, "table") {
		if strings.Contains(textOf(tb), "Last probe") {
			rows = len(elements(tb, "tr")) - 1
		}
	}
	if rows != 3 {
		t.Errorf("%d region rows, want global, eu-west, us-east", rows)
	}
	if !strings.Contains(textOf(page), "19000998") {
		t.Error("observed block height of eu-west not shown")
	}

	// Subpath hosting: every request under /status/ succeeded, the
	// stylesheet among them.
	log.mu.Lock()
	cssLoaded := false
	for uri, code := range log.seen {
		if strings.HasPrefix(uri, "/status/") && code != 200 {
			t.Errorf("browser got %d for %s", code, uri)
		}
		if strings.HasPrefix(uri, "/status/style.css?v=") && code == 200 {
			cssLoaded = true
		}
	}
	log.mu.Unlock()
	if !cssLoaded {
		t.Error("the stylesheet was not loaded through its relative link")
	}

	// The stylesheet applies: the page background is the light theme's,
	// not the browser's default white.
	shot := filepath.Join(t.TempDir(), "home.png")
	chromium(t, "--screenshot="+shot, "--window-size=1280,1400", base)
	f, err := os.Open(shot)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	r, g, b, _ := img.At(10, 700).RGBA()
	if r>>8 != 0xf5 || g>>8 != 0xf7 || b>>8 != 0xfa {
		t.Errorf("background at (10,700) is #%02x%02x%02x, want the theme's #f5f7fa", r>>8, g>>8, b>>8)
	}
}

// TestIntegrationScreenshots writes screenshots for a person to look at:
// go test -tags integration -run TestIntegrationScreenshots ./sitegen/ -args -screenshots=DIR
func TestIntegrationScreenshots(t *testing.T) {
	if *screenshotsDir == "" {
		t.Skip("no -screenshots directory given")
	}
	if err := os.MkdirAll(*screenshotsDir, 0o755); err != nil {
		t.Fatal(err)
	}
	in := fixture(fixtureSize{checks: 12, days: 400})
	base, _ := serveSite(t, build(t, in))
	dark := []string{"--force-dark-mode", "--blink-settings=preferredColorScheme=0"}
	for _, s := range []struct {
		file, path, size string
		extra            []string
	}{
		{"home.png", "", "1280,2000", nil},
		{"check.png", "checks/cosmos-node-1.html", "1280,4400", nil},
		{"incident.png", "incidents/2025-03-14-rpc-errors.html", "1280,1100", nil},
		{"incidents.png", "incidents.html", "1280,1100", nil},
		{"home-dark.png", "", "1280,2000", dark},
		{"check-dark.png", "checks/cosmos-node-1.html", "1280,4400", dark},
		{"home-mobile.png", "", "390,1800", nil},
		{"check-mobile.png", "checks/cosmos-node-1.html", "390,7400", nil},
	} {
		out := filepath.Join(*screenshotsDir, s.file)
		args := append([]string{"--screenshot=" + out, "--window-size=" + s.size}, s.extra...)
		chromium(t, append(args, base+s.path)...)
		b, err := os.ReadFile(out)
		if err != nil || !bytes.HasPrefix(b, []byte("\x89PNG")) {
			t.Fatalf("%s: no PNG written (%v)", out, err)
		}
		t.Logf("wrote %s", out)
	}
}
