package storage

import (
	"github.com/upchain-dev/upchain/prober/substrate/scale"
)

// ActiveEra is pallet_staking's ActiveEraInfo.
type ActiveEra struct {
	Index uint32
	// StartMS is the era's start in unix milliseconds; nil until the first
	// block of the era has set it.
	StartMS *uint64
}

// DecodeActiveEra decodes the value of Staking.ActiveEra: u32 index, then
// Option<u64> start. (The storage item itself is optional: an absent value
// comes back from the node as null, not as a None byte.)
func DecodeActiveEra(b []byte) (ActiveEra, error) {
	const what = "Staking.ActiveEra"
	d := scale.NewDecoder(b)
	var e ActiveEra
	var err error
	if e.Index, err = d.U32(what + " index"); err != nil {
		return e, err
	}
	some, err := d.Option(what + " start")
	if err != nil {
		return e, err
	}
	if some {
		v, err := d.U64(what + " start")
		if err != nil {
			return e, err
		}
		e.StartMS = &v
	}
	return e, d.Done(what)
}

// AppendActiveEra encodes an ActiveEraInfo.
func AppendActiveEra(dst []byte, e ActiveEra) []byte {
	dst = scale.AppendU32(dst, e.Index)
	dst = scale.AppendOption(dst, e.StartMS != nil)
	if e.StartMS != nil {
		dst = scale.AppendU64(dst, *e.StartMS)
	}
	return dst
}

// ValidatorPoints is one validator's reward points in an era.
type ValidatorPoints struct {
	Account scale.AccountID
	Points  uint32
}

// EraRewardPoints is pallet_staking's EraRewardPoints: the era's total and
// each validator's points (a BTreeMap, encoded as a vector of pairs).
type EraRewardPoints struct {
	Total      uint32
	Individual []ValidatorPoints
}

// Of returns the points of account and whether it is listed.
func (p EraRewardPoints) Of(account scale.AccountID) (uint32, bool) {
	for _, v := range p.Individual {
		if v.Account == account {
			return v.Points, true
		}
	}
	return 0, false
}

// DecodeEraRewardPoints decodes the value of Staking.ErasRewardPoints(era):
// u32 total, compact count, then (AccountId32, u32) pairs.
func DecodeEraRewardPoints(b []byte) (EraRewardPoints, error) {
	const what = "Staking.ErasRewardPoints"
	d := scale.NewDecoder(b)
	var p EraRewardPoints
	var err error
	if p.Total, err = d.U32(what + " total"); err != nil {
		return p, err
	}
	n, err := d.VecLen(what+" individual", 32+4)
	if err != nil {
		return p, err
	}
	p.Individual = make([]ValidatorPoints, n)
	for i := range p.Individual {
		if p.Individual[i].Account, err = d.AccountID(what + " account"); err != nil {
			return p, err
		}
		if p.Individual[i].Points, err = d.U32(what + " points"); err != nil {
			return p, err
		}
	}
	return p, d.Done(what)
}

// AppendEraRewardPoints encodes an EraRewardPoints.
func AppendEraRewardPoints(dst []byte, p EraRewardPoints) []byte {
	dst = scale.AppendU32(dst, p.Total)
	dst = scale.AppendCompact(dst, uint64(len(p.Individual)))
	for _, v := range p.Individual {
		dst = append(dst, v.Account[:]...)
		dst = scale.AppendU32(dst, v.Points)
	}
	return dst
}
