package storage

import (
	"fmt"
	"math/big"

	"github.com/upchain-dev/upchain/prober/substrate/scale"
)

// QueuedKey is one entry of Session.QueuedKeys: a validator and its
// session keys, an opaque fixed-size struct whose first field is the
// GRANDPA key on Polkadot, Kusama and the Westend family (impl_opaque_keys!
// order: grandpa, babe, para_validator, ...).
type QueuedKey struct {
	Account scale.AccountID
	Keys    []byte
}

// Grandpa is the first 32 bytes of the session keys: the GRANDPA key.
func (q QueuedKey) Grandpa() (k [32]byte) { copy(k[:], q.Keys); return }

// DecodeQueuedKeys decodes Session.QueuedKeys: compact count, then
// (AccountId32, Keys) pairs. The size of Keys depends on the runtime, so it
// is inferred: the bytes after the count must split into equal entries of
// at least 64 bytes (account and one 32-byte key).
func DecodeQueuedKeys(b []byte) ([]QueuedKey, error) {
	const what = "Session.QueuedKeys"
	d := scale.NewDecoder(b)
	n, err := d.VecLen(what, 64)
	if err != nil {
		return nil, err
	}
	if n == 0 {
		return nil, d.Done(what)
	}
	rest := d.Remaining()
	if rest%n != 0 {
		return nil, &scale.Error{Offset: d.Offset(), What: what, Reason: fmt.Sprintf("%d bytes do not split into %d equal entries", rest, n)}
	}
	size := rest/n - 32
	out := make([]QueuedKey, n)
	for i := range out {
		if out[i].Account, err = d.AccountID(what + " account"); err != nil {
			return nil, err
		}
		raw, err := d.Fixed(size, what+" keys")
		if err != nil {
			return nil, err
		}
		out[i].Keys = raw
	}
	return out, d.Done(what)
}

// AppendQueuedKeys encodes Session.QueuedKeys; all Keys must have one size.
func AppendQueuedKeys(dst []byte, q []QueuedKey) []byte {
	dst = scale.AppendCompact(dst, uint64(len(q)))
	for _, e := range q {
		dst = append(append(dst, e.Account[:]...), e.Keys...)
	}
	return dst
}

// Disabled is Session.DisabledValidators. Runtimes before polkadot-sdk
// stable2412 store Vec<u32> (indices); later ones Vec<(u32, Perbill)>
// (index and offence severity). Severity is nil for the older shape.
type Disabled struct {
	Indices  []uint32
	Severity []uint32
}

// Has reports whether the validator at index is disabled.
func (d Disabled) Has(index int) bool {
	for _, i := range d.Indices {
		if int64(i) == int64(index) {
			return true
		}
	}
	return false
}

// DecodeDisabled decodes Session.DisabledValidators in either shape, told
// apart by the bytes per entry (4 or 8).
func DecodeDisabled(b []byte) (Disabled, error) {
	const what = "Session.DisabledValidators"
	d := scale.NewDecoder(b)
	var out Disabled
	n, err := d.VecLen(what, 4)
	if err != nil || n == 0 {
		if err == nil {
			err = d.Done(what)
		}
		return out, err
	}
	withSeverity := false
	switch d.Remaining() {
	case 4 * n:
	case 8 * n:
		withSeverity = true
	default:
		return out, &scale.Error{Offset: d.Offset(), What: what, Reason: fmt.Sprintf("%d bytes for %d entries: neither u32 indices nor (u32, Perbill) pairs", d.Remaining(), n)}
	}
	out.Indices = make([]uint32, n)
	if withSeverity {
		out.Severity = make([]uint32, n)
	}
	for i := range out.Indices {
		if out.Indices[i], err = d.U32(what + " index"); err != nil {
			return out, err
		}
		if withSeverity {
			if out.Severity[i], err = d.U32(what + " severity"); err != nil {
				return out, err
			}
		}
	}
	return out, d.Done(what)
}

// AppendDisabled encodes Session.DisabledValidators (with severities when
// Severity is not nil).
func AppendDisabled(dst []byte, v Disabled) []byte {
	dst = scale.AppendCompact(dst, uint64(len(v.Indices)))
	for i, idx := range v.Indices {
		dst = scale.AppendU32(dst, idx)
		if v.Severity != nil {
			dst = scale.AppendU32(dst, v.Severity[i])
		}
	}
	return dst
}

// Ledger is the head of pallet_staking's StakingLedger: the stash and its
// total and active (bonded, not unlocking) balance. The fields after these
// (unlocking chunks, claimed rewards) changed across releases and are not
// read.
type Ledger struct {
	Stash         scale.AccountID
	Total, Active *big.Int
}

