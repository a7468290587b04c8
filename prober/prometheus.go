package prober

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/upchain-dev/upchain/prober/cond"
	"github.com/upchain-dev/upchain/prober/config"
	"github.com/upchain-dev/upchain/prober/scrape"
)

// PrometheusOptions are the `prometheus:` options of a check whose url is
// a Prometheus exposition (node_exporter, oasis-node --metrics.mode pull,
// geth /debug/metrics/prometheus, CometBFT :26660, Lotus /debug/metrics).
type PrometheusOptions struct {
	// Record lists the series recorded in the check's values, written
	// name or name{label="value"}.
	Record []string `yaml:"record"`
	// MaxBytes bounds the exposition read (default defaults.max_body_bytes);
	// a larger one fails the check before it is parsed.
	MaxBytes int64 `yaml:"max_bytes"`
	// InsecureSkipVerify turns TLS verification off.
	InsecureSkipVerify bool `yaml:"insecure_skip_verify"`
}

// Bounds of the prometheus options.
const (
	maxPrometheusRecord = 32
	// Parsing allocates about 20 bytes per byte of exposition (expfmt
	// builds a protobuf message per series): 16 MiB costs ~350 MB.
	maxPrometheusBytes = 16 << 20
)

// promSampleFuncs are the condition functions that read a sample.
var promSampleFuncs = []string{"metric", "increase", "rate"}

const (
	valPromState = "prometheus_state"
	// maxPromTracked bounds the series increase() and rate() keep between
	// probes: the distinct selectors the check's conditions name.
	maxPromTracked = 64
)

type prometheusKind struct{ Base }

func (prometheusKind) Name() string    { return "prometheus" }
func (prometheusKind) NewOptions() any { return &PrometheusOptions{} }

func (prometheusKind) Vars() []string {
	return []string{"metric", "increase", "rate", "series", "bytes", "latency", "region", "status"}
}

// VarTypes implements config.TypedKind. metric, increase and rate are
// functions of a series named in the condition (metric("up") == 1): what
// they return depends on the exposition, so they are Dynamic; the rest is
// static.
func (prometheusKind) VarTypes() cond.Fields {
	return typedVars(cond.Fields{"metric": cond.Dynamic, "increase": cond.Dynamic, "rate": cond.Dynamic,
		"series": cond.Number, "bytes": cond.Number, "status": cond.Number})
}

func (prometheusKind) Values() []ValueSpec {
	return []ValueSpec{
		{Name: "prometheus_samples", Label: "Samples", Unit: UnitText},
		{Name: "prometheus_series", Label: "Series in the scrape", Unit: UnitCount,
			Metric: "upchain_prometheus_series", Help: "Number of series the scraped exposition held."},
		{Name: "prometheus_bytes", Label: "Exposition size", Unit: UnitBytes},
		{Name: valPromState, Label: "Counters at the previous probe", Unit: UnitText, Hidden: true},
	}
}

func prometheusOptions(c *config.Check) *PrometheusOptions {
	if o, ok := c.Options.(*PrometheusOptions); ok && o != nil {
		return o
	}
	return &PrometheusOptions{}
}

func (prometheusKind) Validate(c *config.Check) []config.FieldProblem {
	var out []config.FieldProblem
	o := prometheusOptions(c)
	if u, err := url.Parse(c.URL); err == nil && u.Scheme != "http" && u.Scheme != "https" {
		out = append(out, config.FieldProblem{Field: "url", Msg: "kind prometheus needs the http(s) URL of a metrics endpoint, e.g. http://127.0.0.1:9100/metrics"})
	}
	if len(o.Record) > maxPrometheusRecord {
		out = append(out, config.FieldProblem{Field: optionLine(c, "prometheus.record"), Msg: fmt.Sprintf("prometheus.record: at most %d series", maxPrometheusRecord)})
	}
	for i, r := range o.Record {
		if _, err := scrape.ParseSelector(r); err != nil {
			f := fmt.Sprintf("prometheus.record[%d]", i)
			out = append(out, config.FieldProblem{Field: optionLine(c, f), Msg: f + ": " + err.Error()})
		}
	}
	if o.MaxBytes < 0 || o.MaxBytes > maxPrometheusBytes {
		out = append(out, config.FieldProblem{Field: optionLine(c, "prometheus.max_bytes"), Msg: fmt.Sprintf("prometheus.max_bytes: between 1 and %d", maxPrometheusBytes)})
	}
	tracked := 0
	for _, list := range []struct {
		field string
		srcs  []string
	}{{"conditions", c.Conditions}, {"degraded", c.Degraded}} {
		for i, src := range list.srcs {
			calls, err := scrape.Calls(src, promSampleFuncs...)
			if err != nil {
				out = append(out, config.FieldProblem{Field: fmt.Sprintf("%s[%d]", list.field, i), Msg: err.Error()})
			}
			tracked += len(calls)
		}
	}
	if tracked > maxPromTracked {
		out = append(out, config.FieldProblem{Field: "conditions", Msg: fmt.Sprintf("conditions read %d samples: at most %d", tracked, maxPromTracked)})
	}
	return out
}

