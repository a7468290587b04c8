package sitegen

import (
	"strings"
	"testing"

	"golang.org/x/net/html"
)

// Every internal link of every page must resolve to a built file, and
// pages must link relatively so that the site works under any path (a
// GitHub Pages project site at /<repo>/) and on a custom domain; only the
// 404 page, which hosts serve at any depth, links from the base URL's path.
func TestLinksResolveUnderSubpathAndDomainRoot(t *testing.T) {
	for _, tc := range []struct {
		base     string
		basePath string
	}{
		{"https://example.github.io/status/", "/status/"},
		{"https://example.github.io/deep/sub/path", "/deep/sub/path/"},
		{"https://status.example.org/", "/"},
		{"", "/"},
	} {
		t.Run(tc.basePath+tc.base, func(t *testing.T) {
			in := fixture(fixtureSize{checks: 6, days: 10})
			in.Site.BaseURL = tc.base
			files := readTree(t, build(t, in))
			checked := 0
			for _, name := range sortedKeys(files) {
				if !strings.HasSuffix(name, ".html") {
					continue
				}
				doc := parseHTML(t, name, files[name])
				walk(doc, func(n *html.Node) {
					for _, key := range linkAttrs {
						v, ok := attr(n, key)
						if !ok || strings.HasPrefix(v, "#") {
							continue
						}
						// <link rel="canonical"> is absolute by definition.
						if rel, _ := attr(n, "rel"); rel == "canonical" {
							if !strings.HasPrefix(v, tc.base) || tc.base == "" {
								t.Errorf("%s: canonical %q not under %q", name, v, tc.base)
							}
							continue
						}
						if strings.HasPrefix(v, "/") && name != "404.html" {
							t.Errorf("%s: root-absolute link %q breaks subpath hosting", name, v)
						}
						if name == "404.html" && !strings.Contains(v, "://") && !strings.HasPrefix(v, tc.basePath) {
							t.Errorf("404.html: link %q is not under the base path %q", v, tc.basePath)
						}
						target, ok := resolveLocal(name, v, tc.basePath)
						if !ok {
							t.Errorf("%s: link %q leaves the site root", name, v)
							continue
						}
						if target == "" {
							continue // external
						}
						target, _, _ = strings.Cut(target, "?")
						target, _, _ = strings.Cut(target, "#")
						if _, ok := files[target]; !ok {
							t.Errorf("%s: link %q resolves to %q, which was not built", name, v, target)
						}
						checked++
					}
				})
			}
			if checked < 100 {
				t.Errorf("only %d internal links checked", checked)
			}
		})
	}
}

func TestFeedsAreAdvertised(t *testing.T) {
	files := readTree(t, build(t, fixture(fixtureSize{checks: 2, days: 2})))
	for _, name := range []string{"index.html", "incidents.html", "checks/cosmos-node-1.html"} {
		doc := parseHTML(t, name, files[name])
		types := map[string]bool{}
		hrefs := map[string]bool{}
		for _, l := range elements(doc, "link") {
			if rel, _ := attr(l, "rel"); rel == "alternate" {
				typ, _ := attr(l, "type")
				href, _ := attr(l, "href")
				types[typ], hrefs[href] = true, true
			}
		}
		if !types["application/rss+xml"] || !types["application/atom+xml"] {
			t.Errorf("%s: alternate links %v lack RSS or Atom", name, types)
		}
		if name == "checks/cosmos-node-1.html" && (!hrefs["../feeds/cosmos-node-1.atom.xml"] || !hrefs["../feeds/cosmos-node-1.rss.xml"]) {
			t.Error("check page does not advertise its own feed")
		}
	}
}
