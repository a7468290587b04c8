package cond

import (
	"encoding/json"
	"math/big"
	"strings"
	"testing"
	"time"
)

// Amounts above 2^64 as JSON-RPC nodes return them: eth_getBalance of 20
// ETH is 0x1158e460913d00000 (Ethereum JSON-RPC "quantity" encoding), and
// Filecoin's WalletBalance and Cosmos LCD amounts are decimal strings.
func TestBigNumbers(t *testing.T) {
	twenty := new(big.Int).Mul(big.NewInt(20), new(big.Int).Exp(big.NewInt(10), big.NewInt(18), nil))
	tests := []struct {
		cond string
		env  map[string]any
		want bool
	}{
		// hex quantity above 2^64, decoded from JSON
		{`result >= 10^18`, jsonEnv(t, `"0x1158e460913d00000"`), true},
		{`result == 20 * 10^18`, jsonEnv(t, `"0x1158e460913d00000"`), true},
		{`result > 20 * 10^18`, jsonEnv(t, `"0x1158e460913d00000"`), false},
		{`result < 20 * 10^18 + 1`, jsonEnv(t, `"0x1158e460913d00000"`), true},
		{`result == 0x1158e460913d00000`, jsonEnv(t, `"0x1158e460913d00000"`), true},
		// exact at the last digit, where float64 would round
		{`result > 20000000000000000000`, map[string]any{"result": new(big.Int).Add(twenty, big.NewInt(1))}, true},
		{`result > 20000000000000000001`, map[string]any{"result": new(big.Int).Add(twenty, big.NewInt(1))}, false},
		// decimal strings of any size
		{`result >= 10^18`, map[string]any{"result": "20000000000000000000"}, true},
		{`result < 5 * 10^17`, map[string]any{"result": "499999999999999999999"}, false},
		{`result < 5 * 10^20`, map[string]any{"result": "499999999999999999999"}, true},
		{`num(result) + 1 == 500000000000000000000`, map[string]any{"result": "499999999999999999999"}, true},
		{`result == 20 * 10^18`, jsonEnv(t, `20000000000000000000`), true},
		// a hex string longer than a quantity still compares as a number
		{`result > 0`, map[string]any{"result": "0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed"}, true},
		// units: base units to whole units and back, exactly
		{`units(result, 18) == 20`, jsonEnv(t, `"0x1158e460913d00000"`), true},
		{`units(result, 18) > 19.9`, jsonEnv(t, `"0x1158e460913d00000"`), true},
		{`units(result, 18) >= 0.1`, map[string]any{"result": "100000000000000000"}, true},
		{`units(result, 18) > 0.1`, map[string]any{"result": "100000000000000000"}, false},
		{`result >= ether(20)`, jsonEnv(t, `"0x1158e460913d00000"`), true},
		{`result >= ether(20.5)`, jsonEnv(t, `"0x1158e460913d00000"`), false},
		{`result == gwei(1)`, map[string]any{"result": int64(1000000000)}, true},
		{`balance < dot(10)`, map[string]any{"balance": "99999999999"}, true},
		{`balance >= fil(0.5)`, map[string]any{"balance": "500000000000000000"}, true},
		// the usual comparisons keep their meaning
		{`status == 200`, map[string]any{"status": 200}, true},
		{`peers >= 5`, map[string]any{"peers": uint64(4)}, false},
		{`ratio > 0.5`, map[string]any{"ratio": 0.75}, true},
		{`7 / 2 == 3.5`, map[string]any{}, true},
		{`latency < 800ms`, map[string]any{"latency": 200 * time.Millisecond}, true},
		{`latency + 700ms > 800ms`, map[string]any{"latency": 200 * time.Millisecond}, true},
		{`version == "v1.2"`, map[string]any{"version": "v1.2"}, true},
		{`name + "x" == "ax"`, map[string]any{"name": "a"}, true},
		{`ok == false`, map[string]any{"ok": false}, true},
		{`2^0.5 > 1.41`, map[string]any{}, true},
	}
	for _, tt := range tests {
		vars := make([]string, 0, len(tt.env))
		for k := range tt.env {
			vars = append(vars, k)
		}
		c, err := Compile(tt.cond, vars)
		if err != nil {
			t.Errorf("Compile(%q): %v", tt.cond, err)
			continue
		}
		got, obs, err := c.Eval(tt.env)
		if err != nil || got != tt.want {
			t.Errorf("%q with %v = %v (%s), %v; want %v", tt.cond, tt.env, got, obs, err, tt.want)
		}
	}
}

// A comparison expr cannot make still fails, with its message.
func TestBigNumbersKeepTypeErrors(t *testing.T) {
	c := MustCompile(`latency < 800`, []string{"latency"})
	_, _, err := c.Eval(map[string]any{"latency": time.Second})
	if err == nil || !strings.Contains(err.Error(), "time.Duration") {
		t.Fatalf("err = %v, want the duration mismatch", err)
	}
}

func TestObservedBigValues(t *testing.T) {
	c := MustCompile(`units(result, 18) > 30`, []string{"result"})
	_, obs, _ := c.Eval(jsonEnv(t, `"0x1158e460913d00000"`))
	if !strings.Contains(obs, "result=20000000000000000000") {
		t.Errorf("observed %q, want the exact amount", obs)
	}
	c = MustCompile(`units(result, 18) > 30`, []string{"result"})
	_, obs, _ = c.Eval(map[string]any{"result": big.NewInt(1234500000000000000)})
	if !strings.Contains(obs, "result=1234500000000000000") {
		t.Errorf("observed %q", obs)
	}
	if got := FormatClean(new(big.Rat).SetFrac64(12345, 10000), nil); got != "1.2345" {
		t.Errorf("FormatClean(rat) = %q, want 1.2345", got)
	}
}

func jsonEnv(t *testing.T, raw string) map[string]any {
	t.Helper()
	d := json.NewDecoder(strings.NewReader(raw))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil {
		t.Fatal(err)
	}
	return map[string]any{"result": FromJSON(v)}
}

func TestBigLiteralNotObserved(t *testing.T) {
	c := MustCompile(`result > 20000000000000000000`, []string{"result"})
	_, obs, _ := c.Eval(map[string]any{"result": 1})
	if obs != "result=1" {
		t.Errorf("observed %q, want only the variable", obs)
	}
}

// BenchmarkEval: the cost of exact operators on a typical condition and
// on a balance beyond 2^64.
func BenchmarkEval(b *testing.B) {
	for _, bc := range []struct {
		name, cond string
		env        map[string]any
	}{
		{"plain", `status == 200 && latency < 800ms && peers >= 5`, map[string]any{"status": 200, "latency": time.Second / 5, "peers": int64(8)}},
		{"big", `result >= 5 * 10^17 && units(result, 18) < 100`, map[string]any{"result": new(big.Int).Lsh(big.NewInt(1), 70)}},
	} {
		vars := make([]string, 0, len(bc.env))
		for k := range bc.env {
			vars = append(vars, k)
		}
		c := MustCompile(bc.cond, vars)
		b.Run(bc.name, func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				if _, _, err := c.Eval(bc.env); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
