package conflux

import (
	"encoding/json"
	"strconv"
	"strings"
	"testing"
)

// Quantities as conflux-rust writes them (compact 0x hex, CFXD
// cfx-namespace.md "HEX value encoding"), and what a hostile node might
// send instead.
func TestQuantities(t *testing.T) {
	for _, tc := range []struct {
		in   string
		u64  string // "" when U64 must refuse it
		u256 string // "" when U256 must refuse it
	}{
		{`"0x0"`, "0", "0"},
		{`"0x405"`, "1029", "1029"},
		{`"0xffffffffffffffff"`, "18446744073709551615", "18446744073709551615"},
		{`"0x10000000000000000"`, "", "18446744073709551616"},
		{`"\u0030x1a"`, "26", "26"}, // escaped, still a string
		{`26`, "", ""},
		{`"26"`, "", ""},
		{`"0x"`, "", ""},
		{`"0xzz"`, "", ""},
		{`null`, "", ""},
		{`"0x` + strings.Repeat("f", 65) + `"`, "", ""},
	} {
		t.Run(tc.in, func(t *testing.T) {
			var q U64
			err := json.Unmarshal([]byte(tc.in), &q)
			switch {
			case tc.u64 == "" && err == nil:
				t.Errorf("U64 accepted %s as %d", tc.in, q)
			case tc.u64 != "" && (err != nil || strconv.FormatUint(uint64(q), 10) != tc.u64):
				t.Errorf("U64 %s = %d, %v; want %s", tc.in, q, err, tc.u64)
			}
			var b U256
			err = json.Unmarshal([]byte(tc.in), &b)
			switch {
			case tc.u256 == "" && err == nil:
				t.Errorf("U256 accepted %s as %s", tc.in, b.String())
			case tc.u256 != "" && (err != nil || b.String() != tc.u256):
				t.Errorf("U256 %s = %s, %v; want %s", tc.in, b.String(), err, tc.u256)
			}
		})
	}
}

// pos_getAccount for an unknown address: conflux-rust answers a default
// account (pos_handler.rs account_impl), which Zero recognises.
func TestUnknownAccountIsZero(t *testing.T) {
	var a Account
	raw := `{"address":"0x` + strings.Repeat("ab", 32) + `","blockNumber":"0x14a7","status":{"availableVotes":"0x0","forfeited":"0x0","forceRetired":null,"inQueue":[],"locked":"0x0","outQueue":[],"unlocked":"0x0"}}`
	if err := json.Unmarshal([]byte(raw), &a); err != nil {
		t.Fatal(err)
	}
	if !a.Status.Zero() {
		t.Error("all-zero account not recognised")
	}
	known := `{"address":"0x046c","blockNumber":"0x14a7","status":{"availableVotes":"0x513","forfeited":"0x0","forceRetired":null,"inQueue":[],"locked":"0x513","outQueue":[],"unlocked":"0x0"}}`
	if err := json.Unmarshal([]byte(known), &a); err != nil || a.Status.Zero() || a.Status.AvailableVotes != 0x513 {
		t.Errorf("doc example account: %+v, %v", a, err)
	}
}

func TestSumSaturates(t *testing.T) {
	q := []QueueEntry{{Power: 1<<64 - 2}, {Power: 5}}
	if got := Sum(q); got != 1<<64-1 {
		t.Errorf("Sum = %d, want saturation", got)
	}
	if got := Sum([]QueueEntry{{Power: 2}, {Power: 3}}); got != 5 {
		t.Errorf("Sum = %d", got)
	}
}

func TestSameAddress(t *testing.T) {
	a := "0x046CA462890F25ED9394CA9F92C979FF48E1738A81822ECAB96D83813C1A433C"
	if !SameAddress(a, strings.ToLower(a[2:])) || SameAddress(a, "0x046c") {
		t.Error("PoS addresses compared wrongly")
	}
}
