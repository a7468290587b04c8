package scale

import (
	"bytes"
	"encoding/hex"
	"errors"
	"math/big"
	"strings"
	"testing"
)

func unhex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(strings.ReplaceAll(s, " ", ""))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// Vectors from the SCALE specification's compact integer table
// (docs.substrate.io "Type encoding (SCALE)", Polkadot spec Definition
// "SCALE Length Encoding"), each mode and each boundary.
var compactVectors = []struct {
	v   uint64
	hex string
}{
	{0, "00"},
	{1, "04"},
	{42, "a8"},
	{63, "fc"},
	{64, "0101"},
	{69, "1501"},
	{16383, "fdff"},
	{16384, "02000100"},
	{1<<30 - 1, "feffffff"},
	{1 << 30, "0300000040"},
	{1<<32 - 1, "03ffffffff"},
	{1 << 32, "070000000001"},
	{100000000000000, "0b00407a10f35a"},
	{1<<64 - 1, "13ffffffffffffffff"},
}

func TestCompactVectors(t *testing.T) {
	for _, tc := range compactVectors {
		enc := unhex(t, tc.hex)
		if got := AppendCompact(nil, tc.v); !bytes.Equal(got, enc) {
			t.Errorf("AppendCompact(%d) = %x, want %s", tc.v, got, tc.hex)
		}
		d := NewDecoder(enc)
		got, err := d.Compact("n")
		if err != nil || got != tc.v || d.Remaining() != 0 {
			t.Errorf("Compact(%s) = %d, %v (rest %d), want %d", tc.hex, got, err, d.Remaining(), tc.v)
		}
		b, err := NewDecoder(enc).CompactBig("n")
		if err != nil || b.Cmp(new(big.Int).SetUint64(tc.v)) != 0 {
			t.Errorf("CompactBig(%s) = %v, %v", tc.hex, b, err)
		}
	}
}

func TestCompactBig(t *testing.T) {
	// 2^64: nine bytes in big-integer mode, (9-4)<<2|3 = 0x17.
	v := new(big.Int).Lsh(big.NewInt(1), 64)
	enc, ok := AppendCompactBig(nil, v)
	if !ok || hex.EncodeToString(enc) != "17000000000000000001" {
		t.Fatalf("AppendCompactBig(2^64) = %x, %v", enc, ok)
	}
	got, err := NewDecoder(enc).CompactBig("n")
	if err != nil || got.Cmp(v) != 0 {
		t.Fatalf("CompactBig = %v, %v", got, err)
	}
	if _, err := NewDecoder(enc).Compact("n"); err == nil || !strings.Contains(err.Error(), "does not fit in 64 bits") {
		t.Fatalf("Compact(2^64) error = %v", err)
	}
	// The largest value: 67 bytes of 0xff.
	max := new(big.Int).Sub(new(big.Int).Lsh(big.NewInt(1), 536), big.NewInt(1))
	enc, ok = AppendCompactBig(nil, max)
	if !ok || enc[0] != 0xff || len(enc) != 68 {
		t.Fatalf("AppendCompactBig(max) = %x, %v", enc, ok)
	}
	if got, err := NewDecoder(enc).CompactBig("n"); err != nil || got.Cmp(max) != 0 {
		t.Fatalf("CompactBig(max) = %v, %v", got, err)
	}
	if _, ok := AppendCompactBig(nil, new(big.Int).Lsh(big.NewInt(1), 536)); ok {
		t.Fatal("AppendCompactBig accepted 2^536")
	}
	if _, ok := AppendCompactBig(nil, big.NewInt(-1)); ok {
		t.Fatal("AppendCompactBig accepted -1")
	}
}

func TestCompactMalformed(t *testing.T) {
	for _, tc := range []struct{ hex, reason string }{
		{"", "need 1 bytes, 0 left"},
		{"01", "need 2 bytes, 1 left"},
		{"020000", "need 4 bytes, 3 left"},
		{"03ffff", "need 4 bytes, 2 left"},
		{"0500", "non-canonical compact: 1 written in 2-byte mode"},
		{"02000000", "non-canonical compact: 0 written in 4-byte mode"},
		{"03ffffff3f", "non-canonical compact: 1073741823 written in big-integer mode"},
		{"070000000000", "zero top byte"},
		{"ff", "need 67 bytes, 0 left"},
	} {
		_, err := NewDecoder(unhex(t, tc.hex)).Compact("count")
		var se *Error
		if !errors.As(err, &se) || !strings.Contains(err.Error(), tc.reason) || !strings.Contains(err.Error(), "count") {
			t.Errorf("Compact(%q) error = %v, want one containing %q", tc.hex, err, tc.reason)
		}
	}
}

func TestFixedWidth(t *testing.T) {
	d := NewDecoder(unhex(t, "2a 01000000 0100000000000000 ffffffffffffffffffffffffffffffff 01 00 01"))
	if v, err := d.U8("a"); err != nil || v != 42 {
		t.Fatalf("U8 = %d, %v", v, err)
	}
	if v, err := d.U32("b"); err != nil || v != 1 {
		t.Fatalf("U32 = %d, %v", v, err)
	}
	if v, err := d.U64("c"); err != nil || v != 1 {
		t.Fatalf("U64 = %d, %v", v, err)
	}
	max128 := new(big.Int).Sub(new(big.Int).Lsh(big.NewInt(1), 128), big.NewInt(1))
	if v, err := d.U128("d"); err != nil || v.Cmp(max128) != 0 {
		t.Fatalf("U128 = %v, %v", v, err)
	}
	if v, err := d.Bool("e"); err != nil || !v {
		t.Fatalf("Bool = %v, %v", v, err)
	}
	if v, err := d.Option("f"); err != nil || v {
		t.Fatalf("Option = %v, %v", v, err)
	}
	if err := d.Done("g"); err == nil || !strings.Contains(err.Error(), "1 unexpected bytes") {
		t.Fatalf("Done with a byte left = %v", err)
	}
	if _, err := d.U16("h"); err == nil || !strings.Contains(err.Error(), "need 2 bytes, 1 left") {
		t.Fatalf("U16 past the end = %v", err)
	}
	if v, err := NewDecoder([]byte{0x34, 0x12}).U16("u16"); err != nil || v != 0x1234 {
		t.Fatalf("U16 = %x, %v", v, err)
	}
}

