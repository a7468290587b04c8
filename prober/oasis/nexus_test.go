package oasis

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/upchain-dev/upchain/prober/cometbft"
)

func TestCheckAddress(t *testing.T) {
	good := NewAddress([20]byte{7})
	short, _ := cometbft.Bech32Encode("oasis", make([]byte, 20))
	cosmos, _ := cometbft.Bech32Encode("cosmos", make([]byte, 21))
	tests := []struct{ in, err string }{
		{good, ""},
		{strings.ToUpper(good), ""},
		{"", "empty"},
		{good[:len(good)-1] + "x", "checksum"},
		{short, "20 bytes"},
		{cosmos, "starts with oasis1"},
	}
	for _, tt := range tests {
		err := CheckAddress(tt.in)
		if (tt.err == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), tt.err)) {
			t.Errorf("%q: %v, want %q", tt.in, err, tt.err)
		}
	}
}

// TestDecodeValidator decodes a Validator as api/spec/v1.yaml writes it:
// TextBigInt balances beyond 2^64 as strings, voting_power in either form.
func TestDecodeValidator(t *testing.T) {
	tests := []struct {
		name, js   string
		power      string
		active     BigInt
		commission float64
		err        bool
	}{
		{"numbers", `{"validators":[{"entity_address":"a","voting_power":42,"current_rate":2000,"escrow":{"active_balance":"123456789012345678901234567890"}}]}`, "42", "123456789012345678901234567890", 2, false},
		{"strings", `{"validators":[{"entity_address":"a","voting_power":"42","current_rate":"100000","escrow":{"active_balance":"0"}}]}`, "42", "0", 100, false},
		{"bad balance", `{"validators":[{"escrow":{"active_balance":"12x"}}]}`, "", "", 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var l ValidatorList
			err := json.Unmarshal([]byte(tt.js), &l)
			if tt.err {
				if err == nil {
					t.Fatal("decoded")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			v := l.Validators[0]
			c, _ := v.CommissionPercent()
			if v.VotingPower.String() != tt.power || v.Escrow.ActiveBalance != tt.active || c != tt.commission {
				t.Errorf("got %s %s %v", v.VotingPower, v.Escrow.ActiveBalance, c)
			}
		})
	}
}
