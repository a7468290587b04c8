package prober

import (
	"fmt"
	"math/big"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/upchain-dev/upchain/prober/simnet"
)

// Addresses from EIP-55's test vectors.
const (
	evmAddrA = "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"
	evmAddrB = "0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359"
)

func ether(s string) *big.Int {
	n, err := parseEther(s)
	if err != nil {
		panic(err)
	}
	return n
}

// Balances against simnet.EVM (eth_getBalance in wei, as the Ethereum
// execution API specifies): above min up, below min degraded, below
// down_below down; amounts above 2^64 wei stay exact.
func TestEVMBalances(t *testing.T) {
	node := &simnet.EVM{ChainID: 1337, Genesis: time.Now().Add(-time.Hour), BlockTime: 2 * time.Second, Version: "Geth/v1.17.8", Peers: 5,
		Balances: map[string]*big.Int{strings.ToLower(evmAddrA): ether("20"), strings.ToLower(evmAddrB): ether("0.25")}}
	srv := httptest.NewServer(node)
	defer srv.Close()
	spec := func(balances string) string {
		return fmt.Sprintf("    kind: evm\n    url: %s\n    evm:\n      balances:\n%s", srv.URL, balances)
	}
	tests := []struct {
		name, balances string
		want           want
	}{
		{"above min", "        - {name: fees, address: " + evmAddrA + ", min: \"1.5\", down_below: \"0.1\"}\n",
			want{status: Up, values: map[string]string{"evm_balances": "fees: 20 ETH", "evm_balance_lowest": "20000000000000000000"}}},
		{"below min", "        - {name: fees, address: " + evmAddrB + ", min: \"0.5\", down_below: \"0.1\"}\n",
			want{status: Degraded, code: ReasonCondition, failed: `balance_low == "" (balance_low="fees: 0.25 ETH < 0.5 ETH")`}},
		{"below down_below", "        - {name: fees, address: " + evmAddrB + ", min: \"1\", down_below: \"0.3\"}\n",
			want{status: Down, code: ReasonCondition, failed: `balance_down == "" (balance_down="fees: 0.25 ETH < 0.3 ETH")`}},
		{"exact to the wei", "        - {name: fees, address: " + evmAddrA + ", min: \"20.000000000000000001\"}\n",
			want{status: Degraded, code: ReasonCondition, failed: "fees: 20 ETH < 20.000000000000000001 ETH"}},
		{"condition on the amount", "        - {name: fees, address: " + evmAddrA + "}\n    conditions:\n      - balances.fees >= ether(20) && units(balances.fees, 18) < 20.5\n",
			want{status: Up}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.want.check(t, probe(t, spec(tt.balances), nil))
		})
	}
}

func TestEVMBalanceValidation(t *testing.T) {
	tests := []struct{ balance, want string }{
		{"{address: 0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed}", ""}, // all lower case: no checksum
		{"{address: " + evmAddrA + "}", ""},
		{"{address: 0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAeD}", "bad EIP-55 checksum (expected " + evmAddrA + ")"},
		{"{address: 0x5aaeb6053f3e94c9}", "not 0x and 40 hex digits"},
		{"{name: x}", "needs an address"},
		{"{address: " + evmAddrA + ", min: \"1,5\"}", "not an amount of ETH"},
		{"{address: " + evmAddrA + ", min: \"1\", down_below: \"2\"}", "down_below 2 is above min 1"},
	}
	for _, tt := range tests {
		spec := "    kind: evm\n    url: http://127.0.0.1:1/\n    evm:\n      balances:\n        - " + tt.balance + "\n"
		_, err := loadConfig(t, Builtin(), "", oneCheck(spec), nil)
		if tt.want == "" && err != nil {
			t.Errorf("%s: %v", tt.balance, err)
		}
		if tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)) {
			t.Errorf("%s: err = %v, want %q", tt.balance, err, tt.want)
		}
	}
}
