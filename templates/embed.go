// Package templates holds the site's HTML, CSS and SVG templates, embedded
// into the binary so that `upchain build` needs no files besides config and
// history.
package templates

import "embed"

// FS holds every template and static asset of the site.
//
//go:embed *.html *.css *.svg
var FS embed.FS
