package storage

import (
	"bytes"
	"encoding/hex"
	"strings"
	"testing"

	"github.com/upchain-dev/upchain/prober/substrate/scale"
)

// Alice, the well-known development account (sr25519 public key).
var alice = mustAccount("d43593c715fdd31c61141abd04a99fd6822c8558854ccde39a5684e7a56da27d")

func mustAccount(s string) scale.AccountID {
	b, err := hex.DecodeString(s)
	if err != nil || len(b) != 32 {
		panic("bad account " + s)
	}
	var id scale.AccountID
	copy(id[:], b)
	return id
}

// The constants are the storage keys listed in the project's chain
// reference notes (../shared/reference/chains.md), which match the keys
// polkadot.js shows for these items; the functions compute them.
func TestKnownKeys(t *testing.T) {
	for _, tc := range []struct {
		name string
		key  Key
		want string
	}{
		{"Timestamp.Now", TimestampNow(), "0xf0c365c3cf59d671eb72da0e7a4113c49f1f0515f462cdcf84e0f1d6045dfcbb"},
		{"Session.Validators", SessionValidators(), "0xcec5070d609dd3497f72bde07fc96ba088dcde934c658227ee1dfafcd6e16903"},
		{"Session.CurrentIndex", SessionCurrentIndex(), "0xcec5070d609dd3497f72bde07fc96ba072763800a36a99fdfc7c10f6415f6ee6"},
		{"Staking.ActiveEra", StakingActiveEra(), "0x5f3e4907f716ac89b6347d15ececedca487df464e44a534ba6b0cbb32407b587"},
		// System.Account(Alice): the blake2_128concat key every Substrate
		// tutorial shows for Alice's balance.
		{"System.Account(Alice)", SystemAccount(alice), "0x26aa394eea5630e07c48ae0c9558cef7b99d880ec681799c0cf30e8886371da9de1e86a9a8c739864cf3cc5ec2bea59fd43593c715fdd31c61141abd04a99fd6822c8558854ccde39a5684e7a56da27d"},
	} {
		if got := tc.key.Hex(); got != tc.want {
			t.Errorf("%s = %s, want %s", tc.name, got, tc.want)
		}
	}
}

func TestErasRewardPointsKey(t *testing.T) {
	const prefix = "5f3e4907f716ac89b6347d15ececedca80cc6574281671b299c1727d7ac68cab"
	k := StakingErasRewardPoints(1234)
	h := hex.EncodeToString(k)
	if !strings.HasPrefix(h, prefix) {
		t.Fatalf("key %s does not start with the ErasRewardPoints prefix", h)
	}
	// twox64concat: 8 hash bytes, then the u32 era little-endian.
	if len(k) != 32+8+4 || !bytes.Equal(k[40:], []byte{0xd2, 0x04, 0, 0}) {
		t.Fatalf("key %s: want 32+8+4 bytes ending in the era LE", h)
	}
	if bytes.Equal(k[32:40], StakingErasRewardPoints(1235)[32:40]) {
		t.Fatal("the hash part does not depend on the era")
	}
}

func TestHashers(t *testing.T) {
	// xxh64 of the empty input with seed 0 is 0xef46db3751d8e999 (the
	// reference value of the xxHash specification's test suite).
	if got := hex.EncodeToString(Twox64Concat(nil)); got != "99e9d85137db46ef" {
		t.Fatalf("Twox64Concat(empty) = %s", got)
	}
	if got := Twox64Concat([]byte("ab")); len(got) != 10 || string(got[8:]) != "ab" {
		t.Fatalf("Twox64Concat keeps the input: %x", got)
	}
	if got := Blake2_128Concat([]byte("ab")); len(got) != 18 || string(got[16:]) != "ab" {
		t.Fatalf("Blake2_128Concat keeps the input: %x", got)
	}
	tw := Twox128([]byte("Timestamp"))
	if hex.EncodeToString(tw[:]) != "f0c365c3cf59d671eb72da0e7a4113c4" {
		t.Fatalf("Twox128(Timestamp) = %x", tw)
	}
}

