package prober

import (
	"testing"

	"github.com/upchain-dev/upchain/prober/simnet"
)

// Validator balances against simnet.Beacon (Gwei in
// /eth/v1/beacon/states/head/validators), shown in ETH: above min up,
// below min degraded, below down_below down, unknown to the node degraded
// with its reason; with validators followed, their response is reused.
func TestBeaconBalances(t *testing.T) {
	pubkey := simnet.BeaconPubkey(8)
	tests := []struct {
		name, options string
		want          want
	}{
		{"above min", "      balances:\n        - {name: v7, address: \"7\", min: \"32\", down_below: \"31\"}\n",
			want{status: Up, values: map[string]string{"beacon_balances": "v7: 32.001 ETH", "beacon_balance_lowest": "32001000000"}}},
		{"below min", "      balances:\n        - {name: v7, address: \"7\", min: \"32.5\", down_below: \"31\"}\n",
			want{status: Degraded, code: ReasonCondition, failed: `balance_low == "" (balance_low="v7: 32.001 ETH < 32.5 ETH")`,
				values: map[string]string{"beacon_balance_low": "v7: 32.001 ETH < 32.5 ETH"}}},
		{"below down_below", "      balances:\n        - {name: v7, address: \"7\", min: \"33\", down_below: \"32.001000001\"}\n",
			want{status: Down, code: ReasonCondition, failed: `balance_down == "" (balance_down="v7: 32.001 ETH < 32.001000001 ETH")`}},
		{"unknown to the node", "      balances:\n        - {name: gone, address: \"99\", min: \"1\"}\n",
			want{status: Degraded, code: ReasonCondition, failed: "gone: the node does not know validator 99"}},
		{"by pubkey, beside followed validators", "      validators: [7]\n      balances:\n        - {address: \"7\", name: seven, min: \"32\"}\n        - {address: \"" + pubkey + "\", name: eight, min: \"32\"}\n    conditions:\n      - balances.eight == 32001000000\n",
			want{status: Up, values: map[string]string{"beacon_balances": "seven: 32.001 ETH; eight: 32.001 ETH"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newBeaconHarness(t, "    beacon:\n"+tt.options, 7, 8)
			tt.want.check(t, h.round(t))
		})
	}
}

// Validator ids are checked at load time, each at its line.
func TestBeaconBalanceValidation(t *testing.T) {
	tests := []struct{ balance, want string }{
		{"{address: \"12\"}", ""},
		{"{address: \"" + simnet.BeaconPubkey(3) + "\", min: \"31.999999999\"}", ""},
		{"{address: \"0x1234\"}", "checks.yml:8: beacon.balances[1]: address \"0x1234\": neither a validator index nor a 0x pubkey"},
		{"{address: \"12\", min: \"1.0000000001\"}", "at most 9 decimals"},
		{"{name: x}", "needs an address (a validator index or 0x pubkey)"},
	}
	for _, tt := range tests {
		spec := "checks:\n  - name: b\n    kind: beacon\n    url: http://127.0.0.1:1/\n    beacon:\n      balances:\n        - {address: \"1\"}\n        - " + tt.balance + "\n"
		wantLoad(t, spec, tt.want)
	}
}

// Balances of followed validators come from the validators response the
// probe already reads: no second request unless one is not followed.
func TestBeaconBalancesReuseValidators(t *testing.T) {
	const path = "POST /eth/v1/beacon/states/head/validators"
	for _, tc := range []struct {
		balances string
		calls    int
	}{
		{"[{address: \"7\"}, {address: \"" + simnet.BeaconPubkey(8) + "\"}]", 1},
		{"[{address: \"7\"}, {address: \"9\"}]", 2},
	} {
		h := newBeaconHarness(t, "    beacon:\n      validators: [7, 8]\n      balances: "+tc.balances+"\n", 7, 8, 9)
		beaconWant(t, h.round(t), Up)
		if got := h.node.Calls()[path]; got != tc.calls {
			t.Errorf("%s: %d validators requests, want %d", tc.balances, got, tc.calls)
		}
	}
}
