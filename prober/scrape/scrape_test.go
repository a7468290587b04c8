package scrape

import (
	"reflect"
	"strings"
	"testing"
)

// exposition is Prometheus text format 0.0.4 (prometheus.io/docs/
// instrumenting/exposition_formats), with a histogram and a summary.
const exposition = `# HELP oasis_consensus_signed_blocks Number of blocks signed by the node.
# TYPE oasis_consensus_signed_blocks counter
oasis_consensus_signed_blocks 1234
# TYPE up gauge
up{job="node"} 1
up{job="exporter",instance="a"} 0
# TYPE rpc_seconds histogram
rpc_seconds_bucket{le="0.1"} 3
rpc_seconds_bucket{le="1"} 5
rpc_seconds_bucket{le="+Inf"} 6
rpc_seconds_sum 2.5
rpc_seconds_count 6
# TYPE gc_seconds summary
gc_seconds{quantile="0.5"} 0.01
gc_seconds_sum 1
gc_seconds_count 100
untyped_thing 42
`

func TestFind(t *testing.T) {
	set, err := Parse([]byte(exposition))
	if err != nil {
		t.Fatal(err)
	}
	if set.Len() != 12 {
		t.Errorf("Len %d, want 12", set.Len())
	}
	tests := []struct {
		sel  Selector
		want float64
		err  string
	}{
		{Selector{Name: "oasis_consensus_signed_blocks"}, 1234, ""},
		{Selector{Name: "up", Labels: map[string]string{"job": "node"}}, 1, ""},
		{Selector{Name: "up", Labels: map[string]string{"instance": "a"}}, 0, ""},
		{Selector{Name: "up"}, 0, "2 series match up"},
		{Selector{Name: "up", Labels: map[string]string{"job": "x"}}, 0, `no series up{job="x"}; the scrape has up{job="node"}`},
		{Selector{Name: "nothing"}, 0, "no metric nothing in the scrape (12 series)"},
		{Selector{Name: "rpc_seconds_bucket", Labels: map[string]string{"le": "+Inf"}}, 6, ""},
		{Selector{Name: "rpc_seconds_bucket", Labels: map[string]string{"le": "0.1"}}, 3, ""},
		{Selector{Name: "rpc_seconds_count"}, 6, ""},
		{Selector{Name: "gc_seconds", Labels: map[string]string{"quantile": "0.5"}}, 0.01, ""},
		{Selector{Name: "gc_seconds_sum"}, 1, ""},
		{Selector{Name: "untyped_thing"}, 42, ""},
	}
	for _, tt := range tests {
		t.Run(tt.sel.String(), func(t *testing.T) {
			got, err := set.Find(tt.sel)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("error %v, want %q", err, tt.err)
				}
				return
			}
			if err != nil || got.Value != tt.want {
				t.Fatalf("got %v %v, want %v", got.Value, err, tt.want)
			}
		})
	}
}

func TestParseRejects(t *testing.T) {
	for _, in := range []string{
		"x{a=\"1\" 3\n",
		"# TYPE x counter\nx abc\n",
		"# TYPE x counter\n# TYPE x gauge\nx 1\n",
		"<html>\n",
	} {
		if _, err := Parse([]byte(in)); err == nil {
			t.Errorf("%q parsed", in)
		}
	}
}

func TestCalls(t *testing.T) {
	tests := []struct {
		src  string
		want []Call
		err  string
	}{
		{`increase("a") > 0`, []Call{{"increase", Selector{Name: "a"}}}, ""},
		{`(rate("a", {"job": "n"}) ?? 1) > 0 && latency < 2s`, []Call{{"rate", Selector{Name: "a", Labels: map[string]string{"job": "n"}}}}, ""},
		{`metric("a") > 1 || increase ("b", {job: "x"}) > 0`, []Call{{"metric", Selector{Name: "a"}}, {"increase", Selector{Name: "b", Labels: map[string]string{"job": "x"}}}}, ""},
		{`body contains "increase(x)"`, nil, ""},
		{`myrate("a") > 0 || x.rate("b") > 0`, nil, ""},
		{`increase(region) > 0`, nil, "as literals"},
		{`increase("a", {"k": 1}) > 0`, nil, "as literals"},
		{`increase("a"`, nil, "not closed"},
		{`metric("bad-name") > 0`, nil, "not a metric name"},
	}
	for _, tt := range tests {
		t.Run(tt.src, func(t *testing.T) {
			got, err := Calls(tt.src, "metric", "increase", "rate")
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("error %v, want %q", err, tt.err)
				}
				return
			}
			if err != nil || !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("got %+v %v, want %+v", got, err, tt.want)
			}
		})
	}
}

func TestParseSelector(t *testing.T) {
	tests := []struct {
		in, want, err string
	}{
		{"up", "up", ""},
		{` up{job="node", instance="a:9100"} `, `up{instance="a:9100",job="node"}`, ""},
		{`x{a="q\"uote"}`, `x{a="q\"uote"}`, ""},
		{`up{job=node}`, "", "write labels as"},
		{`up{job="node"`, "", "must end with }"},
		{`up{job="node}`, "", "unterminated label value"},
		{`1up`, "", "not a metric name"},
		{`up{"job"="x"}`, "", "not a label name"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseSelector(tt.in)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("error %v, want %q", err, tt.err)
				}
				return
			}
			if err != nil || got.String() != tt.want {
				t.Fatalf("got %q %v, want %q", got.String(), err, tt.want)
			}
		})
	}
}

// FuzzParse: hostile expositions fail or parse, never panic, and every
// parsed series can be found by its own name and labels.
func FuzzParse(f *testing.F) {
	f.Add([]byte(exposition))
	f.Add([]byte("x{a=\"1\" 3\n"))
	f.Add([]byte("# TYPE h histogram\nh_bucket{le=\"+Inf\"} 1\nh_count 1\nh_sum 0\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		set, err := Parse(data)
		if err != nil {
			return
		}
		for _, ss := range set.byName {
			for _, s := range ss {
				if _, err := set.Find(Selector{Name: s.Name, Labels: s.Labels()}); err != nil && !strings.Contains(err.Error(), "series match") {
					t.Fatalf("%s: %v", s.Key(), err)
				}
			}
		}
	})
}