func TestBoolAndOptionTags(t *testing.T) {
	if _, err := NewDecoder([]byte{2}).Bool("flag"); err == nil || !strings.Contains(err.Error(), "0x02") {
		t.Fatalf("Bool(2) = %v", err)
	}
	if _, err := NewDecoder([]byte{7}).Option("start"); err == nil || !strings.Contains(err.Error(), "not 0x00 (None) or 0x01 (Some)") {
		t.Fatalf("Option(7) = %v", err)
	}
}

func TestWholeValues(t *testing.T) {
	if v, err := DecodeU32(unhex(t, "d2040000"), "Session.CurrentIndex"); err != nil || v != 1234 {
		t.Fatalf("DecodeU32 = %d, %v", v, err)
	}
	if _, err := DecodeU32(unhex(t, "d204000000"), "Session.CurrentIndex"); err == nil || !strings.Contains(err.Error(), "Session.CurrentIndex") {
		t.Fatalf("DecodeU32 with a trailing byte = %v", err)
	}
	if v, err := DecodeU64(unhex(t, "0068e5cf8b010000"), "Timestamp.Now"); err != nil || v != 1700000000000 {
		t.Fatalf("DecodeU64 = %d, %v", v, err)
	}
	if _, err := DecodeU64(unhex(t, "0070c9b2"), "Timestamp.Now"); err == nil || !strings.Contains(err.Error(), "need 8 bytes, 4 left") {
		t.Fatalf("DecodeU64 short = %v", err)
	}
	if v, err := DecodeBlockNumber(unhex(t, "64000000"), "n"); err != nil || v != 100 {
		t.Fatalf("DecodeBlockNumber u32 = %d, %v", v, err)
	}
	if v, err := DecodeBlockNumber(unhex(t, "6400000000000000"), "n"); err != nil || v != 100 {
		t.Fatalf("DecodeBlockNumber u64 = %d, %v", v, err)
	}
	if _, err := DecodeBlockNumber(unhex(t, "640000"), "n"); err == nil || !strings.Contains(err.Error(), "got 3") {
		t.Fatalf("DecodeBlockNumber 3 bytes = %v", err)
	}
}

func TestAccountIDs(t *testing.T) {
	var a, b AccountID
	for i := range a {
		a[i], b[i] = byte(i), byte(255-i)
	}
	enc := AppendAccountIDs(nil, []AccountID{a, b})
	if enc[0] != 0x08 || len(enc) != 65 {
		t.Fatalf("AppendAccountIDs = %x", enc)
	}
	ids, err := DecodeAccountIDs(enc, "Session.Validators")
	if err != nil || len(ids) != 2 || ids[0] != a || ids[1] != b {
		t.Fatalf("DecodeAccountIDs = %x, %v", ids, err)
	}
	empty, err := DecodeAccountIDs([]byte{0}, "v")
	if err != nil || len(empty) != 0 {
		t.Fatalf("empty vec = %v, %v", empty, err)
	}
	for _, tc := range []struct {
		in     []byte
		reason string
	}{
		{enc[:64], "claims 2 elements of at least 32 bytes, only 63 bytes left"},
		{append(append([]byte{}, enc...), 0), "1 unexpected bytes"},
		// A length of 2^62 that must not be allocated.
		{unhex(t, "13ffffffffffffff3f"), "claims 4611686018427387903 elements"},
		{nil, "need 1 bytes, 0 left"},
	} {
		_, err := DecodeAccountIDs(tc.in, "Session.Validators")
		if err == nil || !strings.Contains(err.Error(), tc.reason) || !strings.Contains(err.Error(), "Session.Validators") {
			t.Errorf("DecodeAccountIDs(%x) = %v, want %q", tc.in, err, tc.reason)
		}
	}
}

func TestBytes(t *testing.T) {
	d := NewDecoder(unhex(t, "0c616263ff"))
	b, err := d.Bytes("name")
	if err != nil || string(b) != "abc" || d.Remaining() != 1 {
		t.Fatalf("Bytes = %q, %v", b, err)
	}
	if _, err := NewDecoder(unhex(t, "10616263")).Bytes("name"); err == nil {
		t.Fatal("Bytes with a short body decoded")
	}
}

func TestErrorOffset(t *testing.T) {
	d := NewDecoder(unhex(t, "00000000 05"))
	if _, err := d.U32("a"); err != nil {
		t.Fatal(err)
	}
	_, err := d.Bool("b")
	var se *Error
	if !errors.As(err, &se) || se.Offset != 4 || se.What != "b" {
		t.Fatalf("error = %#v", err)
	}
	if want := "malformed SCALE at byte 4 reading b: boolean byte is 0x05, not 0x00 or 0x01"; err.Error() != want {
		t.Fatalf("message = %q, want %q", err.Error(), want)
	}
}
