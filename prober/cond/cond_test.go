package cond

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"
)

func decode(t *testing.T, s string) any {
	t.Helper()
	dec := json.NewDecoder(strings.NewReader(s))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		t.Fatal(err)
	}
	return FromJSON(v)
}

func TestEval(t *testing.T) {
	vars := []string{"status", "latency", "body", "result", "cert"}
	env := map[string]any{
		"status":  200,
		"latency": 1200 * time.Millisecond,
		"body":    `{"ok":true}`,
		"result":  decode(t, `{"isSyncing":false,"peers":7,"number":"0x1b4","big":"0x20000000000001","hash":"0x00ab","n":9007199254740993}`),
		"cert":    map[string]any{"expires_in": 20 * 24 * time.Hour},
	}
	tests := []struct {
		src      string
		want     bool
		observed string
	}{
		{`status == 200`, true, ""},
		{`latency < 800ms`, false, "latency=1.2s"},
		{`latency < 2s`, true, ""},
		{`latency < 1s200ms`, false, "latency=1.2s"},
		{`cert.expires_in > 14d`, true, ""},
		{`cert.expires_in > 3w`, false, "cert.expires_in=480h0m0s"},
		{`result.isSyncing == false`, true, ""},
		{`result.peers >= 5`, true, ""},
		{`result.peers >= 10`, false, "result.peers=7"},
		{`result.number == 436`, true, ""},
		{`result.number == 0x1b4`, true, ""},
		{`result.big == 9007199254740993`, true, ""},
		{`result.n == 9007199254740993`, true, ""},
		{`result.n == 9007199254740992`, false, "result.n=9007199254740993"},
		{`result.hash == "0x00ab"`, true, ""},
		{`body contains "ok"`, true, ""},
		{`body contains "5s"`, false, `body="{\"ok\":true}"`},
		{`hex("0xff") == 255`, true, ""},
		{`num("12") > 11`, true, ""},
	}
	for _, tt := range tests {
		t.Run(tt.src, func(t *testing.T) {
			c, err := Compile(tt.src, vars)
			if err != nil {
				t.Fatalf("compile: %v", err)
			}
			ok, obs, err := c.Eval(env)
			if err != nil && tt.want {
				t.Fatalf("eval: %v", err)
			}
			if ok != tt.want {
				t.Fatalf("got %v want %v (observed %s)", ok, tt.want, obs)
			}
			if !ok && obs != tt.observed {
				t.Fatalf("observed %q, want %q", obs, tt.observed)
			}
		})
	}
}

func TestCompileErrors(t *testing.T) {
	vars := []string{"status", "latency"}
	for _, src := range []string{`staus == 200`, `status ==`, `latency < 5parsecs`, `"unterminated`} {
		if _, err := Compile(src, vars); err == nil {
			t.Errorf("Compile(%q) succeeded, want error", src)
		}
	}
}

