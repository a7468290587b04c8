// Package scrape reads a Prometheus text exposition (as served by
// client_golang's promhttp, node_exporter, oasis-node --metrics.mode pull,
// geth, CometBFT, Lighthouse, Lotus) into flat samples, with the parser of
// github.com/prometheus/common/expfmt, and finds samples by name and labels.
package scrape

import (
	"bytes"
	"fmt"
	"math"
	"sort"
	"strings"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
)

// Accept asks for the Prometheus text format (version 0.0.4), which
// expfmt's parser reads; OpenMetrics-only servers still answer text that
// is mostly compatible.
const Accept = "text/plain;version=0.0.4;q=1,*/*;q=0.1"

// Sample is one series and its value. Histograms and summaries are
// flattened as in the text format: name_bucket{le=...}, name{quantile=...},
// name_sum, name_count.
type Sample struct {
	Name string
	// Labels are the parser's own pairs (no copy per series); extra is the
	// le or quantile label of a bucket or quantile.
	labels []*dto.LabelPair
	extra  *dto.LabelPair
	Value  float64
}

// Label returns the value of label k ("" if absent, as in PromQL).
func (s Sample) Label(k string) string {
	if s.extra != nil && s.extra.GetName() == k {
		return s.extra.GetValue()
	}
	for _, l := range s.labels {
		if l.GetName() == k {
			return l.GetValue()
		}
	}
	return ""
}

// Labels returns the labels as a map.
func (s Sample) Labels() map[string]string {
	out := make(map[string]string, len(s.labels)+1)
	for _, l := range s.labels {
		out[l.GetName()] = l.GetValue()
	}
	if s.extra != nil {
		out[s.extra.GetName()] = s.extra.GetValue()
	}
	return out
}

// Key is the series written as in the text format, labels sorted.
func (s Sample) Key() string { return Selector{Name: s.Name, Labels: s.Labels()}.String() }

// Set is the samples of one scrape.
type Set struct {
	byName map[string][]Sample
	n      int
}

// Len is the number of series.
func (s *Set) Len() int { return s.n }

// Parse parses a text exposition. The caller bounds data's size.
func Parse(data []byte) (*Set, error) {
	var p expfmt.TextParser
	fams, err := p.TextToMetricFamilies(bytes.NewReader(data))
	if err != nil {
		return nil, err
	}
	set := &Set{byName: make(map[string][]Sample, len(fams))}
	add := func(name string, labels []*dto.LabelPair, extra *dto.LabelPair, v float64) {
		set.byName[name] = append(set.byName[name], Sample{Name: name, labels: labels, extra: extra, Value: v})
		set.n++
	}
	pair := func(k, v string) *dto.LabelPair { return &dto.LabelPair{Name: &k, Value: &v} }
	for name, f := range fams {
		if t := f.GetType(); t != dto.MetricType_SUMMARY && t != dto.MetricType_HISTOGRAM {
			set.byName[name] = make([]Sample, 0, len(f.GetMetric()))
		}
		for _, m := range f.GetMetric() {
			labels := m.GetLabel()
			switch f.GetType() {
			case dto.MetricType_COUNTER:
				add(name, labels, nil, m.GetCounter().GetValue())
			case dto.MetricType_GAUGE:
				add(name, labels, nil, m.GetGauge().GetValue())
			case dto.MetricType_SUMMARY:
				sm := m.GetSummary()
				for _, q := range sm.GetQuantile() {
					add(name, labels, pair("quantile", fmt.Sprint(q.GetQuantile())), q.GetValue())
				}
				add(name+"_sum", labels, nil, sm.GetSampleSum())
				add(name+"_count", labels, nil, float64(sm.GetSampleCount()))
			case dto.MetricType_HISTOGRAM:
				h := m.GetHistogram()
				inf := false
				for _, b := range h.GetBucket() {
					inf = math.IsInf(b.GetUpperBound(), 1)
					add(name+"_bucket", labels, pair("le", formatLe(b.GetUpperBound())), float64(b.GetCumulativeCount()))
				}
				if !inf { // every histogram has a +Inf bucket: its count
					add(name+"_bucket", labels, pair("le", "+Inf"), float64(h.GetSampleCount()))
				}
				add(name+"_sum", labels, nil, h.GetSampleSum())
				add(name+"_count", labels, nil, float64(h.GetSampleCount()))
			default:
				add(name, labels, nil, m.GetUntyped().GetValue())
			}
		}
	}
	return set, nil
}

func formatLe(f float64) string {
	if math.IsInf(f, 1) {
		return "+Inf"
	}
	return fmt.Sprint(f)
}

// Selector names series: a metric name and labels that must all match
// (other labels may differ), like a PromQL selector with only `=`.
type Selector struct {
	Name   string
	Labels map[string]string
}

// String writes the selector as name{a="x",b="y"}.
func (s Selector) String() string {
	if len(s.Labels) == 0 {
		return s.Name
	}
	keys := make([]string, 0, len(s.Labels))
	for k := range s.Labels {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	b.WriteString(s.Name)
	b.WriteByte('{')
	for i, k := range keys {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, "%s=%q", k, s.Labels[k])
	}
	b.WriteByte('}')
	return b.String()
}

// Check validates the metric and label names.
func (s Selector) Check() error {
	if !validName(s.Name, true) {
		return fmt.Errorf("%q is not a metric name ([a-zA-Z_:][a-zA-Z0-9_:]*)", s.Name)
	}
	for k := range s.Labels {
		if !validName(k, false) {
			return fmt.Errorf("%q is not a label name ([a-zA-Z_][a-zA-Z0-9_]*)", k)
		}
	}
	return nil
}

func validName(s string, colon bool) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		ok := c == '_' || (c|0x20 >= 'a' && c|0x20 <= 'z') || (i > 0 && c >= '0' && c <= '9') || (colon && c == ':')
		if !ok {
			return false
		}
	}
	return true
}

// MaxCandidates bounds how many series an error message names.
const MaxCandidates = 3

// Find returns the one series sel matches. No match, or several, is an
// error that says what the scrape has instead.
func (s *Set) Find(sel Selector) (Sample, error) {
	var hits []Sample
	for _, x := range s.byName[sel.Name] {
		if matches(x, sel.Labels) {
			hits = append(hits, x)
		}
	}
	switch {
	case len(hits) == 1:
		return hits[0], nil
	case len(hits) > 1:
		return Sample{}, fmt.Errorf("%d series match %s: name labels to pick one, e.g. %s", len(hits), sel, keys(hits))
	case len(s.byName[sel.Name]) > 0:
		return Sample{}, fmt.Errorf("no series %s; the scrape has %s", sel, keys(s.byName[sel.Name]))
	}
	return Sample{}, fmt.Errorf("no metric %s in the scrape (%d series)", sel.Name, s.n)
}

func matches(have Sample, want map[string]string) bool {
	for k, v := range want {
		if have.Label(k) != v {
			return false
		}
	}
	return true
}

func keys(ss []Sample) string {
	names := make([]string, 0, min(len(ss), MaxCandidates))
	for i, x := range ss {
		if i == MaxCandidates {
			names = append(names, "…")
			break
		}
		names = append(names, x.Key())
	}
	return strings.Join(names, ", ")
}
