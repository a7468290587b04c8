package prober

import (
	"strconv"
	"strings"
	"time"

	"github.com/upchain-dev/upchain/prober/config"
)

// Helpers shared by the chain kinds (cometbft, evm): the head variables
// and the way observed numbers are written in Values.

// headVars is the `head` condition variable: height, age (a duration, so
// `head.age < 60s` reads naturally) and the block time.
func headVars(height any, blockTime, now time.Time) map[string]any {
	return map[string]any{
		"height": height,
		"age":    now.Sub(blockTime),
		"time":   blockTime.UTC().Format(time.RFC3339),
	}
}

// setHeadValues records height, head_age_s and head_time.
func setHeadValues(v Values, height string, blockTime, now time.Time) {
	v["height"] = height
	v["head_age_s"] = formatFloat(now.Sub(blockTime).Seconds(), 1)
	v["head_time"] = blockTime.UTC().Format(time.RFC3339)
}

// formatFloat writes f with at most prec decimals and no trailing zeros.
func formatFloat(f float64, prec int) string {
	s := strconv.FormatFloat(f, 'f', prec, 64)
	if strings.Contains(s, ".") {
		s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	}
	if s == "-0" {
		s = "0"
	}
	return s
}

// optionLine returns the field path to report a problem at: the deepest
// prefix of field that the loader knows a line for.
func optionLine(c *config.Check, field string) string {
	for f := field; f != ""; {
		if _, ok := c.Lines[f]; ok {
			return f
		}
		i := strings.LastIndexByte(f, '.')
		if i < 0 {
			break
		}
		f = f[:i]
	}
	return field
}
