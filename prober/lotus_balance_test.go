package prober

import (
	"bytes"
	"testing"

	"github.com/upchain-dev/upchain/prober/lotus/address"
	"github.com/upchain-dev/upchain/prober/simnet"
)

// Balances of a lotus check against simnet.Lotus (Filecoin.WalletBalance,
// a decimal attoFIL string): above min up, below min degraded, below
// down_below down, unreadable degraded with its reason; amounts above
// 2^64 attoFIL stay exact.
func TestLotusBalances(t *testing.T) {
	hot := address.Address{Network: 'f', Protocol: address.SECP256K1, Payload: bytes.Repeat([]byte{1}, 20)}.String()
	check := func(list string) string {
		return "checks:\n  - name: SP\n    kind: lotus\n    url: URL/rpc/v1\n    lotus:\n      balances:\n" + list
	}
	tests := []struct {
		name, amount, list string
		want               want
	}{
		{"above min", "20000000000000000000", "        - {name: hot, address: " + hot + ", min: \"10\", down_below: \"1\"}\n",
			want{status: Up, values: map[string]string{"filecoin_balances": "hot: 20 FIL", "filecoin_balance_lowest": "20000000000000000000"}}},
		{"below min", "2500000000000000000", "        - {name: hot, address: " + hot + ", min: \"10\", down_below: \"1\"}\n",
			want{status: Degraded, code: ReasonCondition, failed: `balance_low == "" (balance_low="hot: 2.5 FIL < 10 FIL")`,
				values: map[string]string{"filecoin_balance_low": "hot: 2.5 FIL < 10 FIL"}}},
		{"below down_below", "500000000000000000", "        - {name: hot, address: " + hot + ", min: \"10\", down_below: \"1\"}\n",
			want{status: Down, code: ReasonCondition, failed: `balance_down == "" (balance_down="hot: 0.5 FIL < 1 FIL")`}},
		{"unreadable", "lots", "        - {name: hot, address: " + hot + ", min: \"10\"}\n",
			want{status: Degraded, code: ReasonCondition, failed: `hot: Filecoin.WalletBalance: \"lots\" is not an amount of attoFIL`}},
		{"above 2^64, exact", "123456789012345678901234567", "        - {name: hot, address: " + hot + ", min: \"123456789.012345678901234568\"}\n",
			want{status: Degraded, code: ReasonCondition, failed: "hot: 123456789.012345678901234567 FIL < 123456789.012345678901234568 FIL",
				values: map[string]string{"filecoin_balance_lowest": "123456789012345678901234567"}}},
		{"condition on the amount", "20000000000000000000", "        - {name: hot, address: " + hot + "}\n    conditions:\n      - balances.hot == fil(20)\n",
			want{status: Up}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newLotusHarness(t, check(tt.list), nil)
			h.node.Update(func(s *simnet.LotusState) { s.Balances[hot] = tt.amount })
			tt.want.check(t, h.probe())
		})
	}
}

// Filecoin addresses are checked at load time, each at its line.
func TestLotusBalanceValidation(t *testing.T) {
	f1 := address.Address{Network: 'f', Protocol: address.SECP256K1, Payload: bytes.Repeat([]byte{1}, 20)}.String()
	f3 := address.Address{Network: 'f', Protocol: address.BLS, Payload: bytes.Repeat([]byte{2}, 48)}.String()
	typo := []byte(f1)
	if typo[10] == 'a' { // another letter: a typo of the same length
		typo[10] = 'b'
	} else {
		typo[10] = 'a'
	}
	tests := []struct{ balance, want string }{
		{"{address: " + f1 + "}", ""},
		{"{address: " + f3 + ", min: \"0.000000000000000001\"}", ""},
		{"{address: f01234}", ""},
		{"{address: " + string(typo) + "}", "checks.yml:8: lotus.balances[1]: address \"" + string(typo) + "\": bad checksum"},
		{"{address: f5abc}", "unknown protocol"},
		{"{name: x}", "needs an address (f1…, f3… or f0…)"},
		{"{address: " + f1 + ", min: \"1.0000000000000000001\"}", "at most 18 decimals"},
		{"{address: " + f1 + ", min: \"1\", down_below: \"2\"}", "down_below 2 is above min 1"},
	}
	for _, tt := range tests {
		spec := "checks:\n  - name: SP\n    kind: lotus\n    url: http://127.0.0.1:1234/rpc/v1\n    lotus:\n      balances:\n        - {address: f0100}\n        - " + tt.balance + "\n"
		wantLoad(t, spec, tt.want)
	}
}
