package sitegen

import (
	"strconv"
	"strings"
	"testing"

	"golang.org/x/net/html"
)

// An accessibility smoke check of every page: language, title, one h1, no
// skipped heading levels, landmarks, names for images, SVGs, links and bar
// cells, scoped table headers, no forms, and status told in words.
func TestAccessibilitySmoke(t *testing.T) {
	in := fixture(fixtureSize{checks: 6, days: 100})
	files := readTree(t, build(t, in))
	pages := 0
	for _, name := range sortedKeys(files) {
		if !strings.HasSuffix(name, ".html") {
			continue
		}
		pages++
		doc := parseHTML(t, name, files[name])
		ids := map[string]*html.Node{}
		walk(doc, func(n *html.Node) {
			if id, ok := attr(n, "id"); ok && n.Type == html.ElementNode {
				if ids[id] != nil {
					t.Errorf("%s: duplicate id %q", name, id)
				}
				ids[id] = n
			}
		})
		if h := elements(doc, "html"); len(h) != 1 {
			t.Fatalf("%s: %d html elements", name, len(h))
		} else if lang, _ := attr(h[0], "lang"); lang != "en" {
			t.Errorf("%s: html lang=%q", name, lang)
		}
		if ts := elements(doc, "title"); len(ts) == 0 || textOf(ts[0]) == "" {
			t.Errorf("%s: no document title", name)
		}
		if h1 := elements(doc, "h1"); len(h1) != 1 {
			t.Errorf("%s: %d h1 elements, want 1", name, len(h1))
		}
		for _, tag := range []string{"header", "nav", "main", "footer"} {
			if len(elements(doc, tag)) == 0 {
				t.Errorf("%s: no <%s> landmark", name, tag)
			}
		}
		for _, tag := range []string{"form", "input", "select", "textarea", "button"} {
			if len(elements(doc, tag)) > 0 {
				t.Errorf("%s: has <%s>: the site is form-free", name, tag)
			}
		}
		// Heading levels never skip going down.
		last := 0
		walk(doc, func(n *html.Node) {
			if n.Type != html.ElementNode || len(n.Data) != 2 || n.Data[0] != 'h' {
				return
			}
			lvl, err := strconv.Atoi(n.Data[1:])
			if err != nil {
				return
			}
			if lvl > last+1 {
				t.Errorf("%s: <%s> %q follows h%d", name, n.Data, textOf(n), last)
			}
			last = lvl
		})
		for _, img := range elements(doc, "img") {
			if alt, ok := attr(img, "alt"); !ok || alt == "" {
				t.Errorf("%s: <img> without alt", name)
			}
		}
		for _, a := range elements(doc, "a") {
			if textOf(a) == "" {
				if l, _ := attr(a, "aria-label"); l == "" {
					t.Errorf("%s: link %v has no text", name, a.Attr)
				}
			}
		}
		for _, svg := range elements(doc, "svg") {
			if svg.Parent != nil && svg.Parent.Data == "svg" {
				continue
			}
			if hidden, _ := attr(svg, "aria-hidden"); hidden == "true" {
				continue
			}
			role, _ := attr(svg, "role")
			label, _ := attr(svg, "aria-label")
			by, _ := attr(svg, "aria-labelledby")
			named := label != ""
			for _, id := range strings.Fields(by) {
				if n := ids[id]; n != nil && textOf(n) != "" {
					named = true
				}
			}
			if (role != "img" && role != "group") || !named {
				t.Errorf("%s: <svg role=%q> without accessible name (not aria-hidden either)", name, role)
			}
		}
		for _, th := range elements(doc, "th") {
			if scope, _ := attr(th, "scope"); scope != "col" && scope != "row" {
				t.Errorf("%s: <th> %q without scope", name, textOf(th))
			}
		}
		// Status pills carry words next to the icon.
		walk(doc, func(n *html.Node) {
			if n.Type == html.ElementNode && hasClass(n, "st") && textOf(n) == "" {
				t.Errorf("%s: status shown without text", name)
			}
		})
		// Every bar cell has a tooltip that is also its accessible name.
		for _, bar := range elements(doc, "svg") {
			if !hasClass(bar, "bar") {
				continue
			}
			if l, _ := attr(bar, "aria-label"); l == "" {
				t.Errorf("%s: uptime bar without label", name)
			}
			cells := elements(bar, "rect")
			if len(cells) != 90 {
				t.Errorf("%s: bar with %d cells, want 90", name, len(cells))
			}
			for _, c := range cells {
				titles := elements(c, "title")
				if len(titles) != 1 || !strings.Contains(textOf(titles[0]), ": ") {
					t.Errorf("%s: bar cell without a title", name)
					break
				}
			}
		}
	}
	if pages < 6 {
		t.Errorf("checked %d pages", pages)
	}
	// Colour is never alone: the legend names every cell colour in words.
	home := string(files["index.html"])
	for _, want := range []string{"No failed probe", "Uptime below 95%", "No data (short bar)"} {
		if !strings.Contains(home, want) {
			t.Errorf("legend lacks %q", want)
		}
	}
}
