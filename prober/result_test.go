package prober

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"
)

func TestResultJSONRoundTrip(t *testing.T) {
	in := Result{
		Check: "rpc", Name: "RPC", Group: "g", Kind: "jsonrpc", Region: "eu",
		Time:   time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC),
		Status: Down, Latency: 1234500 * time.Microsecond, Code: 502,
		Phases:     Phases{Connect: 1500 * time.Microsecond, FirstByte: 20 * time.Millisecond},
		Reason:     "failed: latency < 1s && status == 200",
		ReasonCode: ReasonCondition,
		Failed:     []FailedCondition{{Condition: "latency < 1s", Observed: "latency=1.234s"}},
		Values:     Values{"height": "9007199254740993"},
		Attempts:   2,
	}
	// json.Marshal escapes < > & again; an encoder can keep them.
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(in); err != nil {
		t.Fatal(err)
	}
	b := buf.Bytes()
	for _, want := range []string{`"latency_ms":1234.5`, `"phases_ms":{`, `"connect":1.5`, `"first_byte":20`, `"reason":"failed: latency < 1s && status == 200"`, `"height":"9007199254740993"`} {
		if !strings.Contains(string(b), want) {
			t.Errorf("JSON lacks %s: %s", want, b)
		}
	}
	if strings.Contains(string(b), `"dns"`) {
		t.Errorf("zero phases should be left out: %s", b)
	}
	var out Result
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	if out.Latency != in.Latency || out.Phases != in.Phases || out.Reason != in.Reason || out.Values["height"] != "9007199254740993" || out.Attempts != 2 || !out.Time.Equal(in.Time) {
		t.Fatalf("round trip: %+v", out)
	}
}