func TestImOnlineKeys(t *testing.T) {
	p := Prefix("ImOnline", "ReceivedHeartbeats")
	k := ImOnlineReceivedHeartbeats(7, 3)
	if !bytes.Equal(k[:32], p) || len(k) != 32+12+12 {
		t.Fatalf("ReceivedHeartbeats key %x", k)
	}
	if !bytes.Equal(k[32:44], Twox64Concat([]byte{7, 0, 0, 0})) || !bytes.Equal(k[44:], Twox64Concat([]byte{3, 0, 0, 0})) {
		t.Fatalf("ReceivedHeartbeats key %x: want twox64concat(session) ++ twox64concat(index)", k)
	}
	a := ImOnlineAuthoredBlocks(7, alice)
	if len(a) != 32+12+40 || !bytes.Equal(a[52:], alice[:]) {
		t.Fatalf("AuthoredBlocks key %x", a)
	}
	if got, err := ParseKey(a.Hex()); err != nil || !bytes.Equal(got, a) {
		t.Fatalf("ParseKey(Hex) = %x, %v", got, err)
	}
}

func TestActiveEra(t *testing.T) {
	start := uint64(1700000000000)
	for _, e := range []ActiveEra{{Index: 1500, StartMS: &start}, {Index: 7}} {
		enc := AppendActiveEra(nil, e)
		got, err := DecodeActiveEra(enc)
		if err != nil || got.Index != e.Index || (got.StartMS == nil) != (e.StartMS == nil) || (got.StartMS != nil && *got.StartMS != *e.StartMS) {
			t.Fatalf("DecodeActiveEra(%x) = %+v, %v", enc, got, err)
		}
	}
	// Hand-built: era 1500 (0x05dc), Some(1700000000000).
	raw, _ := hex.DecodeString("dc050000010068e5cf8b010000")
	got, err := DecodeActiveEra(raw)
	if err != nil || got.Index != 1500 || got.StartMS == nil || *got.StartMS != start {
		t.Fatalf("DecodeActiveEra(hand-built) = %+v, %v", got, err)
	}
	for _, tc := range []struct{ hex, reason string }{
		{"dc05", "reading Staking.ActiveEra index: need 4 bytes, 2 left"},
		{"dc05000002", "Option tag of Staking.ActiveEra start: tag is 0x02"},
		{"dc0500000100", "reading Staking.ActiveEra start: need 8 bytes, 1 left"},
		{"dc05000000ff", "1 unexpected bytes"},
	} {
		b, _ := hex.DecodeString(tc.hex)
		if _, err := DecodeActiveEra(b); err == nil || !strings.Contains(err.Error(), tc.reason) {
			t.Errorf("DecodeActiveEra(%s) = %v, want %q", tc.hex, err, tc.reason)
		}
	}
}

func TestEraRewardPoints(t *testing.T) {
	bob := mustAccount("8eaf04151687736326c9fea17e25fc5287613693c912909cb226aa4794f26a48")
	// Hand-built: total 160, two entries: Alice 100, Bob 60.
	raw, _ := hex.DecodeString("a0000000" + "08" +
		hex.EncodeToString(alice[:]) + "64000000" +
		hex.EncodeToString(bob[:]) + "3c000000")
	p, err := DecodeEraRewardPoints(raw)
	if err != nil || p.Total != 160 || len(p.Individual) != 2 {
		t.Fatalf("DecodeEraRewardPoints = %+v, %v", p, err)
	}
	if v, ok := p.Of(alice); !ok || v != 100 {
		t.Fatalf("Alice's points = %d, %v", v, ok)
	}
	if v, ok := p.Of(bob); !ok || v != 60 {
		t.Fatalf("Bob's points = %d, %v", v, ok)
	}
	if _, ok := p.Of(scale.AccountID{9}); ok {
		t.Fatal("an unlisted account has points")
	}
	if !bytes.Equal(AppendEraRewardPoints(nil, p), raw) {
		t.Fatal("AppendEraRewardPoints does not round-trip")
	}
	for _, tc := range []struct {
		in     []byte
		reason string
	}{
		{raw[:3], "total: need 4 bytes, 3 left"},
		{raw[:len(raw)-2], "claims 2 elements of at least 36 bytes, only 70 bytes left"},
		{append(append([]byte{}, raw...), 1), "1 unexpected bytes"},
		{[]byte{0, 0, 0, 0, 0x17, 0, 0, 0, 0, 0, 0, 0, 0, 1}, "does not fit in 64 bits"},
	} {
		if _, err := DecodeEraRewardPoints(tc.in); err == nil || !strings.Contains(err.Error(), tc.reason) {
			t.Errorf("DecodeEraRewardPoints(%x) = %v, want %q", tc.in, err, tc.reason)
		}
	}
}
