package scale

import (
	"bytes"
	"math/big"
	"testing"
)

// FuzzCompact checks that any input either fails with an *Error or decodes
// to a value whose canonical encoding is exactly the bytes consumed.
func FuzzCompact(f *testing.F) {
	for _, tc := range compactVectors {
		f.Add(AppendCompact(nil, tc.v))
	}
	for _, s := range [][]byte{{}, {0x01}, {0x05, 0x00}, {0x03, 0xff, 0xff, 0xff, 0x3f}, {0xff}, {0x17, 0, 0, 0, 0, 0, 0, 0, 0, 1}} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		d := NewDecoder(in)
		v, err := d.CompactBig("n")
		if err != nil {
			if _, ok := err.(*Error); !ok {
				t.Fatalf("error of type %T: %v", err, err)
			}
			return
		}
		enc, ok := AppendCompactBig(nil, v)
		if !ok || !bytes.Equal(enc, in[:d.Offset()]) {
			t.Fatalf("%x decoded to %v which encodes as %x", in[:d.Offset()], v, enc)
		}
		if v.IsUint64() {
			u, err := NewDecoder(in).Compact("n")
			if err != nil || new(big.Int).SetUint64(u).Cmp(v) != 0 {
				t.Fatalf("Compact disagrees with CompactBig: %d, %v", u, err)
			}
		}
	})
}

// FuzzAccountIDs decodes arbitrary bytes as Vec<AccountId32>: no panic, and
// a success re-encodes to the input.
func FuzzAccountIDs(f *testing.F) {
	f.Add([]byte{0})
	f.Add(AppendAccountIDs(nil, []AccountID{{1}, {2}, {3}}))
	f.Add([]byte{0x13, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x3f})
	f.Add([]byte{0x08, 1, 2, 3})
	f.Fuzz(func(t *testing.T, in []byte) {
		ids, err := DecodeAccountIDs(in, "v")
		if err != nil {
			if _, ok := err.(*Error); !ok {
				t.Fatalf("error of type %T: %v", err, err)
			}
			return
		}
		if enc := AppendAccountIDs(nil, ids); !bytes.Equal(enc, in) {
			t.Fatalf("%x decoded to %d ids that encode as %x", in, len(ids), enc)
		}
	})
}
