package assemble

import (
	"math"
	"sort"
	"strconv"
	"time"

	"github.com/upchain-dev/upchain/prober"
	"github.com/upchain-dev/upchain/prober/config"
	"github.com/upchain-dev/upchain/prober/history"
	"github.com/upchain-dev/upchain/prober/valueseries"
	"github.com/upchain-dev/upchain/sitegen"
)

// validatorDays is how far back the validator history goes, like the
// uptime bar.
const validatorDays = valueseries.HistoryDays

// fillValueCharts gives the check its value charts and validator history
// from the series of its first region (global, or its only one): the
// values its kind declares charted or validator figures, that history
// recorded.
func fillValueCharts(sc *sitegen.Check, rep *valueseries.Report, region string, values *prober.ValueCatalog, red func(string) string) {
	var active *valueseries.Series
	var figures []*valueseries.Series
	for _, sr := range rep.Of(sc.Slug, region) {
		spec := values.Spec(sr.Name)
		if !values.Declared(sc.Kind, sr.Name) || spec.Hidden {
			continue
		}
		if spec.Chart {
			sc.ValueCharts = append(sc.ValueCharts, valueChart(sr, spec, red))
		}
		switch spec.Validator {
		case prober.ValidatorActive:
			active = sr
		case prober.ValidatorSigned, prober.ValidatorMissed, prober.ValidatorPoints:
			figures = append(figures, sr)
		}
	}
	sort.SliceStable(figures, func(i, j int) bool {
		return roleOrder(values.Spec(figures[i].Name).Validator) < roleOrder(values.Spec(figures[j].Name).Validator)
	})
	if active == nil && len(figures) == 0 {
		return
	}
	vh := &sitegen.ValidatorHistory{}
	days := func(sr *valueseries.Series) []valueseries.Bucket { _, b := sr.Days(validatorDays); return b }
	var ref *valueseries.Series
	if active != nil {
		ref = active
		vh.ActiveLabel = values.Spec(active.Name).Label
	} else {
		ref = figures[0]
	}
	dates, _ := ref.Days(validatorDays)
	var activeDays []valueseries.Bucket
	if active != nil {
		activeDays = days(active)
	}
	figDays := make([][]valueseries.Bucket, len(figures))
	for i, f := range figures {
		figDays[i] = days(f)
	}
	for i, date := range dates {
		d := sitegen.ValidatorDay{Date: date}
		if activeDays != nil && activeDays[i].Samples > 0 {
			switch b := activeDays[i]; {
			case b.Min >= 1:
				d.Active = sitegen.ActiveAllDay
			case b.Max >= 1:
				d.Active = sitegen.ActivePart
			default:
				d.Active = sitegen.ActiveNone
			}
		}
		for fi, f := range figures {
			if b := figDays[fi][i]; b.Samples > 0 {
				spec := values.Spec(f.Name)
				d.Figures = append(d.Figures, sitegen.ValidatorFigure{Role: string(spec.Validator), Name: f.Name, Label: spec.Label,
					Value: red(spec.Format(strconv.FormatFloat(b.Max, 'f', -1, 64)))})
			}
		}
		vh.Days = append(vh.Days, d)
	}
	sc.Validator = vh
}

// computeValues computes the value series into *out in a goroutine; the
// channel says when, and with what error (the Store is safe for
// concurrent use).
func computeValues(store *history.Store, now time.Time, values *prober.ValueCatalog, l *config.Loaded, out **valueseries.Report) <-chan error {
	done := make(chan error, 1)
	kinds := checkKinds(l)
	go func() {
		rep, err := valueseries.Compute(store, valueseries.Options{Now: now, Values: values, Kinds: kinds})
		*out = rep
		done <- err
	}()
	return done
}

// checkKinds lists the kinds of the configured checks (never nil).
func checkKinds(l *config.Loaded) []string {
	seen := map[string]bool{}
	out := []string{}
	for _, c := range l.Checks {
		if !seen[c.Kind] {
			seen[c.Kind] = true
			out = append(out, c.Kind)
		}
	}
	return out
}

func roleOrder(r prober.ValidatorRole) int {
	switch r {
	case prober.ValidatorSigned:
		return 0
	case prober.ValidatorMissed:
		return 1
	}
	return 2
}

// valueChart converts a series to the site's chart, in the value's unit
// for people (amounts scaled by their decimals).
func valueChart(sr *valueseries.Series, spec prober.ValueSpec, red func(string) string) sitegen.ValueChart {
	vc := sitegen.ValueChart{Name: sr.Name, Label: spec.Label, Last: red(spec.Format(sr.Last)), LastTime: sr.LastTime}
	scale := 1.0
	switch spec.Unit {
	case prober.UnitAmount:
		scale = math.Pow(10, float64(spec.Decimals))
		vc.Suffix = spec.Symbol
	case prober.UnitPercent:
		vc.Suffix = "%"
	case prober.UnitBytes:
		vc.Suffix = "B"
	case prober.UnitSeconds:
		vc.Suffix = "s"
	}
	for _, w := range sr.Windows {
		vs := sitegen.ValueSeries{Window: sitegen.Window(w.Name), Step: w.Step}
		for i, b := range w.Buckets {
			if b.Samples == 0 {
				continue
			}
			vs.Points = append(vs.Points, sitegen.ValuePoint{Time: w.Start.Add(w.Step * time.Duration(i)),
				Min: b.Min / scale, Max: b.Max / scale, Last: b.Last / scale, Samples: b.Samples})
		}
		vc.Series = append(vc.Series, vs)
	}
	return vc
}
