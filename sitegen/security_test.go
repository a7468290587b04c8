package sitegen

import (
	"bytes"
	"regexp"
	"strings"
	"testing"

	"github.com/mmcdole/gofeed"
	"golang.org/x/net/html"
)

const planted = `<script>alert("x")</script>`

// hostileInput plants markup and script links wherever users (config,
// incident authors) or endpoints (error messages, observed values) can put
// text.
func hostileInput() *Input {
	in := fixture(fixtureSize{checks: 3, days: 5})
	in.Site.Title = "Status " + planted
	in.Site.Description = `desc "><img src=x onerror=alert(1)>`
	in.Site.Links = append(in.Site.Links,
		Link{Name: "evil" + planted, URL: "javascript:alert(1)"},
		Link{Name: "data", URL: "data:text/html,<script>alert(1)</script>"})
	g := &in.Groups[0]
	g.Name = "Group " + planted
	c := &g.Checks[0]
	c.Name = "Node " + planted
	c.Description = planted
	c.Tags = []string{planted}
	c.DisplayURL = `https://rpc.example.org/v3/${INFURA_KEY}?q="><script>alert(1)</script>`
	c.Links = append(c.Links, Link{Name: "grafana" + planted, URL: "JavaScript:alert(1)"}, Link{Name: "kibana", URL: " javascript:alert(1)"})
	c.Current.Status = Down
	c.Current.Reason = "HTTP 500: " + planted
	c.Current.Values = []Value{{Name: planted, Value: planted}}
	c.Regions[0].Name = "region" + planted
	c.Regions[0].Reason = planted
	c.Regions[0].Values = []Value{{Name: "version", Value: planted}}
	in.Incidents[0].Title = "Outage " + planted
	in.Incidents[0].IssueURL = "javascript:alert(1)"
	in.Incidents[0].Regions = []string{planted}
	in.Incidents[0].Body = strings.Join([]string{
		"# Heading",
		planted,
		`<img src=x onerror="alert(1)">`,
		"[click](javascript:alert(1)) and [CLICK](JaVaScRiPt:alert(2)) and [enc](&#106;avascript:alert(3))",
		"<javascript:alert(4)>",
		"![img](javascript:alert(5)) ![data](data:image/svg+xml,<svg onload=alert(6)>)",
		"[vb](vbscript:msgbox(1)) [file](file:///etc/passwd)",
		"[ok](https://example.org/postmortem)",
	}, "\n\n")
	in.Incidents[0].Updates[0].Status = planted
	in.Incidents[0].Updates[0].Body = "<iframe src=https://evil.example></iframe> update " + planted
	in.Maintenance[0].Title = "Maint " + planted
	in.Maintenance[0].Body = planted + " [x](javascript:alert(7))"
	return in
}

var dangerousScheme = regexp.MustCompile(`(?i)^\s*(javascript|vbscript|data|file):`)

// checkNoActiveContent fails if a parsed HTML document has a script, an
// event handler, an embedded frame, or a link with a script scheme.
func checkNoActiveContent(t *testing.T, name string, doc *html.Node) {
	t.Helper()
	walk(doc, func(n *html.Node) {
		if n.Type != html.ElementNode {
			return
		}
		switch n.Data {
		case "script", "iframe", "object", "embed", "form", "base", "meta":
			if n.Data == "meta" {
				if v, ok := attr(n, "http-equiv"); ok {
					t.Errorf("%s: <meta http-equiv=%q>", name, v)
				}
				return
			}
			t.Errorf("%s: <%s> element in output", name, n.Data)
		}
		for _, a := range n.Attr {
			if strings.HasPrefix(strings.ToLower(a.Key), "on") {
				t.Errorf("%s: event handler attribute %s=%q on <%s>", name, a.Key, a.Val, n.Data)
			}
			for _, k := range linkAttrs {
				if a.Key == k && dangerousScheme.MatchString(a.Val) {
					t.Errorf("%s: <%s %s=%q>", name, n.Data, a.Key, a.Val)
				}
			}
		}
	})
}

func TestPlantedScriptNeverReachesOutput(t *testing.T) {
	files := readTree(t, build(t, hostileInput()))
	for _, name := range sortedKeys(files) {
		b := files[name]
		if bytes.Contains(bytes.ToLower(b), []byte("<script")) {
			i := bytes.Index(bytes.ToLower(b), []byte("<script"))
			t.Errorf("%s contains a raw <script at %d: %q", name, i, b[max(0, i-80):min(len(b), i+40)])
		}
		if bytes.Contains(bytes.ToLower(b), []byte("<iframe")) || bytes.Contains(bytes.ToLower(b), []byte("<img src=x")) {
			t.Errorf("%s contains raw markup from the input", name)
		}
		switch {
		case strings.HasSuffix(name, ".html"):
			checkNoActiveContent(t, name, parseHTML(t, name, b))
		case strings.HasSuffix(name, ".xml") && strings.HasPrefix(name, "feeds/"):
			// Feed item content is HTML too: parse the feed, then the HTML.
			feed, err := gofeed.NewParser().ParseString(string(b))
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			for _, it := range feed.Items {
				for _, s := range []string{it.Description, it.Content} {
					checkNoActiveContent(t, name+" item "+it.Title, parseHTML(t, name, []byte(s)))
				}
				if strings.Contains(strings.ToLower(it.Title), "<script") {
					t.Errorf("%s: item title parses to markup: %q", name, it.Title)
				}
			}
		}
	}
	// The planted text is shown as text: escaped, not dropped.
	page := string(files["checks/"+hostileInput().Groups[0].Checks[0].Slug+".html"])
	if !strings.Contains(page, "Node &lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;") {
		t.Error("the check name is not shown escaped on its page")
	}
	inc := string(files["incidents/2025-03-14-rpc-errors.html"])
	if !strings.Contains(inc, `href="https://example.org/postmortem"`) {
		t.Error("a safe Markdown link was dropped")
	}
	if strings.Contains(inc, "<h1>Heading") || !strings.Contains(inc, "<h3>Heading</h3>") {
		t.Error("a Markdown heading was not demoted below the page's h1/h2")
	}
}

