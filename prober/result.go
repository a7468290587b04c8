package prober

import (
	"bytes"
	"encoding/json"
	"math"
	"sort"
	"time"
)

// Status is the verdict of one probe or one check.
type Status string

// Statuses, best first.
const (
	Up       Status = "up"
	Degraded Status = "degraded"
	Down     Status = "down"
)

// Rank orders statuses from best (0) to worst.
func (s Status) Rank() int {
	switch s {
	case Up:
		return 0
	case Degraded:
		return 1
	}
	return 2
}

// Phases are the timings of an HTTP-style exchange.
type Phases struct {
	DNS       time.Duration `json:"-"`
	Connect   time.Duration `json:"-"`
	TLS       time.Duration `json:"-"`
	FirstByte time.Duration `json:"-"`
}

// FailedCondition names a condition that did not hold and what was seen.
type FailedCondition struct {
	Condition string `json:"condition"`
	Observed  string `json:"observed,omitempty"`
	Degraded  bool   `json:"degraded,omitempty"`
}

// Result is the outcome of probing one check in one region. Every string in
// it has been redacted of secrets.
type Result struct {
	Check      string            `json:"check"`
	Name       string            `json:"name"`
	Group      string            `json:"group"`
	Kind       string            `json:"kind"`
	Region     string            `json:"region"`
	Time       time.Time         `json:"time"`
	Status     Status            `json:"status"`
	Latency    time.Duration     `json:"-"`
	Phases     Phases            `json:"-"`
	Code       int               `json:"code,omitempty"`
	Reason     string            `json:"reason,omitempty"`
	ReasonCode ReasonCode        `json:"reason_code,omitempty"`
	Failed     []FailedCondition `json:"failed,omitempty"`
	// Values are observed values worth recording: height, head_age_s,
	// peers, version, cert_expiry (unix seconds), missed, ...
	Values   Values `json:"values,omitempty"`
	Attempts int    `json:"attempts"`
}

// Values maps a value name to its canonical text; numbers are kept as text
// so that heights beyond 2^53 stay exact everywhere.
type Values map[string]string

// Keys returns the value names in sorted order.
func (v Values) Keys() []string {
	keys := make([]string, 0, len(v))
	for k := range v {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func ms(d time.Duration) float64 { return math.Round(float64(d)/1e5) / 10 }

// MarshalJSON writes durations as milliseconds with one decimal.
func (r Result) MarshalJSON() ([]byte, error) {
	type plain Result
	out := struct {
		plain
		LatencyMS float64            `json:"latency_ms"`
		PhasesMS  map[string]float64 `json:"phases_ms,omitempty"`
	}{plain: plain(r), LatencyMS: ms(r.Latency)}
	if p := r.Phases; p != (Phases{}) {
		out.PhasesMS = map[string]float64{}
		for name, d := range map[string]time.Duration{"dns": p.DNS, "connect": p.Connect, "tls": p.TLS, "first_byte": p.FirstByte} {
			if d > 0 {
				out.PhasesMS[name] = ms(d)
			}
		}
	}
	// Reasons and conditions read as written ("latency < 1s"): HTML
	// escaping is the business of whoever embeds them in HTML.
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(out); err != nil {
		return nil, err
	}
	return bytes.TrimRight(b.Bytes(), "\n"), nil
}

// UnmarshalJSON reads what MarshalJSON wrote.
func (r *Result) UnmarshalJSON(b []byte) error {
	type plain Result
	var in struct {
		plain
		LatencyMS float64            `json:"latency_ms"`
		PhasesMS  map[string]float64 `json:"phases_ms"`
	}
	if err := json.Unmarshal(b, &in); err != nil {
		return err
	}
	*r = Result(in.plain)
	r.Latency = time.Duration(in.LatencyMS * 1e6)
	d := func(k string) time.Duration { return time.Duration(in.PhasesMS[k] * 1e6) }
	r.Phases = Phases{DNS: d("dns"), Connect: d("connect"), TLS: d("tls"), FirstByte: d("first_byte")}
	return nil
}

// CheckResult is a check's verdict over all its regions.
type CheckResult struct {
	Check   string   `json:"check"`
	Name    string   `json:"name"`
	Group   string   `json:"group"`
	Status  Status   `json:"status"`
	Regions []Result `json:"regions"`
}

// Aggregate derives a check's status from its regions: all up is up, all
// down is down, anything else (some regions down, or degraded) is degraded.
func Aggregate(regions []Result) Status {
	if len(regions) == 0 {
		return Down
	}
	up, down := 0, 0
	for _, r := range regions {
		switch r.Status {
		case Up:
			up++
		case Down:
			down++
		}
	}
	switch {
	case up == len(regions):
		return Up
	case down == len(regions):
		return Down
	}
	return Degraded
}

// ByCheck groups results (sorted as Round returns them) per check.
func ByCheck(results []Result) []CheckResult {
	var out []CheckResult
	for _, r := range results {
		if n := len(out); n == 0 || out[n-1].Check != r.Check {
			out = append(out, CheckResult{Check: r.Check, Name: r.Name, Group: r.Group})
		}
		last := &out[len(out)-1]
		last.Regions = append(last.Regions, r)
	}
	for i := range out {
		out[i].Status = Aggregate(out[i].Regions)
	}
	return out
}
