package storage

import (
	"bytes"
	"testing"

	"github.com/upchain-dev/upchain/prober/substrate/scale"
)

// FuzzEraRewardPoints: arbitrary bytes never panic; whatever decodes
// re-encodes to the same bytes.
func FuzzEraRewardPoints(f *testing.F) {
	f.Add(AppendEraRewardPoints(nil, EraRewardPoints{}))
	f.Add(AppendEraRewardPoints(nil, EraRewardPoints{Total: 80, Individual: []ValidatorPoints{{alice, 60}, {scale.AccountID{1}, 20}}}))
	f.Add([]byte{1, 0, 0, 0, 0x13, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x3f})
	f.Add([]byte{1, 0, 0})
	f.Fuzz(func(t *testing.T, in []byte) {
		p, err := DecodeEraRewardPoints(in)
		if err != nil {
			if _, ok := err.(*scale.Error); !ok {
				t.Fatalf("error of type %T: %v", err, err)
			}
			return
		}
		if enc := AppendEraRewardPoints(nil, p); !bytes.Equal(enc, in) {
			t.Fatalf("%x re-encodes as %x", in, enc)
		}
	})
}

// FuzzActiveEra: same property for Staking.ActiveEra.
func FuzzActiveEra(f *testing.F) {
	start := uint64(1700000000000)
	f.Add(AppendActiveEra(nil, ActiveEra{Index: 1500, StartMS: &start}))
	f.Add(AppendActiveEra(nil, ActiveEra{Index: 3}))
	f.Add([]byte{1, 0, 0, 0, 2})
	f.Fuzz(func(t *testing.T, in []byte) {
		e, err := DecodeActiveEra(in)
		if err != nil {
			if _, ok := err.(*scale.Error); !ok {
				t.Fatalf("error of type %T: %v", err, err)
			}
			return
		}
		if enc := AppendActiveEra(nil, e); !bytes.Equal(enc, in) {
			t.Fatalf("%x re-encodes as %x", in, enc)
		}
	})
}
