package prober

import (
	"strings"
	"testing"
)

// down_below on conflux balances (cfx_getBalance against simnet.Conflux,
// which holds 3 CFX + 1 Drip for ops): below it the check is down, above
// it and below min degraded.
func TestConfluxBalanceDownBelow(t *testing.T) {
	check := func(min, down string) string {
		return `group: Conflux
checks:
  - name: Core node
    kind: conflux
    url: URL
    timeout: 10s
    conflux:
      chain_id: 1029
      balances:
        - {name: ops, address: ` + confluxOps + `, min: "` + min + `", down_below: "` + down + `"}
`
	}
	tests := []struct {
		min, down string
		want      Status
		failed    string
	}{
		{"3", "1", Up, ""},
		{"5", "1", Degraded, `balance_low == ""`},
		{"5", "4", Down, `balance_down == "" [balance_down="ops: 3.000000000000000001 CFX < 4 CFX"]`},
		{"3.000000000000000002", "3.000000000000000002", Down, "balance_down"},
	}
	for _, tt := range tests {
		h := newConfluxHarness(t, check(tt.min, tt.down))
		r := h.probe()
		if r.Status != tt.want || !strings.Contains(failedText(r), tt.failed) {
			t.Errorf("min %s down_below %s: %s %s, want %s with %q", tt.min, tt.down, r.Status, failedText(r), tt.want, tt.failed)
		}
	}
}

func TestConfluxBalanceDownBelowValidation(t *testing.T) {
	spec := "    kind: conflux\n    url: http://127.0.0.1:1/\n    conflux:\n      chain_id: 1029\n      balances:\n        - {address: " + confluxOps + ", min: \"1\", down_below: \"2\"}\n"
	_, err := loadConfig(t, Builtin(), "", oneCheck(spec), nil)
	if err == nil || !strings.Contains(err.Error(), "down_below 2 is above min 1") {
		t.Errorf("err = %v", err)
	}
}
