package storage

import (
	"math/big"

	"github.com/upchain-dev/upchain/prober/substrate/scale"
)

// AccountInfo is frame_system's AccountInfo<u32, AccountData<u128>>, the
// value of System.Account: nonce, consumers, providers and sufficients
// (u32 each), then pallet_balances' AccountData, four u128: free,
// reserved, frozen and flags (pallet_balances AccountData docs). Before
// the fungible-traits rework the last two were misc_frozen and
// fee_frozen; an account not yet upgraded still has them, and the most
// significant bit of flags, set on upgrade, tells which.
type AccountInfo struct {
	Nonce, Consumers, Providers, Sufficients uint32
	Free, Reserved, Frozen                   *big.Int
	// Legacy: the account is not upgraded; Frozen is the larger of
	// misc_frozen and fee_frozen, and applies to free alone.
	Legacy bool
}

// accountFlagsNewLogic is ExtraFlags' most significant bit (of 128).
const accountFlagsNewLogic = 127

// DecodeAccountInfo decodes the value of System.Account.
func DecodeAccountInfo(b []byte) (AccountInfo, error) {
	const what = "System.Account"
	d := scale.NewDecoder(b)
	var a AccountInfo
	for _, f := range []struct {
		p    *uint32
		name string
	}{{&a.Nonce, " nonce"}, {&a.Consumers, " consumers"}, {&a.Providers, " providers"}, {&a.Sufficients, " sufficients"}} {
		v, err := d.U32(what + f.name)
		if err != nil {
			return a, err
		}
		*f.p = v
	}
	var data [4]*big.Int
	for i, name := range []string{" free", " reserved", " frozen", " flags"} {
		v, err := d.U128(what + name)
		if err != nil {
			return a, err
		}
		data[i] = v
	}
	a.Free, a.Reserved, a.Frozen = data[0], data[1], data[2]
	if data[3].Bit(accountFlagsNewLogic) == 0 {
		a.Legacy = true
		if data[3].Cmp(a.Frozen) > 0 { // fee_frozen above misc_frozen
			a.Frozen = data[3]
		}
	}
	return a, d.Done(what)
}

// AppendAccountInfo encodes a (upgraded unless Legacy; a legacy one with
// Frozen as both misc_frozen and fee_frozen).
func AppendAccountInfo(dst []byte, a AccountInfo) []byte {
	for _, v := range []uint32{a.Nonce, a.Consumers, a.Providers, a.Sufficients} {
		dst = scale.AppendU32(dst, v)
	}
	flags := new(big.Int).SetBit(new(big.Int), accountFlagsNewLogic, 1)
	if a.Legacy {
		flags = a.Frozen
	}
	for _, v := range []*big.Int{a.Free, a.Reserved, a.Frozen, flags} {
		dst = scale.AppendU128(dst, v)
	}
	return dst
}

// Transferable is what the account can send: free less what is frozen
// beyond the reserved (holds) part, as frozen bounds free + reserved; for
// a legacy account, free less frozen. Never negative.
func (a AccountInfo) Transferable() *big.Int {
	untouchable := new(big.Int)
	if a.Frozen != nil {
		untouchable.Set(a.Frozen)
	}
	if !a.Legacy && a.Reserved != nil {
		untouchable.Sub(untouchable, a.Reserved)
	}
	if untouchable.Sign() < 0 {
		untouchable.SetInt64(0)
	}
	out := new(big.Int)
	if a.Free != nil {
		out.Sub(a.Free, untouchable)
	}
	if out.Sign() < 0 {
		out.SetInt64(0)
	}
	return out
}