// DecodeLedger decodes the head of Staking.Ledger(controller): AccountId32
// stash, Compact<u128> total, Compact<u128> active; what follows is ignored.
func DecodeLedger(b []byte) (Ledger, error) {
	const what = "Staking.Ledger"
	d := scale.NewDecoder(b)
	var l Ledger
	var err error
	if l.Stash, err = d.AccountID(what + " stash"); err != nil {
		return l, err
	}
	if l.Total, err = d.CompactBig(what + " total"); err != nil {
		return l, err
	}
	if l.Active, err = d.CompactBig(what + " active"); err != nil {
		return l, err
	}
	return l, nil
}

// AppendLedger encodes a ledger head followed by empty unlocking chunks.
func AppendLedger(dst []byte, l Ledger) []byte {
	dst = append(dst, l.Stash[:]...)
	dst, _ = scale.AppendCompactBig(dst, l.Total)
	dst, _ = scale.AppendCompactBig(dst, l.Active)
	return scale.AppendCompact(dst, 0)
}

// UnappliedSlash is pallet_staking's UnappliedSlash: the validator, its own
// slashed balance, nominators' shares, reporters and the reporters' payout.
type UnappliedSlash struct {
	Validator scale.AccountID
	Own       *big.Int
	Others    []SlashShare
	Reporters []scale.AccountID
	Payout    *big.Int
}

// SlashShare is a nominator's slashed balance.
type SlashShare struct {
	Account scale.AccountID
	Amount  *big.Int
}

func (d *slashDecoder) slash() (UnappliedSlash, error) {
	const what = "Staking.UnappliedSlashes"
	var s UnappliedSlash
	var err error
	if s.Validator, err = d.AccountID(what + " validator"); err != nil {
		return s, err
	}
	if s.Own, err = d.U128(what + " own"); err != nil {
		return s, err
	}
	n, err := d.VecLen(what+" others", 48)
	if err != nil {
		return s, err
	}
	s.Others = make([]SlashShare, n)
	for i := range s.Others {
		if s.Others[i].Account, err = d.AccountID(what + " nominator"); err != nil {
			return s, err
		}
		if s.Others[i].Amount, err = d.U128(what + " nominator amount"); err != nil {
			return s, err
		}
	}
	if s.Reporters, err = d.AccountIDs(what + " reporters"); err != nil {
		return s, err
	}
	s.Payout, err = d.U128(what + " payout")
	return s, err
}

type slashDecoder struct{ *scale.Decoder }

// DecodeUnappliedSlashes decodes the value of Staking.UnappliedSlashes(era)
// in the classic map shape: Vec<UnappliedSlash>.
func DecodeUnappliedSlashes(b []byte) ([]UnappliedSlash, error) {
	const what = "Staking.UnappliedSlashes"
	d := &slashDecoder{scale.NewDecoder(b)}
	n, err := d.VecLen(what, 32+16+1+1+16)
	if err != nil {
		return nil, err
	}
	out := make([]UnappliedSlash, n)
	for i := range out {
		if out[i], err = d.slash(); err != nil {
			return nil, err
		}
	}
	return out, d.Done(what)
}

// DecodeUnappliedSlash decodes one UnappliedSlash: the value of an entry
// of the double map (era, (validator, fraction, page)) that newer
// pallet-staking releases (staking on Asset Hub) use.
func DecodeUnappliedSlash(b []byte) (UnappliedSlash, error) {
	d := &slashDecoder{scale.NewDecoder(b)}
	s, err := d.slash()
	if err != nil {
		return s, err
	}
	return s, d.Done("Staking.UnappliedSlashes")
}

// AppendUnappliedSlash encodes one UnappliedSlash.
func AppendUnappliedSlash(dst []byte, s UnappliedSlash) []byte {
	dst = append(dst, s.Validator[:]...)
	dst = scale.AppendU128(dst, s.Own)
	dst = scale.AppendCompact(dst, uint64(len(s.Others)))
	for _, o := range s.Others {
		dst = scale.AppendU128(append(dst, o.Account[:]...), o.Amount)
	}
	dst = scale.AppendAccountIDs(dst, s.Reporters)
	return scale.AppendU128(dst, s.Payout)
}

// AppendUnappliedSlashes encodes Vec<UnappliedSlash>.
func AppendUnappliedSlashes(dst []byte, ss []UnappliedSlash) []byte {
	dst = scale.AppendCompact(dst, uint64(len(ss)))
	for _, s := range ss {
		dst = AppendUnappliedSlash(dst, s)
	}
	return dst
}
