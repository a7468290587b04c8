package prober

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/upchain-dev/upchain/prober/cometbft"
)

func cosmosAddr(t *testing.T, hrp string, b byte) string {
	t.Helper()
	a, err := cometbft.Bech32Encode(hrp, []byte(strings.Repeat(string(rune(b)), 20)))
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// Bank balances through a local LCD answering
// /cosmos/bank/v1beta1/balances/{address}/by_denom in the Cosmos SDK's
// gRPC-gateway shape ({"balance": {"denom", "amount"}}, amount a decimal
// string); the node is cometbfttest's fake chain.
func TestCometBFTBalances(t *testing.T) {
	rich, poor, missing := cosmosAddr(t, "cosmos", 1), cosmosAddr(t, "cosmos", 2), cosmosAddr(t, "cosmos", 3)
	amounts := map[string]string{rich: "123456789012345678901234", poor: "2500000"} // 123456789012345678.901234 ATOM, 2.5 ATOM
	lcd := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		addr, ok := strings.CutPrefix(r.URL.Path, "/cosmos/bank/v1beta1/balances/")
		addr, ok2 := strings.CutSuffix(addr, "/by_denom")
		amt, known := amounts[addr]
		if !ok || !ok2 || r.URL.Query().Get("denom") != "uatom" || !known {
			http.Error(w, `{"code":5,"message":"not found"}`, http.StatusNotFound)
			return
		}
		fmt.Fprintf(w, `{"balance":{"denom":"uatom","amount":%q}}`, amt)
	}))
	defer lcd.Close()
	node := httptest.NewServer(fakeChain(fmt.Sprintf("%040X", 3), nil))
	defer node.Close()
	spec := func(balance string) string {
		return "    kind: cometbft\n    url: " + node.URL + "\n    cometbft:\n      lcd: " + lcd.URL + "\n      balances:\n        - " + balance + "\n"
	}
	tests := []struct {
		name, balance string
		want          want
	}{
		{"above min, above 2^64", "{name: fees, address: " + rich + ", denom: uatom, min: \"10\", down_below: \"1\"}",
			want{status: Up, values: map[string]string{"cometbft_balances": "fees: 123456789012345678.901234 ATOM"}}},
		{"below min", "{name: fees, address: " + poor + ", denom: uatom, min: \"10\", down_below: \"1\"}",
			want{status: Degraded, code: ReasonCondition, failed: "fees: 2.5 ATOM < 10 ATOM"}},
		{"below down_below", "{name: fees, address: " + poor + ", denom: uatom, min: \"10\", down_below: \"2.500001\"}",
			want{status: Down, code: ReasonCondition, failed: "fees: 2.5 ATOM < 2.500001 ATOM"}},
		{"unreadable is degraded", "{name: fees, address: " + missing + ", denom: uatom, min: \"10\"}",
			want{status: Degraded, code: ReasonCondition, failed: "HTTP 404"}},
		{"condition in base units", "{name: fees, address: " + rich + ", denom: uatom}\n    conditions:\n      - balances.fees > atom(10^17) && units(balances.fees, 6) < 2 * 10^17",
			want{status: Up}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.want.check(t, probe(t, spec(tt.balance), nil))
		})
	}
}

func TestCometBFTBalanceValidation(t *testing.T) {
	acct := cosmosAddr(t, "cosmos", 1)
	tests := []struct{ opts, want string }{
		{"lcd: http://127.0.0.1:1\n      balances:\n        - {address: " + acct + ", denom: uatom, min: \"1.5\"}", ""},
		{"balances:\n        - {address: " + acct + ", denom: uatom}", "set cometbft.lcd"},
		{"lcd: http://127.0.0.1:1\n      balances:\n        - {address: " + cosmosAddr(t, "cosmosvaloper", 1) + ", denom: uatom}", "is a validator's valoper address: give its account (cosmos1…)"},
		{"lcd: http://127.0.0.1:1\n      balances:\n        - {address: " + acct[:len(acct)-1] + "x, denom: uatom}", "bech32"},
		{"lcd: http://127.0.0.1:1\n      balances:\n        - {address: " + acct + ", denom: \"u\"}", "give the base denom"},
		{"lcd: http://127.0.0.1:1\n      balances:\n        - {address: " + acct + ", denom: uatom, min: \"1.0000001\"}", "at most 6 decimals"},
		{"lcd: http://127.0.0.1:1\n      balances:\n        - {address: " + acct + ", denom: uatom, min: \"1\", down_below: \"2\"}", "down_below 2 is above min 1"},
	}
	for _, tt := range tests {
		spec := "    kind: cometbft\n    url: http://127.0.0.1:1/\n    cometbft:\n      " + tt.opts + "\n"
		_, err := loadConfig(t, Builtin(), "", oneCheck(spec), nil)
		if tt.want == "" && err != nil {
			t.Errorf("%s: %v", tt.opts, err)
		}
		if tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)) {
			t.Errorf("%s: err = %v, want %q", tt.opts, err, tt.want)
		}
	}
}
