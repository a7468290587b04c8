package sitegen

import (
	"html"
	"html/template"
	"strconv"
	"strings"
	"time"
)

// The validator history is a 90-day bar like the uptime bar: one cell per
// day coloured by whether the validator was in the active set (or
// committee) all day, part of the day or not at all, with the day's
// signed, missed and points figures in its tooltip and in a table.

// ValidatorHistory is the 90-day validator history of a check.
type ValidatorHistory struct {
	// ActiveLabel names the membership the bar shows ("In the active
	// set"); empty when the kind records none (the cells then show only
	// whether the day has figures).
	ActiveLabel string
	// Days are oldest first, ending with the day of Input.Now.
	Days []ValidatorDay
}

// Membership of the active set on one day.
const (
	ActiveAllDay = "all"
	ActivePart   = "part"
	ActiveNone   = "none"
)

// ValidatorDay is one day of the validator history.
type ValidatorDay struct {
	Date time.Time
	// Active is ActiveAllDay, ActivePart, ActiveNone, or "" without data.
	Active string
	// Figures are the day's signed, missed and points values.
	Figures []ValidatorFigure
}

// ValidatorFigure is one figure of a day: the highest value of a count
// (blocks signed or missed in the window the check observes, era points).
type ValidatorFigure struct {
	// Role is "signed", "missed" or "points"; Name the value's key.
	Role, Name, Label string
	Value             string
}

type validatorView struct {
	ActiveLabel string
	SVG         template.HTML
	Rows        []dayRow // newest first, for the table
	Summary     string
}

func validatorBar(name string, vh *ValidatorHistory) *validatorView {
	if vh == nil || len(vh.Days) == 0 {
		return nil
	}
	v := &validatorView{ActiveLabel: vh.ActiveLabel}
	what := "Validator history"
	if vh.ActiveLabel != "" {
		what = vh.ActiveLabel
	}
	var b strings.Builder
	b.WriteString(`<svg class="bar" viewBox="0 0 898 32" preserveAspectRatio="none" role="group" aria-label="`)
	b.WriteString(html.EscapeString(what + " of " + name + ", last 90 days"))
	b.WriteString(`">`)
	counts := map[string]int{}
	x := (90 - len(vh.Days)) * 10
	labels := make([]string, len(vh.Days))
	for i, d := range vh.Days {
		label := fmtDay(d.Date) + ": " + validatorDayText(vh.ActiveLabel, &d)
		labels[i] = label
		class := "nodata"
		switch d.Active {
		case ActiveAllDay:
			class = "up"
		case ActivePart:
			class = "partial"
		case ActiveNone:
			class = "down"
		case "":
			if len(d.Figures) > 0 {
				class = "degraded"
			}
		}
		counts[d.Active]++
		b.WriteString(`<rect x="`)
		b.WriteString(strconv.Itoa(x + i*10))
		if class == "nodata" {
			b.WriteString(`" y="10" height="12`)
		} else {
			b.WriteString(`" y="0" height="32`)
		}
		b.WriteString(`" width="8" class="d-`)
		b.WriteString(class)
		b.WriteString(`" role="img"><title>`)
		b.WriteString(html.EscapeString(label))
		b.WriteString(`</title></rect>`)
	}
	b.WriteString(`</svg>`)
	v.SVG = template.HTML(b.String()) //nolint:gosec // every text escaped above
	for i := len(vh.Days) - 1; i >= 0; i-- {
		if vh.Days[i].Active != "" || len(vh.Days[i].Figures) > 0 {
			date, text, _ := strings.Cut(labels[i], ": ")
			v.Rows = append(v.Rows, dayRow{Date: date, Text: text})
		}
	}
	if vh.ActiveLabel != "" {
		v.Summary = plural(counts[ActiveAllDay], "day", "days") + " all day, " + plural(counts[ActivePart], "day", "days") +
			" part of the day, " + plural(counts[ActiveNone], "day", "days") + " not at all, " + plural(counts[""], "day", "days") + " without data."
	}
	return v
}

func validatorDayText(activeLabel string, d *ValidatorDay) string {
	var parts []string
	lower := strings.ToLower(activeLabel)
	switch d.Active {
	case ActiveAllDay:
		parts = append(parts, lower+" all day")
	case ActivePart:
		parts = append(parts, lower+" part of the day")
	case ActiveNone:
		parts = append(parts, "not "+lower)
	}
	for _, f := range d.Figures {
		parts = append(parts, strings.ToLower(f.Label)+" "+f.Value)
	}
	if len(parts) == 0 {
		return "no data"
	}
	return strings.Join(parts, "; ")
}

// historyValidator is the validator history in the per-check JSON.
type historyValidator struct {
	ActiveLabel string                `json:"active_label,omitempty"`
	Days        []historyValidatorDay `json:"days"`
}

type historyValidatorDay struct {
	Date string `json:"date"`
	// Active is "all", "part", "none", or absent without data.
	Active  string            `json:"active,omitempty"`
	Figures map[string]string `json:"figures,omitempty"`
}

func validatorJSON(vh *ValidatorHistory) *historyValidator {
	if vh == nil {
		return nil
	}
	out := &historyValidator{ActiveLabel: vh.ActiveLabel, Days: make([]historyValidatorDay, 0, len(vh.Days))}
	for _, d := range vh.Days {
		hd := historyValidatorDay{Date: d.Date.UTC().Format("2006-01-02"), Active: d.Active}
		for _, f := range d.Figures {
			if hd.Figures == nil {
				hd.Figures = map[string]string{}
			}
			hd.Figures[f.Name] = f.Value
		}
		out.Days = append(out.Days, hd)
	}
	return out
}
