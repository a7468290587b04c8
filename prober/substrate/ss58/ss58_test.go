package ss58

import (
	"encoding/hex"
	"strings"
	"testing"
)

func key(t testing.TB, s string) [32]byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil || len(b) != 32 {
		t.Fatalf("bad key %s", s)
	}
	var k [32]byte
	copy(k[:], b)
	return k
}

// Alice, the well-known development account.
const aliceHex = "d43593c715fdd31c61141abd04a99fd6822c8558854ccde39a5684e7a56da27d"

func TestKnownAddresses(t *testing.T) {
	alice := key(t, aliceHex)
	// Alice's addresses as subkey and polkadot.js print them.
	for _, tc := range []struct {
		prefix uint16
		addr   string
	}{
		{Substrate, "5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY"},
		{Polkadot, "15oF4uVJwmo4TdGW7VfQxNLavjCXviqxT9S1MgbjMNHr6Sp5"},
		{Kusama, "HNZata7iMYWmk5RvZRTiAsSDhV8366zq2YGb3tLH5Upf74F"},
	} {
		got, err := Encode(tc.prefix, alice)
		if err != nil || got != tc.addr {
			t.Errorf("Encode(%d, Alice) = %q, %v; want %q", tc.prefix, got, err, tc.addr)
		}
		p, k, err := Decode(tc.addr)
		if err != nil || p != tc.prefix || k != alice {
			t.Errorf("Decode(%q) = %d, %x, %v", tc.addr, p, k, err)
		}
	}
}

// One account in three networks (the example of the Substrate docs on
// address formats): all three decode to the same key.
func TestSameAccountAcrossNetworks(t *testing.T) {
	var first [32]byte
	for i, tc := range []struct {
		addr   string
		prefix uint16
	}{
		{"5CCvtLnaPwk1cBo8wuayYAuwgCumHnssrY5Nxk7S7t1ruBU2", Substrate},
		{"19E2g3eFj1V3ioeuYdygKk6XpuQz6S1w2os836nfy3P5bYL", Polkadot},
		{"CiYYf8T2JkwMqcaicQ2S8GwpoC16Th4Juv8MQPPbgEMe6dv", Kusama},
	} {
		p, k, err := Decode(tc.addr)
		if err != nil || p != tc.prefix {
			t.Fatalf("Decode(%q) = %d, %v", tc.addr, p, err)
		}
		if i == 0 {
			first = k
		} else if k != first {
			t.Fatalf("%q decodes to %x, not %x", tc.addr, k, first)
		}
		if back, _ := Encode(p, k); back != tc.addr {
			t.Fatalf("re-encoding %q gave %q", tc.addr, back)
		}
	}
}

func TestTwoBytePrefix(t *testing.T) {
	// 1284 = 0x0504: first byte 0x40 | (0x04 >> 2) = 0x41, second byte
	// 0x05 | (0x04 & 3) << 6 = 0x05.
	if got := appendPrefix(nil, 1284); hex.EncodeToString(got) != "4105" {
		t.Fatalf("appendPrefix(1284) = %x", got)
	}
	// 16383 = 0x3fff: 0x40 | 0x3f = 0x7f, 0x3f | 3<<6 = 0xff.
	if got := appendPrefix(nil, MaxPrefix); hex.EncodeToString(got) != "7fff" {
		t.Fatalf("appendPrefix(16383) = %x", got)
	}
	alice := key(t, aliceHex)
	for _, p := range []uint16{64, 255, 256, 1284, 7391, MaxPrefix} {
		addr, err := Encode(p, alice)
		if err != nil {
			t.Fatal(err)
		}
		gp, gk, err := Decode(addr)
		if err != nil || gp != p || gk != alice {
			t.Fatalf("round trip of prefix %d via %q = %d, %v", p, addr, gp, err)
		}
	}
}

func TestDecodeErrors(t *testing.T) {
	alice := "5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY"
	twoByteSmall := encodeBase58(append([]byte{0x40, 0x00}, make([]byte, 34)...))
	for _, tc := range []struct{ in, reason string }{
		{"", "empty address"},
		{alice[:len(alice)-1] + "Z", "checksum mismatch"},
		{alice[:40], "holds"},
		{alice + "0", `character '0' at position 49 is not in the base58 alphabet`},
		{strings.Repeat("5", 200), "too long"},
		{"0xd43593c7", "not in the base58 alphabet"},
		{encodeBase58(append([]byte{0x80}, make([]byte, 34)...)), "reserved SS58 address type"},
		{twoByteSmall, "two-byte form"},
		{encodeBase58([]byte{0x41}), "ends inside its two-byte prefix"},
		// An 8-byte account index (short address form), not an account id.
		{encodeBase58(append([]byte{42}, make([]byte, 9)...)), "32-byte account"},
	} {
		if _, _, err := Decode(tc.in); err == nil || !strings.Contains(err.Error(), tc.reason) {
			t.Errorf("Decode(%q) = %v, want %q", tc.in, err, tc.reason)
		}
	}
	if _, err := Encode(46, [32]byte{}); err == nil || !strings.Contains(err.Error(), "reserved") {
		t.Errorf("Encode(46) = %v", err)
	}
	if _, err := Encode(MaxPrefix+1, [32]byte{}); err == nil {
		t.Error("Encode accepted a prefix above 16383")
	}
}

// Vectors from Bitcoin Core's base58_encode_decode.json.
func TestBase58(t *testing.T) {
	for _, tc := range []struct{ hex, b58 string }{
		{"", ""},
		{"61", "2g"},
		{"626262", "a3gV"},
		{"636363", "aPEr"},
		{"73696d706c792061206c6f6e6720737472696e67", "2cFupjhnEsSn59qHXstmK2ffpLv2"},
		{"00eb15231dfceb60925886b67d065299925915aeb172c06647", "1NS17iag9jJgTHD1VXjvLCEnZuQ3rJDE9L"},
		{"516b6fcd0f", "ABnLTmg"},
		{"00000000000000000000", "1111111111"},
	} {
		b, _ := hex.DecodeString(tc.hex)
		if got := encodeBase58(b); got != tc.b58 {
			t.Errorf("encodeBase58(%s) = %q, want %q", tc.hex, got, tc.b58)
		}
		got, err := decodeBase58(tc.b58)
		if err != nil || hex.EncodeToString(got) != tc.hex {
			t.Errorf("decodeBase58(%q) = %x, %v", tc.b58, got, err)
		}
	}
}

// FuzzDecode: any text either fails or decodes to an address that encodes
// back to the same text.
func FuzzDecode(f *testing.F) {
	for _, s := range []string{
		"5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY",
		"15oF4uVJwmo4TdGW7VfQxNLavjCXviqxT9S1MgbjMNHr6Sp5",
		"HNZata7iMYWmk5RvZRTiAsSDhV8366zq2YGb3tLH5Upf74F",
		"", "1", "11111111111111111111111111111111111111111111111", "0x00",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p, k, err := Decode(s)
		if err != nil {
			return
		}
		back, err := Encode(p, k)
		if err != nil || back != s {
			t.Fatalf("%q decoded to prefix %d but encodes as %q (%v)", s, p, back, err)
		}
	})
}

func BenchmarkDecode(b *testing.B) {
	for b.Loop() {
		if _, _, err := Decode("15oF4uVJwmo4TdGW7VfQxNLavjCXviqxT9S1MgbjMNHr6Sp5"); err != nil {
			b.Fatal(err)
		}
	}
}
