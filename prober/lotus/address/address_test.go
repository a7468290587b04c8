package address

import (
	"bytes"
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	hash := bytes.Repeat([]byte{0xab}, 20)
	f1 := Address{Network: 'f', Protocol: SECP256K1, Payload: hash}.String()
	f3 := Address{Network: 't', Protocol: BLS, Payload: bytes.Repeat([]byte{7}, 48)}.String()
	f4 := Address{Network: 'f', Protocol: Delegated, ID: 10, Payload: hash}.String()
	// A typo in the payload, the checksum intact.
	typo := []byte(f1)
	typo[5] ^= 1 // another letter of the alphabet
	tests := []struct {
		in, err string
		proto   byte
	}{
		{"f17uoq6tp427uzv7fztkbsnn64iwotfrristwpryy", "", SECP256K1}, // the spec's example
		{"f01234", "", ID},
		{"t0100", "", ID},
		{f1, "", SECP256K1},
		{f3, "", BLS},
		{f4, "", Delegated},
		{"f17uoq6tp427uzv7fztkbsnn64iwotfrristwprya", "checksum", 0},
		{string(typo), "checksum", 0},
		{strings.ToUpper(f1[:1]) + f1[1:], "starts with f", 0},
		{"f1" + strings.ToUpper(f1[2:]), "base32", 0},
		{"f5abc", "unknown protocol", 0},
		{"f0012", "not a decimal", 0},
		{"f0", "not a Filecoin address", 0},
		{"f099999999999999999999", "not a decimal", 0},
		{"f410", "no f between", 0},
		{"f2" + f3[2:], "48-byte payload, want 20", 0},
		{"", "not a Filecoin address", 0},
	}
	for _, tt := range tests {
		a, err := Parse(tt.in)
		if tt.err == "" {
			if err != nil || a.Protocol != tt.proto || a.String() != tt.in {
				t.Errorf("Parse(%q) = %+v, %v; want protocol %d, round trip", tt.in, a, err, tt.proto)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), tt.err) {
			t.Errorf("Parse(%q): err = %v, want %q", tt.in, err, tt.err)
		}
	}
}
