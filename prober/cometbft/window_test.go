package cometbft

import (
	"encoding/hex"
	"strings"
	"testing"
)

func TestWindowRoundTrip(t *testing.T) {
	for _, s := range []string{"", "100S", "97S1M2P", "4N2S2U1M1S", "1X"} {
		w, err := ParseWindow(s, 1000)
		if err != nil {
			t.Fatalf("%q: %v", s, err)
		}
		if got := w.String(); got != s {
			t.Errorf("round trip %q -> %q", s, got)
		}
	}
}

func TestParseWindowRejects(t *testing.T) {
	for _, s := range []string{"S", "10", "3Q", "0S", "-1S", "5S5M", "99999999999999999999S"} {
		if _, err := ParseWindow(s, 9); err == nil {
			t.Errorf("%q accepted", s)
		}
	}
}

func TestWindowStats(t *testing.T) {
	tests := []struct {
		w    string
		want Stats
		pct  float64
	}{
		{"", Stats{}, 0},
		{"8S2M", Stats{Signed: 8, Missed: 2, Counted: 10, Consecutive: 2}, 20},
		{"2M1U2M", Stats{Missed: 4, Counted: 4, Consecutive: 2}, 100},
		{"1S2M1N", Stats{Signed: 1, Missed: 2, Counted: 3, Consecutive: 2}, 200.0 / 3},
		{"1P1X2S", Stats{Signed: 3, Missed: 1, Proposed: 2, Counted: 4}, 25},
		{"5N", Stats{}, 0},
	}
	for _, tt := range tests {
		w, err := ParseWindow(tt.w, 100)
		if err != nil {
			t.Fatal(err)
		}
		got := w.Stats()
		if got != tt.want || got.MissedPercent() != tt.pct {
			t.Errorf("%s: %+v (%.2f%%), want %+v (%.2f%%)", tt.w, got, got.MissedPercent(), tt.want, tt.pct)
		}
	}
}

// Test vectors from BIP-173.
func TestBech32Vectors(t *testing.T) {
	for _, s := range []string{
		"A12UEL5L",
		"a12uel5l",
		"an83characterlonghumanreadablepartthatcontainsthenumber1andtheexcludedcharactersbio1tt5tgs",
		"abcdef1qpzry9x8gf2tvdw0s3jn54khce6mua7lmqqqxw",
		"split1checkupstagehandshakeupstreamerranterredcaperred2y9e3w",
	} {
		hrp, _, err := Bech32Decode(s)
		if err != nil {
			t.Errorf("%s: %v", s, err)
			continue
		}
		if !strings.HasPrefix(strings.ToLower(s), hrp+"1") {
			t.Errorf("%s: prefix %q", s, hrp)
		}
	}
	for _, s := range []string{
		"pzry9x0s0muk",  // no separator
		"1pzry9x0s0muk", // empty prefix
		"x1b4n0q5v",     // invalid data character
		"li1dgmt3",      // checksum too short
		"A1G7SGD8",      // checksum computed over an upper-case prefix
		"10a06t8",       // empty prefix
		"a12UEL5L",      // mixed case
	} {
		if _, _, err := Bech32Decode(s); err == nil {
			t.Errorf("%s accepted", s)
		}
	}
}

func TestValconsAddress(t *testing.T) {
	raw, _ := hex.DecodeString("8328AED1FBF7BD38FD6C9E9A4F1D8CD219B5176C")
	valcons, err := Bech32Encode("cosmosvalcons", raw)
	if err != nil {
		t.Fatal(err)
	}
	a, err := AddressFromValcons(valcons)
	if err != nil || a != "8328AED1FBF7BD38FD6C9E9A4F1D8CD219B5176C" {
		t.Fatalf("%s -> %s, %v", valcons, a, err)
	}
	valoper, _ := Bech32Encode("cosmosvaloper", raw[:20])
	got, err := ValconsFor(a, valoper)
	if err != nil || got != valcons {
		t.Errorf("ValconsFor: %s, %v; want %s", got, err, valcons)
	}
	if _, err := AddressFromValcons(valoper); err == nil {
		t.Error("an operator address was taken for a consensus address")
	}
	typo := valcons[:len(valcons)-1] + string(bech32Charset[(strings.IndexByte(bech32Charset, valcons[len(valcons)-1])+1)%32])
	if _, err := AddressFromValcons(typo); err == nil || !strings.Contains(err.Error(), "checksum") {
		t.Errorf("typo: %v", err)
	}
}

func TestInt64Decoding(t *testing.T) {
	for in, want := range map[string]Int64{`"9223372036854775807"`: 1<<63 - 1, `42`: 42, `null`: 0, `"7"`: 7} {
		var n Int64
		if err := n.UnmarshalJSON([]byte(in)); err != nil || n != want {
			t.Errorf("%s -> %d, %v", in, n, err)
		}
	}
	for _, in := range []string{`"abc"`, `"1.5"`, `"9223372036854775808"`} {
		var n Int64
		if err := n.UnmarshalJSON([]byte(in)); err == nil {
			t.Errorf("%s accepted", in)
		}
	}
}
