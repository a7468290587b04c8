package prober

import (
	"math/big"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/upchain-dev/upchain/prober/simnet"
	"github.com/upchain-dev/upchain/prober/substrate/ss58"
	"github.com/upchain-dev/upchain/prober/substrate/storage"
)

func planck(s string) *big.Int {
	n, ok := new(big.Int).SetString(s, 10)
	if !ok {
		panic(s)
	}
	return n
}

// Balances of a substrate check against simnet.Substrate (System.Account
// as AccountInfo in SCALE): the transferable amount is judged, free,
// reserved and frozen shown; above min up, below min degraded, below
// down_below down, unreadable degraded; amounts above 2^64 Planck exact.
func TestSubstrateBalances(t *testing.T) {
	// Alice: 120 DOT free, 5 reserved, 25 frozen: 100 transferable.
	alice := storage.AccountInfo{Providers: 1, Free: planck("1200000000000"), Reserved: planck("50000000000"), Frozen: planck("250000000000")}
	shown := "alice: 100 DOT transferable (free 120 DOT, reserved 5 DOT, frozen 25 DOT)"
	check := func(list string) string {
		return "checks:\n  - name: relay\n    kind: substrate\n    url: URL\n    substrate:\n      chain: Polkadot\n      balances:\n" + list
	}
	tests := []struct {
		name, list string
		account    *storage.AccountInfo
		raw        string // System.Account as 0x hex instead of account, or the node's tokenDecimals
		want       want
	}{
		{"above min", "        - {name: alice, address: " + alicePolkadot + ", min: \"50\", down_below: \"10\"}\n", &alice, "",
			want{status: Up, values: map[string]string{"substrate_balances": shown, "substrate_balance_lowest": "1000000000000"}}},
		{"below min", "        - {name: alice, address: " + alicePolkadot + ", min: \"110\", down_below: \"10\"}\n", &alice, "",
			want{status: Degraded, code: ReasonCondition, failed: `balance_low == "" (balance_low="alice: 100 DOT < 110 DOT")`,
				values: map[string]string{"substrate_balance_low": "alice: 100 DOT < 110 DOT"}}},
		{"below down_below", "        - {name: alice, address: " + alicePolkadot + ", min: \"200\", down_below: \"100.0000000001\"}\n", &alice, "",
			want{status: Down, code: ReasonCondition, failed: `balance_down == "" (balance_down="alice: 100 DOT < 100.0000000001 DOT")`}},
		{"no account: nothing", "        - {name: alice, address: " + alicePolkadot + ", min: \"1\"}\n", nil, "",
			want{status: Degraded, code: ReasonCondition, failed: "alice: 0 DOT < 1 DOT"}},
		{"unreadable", "        - {name: alice, address: " + alicePolkadot + ", min: \"1\"}\n", nil, "0x0102",
			want{status: Degraded, code: ReasonCondition, failed: "alice: malformed SCALE at byte 0 reading System.Account nonce"}},
		{"above 2^64, exact", "        - {name: alice, address: " + alicePolkadot + ", min: \"3402823669.2093846346\"}\n",
			&storage.AccountInfo{Free: planck("34028236692093846346"), Reserved: new(big.Int), Frozen: new(big.Int)}, "",
			want{status: Up, values: map[string]string{"substrate_balance_lowest": "34028236692093846346"}}},
		{"wrong decimals", "        - {name: alice, address: " + alicePolkadot + ", min: \"1\"}\n", &alice, "12",
			want{status: Degraded, code: ReasonCondition, failed: "alice: the node's tokenDecimals (system_properties) is 12, but amounts are read with 10 decimals"}},
		{"node without properties", "        - {name: alice, address: " + alicePolkadot + ", min: \"1\"}\n", &alice, "0",
			want{status: Up, values: map[string]string{"substrate_balances": shown}}},
		{"condition on the amount", "        - {name: alice, address: " + alicePolkadot + "}\n    conditions:\n      - balances.alice == dot(100)\n", &alice, "",
			want{status: Up}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeSubstrate(t)
			f.SetTime(substrateEpoch.Add(-4 * time.Second))
			if tt.account != nil {
				f.SetAccount(aliceID, *tt.account)
			}
			switch {
			case strings.HasPrefix(tt.raw, "0x"):
				f.SetRaw(storage.SystemAccount(aliceID), tt.raw)
			case tt.raw != "": // the node's tokenDecimals
				f.Update(func(s *simnet.Substrate) { s.TokenDecimals, _ = strconv.Atoi(tt.raw) })
			}
			h := newSubstrateHarness(t, strings.ReplaceAll(check(tt.list), "URL", f.wsURL()), nil)
			tt.want.check(t, h.probe())
		})
	}
}

// Addresses are SS58 with their checksum, on the chain's prefix; the unit
// must be known.
func TestSubstrateBalanceValidation(t *testing.T) {
	aliceKusama, _ := ss58.Encode(ss58.Kusama, aliceID)
	typo := []byte(alicePolkadot)
	typo[5] = 'X'
	tests := []struct{ options, want string }{
		{"chain: Polkadot\n      balances: [{address: " + alicePolkadot + ", min: \"1.5\"}]", ""},
		{"decimals: 18\n      symbol: GLMR\n      balances: [{address: " + aliceKusama + ", min: \"0.000000000000000001\"}]", ""},
		{"chain: Polkadot\n      balances: [{address: " + aliceKusama + "}]", "has SS58 prefix 2, but Polkadot uses 0: the same account there is " + alicePolkadot},
		{"chain: Polkadot\n      balances: [{address: " + string(typo) + "}]", "not an SS58 address"},
		{"chain: Polkadot\n      balances: [{address: " + alicePolkadot + ", min: \"1.00000000001\"}]", "at most 10 decimals"},
		{"chain: Kusama\n      balances: [{address: " + aliceKusama + ", min: \"1.0000000000001\"}]", "at most 12 decimals"},
		{"balances: [{address: " + alicePolkadot + "}]", "the chain's unit is unknown"},
		{"chain: Polkadot\n      balances: [{name: x}]", "needs an address (SS58"},
	}
	for _, tt := range tests {
		wantLoad(t, "checks:\n  - name: relay\n    kind: substrate\n    url: ws://127.0.0.1:1/\n    substrate:\n      "+tt.options+"\n", tt.want)
	}
}
