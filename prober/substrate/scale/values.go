package scale

import (
	"math/big"
	"strconv"
)

// AccountIDs reads a Vec<AccountId32>.
func (d *Decoder) AccountIDs(what string) ([]AccountID, error) {
	n, err := d.VecLen(what, 32)
	if err != nil {
		return nil, err
	}
	out := make([]AccountID, n)
	for i := range out {
		if out[i], err = d.AccountID(what); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// DecodeU32 decodes a whole value that is a u32.
func DecodeU32(b []byte, what string) (uint32, error) {
	d := NewDecoder(b)
	v, err := d.U32(what)
	if err != nil {
		return 0, err
	}
	return v, d.Done(what)
}

// DecodeU64 decodes a whole value that is a u64.
func DecodeU64(b []byte, what string) (uint64, error) {
	d := NewDecoder(b)
	v, err := d.U64(what)
	if err != nil {
		return 0, err
	}
	return v, d.Done(what)
}

// DecodeBlockNumber decodes a block number stored as u32 (Polkadot, Kusama
// and most chains) or u64, told apart by the value's length.
func DecodeBlockNumber(b []byte, what string) (uint64, error) {
	switch len(b) {
	case 4:
		v, err := DecodeU32(b, what)
		return uint64(v), err
	case 8:
		return DecodeU64(b, what)
	}
	return 0, &Error{What: what, Reason: "a block number is 4 (u32) or 8 (u64) bytes, got " + strconv.Itoa(len(b))}
}

// DecodeAccountIDs decodes a whole value that is a Vec<AccountId32>.
func DecodeAccountIDs(b []byte, what string) ([]AccountID, error) {
	d := NewDecoder(b)
	ids, err := d.AccountIDs(what)
	if err != nil {
		return nil, err
	}
	return ids, d.Done(what)
}

// AppendAccountIDs appends a Vec<AccountId32>.
func AppendAccountIDs(dst []byte, ids []AccountID) []byte {
	dst = AppendCompact(dst, uint64(len(ids)))
	for _, id := range ids {
		dst = append(dst, id[:]...)
	}
	return dst
}

// AppendU128 appends v (0 ≤ v < 2^128, nil meaning 0) little-endian in 16
// bytes; larger values are truncated to their low 128 bits.
func AppendU128(dst []byte, v *big.Int) []byte {
	var le [16]byte
	if v != nil {
		be := v.Bytes()
		for i := 0; i < len(be) && i < 16; i++ {
			le[i] = be[len(be)-1-i]
		}
	}
	return append(dst, le[:]...)
}

// Fixed reads n raw bytes (a fixed-size array). The result aliases the
// decoder's input.
func (d *Decoder) Fixed(n int, what string) ([]byte, error) { return d.take(n, what) }
