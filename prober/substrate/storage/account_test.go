package storage

import (
	"math/big"
	"testing"
)

func TestAccountInfo(t *testing.T) {
	n := func(s string) *big.Int {
		v, _ := new(big.Int).SetString(s, 10)
		return v
	}
	tests := []struct {
		name         string
		in           AccountInfo
		transferable string
	}{
		{"frozen within reserved", AccountInfo{Nonce: 7, Providers: 1, Free: n("100"), Reserved: n("30"), Frozen: n("20")}, "100"},
		{"frozen beyond reserved", AccountInfo{Free: n("100"), Reserved: n("30"), Frozen: n("50")}, "80"},
		{"all frozen", AccountInfo{Free: n("10"), Reserved: n("0"), Frozen: n("50")}, "0"},
		{"legacy: frozen applies to free", AccountInfo{Free: n("100"), Reserved: n("30"), Frozen: n("50"), Legacy: true}, "50"},
		{"above 2^64", AccountInfo{Free: n("340282366920938463463374607431768211455"), Reserved: n("1"), Frozen: n("0")}, "340282366920938463463374607431768211455"},
	}
	for _, tt := range tests {
		b := AppendAccountInfo(nil, tt.in)
		if len(b) != 80 {
			t.Fatalf("%s: %d bytes, want 80", tt.name, len(b))
		}
		got, err := DecodeAccountInfo(b)
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		if got.Nonce != tt.in.Nonce || got.Providers != tt.in.Providers || got.Free.Cmp(tt.in.Free) != 0 ||
			got.Reserved.Cmp(tt.in.Reserved) != 0 || got.Frozen.Cmp(tt.in.Frozen) != 0 || got.Legacy != tt.in.Legacy {
			t.Errorf("%s: round trip %+v, want %+v", tt.name, got, tt.in)
		}
		if s := got.Transferable().String(); s != tt.transferable {
			t.Errorf("%s: transferable %s, want %s", tt.name, s, tt.transferable)
		}
	}
	// Legacy: fee_frozen above misc_frozen counts.
	b := AppendAccountInfo(nil, AccountInfo{Free: n("100"), Reserved: n("0"), Frozen: n("10"), Legacy: true})
	copy(b[64:], AppendAccountInfo(nil, AccountInfo{Free: n("0"), Reserved: n("0"), Frozen: n("40"), Legacy: true})[64:])
	if a, err := DecodeAccountInfo(b); err != nil || a.Frozen.String() != "40" || a.Transferable().String() != "60" {
		t.Errorf("legacy fee_frozen: %+v, %v", a, err)
	}
	for _, bad := range [][]byte{b[:79], append(append([]byte(nil), b...), 0)} {
		if _, err := DecodeAccountInfo(bad); err == nil {
			t.Errorf("%d bytes decoded", len(bad))
		}
	}
}
