package storage

import (
	"bytes"
	"math/big"
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

// fuzzRoundTrip checks that decode never panics, fails only with a
// scale.Error, and that whatever decodes re-encodes to the same bytes.
func fuzzRoundTrip[T any](t *testing.T, in []byte, dec func([]byte) (T, error), enc func(T) []byte) {
	v, err := dec(in)
	if err != nil {
		if _, ok := err.(*scale.Error); !ok {
			t.Fatalf("error of type %T: %v", err, err)
		}
		return
	}
	if got := enc(v); !bytes.Equal(got, in) {
		t.Fatalf("%x re-encodes as %x", in, got)
	}
}

func FuzzQueuedKeys(f *testing.F) {
	f.Add(AppendQueuedKeys(nil, []QueuedKey{{alice, make([]byte, 193)}, {scale.AccountID{1}, make([]byte, 193)}}))
	f.Add([]byte{0x08, 1, 2, 3})
	f.Fuzz(func(t *testing.T, in []byte) {
		fuzzRoundTrip(t, in, DecodeQueuedKeys, func(q []QueuedKey) []byte { return AppendQueuedKeys(nil, q) })
	})
}

func FuzzDisabled(f *testing.F) {
	f.Add(AppendDisabled(nil, Disabled{Indices: []uint32{1, 5}}))
	f.Add(AppendDisabled(nil, Disabled{Indices: []uint32{1}, Severity: []uint32{1e9}}))
	f.Fuzz(func(t *testing.T, in []byte) {
		fuzzRoundTrip(t, in, DecodeDisabled, func(d Disabled) []byte { return AppendDisabled(nil, d) })
	})
}

func FuzzUnappliedSlashes(f *testing.F) {
	f.Add(AppendUnappliedSlashes(nil, []UnappliedSlash{{Validator: alice, Others: []SlashShare{{alice, nil}}, Reporters: []scale.AccountID{alice}}}))
	f.Add([]byte{0x04, 0xff})
	f.Fuzz(func(t *testing.T, in []byte) {
		fuzzRoundTrip(t, in, DecodeUnappliedSlashes, func(s []UnappliedSlash) []byte { return AppendUnappliedSlashes(nil, s) })
		fuzzRoundTrip(t, in, DecodeUnappliedSlash, func(s UnappliedSlash) []byte { return AppendUnappliedSlash(nil, s) })
	})
}

// FuzzLedger decodes only a prefix: the property is that the re-encoded
// head is a prefix of the input.
func FuzzLedger(f *testing.F) {
	f.Add(AppendLedger(nil, Ledger{Stash: alice, Total: big.NewInt(1e12), Active: big.NewInt(1e11)}))
	f.Add(append(alice[:], 0x13, 0xff))
	f.Fuzz(func(t *testing.T, in []byte) {
		l, err := DecodeLedger(in)
		if err != nil {
			if _, ok := err.(*scale.Error); !ok {
				t.Fatalf("error of type %T: %v", err, err)
			}
			return
		}
		head := AppendLedger(nil, l)
		if head = head[:len(head)-1]; !bytes.HasPrefix(in, head) {
			t.Fatalf("%x: head re-encodes as %x", in, head)
		}
	})
}

func FuzzCollatorValues(f *testing.F) {
	f.Add(AppendRound(nil, Round{Current: 1, First: 2, Length: 3}))
	f.Add(AppendAccounts(nil, [][]byte{alith}))
	f.Add(AppendCandidates(nil, [][]byte{alice[:]}, 5))
	f.Fuzz(func(t *testing.T, in []byte) {
		fuzzRoundTrip(t, in, DecodeRound, func(r Round) []byte { return AppendRound(nil, r) })
		fuzzRoundTrip(t, in, func(b []byte) ([][]byte, error) { return DecodeAccounts(b, 20, "x") }, func(a [][]byte) []byte { return AppendAccounts(nil, a) })
		if _, err := DecodeCandidates(in); err != nil {
			if _, ok := err.(*scale.Error); !ok {
				t.Fatalf("error of type %T: %v", err, err)
			}
		}
	})
}
