package sitegen

import (
	"bytes"
	htmltemplate "html/template"
	"net/url"
	"path"
	"strings"
	"testing"

	"golang.org/x/net/html"
)

// Helpers that read the built pages as a browser's parser would.

func parseHTML(t *testing.T, name string, b []byte) *html.Node {
	t.Helper()
	doc, err := html.Parse(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return doc
}

func walk(n *html.Node, f func(*html.Node)) {
	f(n)
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		walk(c, f)
	}
}

func elements(doc *html.Node, tag string) []*html.Node {
	var out []*html.Node
	walk(doc, func(n *html.Node) {
		if n.Type == html.ElementNode && n.Data == tag {
			out = append(out, n)
		}
	})
	return out
}

func attr(n *html.Node, key string) (string, bool) {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val, true
		}
	}
	return "", false
}

func textOf(n *html.Node) string {
	var b strings.Builder
	walk(n, func(c *html.Node) {
		if c.Type == html.TextNode {
			b.WriteString(c.Data)
		}
	})
	return strings.Join(strings.Fields(b.String()), " ")
}

func hasClass(n *html.Node, class string) bool {
	v, _ := attr(n, "class")
	for _, c := range strings.Fields(v) {
		if c == class {
			return true
		}
	}
	return false
}

// linkAttrs are the attributes that load or navigate to a URL.
var linkAttrs = []string{"href", "src", "xlink:href", "action", "formaction", "poster", "data"}

// resolveLocal resolves a link found on the page at pagePath (relative to
// the site root) to a site path, or "" for links that leave the site.
// basePath is the URL path of the site root ("/status/").
func resolveLocal(pagePath, link, basePath string) (string, bool) {
	u, err := url.Parse(link)
	if err != nil {
		return "", false
	}
	if u.Scheme != "" || u.Host != "" {
		return "", true // external
	}
	if u.Path == "" {
		return pagePath, true // fragment or query on the same page
	}
	var p string
	if strings.HasPrefix(u.Path, "/") {
		if !strings.HasPrefix(u.Path, basePath) {
			return "", false
		}
		p = strings.TrimPrefix(u.Path, basePath)
	} else {
		p = path.Join(path.Dir(pagePath), u.Path)
		if strings.HasSuffix(u.Path, "/") {
			p += "/"
		}
	}
	if p == "." || p == "" || strings.HasSuffix(p, "/") {
		p = strings.TrimPrefix(p+"index.html", "./")
		p = strings.TrimPrefix(p, "/")
	}
	if strings.HasPrefix(p, "..") {
		return "", false
	}
	return p, true
}

// TestEscapeTextMatchesTemplate: escapeText writes what html/template
// writes for the same text in an element.
func TestEscapeTextMatchesTemplate(t *testing.T) {
	tm := htmltemplate.Must(htmltemplate.New("t").Parse(`<td>{{.}}</td>`))
	for _, s := range []string{
		"", "99.95 % uptime, 3 failed probes", `<script>alert("x")</script>`, "a & b 'c' + d",
		"nul\x00byte", "bad utf-8 \xff\xfe", "incident: RPC > 2 s; +1 <b>", "ünïcödé — 東京",
	} {
		var b strings.Builder
		if err := tm.Execute(&b, s); err != nil {
			t.Fatal(err)
		}
		want := strings.TrimSuffix(strings.TrimPrefix(b.String(), "<td>"), "</td>")
		if got := escapeText(s); got != want {
			t.Errorf("escapeText(%q) = %q, html/template writes %q", s, got, want)
		}
	}
}
