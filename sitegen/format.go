package sitegen

import (
	"fmt"
	"math"
	"net/url"
	"strings"
	"time"
)

// Formatting is fixed (UTC, fixed precision, English) so that output does
// not depend on the machine that builds it.

const (
	timeLayout = "2006-01-02 15:04 UTC"
	dayLayout  = "Mon 2 Jan 2006"
)

func fmtTime(t time.Time) string {
	if t.IsZero() {
		return "never"
	}
	return t.UTC().Format(timeLayout)
}

func fmtDay(t time.Time) string { return t.UTC().Format(dayLayout) }

func isoTime(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// fmtPercent floors so that 99.996% never shows as 100%: a page claiming
// 100% uptime must mean no failure at all.
func fmtPercent(r float64) string {
	if math.IsNaN(r) || r < 0 {
		r = 0
	}
	if r >= 1 {
		return "100%"
	}
	return fmt.Sprintf("%.2f%%", math.Floor(r*10000)/100)
}

// fmtLatency shows milliseconds below a second, seconds above.
func fmtLatency(d time.Duration) string {
	switch {
	case d <= 0:
		return "0 ms"
	case d < time.Second:
		ms := d.Milliseconds()
		if ms == 0 {
			return "<1 ms"
		}
		return fmt.Sprintf("%d ms", ms)
	case d < 10*time.Second:
		return fmt.Sprintf("%.2f s", d.Seconds())
	}
	return fmt.Sprintf("%.1f s", d.Seconds())
}

// fmtDuration writes the two largest units: "3 d 4 h", "2 h 5 min", "45 s".
func fmtDuration(d time.Duration) string {
	if d < 0 {
		d = -d
	}
	if d < time.Minute {
		return fmt.Sprintf("%d s", int(d.Seconds()))
	}
	days := int(d / (24 * time.Hour))
	hours := int(d % (24 * time.Hour) / time.Hour)
	mins := int(d % time.Hour / time.Minute)
	switch {
	case days > 0 && hours > 0:
		return fmt.Sprintf("%d d %d h", days, hours)
	case days > 0:
		return fmt.Sprintf("%d d", days)
	case hours > 0 && mins > 0:
		return fmt.Sprintf("%d h %d min", hours, mins)
	case hours > 0:
		return fmt.Sprintf("%d h", hours)
	}
	return fmt.Sprintf("%d min", mins)
}

func plural(n int, one, many string) string {
	if n == 1 {
		return fmt.Sprintf("%d %s", n, one)
	}
	return fmt.Sprintf("%d %s", n, many)
}

// safeHref returns u if it is an absolute http(s) URL, else "". Links from
// config or endpoints are rendered only through it.
func safeHref(u string) string {
	p, err := url.Parse(strings.TrimSpace(u))
	if err != nil || (p.Scheme != "http" && p.Scheme != "https") || p.Host == "" {
		return ""
	}
	return p.String()
}

// displayURL hides a password written into a URL's userinfo, in case the
// adapter passed one through. It edits the text rather than re-encoding a
// parsed URL, so that ${NAME} placeholders stay as written.
func displayURL(s string) string {
	i := strings.Index(s, "://")
	if i < 0 {
		return s
	}
	rest := s[i+3:]
	if end := strings.IndexAny(rest, "/?#"); end >= 0 {
		rest = rest[:end]
	}
	at := strings.LastIndex(rest, "@")
	if at < 0 {
		return s
	}
	user, _, hasPassword := strings.Cut(rest[:at], ":")
	if !hasPassword {
		return s
	}
	return s[:i+3] + user + ":xxxxx" + s[i+3+at:]
}

// windowLabel names a window for people.
func windowLabel(w Window) string {
	switch w {
	case Window24h:
		return "24 hours"
	case Window7d:
		return "7 days"
	case Window30d:
		return "30 days"
	case Window90d:
		return "90 days"
	case Window365d, Window1y:
		return "1 year"
	case WindowAll:
		return "all time"
	}
	return string(w)
}

// titleCase capitalises the first letter of a link name ("grafana").
func titleCase(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}
