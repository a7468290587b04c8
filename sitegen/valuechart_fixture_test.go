package sitegen

import (
	"math"
	"math/rand/v2"
	"strconv"
	"time"
)

// fixtureValues gives a check the value charts and validator history a
// validator's page has: peers (counts, with a gap), a balance in ETH that
// is spent and topped up, and 90 days of active-set membership with
// signed and missed blocks. Its own random source leaves the rest of the
// fixture as it was.
func fixtureValues(c *Check, days int) {
	rng := rand.New(rand.NewPCG(19, 19))
	peers := ValueChart{Name: "peers", Label: "Peers", Last: "42"}
	balance := ValueChart{Name: "evm_balance_lowest", Label: "Lowest balance", Suffix: "ETH", Last: "1.234567890123456789 ETH"}
	for _, spec := range []struct {
		w    Window
		step time.Duration
	}{{Window24h, 15 * time.Minute}, {Window7d, time.Hour}, {Window30d, 6 * time.Hour}, {Window1y, 24 * time.Hour}} {
		span := min(windowSpan(spec.w), time.Duration(days)*24*time.Hour)
		ps, bs := ValueSeries{Window: spec.w, Step: spec.step}, ValueSeries{Window: spec.w, Step: spec.step}
		start := fixtureNow.Add(-span).Truncate(spec.step)
		for t := start; t.Before(fixtureNow); t = t.Add(spec.step) {
			n := int(max(1, spec.step/(5*time.Minute)))
			if rng.Float64() < 0.03 {
				continue // a gap
			}
			base := 40 + 6*math.Sin(float64(t.Unix())/20000)
			lo, hi := math.Round(base-1-3*rng.Float64()), math.Round(base+1+3*rng.Float64())
			ps.Points = append(ps.Points, ValuePoint{Time: t, Min: lo, Max: hi, Last: math.Round(base), Samples: n})
			// Spent 0.01 ETH a day, topped up to 2 ETH every 60 days.
			age := fixtureNow.Sub(t).Hours() / 24
			bal := 1.2346 + 0.01*math.Mod(age, 60)
			bs.Points = append(bs.Points, ValuePoint{Time: t, Min: bal - 0.001, Max: bal, Last: bal - 0.0005, Samples: n})
		}
		peers.Series = append(peers.Series, ps)
		balance.Series = append(balance.Series, bs)
	}
	c.ValueCharts = []ValueChart{balance, peers}
	vh := &ValidatorHistory{ActiveLabel: "In the active set"}
	today := time.Date(fixtureNow.Year(), fixtureNow.Month(), fixtureNow.Day(), 0, 0, 0, 0, time.UTC)
	for i := 89; i >= 0; i-- {
		d := ValidatorDay{Date: today.AddDate(0, 0, -i)}
		switch {
		case i >= min(days, 90):
			// before the history: no data
		case i >= 60 && i < 63:
			d.Active = ActiveNone
		case i == 59 || i == 63 || rng.Float64() < 0.03:
			d.Active = ActivePart
		default:
			d.Active = ActiveAllDay
		}
		if d.Active != "" && d.Active != ActiveNone {
			missed := rng.IntN(12)
			d.Figures = []ValidatorFigure{
				{Role: "signed", Name: "signed", Label: "Blocks signed", Value: strconv.Itoa(10000 - missed)},
				{Role: "missed", Name: "missed", Label: "Blocks missed", Value: strconv.Itoa(missed)},
			}
		}
		vh.Days = append(vh.Days, d)
	}
	c.Validator = vh
}
