// Package storage builds Substrate storage keys and decodes the few storage
// values upchain reads (session, staking, timestamp, im-online).
//
// A key is twox128(pallet) ++ twox128(item) ++ hasher(arg)... where
// twox128(x) = xxh64(x, seed 0) ++ xxh64(x, seed 1), each little-endian;
// twox64concat(x) = xxh64(x, seed 0) LE ++ x; blake2_128concat(x) =
// blake2b-128(x) ++ x (docs.substrate.io "Transparent keys",
// frame_support::storage hashers).
package storage

import (
	"encoding/binary"
	"encoding/hex"
	"strings"

	"github.com/cespare/xxhash/v2"
	"github.com/upchain-dev/upchain/prober/substrate/scale"
	"golang.org/x/crypto/blake2b"
)

// Twox128 is the 128-bit xxhash of x: two 64-bit xxh64 digests with seeds
// 0 and 1, each little-endian.
func Twox128(x []byte) [16]byte {
	var out [16]byte
	binary.LittleEndian.PutUint64(out[:8], xxhash.Sum64(x))
	h := xxhash.NewWithSeed(1)
	_, _ = h.Write(x)
	binary.LittleEndian.PutUint64(out[8:], h.Sum64())
	return out
}

// Twox64Concat is xxh64(x, seed 0) little-endian followed by x itself.
func Twox64Concat(x []byte) []byte {
	out := binary.LittleEndian.AppendUint64(make([]byte, 0, 8+len(x)), xxhash.Sum64(x))
	return append(out, x...)
}

// Blake2_128Concat is blake2b with a 16-byte digest of x, followed by x.
func Blake2_128Concat(x []byte) []byte {
	h, _ := blake2b.New(16, nil) // only fails for sizes outside 1..64 or long keys
	_, _ = h.Write(x)
	return append(h.Sum(make([]byte, 0, 16+len(x))), x...)
}

// Prefix is the key of a plain storage value, or the common prefix of a
// map's entries: twox128(pallet) ++ twox128(item).
func Prefix(pallet, item string) []byte {
	p, i := Twox128([]byte(pallet)), Twox128([]byte(item))
	return append(p[:], i[:]...)
}

// Key is a storage key, written as 0x-prefixed hex in RPC calls.
type Key []byte

// Hex returns the key as state_getStorage expects it.
func (k Key) Hex() string { return "0x" + hex.EncodeToString(k) }

// ParseKey reads a 0x-prefixed hex key.
func ParseKey(s string) (Key, error) {
	return hex.DecodeString(strings.TrimPrefix(s, "0x"))
}

func u32LE(v uint32) []byte { return binary.LittleEndian.AppendUint32(nil, v) }

// TimestampNow is Timestamp.Now: u64 milliseconds of the block's time.
func TimestampNow() Key { return Prefix("Timestamp", "Now") }

// SessionValidators is Session.Validators: Vec<AccountId32> of the active set.
func SessionValidators() Key { return Prefix("Session", "Validators") }

// SessionCurrentIndex is Session.CurrentIndex: u32.
func SessionCurrentIndex() Key { return Prefix("Session", "CurrentIndex") }

// StakingActiveEra is Staking.ActiveEra: Option<ActiveEraInfo>.
func StakingActiveEra() Key { return Prefix("Staking", "ActiveEra") }

// StakingErasRewardPoints is Staking.ErasRewardPoints(era), a map hashed
// with twox64concat over the u32 era index.
func StakingErasRewardPoints(era uint32) Key {
	return append(Prefix("Staking", "ErasRewardPoints"), Twox64Concat(u32LE(era))...)
}

// ImOnlineHeartbeatAfter is ImOnline.HeartbeatAfter: the block number after
// which validators send heartbeats in the current session.
func ImOnlineHeartbeatAfter() Key { return Prefix("ImOnline", "HeartbeatAfter") }

// ImOnlineReceivedHeartbeats is ImOnline.ReceivedHeartbeats(session,
// authIndex): present when the authority at authIndex (its position in the
// session's validator list) sent a heartbeat in that session.
func ImOnlineReceivedHeartbeats(session, authIndex uint32) Key {
	k := append(Prefix("ImOnline", "ReceivedHeartbeats"), Twox64Concat(u32LE(session))...)
	return append(k, Twox64Concat(u32LE(authIndex))...)
}