func TestRewriteDurations(t *testing.T) {
	tests := map[string]string{
		`latency < 800ms`:     `latency < duration("800ms")`,
		`x == 0x1d`:           `x == 0x1d`,
		`a2s > 1`:             `a2s > 1`,
		`body contains "30s"`: `body contains "30s"`,
		`age < 1.5m`:          `age < duration("1m30s")`,
		`e > 14d`:             `e > duration("336h0m0s")`,
		`v == 1e5`:            `v == 1e5`,
	}
	for in, want := range tests {
		got, err := rewriteDurations(in)
		if err != nil || got != want {
			t.Errorf("rewrite(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
}

func TestParseQuantity(t *testing.T) {
	if v, ok := ParseQuantity("0xffffffffffffffff"); !ok || v.(uint64) != 1<<64-1 {
		t.Fatalf("uint64 max: %v %v", v, ok)
	}
	if v, ok := ParseQuantity("0x10000000000000000"); !ok || v.(interface{ String() string }).String() != "18446744073709551616" {
		t.Fatalf("big: %v %v", v, ok)
	}
	if _, ok := ParseQuantity("0xzz"); ok {
		t.Fatal("0xzz parsed")
	}
}

func TestEvalCleanRedactsBeforeCutting(t *testing.T) {
	secret := "sk_live_0123456789abcdef"
	body := strings.Repeat(".", MaxObserved-10) + secret + " tail"
	c := MustCompile(`body contains "nothing"`, []string{"body"})
	clean := func(s string) string { return strings.ReplaceAll(s, secret, "${KEY}") }
	_, observed, _ := c.EvalClean(map[string]any{"body": body}, clean)
	if strings.Contains(observed, secret[:8]) || !strings.Contains(observed, "${KEY}") {
		t.Fatalf("observed %q: want the secret replaced before the cut", observed)
	}
	_, raw, _ := c.Eval(map[string]any{"body": body})
	if !strings.Contains(raw, secret[:8]) {
		t.Fatalf("without clean the observed value should show the text: %q", raw)
	}
}

func TestObservedValues(t *testing.T) {
	env := map[string]any{
		"result":  decode(t, `{"peers":3,"list":[1,2],"nested":{"a":{"b":"0x10"}}}`),
		"latency": 1500 * time.Millisecond,
		"status":  503,
		"metric":  func(args ...any) (any, error) { return 7.5, nil },
		"fail":    func(args ...any) (any, error) { return nil, fmt.Errorf("no series %v", args[0]) },
	}
	vars := []string{"result", "latency", "status", "metric", "fail"}
	tests := []struct{ src, observed string }{
		{`result.peers >= 5 && latency < 1s`, "latency=1.5s result.peers=3"},
		{`result.nested.a.b > 100`, "result.nested.a.b=16"},
		{`result.list[1] == 3`, "result.list[1]=2"},
		{`len(result.list) > 5`, "result.list=[1 2]"},
		{`result.missing.x == 1`, "result.missing.x=<missing>"},
		{`status in [200, 204]`, "status=503"},
		{`metric("up", {"job": "node"}) == 1`, `metric("up", {job: "node"})=7.5`},
		{`metric(result.missing) > 10`, "result.missing=null"},
		{`fail("x") > 10`, `fail("x")=<missing> (no series x)`},
	}
	for _, tt := range tests {
		c, err := Compile(tt.src, vars)
		if err != nil {
			t.Fatalf("%s: %v", tt.src, err)
		}
		ok, observed, _ := c.Eval(env)
		if ok || observed != tt.observed {
			t.Errorf("%s: ok=%v observed %q, want %q", tt.src, ok, observed, tt.observed)
		}
	}
}

func TestReferencesAndSyntax(t *testing.T) {
	tests := []struct {
		src  string
		name string
		want bool
	}{
		{`status == 200`, "status", true},
		{`body contains "status"`, "status", false},
		{`json.status == "ok"`, "status", false},
		{`status in [200, 301]`, "status", true},
		{`result.peers > 1`, "result", true},
		{`not valid ==`, "status", false},
	}
	for _, tt := range tests {
		if got := References(tt.src, tt.name); got != tt.want {
			t.Errorf("References(%q, %q) = %v", tt.src, tt.name, got)
		}
	}
	if err := Syntax(`anything.at.all > 5s`); err != nil {
		t.Errorf("Syntax of a valid expression: %v", err)
	}
	for _, bad := range []string{`a >`, `"open`, `(a`} {
		if Syntax(bad) == nil {
			t.Errorf("Syntax(%q) accepted", bad)
		}
	}
	c := MustCompile(`result.peers > 1 && latency < 1s`, []string{"result", "latency"})
	if !c.Reads("result") || !c.Reads("latency") || c.Reads("status") {
		t.Errorf("Reads wrong")
	}
}

func TestFromJSON(t *testing.T) {
	tests := []struct {
		in   string
		want any
	}{
		{`1`, int64(1)},
		{`9007199254740993`, int64(9007199254740993)},
		{`18446744073709551615`, uint64(18446744073709551615)},
		{`1.5`, 1.5},
		{`"0x1b4"`, int64(436)},
		{`"0x0"`, int64(0)},
		{`"0xffffffffffffffff"`, uint64(1<<64 - 1)},
		{`"0x00ab"`, "0x00ab"}, // data with a leading zero, not a quantity
		{`"0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed"`, "0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed"}, // 160 bits: an address
		{`"12"`, "12"},
		{`true`, true},
		{`null`, nil},
	}
	for _, tt := range tests {
		if got := decode(t, tt.in); got != tt.want {
			t.Errorf("FromJSON(%s) = %#v, want %#v", tt.in, got, tt.want)
		}
	}
}