// promTracked lists the selectors of the increase() and rate() calls in
// the check's conditions: the only series kept between probes.
func promTracked(c *config.Check) map[string]scrape.Selector {
	out := map[string]scrape.Selector{}
	for _, src := range append(append([]string(nil), c.Conditions...), c.Degraded...) {
		calls, _ := scrape.Calls(src, "increase", "rate") // reported at load
		for _, call := range calls {
			if len(out) < maxPromTracked {
				out[call.Sel.String()] = call.Sel
			}
		}
	}
	return out
}

// promState is what a probe keeps for the next: when it scraped and the
// tracked series' values (as text: NaN and Inf are values too).
type promState struct {
	At     int64             `json:"at"`
	Values map[string]string `json:"v"`
}

func (prometheusKind) Probe(ctx context.Context, t *Target) (*Observation, error) {
	o := prometheusOptions(t.Check)
	obs := NewObservation()
	// A failed scrape keeps the counters, so increase() compares with the
	// last good one.
	if s, ok := t.Prev[valPromState]; ok {
		obs.Values[valPromState] = s
	}
	limit := t.MaxBody
	if o.MaxBytes > 0 {
		limit = o.MaxBytes
	}
	r, err := limitedGET(ctx, t, t.Check.URL, scrape.Accept, o.InsecureSkipVerify, limit)
	if err != nil {
		return obs, err
	}
	obs.Code = r.Code
	if r.Code != http.StatusOK {
		f := Fail(ReasonHTTPStatus, "metrics endpoint answered HTTP %d: %s", r.Code, limitedExcerpt(r.Body, 120))
		f.Transient = r.Code >= 500 || r.Code == http.StatusTooManyRequests
		return obs, f
	}
	set, err := scrape.Parse(r.Body)
	if err != nil {
		return obs, Fail(ReasonBadResponse, "not a Prometheus text exposition: %v", err)
	}
	if set.Len() == 0 {
		return obs, Fail(ReasonBadResponse, "the exposition holds no series (%d bytes): not a metrics endpoint?", len(r.Body))
	}
	now := t.Now()
	prev := promState{}
	if s := t.Prev[valPromState]; s != "" {
		_ = json.Unmarshal([]byte(s), &prev) // unreadable: start afresh
	}
	next := promState{At: now.UnixMilli(), Values: map[string]string{}}
	for key, sel := range promTracked(t.Check) {
		if x, err := set.Find(sel); err == nil {
			next.Values[key] = strconv.FormatFloat(x.Value, 'g', -1, 64)
		}
	}
	if b, err := json.Marshal(next); err == nil {
		obs.Values[valPromState] = string(b)
	}

	obs.Vars["series"] = int64(set.Len())
	obs.Vars["bytes"] = int64(len(r.Body))
	obs.Vars["metric"] = promFunc("metric", func(sel scrape.Selector) (any, error) {
		x, err := set.Find(sel)
		if err != nil {
			return nil, err
		}
		return x.Value, nil
	})
	increase := func(sel scrape.Selector) (any, float64, error) {
		x, err := set.Find(sel)
		if err != nil {
			return nil, 0, err
		}
		p, ok := prev.Values[sel.String()]
		if !ok || prev.At <= 0 {
			// No earlier sample (the first probe): unknown, not zero.
			return nil, 0, nil
		}
		before, err := strconv.ParseFloat(p, 64)
		if err != nil {
			return nil, 0, nil
		}
		d := x.Value - before
		if d < 0 || math.IsNaN(d) {
			d = x.Value // a counter reset: it restarted from 0
		}
		return d, float64(now.UnixMilli()-prev.At) / 1000, nil
	}
	obs.Vars["increase"] = promFunc("increase", func(sel scrape.Selector) (any, error) {
		d, _, err := increase(sel)
		return d, err
	})
	obs.Vars["rate"] = promFunc("rate", func(sel scrape.Selector) (any, error) {
		d, secs, err := increase(sel)
		if d == nil || err != nil || secs <= 0 {
			return nil, err
		}
		return d.(float64) / secs, nil
	})

	obs.Values["prometheus_series"] = strconv.Itoa(set.Len())
	obs.Values["prometheus_bytes"] = strconv.Itoa(len(r.Body))
	if len(o.Record) > 0 {
		parts := make([]string, 0, len(o.Record))
		for _, rec := range o.Record {
			sel, _ := scrape.ParseSelector(rec) // checked at load
			v := "missing"
			if x, err := set.Find(sel); err == nil {
				v = strconv.FormatFloat(x.Value, 'g', -1, 64)
			} else if strings.Contains(err.Error(), "series match") {
				v = "ambiguous"
			}
			parts = append(parts, sel.String()+"="+v)
		}
		obs.Values["prometheus_samples"] = strings.Join(parts, " ")
	}
	return obs, nil
}

// promFunc is a condition function name(metric [, labels]).
func promFunc(name string, f func(scrape.Selector) (any, error)) func(...any) (any, error) {
	return func(args ...any) (any, error) {
		if len(args) < 1 || len(args) > 2 {
			return nil, fmt.Errorf(`%s() takes a metric name and optionally labels: %s("name", {"job": "node"})`, name, name)
		}
		n, ok := args[0].(string)
		if !ok {
			return nil, errors.New(name + "(): the metric name must be a string")
		}
		sel := scrape.Selector{Name: n}
		if len(args) == 2 {
			labels, err := scrape.LabelsArg(args[1])
			if err != nil {
				return nil, fmt.Errorf("%s(): %v", name, err)
			}
			sel.Labels = labels
		}
		return f(sel)
	}
}
