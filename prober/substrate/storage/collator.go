package storage

import (
	"bytes"

	"github.com/upchain-dev/upchain/prober/substrate/scale"
)

// DecodeAccounts decodes a Vec of fixed-size accounts: 32-byte AccountId32
// on most chains, 20-byte H160 (AccountId20) on Moonbeam-style chains. The
// accounts alias b.
func DecodeAccounts(b []byte, size int, what string) ([][]byte, error) {
	d := scale.NewDecoder(b)
	n, err := d.VecLen(what, size)
	if err != nil {
		return nil, err
	}
	out := make([][]byte, n)
	for i := range out {
		if out[i], err = d.Fixed(size, what); err != nil {
			return nil, err
		}
	}
	return out, d.Done(what)
}

// AppendAccounts encodes a Vec of fixed-size accounts.
func AppendAccounts(dst []byte, accounts [][]byte) []byte {
	dst = scale.AppendCompact(dst, uint64(len(accounts)))
	for _, a := range accounts {
		dst = append(dst, a...)
	}
	return dst
}

// ContainsAccount reports whether account is in list.
func ContainsAccount(list [][]byte, account []byte) bool {
	for _, a := range list {
		if bytes.Equal(a, account) {
			return true
		}
	}
	return false
}

// DecodeCandidates decodes CollatorSelection.Candidates (or CandidateList):
// Vec<CandidateInfo { who: AccountId32, deposit: u128 }>, returning who.
func DecodeCandidates(b []byte) ([][]byte, error) {
	const what = "CollatorSelection.Candidates"
	d := scale.NewDecoder(b)
	n, err := d.VecLen(what, 32+16)
	if err != nil {
		return nil, err
	}
	out := make([][]byte, n)
	for i := range out {
		if out[i], err = d.Fixed(32, what+" who"); err != nil {
			return nil, err
		}
		if _, err = d.U128(what + " deposit"); err != nil {
			return nil, err
		}
	}
	return out, d.Done(what)
}

// Round is Moonbeam's ParachainStaking.Round (RoundInfo): the current
// round, its first block and its length in blocks; runtimes since 2024
// append the first slot (u64).
type Round struct {
	Current, First, Length uint32
	FirstSlot              *uint64
}

// DecodeRound decodes ParachainStaking.Round in either shape (12 or 20
// bytes).
func DecodeRound(b []byte) (Round, error) {
	const what = "ParachainStaking.Round"
	d := scale.NewDecoder(b)
	var r Round
	var err error
	if r.Current, err = d.U32(what + " current"); err != nil {
		return r, err
	}
	if r.First, err = d.U32(what + " first"); err != nil {
		return r, err
	}
	if r.Length, err = d.U32(what + " length"); err != nil {
		return r, err
	}
	if d.Remaining() > 0 {
		s, err := d.U64(what + " first_slot")
		if err != nil {
			return r, err
		}
		r.FirstSlot = &s
	}
	return r, d.Done(what)
}

// AppendRound encodes a RoundInfo.
func AppendRound(dst []byte, r Round) []byte {
	dst = scale.AppendU32(scale.AppendU32(scale.AppendU32(dst, r.Current), r.First), r.Length)
	if r.FirstSlot != nil {
		dst = scale.AppendU64(dst, *r.FirstSlot)
	}
	return dst
}

// AppendCandidates encodes Vec<CandidateInfo> with the given deposit.
func AppendCandidates(dst []byte, who [][]byte, deposit uint64) []byte {
	dst = scale.AppendCompact(dst, uint64(len(who)))
	for _, w := range who {
		dst = append(dst, w...)
		dst = scale.AppendU64(scale.AppendU64(dst, deposit), 0)
	}
	return dst
}