// ImOnlineAuthoredBlocks is ImOnline.AuthoredBlocks(session, validator):
// u32 blocks authored in that session (absent means 0).
func ImOnlineAuthoredBlocks(session uint32, validator scale.AccountID) Key {
	k := append(Prefix("ImOnline", "AuthoredBlocks"), Twox64Concat(u32LE(session))...)
	return append(k, Twox64Concat(validator[:])...)
}

// SystemAccount is System.Account(id), a blake2_128concat map; used in
// tests of the hasher against a published key.
func SystemAccount(id scale.AccountID) Key {
	return append(Prefix("System", "Account"), Blake2_128Concat(id[:])...)
}

// SessionQueuedKeys is Session.QueuedKeys: Vec<(ValidatorId, Keys)> of the
// set queued for the next session, with their session keys.
func SessionQueuedKeys() Key { return Prefix("Session", "QueuedKeys") }

// SessionNextKeys is Session.NextKeys(validator), a twox64concat map to the
// session keys the validator set last (used from the next session on).
func SessionNextKeys(validator scale.AccountID) Key {
	return append(Prefix("Session", "NextKeys"), Twox64Concat(validator[:])...)
}

// SessionDisabledValidators is Session.DisabledValidators: indices into
// Session.Validators of the validators disabled in this session.
func SessionDisabledValidators() Key { return Prefix("Session", "DisabledValidators") }

// StakingBonded is Staking.Bonded(stash): the controller account.
func StakingBonded(stash scale.AccountID) Key {
	return append(Prefix("Staking", "Bonded"), Twox64Concat(stash[:])...)
}

// StakingLedger is Staking.Ledger(controller), a blake2_128concat map.
func StakingLedger(controller scale.AccountID) Key {
	return append(Prefix("Staking", "Ledger"), Blake2_128Concat(controller[:])...)
}

// StakingUnappliedSlashesPrefix is the prefix of all Staking.UnappliedSlashes
// entries, for state_getKeysPaged.
func StakingUnappliedSlashesPrefix() Key { return Prefix("Staking", "UnappliedSlashes") }

// StakingUnappliedSlashes is Staking.UnappliedSlashes(era): the slashes to
// apply at that era (twox64concat over the u32 era).
func StakingUnappliedSlashes(era uint32) Key {
	return append(StakingUnappliedSlashesPrefix(), Twox64Concat(u32LE(era))...)
}

// CollatorSelectionInvulnerables is CollatorSelection.Invulnerables:
// Vec<AccountId> of the fixed collators (Cumulus pallet-collator-selection).
func CollatorSelectionInvulnerables() Key { return Prefix("CollatorSelection", "Invulnerables") }

// CollatorSelectionCandidates is CollatorSelection.Candidates, the older
// name of the candidate list: Vec<CandidateInfo>.
func CollatorSelectionCandidates() Key { return Prefix("CollatorSelection", "Candidates") }

// CollatorSelectionCandidateList is CollatorSelection.CandidateList, the
// newer name of the same list.
func CollatorSelectionCandidateList() Key { return Prefix("CollatorSelection", "CandidateList") }

// CollatorSelectionLastAuthoredBlock is
// CollatorSelection.LastAuthoredBlock(account): the block number the
// collator last authored (twox64concat over the account).
func CollatorSelectionLastAuthoredBlock(account []byte) Key {
	return append(Prefix("CollatorSelection", "LastAuthoredBlock"), Twox64Concat(account)...)
}

// ParachainStakingSelectedCandidates is
// ParachainStaking.SelectedCandidates (Moonbeam): the collators of the
// current round.
func ParachainStakingSelectedCandidates() Key {
	return Prefix("ParachainStaking", "SelectedCandidates")
}

// ParachainStakingRound is ParachainStaking.Round: RoundInfo.
func ParachainStakingRound() Key { return Prefix("ParachainStaking", "Round") }

// ParachainStakingAwardedPts is ParachainStaking.AwardedPts(round,
// account): u32 points of the collator in the round (twox64concat twice).
func ParachainStakingAwardedPts(round uint32, account []byte) Key {
	k := append(Prefix("ParachainStaking", "AwardedPts"), Twox64Concat(u32LE(round))...)
	return append(k, Twox64Concat(account)...)
}

// ParachainStakingPoints is ParachainStaking.Points(round): u32 points of
// all collators in the round.
func ParachainStakingPoints(round uint32) Key {
	return append(Prefix("ParachainStaking", "Points"), Twox64Concat(u32LE(round))...)
}
