package storage

import (
	"bytes"
	"encoding/hex"
	"math/big"
	"testing"

	"github.com/upchain-dev/upchain/prober/substrate/scale"
)

func keysOf(grandpa byte, size int) []byte {
	k := bytes.Repeat([]byte{0xee}, size)
	for i := 0; i < 32; i++ {
		k[i] = grandpa
	}
	return k
}

func TestDecodeQueuedKeys(t *testing.T) {
	// Polkadot's SessionKeys: five 32-byte keys and a 33-byte BEEFY key.
	two := []QueuedKey{{alice, keysOf(1, 193)}, {scale.AccountID{9}, keysOf(2, 193)}}
	got, err := DecodeQueuedKeys(AppendQueuedKeys(nil, two))
	if err != nil || len(got) != 2 || got[1].Account != two[1].Account || got[0].Grandpa() != [32]byte(bytes.Repeat([]byte{1}, 32)) || len(got[1].Keys) != 193 {
		t.Fatalf("got %v, %v", got, err)
	}
	for name, in := range map[string][]byte{
		"uneven entries":   append(AppendQueuedKeys(nil, two), 0),
		"entry too short":  append(scale.AppendCompact(nil, 1), make([]byte, 63)...),
		"count over bytes": append(scale.AppendCompact(nil, 3), make([]byte, 128)...),
	} {
		if _, err := DecodeQueuedKeys(in); err == nil {
			t.Errorf("%s: decoded", name)
		}
	}
	if q, err := DecodeQueuedKeys([]byte{0}); err != nil || len(q) != 0 {
		t.Fatalf("empty: %v %v", q, err)
	}
}

func TestDecodeDisabled(t *testing.T) {
	for _, tc := range []struct {
		name, in string
		want     []uint32
		severity bool
		bad      bool
	}{
		{name: "empty", in: "00"},
		{name: "u32 indices", in: "08" + "03000000" + "07000000", want: []uint32{3, 7}},
		{name: "index and perbill", in: "04" + "05000000" + "00ca9a3b", want: []uint32{5}, severity: true},
		{name: "neither shape", in: "04" + "050000000000", bad: true},
		{name: "trailing byte", in: "00ff", bad: true},
	} {
		b, _ := hex.DecodeString(tc.in)
		got, err := DecodeDisabled(b)
		if tc.bad {
			if err == nil {
				t.Errorf("%s: decoded %v", tc.name, got)
			}
			continue
		}
		if err != nil || len(got.Indices) != len(tc.want) || (got.Severity != nil) != tc.severity {
			t.Errorf("%s: got %+v, %v", tc.name, got, err)
			continue
		}
		for i, w := range tc.want {
			if got.Indices[i] != w || !got.Has(int(w)) {
				t.Errorf("%s: index %d = %d, want %d", tc.name, i, got.Indices[i], w)
			}
		}
		if got.Has(4) || got.Has(-1) {
			t.Errorf("%s: Has(4) or Has(-1)", tc.name)
		}
	}
}

func TestDecodeLedger(t *testing.T) {
	total, _ := new(big.Int).SetString("12000000000000000", 10) // 1.2M DOT in planck
	active, _ := new(big.Int).SetString("11000000000000000", 10)
	b := AppendLedger(nil, Ledger{Stash: alice, Total: total, Active: active})
	b = append(b, 0x04, 0x00) // legacy claimed rewards: whatever follows is not read
	l, err := DecodeLedger(b)
	if err != nil || l.Stash != alice || l.Total.Cmp(total) != 0 || l.Active.Cmp(active) != 0 {
		t.Fatalf("got %+v, %v", l, err)
	}
	if _, err := DecodeLedger(b[:33]); err == nil {
		t.Fatal("truncated ledger decoded")
	}
}

func TestDecodeUnappliedSlashes(t *testing.T) {
	s := UnappliedSlash{Validator: alice, Own: big.NewInt(5_000_000_000), Others: []SlashShare{{scale.AccountID{7}, big.NewInt(10)}},
		Reporters: []scale.AccountID{{8}}, Payout: big.NewInt(1)}
	got, err := DecodeUnappliedSlashes(AppendUnappliedSlashes(nil, []UnappliedSlash{s, {Validator: scale.AccountID{3}}}))
	if err != nil || len(got) != 2 || got[0].Validator != alice || got[0].Own.Int64() != 5_000_000_000 || got[1].Own.Sign() != 0 || len(got[0].Others) != 1 {
		t.Fatalf("got %+v, %v", got, err)
	}
	one, err := DecodeUnappliedSlash(AppendUnappliedSlash(nil, s))
	if err != nil || one.Validator != alice || one.Payout.Int64() != 1 {
		t.Fatalf("single: %+v, %v", one, err)
	}
	if _, err := DecodeUnappliedSlashes(AppendUnappliedSlashes(nil, []UnappliedSlash{s})[:60]); err == nil {
		t.Fatal("truncated slash decoded")
	}
}

func TestDecodeCollatorValues(t *testing.T) {
	acc, err := DecodeAccounts(AppendAccounts(nil, [][]byte{alith, bytes.Repeat([]byte{2}, 20)}), 20, "SelectedCandidates")
	if err != nil || len(acc) != 2 || !ContainsAccount(acc, alith) || ContainsAccount(acc, alice[:20]) {
		t.Fatalf("H160 list: %x %v", acc, err)
	}
	if _, err := DecodeAccounts(AppendAccounts(nil, [][]byte{alith}), 32, "x"); err == nil {
		t.Fatal("20-byte accounts decoded as 32-byte ones")
	}
	c, err := DecodeCandidates(AppendCandidates(nil, [][]byte{alice[:]}, 1e12))
	if err != nil || len(c) != 1 || !bytes.Equal(c[0], alice[:]) {
		t.Fatalf("candidates %x %v", c, err)
	}
	slot := uint64(1e9)
	for _, r := range []Round{{Current: 77, First: 9000, Length: 1800}, {Current: 3, First: 1, Length: 600, FirstSlot: &slot}} {
		got, err := DecodeRound(AppendRound(nil, r))
		if err != nil || got.Current != r.Current || got.Length != r.Length || (got.FirstSlot == nil) != (r.FirstSlot == nil) {
			t.Fatalf("round %+v: %+v %v", r, got, err)
		}
	}
	if _, err := DecodeRound(make([]byte, 16)); err == nil {
		t.Fatal("16-byte round decoded")
	}
}