func TestSecretsInURLsNeverReachOutput(t *testing.T) {
	in := fixture(fixtureSize{checks: 2, days: 3})
	c := &in.Groups[0].Checks[0]
	// The adapter gives the URL as written. A password typed straight into
	// the URL's userinfo is hidden by the renderer as well.
	c.DisplayURL = "https://archive:hunter2-s3cret@rpc.example.org/v3/${INFURA_KEY}"
	files := readTree(t, build(t, in))
	for _, name := range sortedKeys(files) {
		if bytes.Contains(files[name], []byte("hunter2-s3cret")) {
			t.Errorf("%s contains the URL password", name)
		}
	}
	page := string(files["checks/"+c.Slug+".html"])
	if !strings.Contains(page, "https://archive:xxxxx@rpc.example.org/v3/${INFURA_KEY}") {
		t.Error("the check page does not show the display URL with its placeholder")
	}
}

func TestMarkdown(t *testing.T) {
	for _, tc := range []struct {
		name, in string
		want     []string
		not      []string
	}{
		{"raw html omitted", "a <b onclick=x>bold</b> <script>x</script>", []string{"bold"}, []string{"<b", "<script", "onclick"}},
		{"http link kept", "[x](https://example.org/a)", []string{`<a href="https://example.org/a">x</a>`}, nil},
		{"mailto kept", "[mail](mailto:ops@example.org)", []string{`href="mailto:ops@example.org"`}, nil},
		{"relative kept", "[up](#update-1)", []string{`href="#update-1"`}, nil},
		{"javascript unwrapped", "[x](javascript:alert(1))", []string{"<p>x</p>"}, []string{"href", "javascript"}},
		{"mixed case unwrapped", "[x](JaVaScRiPt:alert(1))", []string{"<p>x</p>"}, []string{"href"}},
		{"entity encoded unwrapped", "[x](&#106;avascript:alert(1))", []string{"<p>x</p>"}, []string{"href"}},
		{"autolink unwrapped", "<javascript:alert(1)>", []string{"javascript:alert(1)"}, []string{"href"}},
		{"protocol relative unwrapped", "[x](//evil.example/)", []string{"<p>x</p>"}, []string{"href"}},
		{"image with script scheme dropped", "![a](javascript:alert(1))", nil, []string{"<img", "javascript"}},
		{"data image dropped", "![a](data:image/png;base64,AAAA)", nil, []string{"<img", "data:"}},
		{"https image kept", "![graph](https://example.org/g.png)", []string{`<img src="https://example.org/g.png" alt="graph">`}, nil},
		{"headings demoted", "# A\n\n## B\n\n##### C", []string{"<h3>A</h3>", "<h4>B</h4>", "<h6>C</h6>"}, []string{"<h1", "<h2"}},
		{"gfm table", "|a|b|\n|-|-|\n|1|2|", []string{"<table>", "<td>1</td>"}, nil},
		{"empty", "  ", nil, []string{"<p"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := string(renderMarkdown(tc.in))
			for _, w := range tc.want {
				if !strings.Contains(got, w) {
					t.Errorf("output %q lacks %q", got, w)
				}
			}
			for _, n := range tc.not {
				if strings.Contains(strings.ToLower(got), strings.ToLower(n)) {
					t.Errorf("output %q contains %q", got, n)
				}
			}
		})
	}
}

func TestSafeHrefAndDisplayURL(t *testing.T) {
	for in, want := range map[string]string{
		"https://grafana.example.org/d/x?a=1": "https://grafana.example.org/d/x?a=1",
		"http://x.example":                    "http://x.example",
		"javascript:alert(1)":                 "",
		" JAVASCRIPT:alert(1)":                "",
		"data:text/html,x":                    "",
		"//evil.example/":                     "",
		"/relative":                           "",
		"ftp://example.org/":                  "",
	} {
		if got := safeHref(in); got != want {
			t.Errorf("safeHref(%q) = %q, want %q", in, got, want)
		}
	}
	for in, want := range map[string]string{
		"https://rpc.example.org/v3/${KEY}":           "https://rpc.example.org/v3/${KEY}",
		"https://user:pa55word@rpc.example.org/x":     "https://user:xxxxx@rpc.example.org/x",
		"wss://u:p%40ss@host:8546/${TOKEN}?a=b@c":     "wss://u:xxxxx@host:8546/${TOKEN}?a=b@c",
		"https://onlyuser@rpc.example.org/":           "https://onlyuser@rpc.example.org/",
		"tcp://10.0.0.1:26656":                        "tcp://10.0.0.1:26656",
		"https://rpc.example.org/path/with@sign/${K}": "https://rpc.example.org/path/with@sign/${K}",
	} {
		if got := displayURL(in); got != want {
			t.Errorf("displayURL(%q) = %q, want %q", in, got, want)
		}
	}
}
