package sitegen

import (
	"bytes"
	"html/template"
	"net/url"
	"strings"

	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/extension"
	"github.com/yuin/goldmark/parser"
	"github.com/yuin/goldmark/text"
	"github.com/yuin/goldmark/util"
)

// markdown renders incident and maintenance bodies. goldmark's renderer
// leaves raw HTML out unless told otherwise (we never tell it); the
// transformer below additionally unwraps links whose scheme is not http(s)
// or mailto (goldmark keeps autolinks such as <javascript:...> as written)
// and demotes headings so that a body's "# Title" does not become a second
// h1 on the page.
var markdown = goldmark.New(
	goldmark.WithExtensions(extension.GFM),
	goldmark.WithParserOptions(parser.WithASTTransformers(util.Prioritized(safeLinks{}, 100))),
)

type safeLinks struct{}

func (safeLinks) Transform(doc *ast.Document, reader text.Reader, _ parser.Context) {
	src := reader.Source()
	var unwrap []ast.Node
	var drop []ast.Node
	_ = ast.Walk(doc, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		if !entering {
			return ast.WalkContinue, nil
		}
		switch v := n.(type) {
		case *ast.Heading:
			// h1 and h2 are the page's; body headings start at h3.
			v.Level = min(v.Level+2, 6)
		case *ast.Link:
			if !allowedURL(string(v.Destination), false) {
				unwrap = append(unwrap, v)
			}
		case *ast.AutoLink:
			if !allowedURL(string(v.URL(src)), false) {
				unwrap = append(unwrap, v)
			}
		case *ast.Image:
			if !allowedURL(string(v.Destination), true) {
				drop = append(drop, v)
			}
		}
		return ast.WalkContinue, nil
	})
	for _, n := range unwrap {
		parent := n.Parent()
		if parent == nil {
			continue
		}
		if al, ok := n.(*ast.AutoLink); ok {
			// Keep the text as text, without a link.
			t := ast.NewString(al.Label(src))
			parent.ReplaceChild(parent, n, t)
			continue
		}
		for c := n.FirstChild(); c != nil; {
			next := c.NextSibling()
			parent.InsertBefore(parent, n, c)
			c = next
		}
		parent.RemoveChild(parent, n)
	}
	for _, n := range drop {
		if p := n.Parent(); p != nil {
			p.RemoveChild(p, n)
		}
	}
}

// allowedURL accepts http(s) links, mailto, and relative links within the
// site; images only over http(s).
func allowedURL(raw string, image bool) bool {
	raw = strings.TrimSpace(raw)
	u, err := url.Parse(raw)
	if err != nil {
		return false
	}
	switch strings.ToLower(u.Scheme) {
	case "http", "https":
		return u.Host != ""
	case "mailto":
		return !image
	case "":
		// A relative link: "incidents.html", "#update-2", "/x". Reject
		// anything that could still carry a scheme after normalisation.
		return !image && !strings.Contains(raw, ":") && !strings.HasPrefix(raw, "//")
	}
	return false
}

// renderMarkdown converts a body to HTML that is safe to embed.
func renderMarkdown(src string) template.HTML {
	if strings.TrimSpace(src) == "" {
		return ""
	}
	var buf bytes.Buffer
	if err := markdown.Convert([]byte(src), &buf); err != nil {
		// goldmark only fails on writer errors; fall back to escaped text.
		return template.HTML("<p>" + template.HTMLEscapeString(src) + "</p>")
	}
	return template.HTML(buf.String()) //nolint:gosec // goldmark without WithUnsafe, links filtered above
}
