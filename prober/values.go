package prober

import (
	"fmt"
	"math/big"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Unit says what a recorded value measures, so that every reader (the
// site, notifications, metrics) presents it the same way.
type Unit string

// Units of recorded values. Values are always stored as text (see Values);
// the unit says how to read that text.
const (
	// UnitText is free text (a version, a chain name, an error).
	UnitText Unit = "text"
	// UnitCount is a whole number of things (peers, blocks, points).
	UnitCount Unit = "count"
	// UnitHeight is a block, epoch or session number.
	UnitHeight Unit = "height"
	// UnitSeconds is a duration in (possibly fractional) seconds.
	UnitSeconds Unit = "seconds"
	// UnitUnixTime is a point in time in unix seconds.
	UnitUnixTime Unit = "unixtime"
	// UnitTime is a point in time in RFC 3339.
	UnitTime Unit = "time"
	// UnitPercent is a share in percent (0–100).
	UnitPercent Unit = "percent"
	// UnitBytes is a size in bytes.
	UnitBytes Unit = "bytes"
	// UnitBool is "true" or "false".
	UnitBool Unit = "bool"
	// UnitAmount is an integer amount in a chain's base unit (wei, Gwei,
	// Planck, Drip, attoFIL), shown as Decimals-scaled Symbol.
	UnitAmount Unit = "amount"
)

// ValueSpec declares one value a kind (or a round step) records: the
// single place where its name, label, unit and metric are said.
type ValueSpec struct {
	// Name is the key in Result.Values.
	Name string
	// Label names the value for people ("Block height").
	Label string
	Unit  Unit
	// Decimals and Symbol turn a UnitAmount into the chain's unit for
	// people: 18 and "ETH" show 1500000000000000000 as "1.5 ETH".
	Decimals int
	Symbol   string
	// Hidden marks bookkeeping a kind keeps for its next probe: recorded
	// in history, never shown to visitors.
	Hidden bool
	// Metric and Help, when Metric is set, export the value as a gauge of
	// that name (numbers and booleans only).
	Metric string
	Help   string
	// Chain marks a value that names the chain a node serves (chain id,
	// network): lag compares only nodes whose Chain values agree.
	Chain bool
	// Chart marks a number worth a chart on the check page (24 h to 1 y):
	// history keeps its hourly and daily minimum, maximum and last value.
	Chart bool
	// Validator says what the value means in the 90-day validator history
	// (ValidatorActive, ...); history keeps its roll-ups too.
	Validator ValidatorRole
}

// ValidatorRole is what a value tells the validator history of a check.
type ValidatorRole string

// Validator roles. Per day the page shows, from the day's roll-up:
// ValidatorActive (a bool) as all day (minimum true), part of the day
// (maximum true) or not at all; ValidatorSigned, ValidatorMissed and
// ValidatorPoints (counts over a window or an era, which reset) as the
// day's highest value.
const (
	ValidatorActive ValidatorRole = "active"
	ValidatorSigned ValidatorRole = "signed"
	ValidatorMissed ValidatorRole = "missed"
	ValidatorPoints ValidatorRole = "points"
)

// Rolled reports whether history keeps hourly and daily roll-ups of the
// value (charted or part of the validator history).
func (s ValueSpec) Rolled() bool { return s.Chart || s.Validator != "" }

// ValueDeclarer is implemented by anything that records values: every
// Kind, and round steps such as lag.
type ValueDeclarer interface {
	Values() []ValueSpec
}

// Format writes raw (as recorded) for people in the value's unit. Text it
// cannot read in that unit is returned as it is.
func (s ValueSpec) Format(raw string) string {
	switch s.Unit {
	case UnitSeconds:
		f, err := strconv.ParseFloat(raw, 64)
		if err != nil {
			return raw
		}
		return formatSeconds(f)
	case UnitUnixTime:
		n, err := strconv.ParseInt(raw, 10, 64)
		if err != nil {
			return raw
		}
		return time.Unix(n, 0).UTC().Format(time.RFC3339)
	case UnitPercent:
		if _, err := strconv.ParseFloat(raw, 64); err != nil {
			return raw
		}
		return raw + " %"
	case UnitBytes:
		n, err := strconv.ParseInt(raw, 10, 64)
		if err != nil {
			return raw
		}
		return formatBytes(n)
	case UnitBool:
		switch raw {
		case "true":
			return "yes"
		case "false":
			return "no"
		}
	case UnitAmount:
		return FormatAmount(raw, s.Decimals, s.Symbol)
	}
	return raw
}

// Number reads raw as a float for metrics and charts: numbers, and
// booleans as 1 or 0. Text units are not numbers.
func (s ValueSpec) Number(raw string) (float64, bool) {
	switch s.Unit {
	case UnitText, UnitTime:
		return 0, false
	case UnitBool:
		switch raw {
		case "true":
			return 1, true
		case "false":
			return 0, true
		}
		return 0, false
	}
	f, err := strconv.ParseFloat(raw, 64)
	return f, err == nil
}

func formatSeconds(f float64) string {
	if f < 120 {
		return formatFloat(f, 1) + " s"
	}
	d := time.Duration(f) * time.Second
	switch {
	case d < 2*time.Hour:
		return fmt.Sprintf("%d min %d s", int(d/time.Minute), int(d%time.Minute/time.Second))
	case d < 48*time.Hour:
		return fmt.Sprintf("%d h %d min", int(d/time.Hour), int(d%time.Hour/time.Minute))
	}
	return fmt.Sprintf("%d d %d h", int(d/(24*time.Hour)), int(d%(24*time.Hour)/time.Hour))
}

func formatBytes(n int64) string {
	const unit = 1024
	if n < unit {
		return strconv.FormatInt(n, 10) + " B"
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGTPE"[exp])
}

// FormatAmount writes an integer amount of base units (any size) with
// decimals places as a decimal number with its symbol, exactly: trailing
// zeros of the fraction are dropped, nothing is rounded.
func FormatAmount(raw string, decimals int, symbol string) string {
	n, ok := new(big.Int).SetString(raw, 10)
	if !ok || decimals < 0 {
		return raw
	}
	neg := n.Sign() < 0
	digits := new(big.Int).Abs(n).String()
	if decimals > 0 {
		if len(digits) <= decimals {
			digits = strings.Repeat("0", decimals-len(digits)+1) + digits
		}
		whole, frac := digits[:len(digits)-decimals], strings.TrimRight(digits[len(digits)-decimals:], "0")
		digits = whole
		if frac != "" {
			digits += "." + frac
		}
	}
	if neg {
		digits = "-" + digits
	}
	if symbol != "" {
		digits += " " + symbol
	}
	return digits
}

// ValueCatalog is every value the built-in kinds and round steps declare,
// by name. A name declared by several kinds (height, peers) must mean the
// same everywhere; NewValueCatalog rejects a conflict.
type ValueCatalog struct {
	specs  map[string]ValueSpec
	byKind map[string]map[string]ValueSpec
	steps  map[string]ValueSpec
}

// NewValueCatalog collects the declarations of kinds and of the round's
// steps. It fails when one name is declared twice with different
// meanings, which is a programming error that a test catches.
func NewValueCatalog(kinds []Kind, steps ...ValueDeclarer) (*ValueCatalog, error) {
	c := &ValueCatalog{specs: map[string]ValueSpec{}, byKind: map[string]map[string]ValueSpec{}, steps: map[string]ValueSpec{}}
	add := func(owner string, specs []ValueSpec, into map[string]ValueSpec) error {
		own := map[string]ValueSpec{}
		for _, s := range specs {
			if s.Name == "" || s.Label == "" || s.Unit == "" {
				return fmt.Errorf("%s: value %q needs a name, a label and a unit", owner, s.Name)
			}
			if s.Metric != "" && s.Help == "" {
				return fmt.Errorf("%s: value %q exports metric %s without help text", owner, s.Name, s.Metric)
			}
			if _, dup := own[s.Name]; dup {
				return fmt.Errorf("%s: value %q declared twice", owner, s.Name)
			}
			own[s.Name] = s
			into[s.Name] = s
			if prev, ok := c.specs[s.Name]; ok && prev != s {
				return fmt.Errorf("value %q is declared differently by %s than elsewhere: %+v vs %+v", s.Name, owner, s, prev)
			}
			c.specs[s.Name] = s
		}
		return nil
	}
	for _, k := range kinds {
		own := map[string]ValueSpec{}
		c.byKind[k.Name()] = own
		if err := add("kind "+k.Name(), k.Values(), own); err != nil {
			return nil, err
		}
	}
	for _, s := range steps {
		if err := add(fmt.Sprintf("step %T", s), s.Values(), c.steps); err != nil {
			return nil, err
		}
	}
	metrics := map[string]string{}
	for _, s := range c.All() {
		if s.Metric == "" {
			continue
		}
		if other, dup := metrics[s.Metric]; dup {
			return nil, fmt.Errorf("metric %s is declared for two values, %q and %q", s.Metric, other, s.Name)
		}
		metrics[s.Metric] = s.Name
	}
	return c, nil
}

// Lookup returns the declaration of the value name.
func (c *ValueCatalog) Lookup(name string) (ValueSpec, bool) {
	s, ok := c.specs[name]
	return s, ok
}

// Declared reports whether kind, or one of the round's steps, declares
// name: a result of that kind may carry it.
func (c *ValueCatalog) Declared(kind, name string) bool {
	if _, ok := c.byKind[kind][name]; ok {
		return true
	}
	_, ok := c.steps[name]
	return ok
}

// Spec returns the declaration of name, or a plain text one labelled with
// the name itself for a value nothing declares (history written by an
// older version).
func (c *ValueCatalog) Spec(name string) ValueSpec {
	if s, ok := c.specs[name]; ok {
		return s
	}
	return ValueSpec{Name: name, Label: name, Unit: UnitText}
}

// All returns every declaration sorted by name.
func (c *ValueCatalog) All() []ValueSpec {
	out := make([]ValueSpec, 0, len(c.specs))
	for _, s := range c.specs {
		out = append(out, s)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// Metrics returns the declarations exported as gauges, sorted by name.
func (c *ValueCatalog) Metrics() []ValueSpec {
	var out []ValueSpec
	for _, s := range c.All() {
		if s.Metric != "" {
			out = append(out, s)
		}
	}
	return out
}

// Rolled returns the names of the values history rolls up (see
// ValueSpec.Rolled), sorted.
func (c *ValueCatalog) Rolled() []string {
	var out []string
	for _, s := range c.All() {
		if s.Rolled() {
			out = append(out, s.Name)
		}
	}
	return out
}

// CompareNumbers orders two recorded numbers exactly: integers of any size
// (amounts above 2^64) by value, other numbers as floats, and anything
// else (booleans: "false" < "true") as text. It is how roll-ups pick a
// minimum and a maximum without losing digits; it does not allocate for
// integers, booleans and equal texts (a roll-up compares every sample).
func CompareNumbers(a, b string) int {
	if a == b {
		return 0
	}
	if isInteger(a) && isInteger(b) {
		return cmpIntegers(a, b)
	}
	if (a == "true" || a == "false") && (b == "true" || b == "false") {
		return strings.Compare(a, b)
	}
	x, err1 := strconv.ParseFloat(a, 64)
	y, err2 := strconv.ParseFloat(b, 64)
	if err1 == nil && err2 == nil {
		switch {
		case x < y:
			return -1
		case x > y:
			return 1
		}
		return 0
	}
	return strings.Compare(a, b)
}

// isInteger reports whether s is an optional '-' and decimal digits.
func isInteger(s string) bool {
	s = strings.TrimPrefix(s, "-")
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// cmpIntegers compares two isInteger texts of any length by value.
func cmpIntegers(a, b string) int {
	na, nb := strings.HasPrefix(a, "-"), strings.HasPrefix(b, "-")
	a, b = strings.TrimLeft(strings.TrimPrefix(a, "-"), "0"), strings.TrimLeft(strings.TrimPrefix(b, "-"), "0")
	if a == "" && b == "" {
		return 0 // -0 and 0
	}
	if na != nb {
		if na {
			return -1
		}
		return 1
	}
	c := cmpInt(int64(len(a)), int64(len(b)))
	if c == 0 {
		c = strings.Compare(a, b)
	}
	if na {
		return -c
	}
	return c
}

func cmpInt(x, y int64) int {
	switch {
	case x < y:
		return -1
	case x > y:
		return 1
	}
	return 0
}

// ChainValues returns the names of the values that identify a chain.
func (c *ValueCatalog) ChainValues() []string {
	var out []string
	for _, s := range c.All() {
		if s.Chain {
			out = append(out, s.Name)
		}
	}
	return out
}
