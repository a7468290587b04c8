// Package scale decodes (and, for tests and round trips, encodes) the
// subset of the SCALE codec that Substrate storage values use: compact
// integers in all four modes, fixed-width little-endian integers, booleans,
// Option tags, vectors and 32-byte account ids.
//
// Decoding is for untrusted input: every read is bounds-checked, malformed
// input returns an *Error naming the offset and the reason, nothing panics,
// and no length read from the input is allocated before it is checked
// against the bytes that are actually left. Follows the SCALE specification
// in the Polkadot protocol spec (Appendix "SCALE codec") and
// docs.substrate.io "Type encoding (SCALE)".
package scale

import (
	"encoding/binary"
	"fmt"
	"math/big"
	"math/bits"
)

// Error is malformed SCALE input.
type Error struct {
	// Offset is the byte position where decoding failed.
	Offset int
	// What was being decoded ("u32", "compact length of Vec<AccountId32>").
	What string
	// Reason says what is wrong.
	Reason string
}

func (e *Error) Error() string {
	return fmt.Sprintf("malformed SCALE at byte %d reading %s: %s", e.Offset, e.What, e.Reason)
}

// AccountID is a 32-byte account id (AccountId32: an sr25519/ed25519
// public key).
type AccountID [32]byte

// Decoder reads SCALE values from a byte slice.
type Decoder struct {
	b   []byte
	off int
}

// NewDecoder returns a decoder reading b from its start.
func NewDecoder(b []byte) *Decoder { return &Decoder{b: b} }

// Offset is the number of bytes consumed so far.
func (d *Decoder) Offset() int { return d.off }

// Remaining is the number of bytes not yet consumed.
func (d *Decoder) Remaining() int { return len(d.b) - d.off }

func (d *Decoder) fail(what, format string, args ...any) error {
	return &Error{Offset: d.off, What: what, Reason: fmt.Sprintf(format, args...)}
}

// take returns the next n bytes.
func (d *Decoder) take(n int, what string) ([]byte, error) {
	if n < 0 || n > d.Remaining() {
		return nil, d.fail(what, "need %d bytes, %d left", n, d.Remaining())
	}
	out := d.b[d.off : d.off+n]
	d.off += n
	return out, nil
}

// Done reports an error if bytes are left: a value that decodes with bytes
// to spare is not of the type the caller expected.
func (d *Decoder) Done(what string) error {
	if r := d.Remaining(); r != 0 {
		return d.fail(what, "%d unexpected bytes after the value (wrong type for this storage item?)", r)
	}
	return nil
}

// U8 reads one byte.
func (d *Decoder) U8(what string) (uint8, error) {
	b, err := d.take(1, what)
	if err != nil {
		return 0, err
	}
	return b[0], nil
}

// U16 reads a little-endian uint16.
func (d *Decoder) U16(what string) (uint16, error) {
	b, err := d.take(2, what)
	if err != nil {
		return 0, err
	}
	return binary.LittleEndian.Uint16(b), nil
}

// U32 reads a little-endian uint32.
func (d *Decoder) U32(what string) (uint32, error) {
	b, err := d.take(4, what)
	if err != nil {
		return 0, err
	}
	return binary.LittleEndian.Uint32(b), nil
}

// U64 reads a little-endian uint64.
func (d *Decoder) U64(what string) (uint64, error) {
	b, err := d.take(8, what)
	if err != nil {
		return 0, err
	}
	return binary.LittleEndian.Uint64(b), nil
}

// U128 reads a little-endian 128-bit unsigned integer (balances).
func (d *Decoder) U128(what string) (*big.Int, error) {
	b, err := d.take(16, what)
	if err != nil {
		return nil, err
	}
	return leBig(b), nil
}

// leBig converts little-endian bytes to a big.Int.
func leBig(le []byte) *big.Int {
	be := make([]byte, len(le))
	for i, c := range le {
		be[len(le)-1-i] = c
	}
	return new(big.Int).SetBytes(be)
}

// Bool reads a boolean: 0x00 or 0x01, anything else is an error.
func (d *Decoder) Bool(what string) (bool, error) {
	at := d.off
	b, err := d.U8(what)
	if err != nil {
		return false, err
	}
	switch b {
	case 0:
		return false, nil
	case 1:
		return true, nil
	}
	return false, &Error{Offset: at, What: what, Reason: fmt.Sprintf("boolean byte is 0x%02x, not 0x00 or 0x01", b)}
}

// Option reads the tag of an Option<T>: true when a value follows.
func (d *Decoder) Option(what string) (bool, error) {
	at := d.off
	b, err := d.U8("Option tag of " + what)
	if err != nil {
		return false, err
	}
	switch b {
	case 0:
		return false, nil
	case 1:
		return true, nil
	}
	return false, &Error{Offset: at, What: "Option tag of " + what, Reason: fmt.Sprintf("tag is 0x%02x, not 0x00 (None) or 0x01 (Some)", b)}
}

// AccountID reads a 32-byte account id.
func (d *Decoder) AccountID(what string) (AccountID, error) {
	var id AccountID
	b, err := d.take(32, what)
	if err != nil {
		return id, err
	}
	copy(id[:], b)
	return id, nil
}

// Bytes reads a Vec<u8>: compact length, then that many bytes. The result
// aliases the decoder's input.
func (d *Decoder) Bytes(what string) ([]byte, error) {
	n, err := d.VecLen(what, 1)
	if err != nil {
		return nil, err
	}
	return d.take(n, what)
}

// VecLen reads the compact length prefix of a vector whose elements take at
// least minElemSize bytes each, and checks that many elements can fit in
// the bytes left, so callers may allocate n elements safely.
func (d *Decoder) VecLen(what string, minElemSize int) (int, error) {
	at := d.off
	n, err := d.Compact("length of " + what)
	if err != nil {
		return 0, err
	}
	if minElemSize < 1 {
		minElemSize = 1
	}
	if n > uint64(d.Remaining()/minElemSize) {
		return 0, &Error{Offset: at, What: "length of " + what,
			Reason: fmt.Sprintf("claims %d elements of at least %d bytes, only %d bytes left", n, minElemSize, d.Remaining())}
	}
	return int(n), nil
}

// Compact reads a compact integer that must fit in 64 bits.
func (d *Decoder) Compact(what string) (uint64, error) {
	at := d.off
	v, big, err := d.compact(what)
	if err != nil {
		return 0, err
	}
	if big != nil {
		return 0, &Error{Offset: at, What: what, Reason: fmt.Sprintf("compact value %s does not fit in 64 bits", big)}
	}
	return v, nil
}

// CompactBig reads a compact integer of any size (up to 2^536-1).
func (d *Decoder) CompactBig(what string) (*big.Int, error) {
	v, b, err := d.compact(what)
	if err != nil {
		return nil, err
	}
	if b != nil {
		return b, nil
	}
	return new(big.Int).SetUint64(v), nil
}

// compact decodes a compact integer. Values wider than 64 bits come back as
// a big.Int. Non-canonical encodings (a value written in a wider mode than
// it needs) are rejected, as parity-scale-codec does: they would give one
// value two encodings.
func (d *Decoder) compact(what string) (uint64, *big.Int, error) {
	at := d.off
	first, err := d.U8(what)
	if err != nil {
		return 0, nil, err
	}
	bad := func(format string, args ...any) (uint64, *big.Int, error) {
		return 0, nil, &Error{Offset: at, What: what, Reason: fmt.Sprintf(format, args...)}
	}
	switch first & 3 {
	case 0: // single-byte mode: 0..63
		return uint64(first >> 2), nil, nil
	case 1: // two-byte mode: 64..2^14-1
		d.off = at
		b, err := d.take(2, what+" (2-byte compact)")
		if err != nil {
			return 0, nil, err
		}
		v := uint64(binary.LittleEndian.Uint16(b)) >> 2
		if v < 1<<6 {
			return bad("non-canonical compact: %d written in 2-byte mode", v)
		}
		return v, nil, nil
	case 2: // four-byte mode: 2^14..2^30-1
		d.off = at
		b, err := d.take(4, what+" (4-byte compact)")
		if err != nil {
			return 0, nil, err
		}
		v := uint64(binary.LittleEndian.Uint32(b)) >> 2
		if v < 1<<14 {
			return bad("non-canonical compact: %d written in 4-byte mode", v)
		}
		return v, nil, nil
	}
	// Big-integer mode: the upper six bits plus 4 give the byte count.
	n := int(first>>2) + 4
	b, err := d.take(n, fmt.Sprintf("%s (%d-byte big compact)", what, n))
	if err != nil {
		return 0, nil, err
	}
	if b[n-1] == 0 {
		return bad("non-canonical compact: %d-byte big-integer mode with a zero top byte", n)
	}
	if n <= 8 {
		var buf [8]byte
		copy(buf[:], b)
		v := binary.LittleEndian.Uint64(buf[:])
		if v < 1<<30 {
			return bad("non-canonical compact: %d written in big-integer mode", v)
		}
		return v, nil, nil
	}
	return 0, leBig(b), nil
}

// AppendCompact appends the canonical compact encoding of v.
func AppendCompact(dst []byte, v uint64) []byte {
	switch {
	case v < 1<<6:
		return append(dst, byte(v<<2))
	case v < 1<<14:
		return binary.LittleEndian.AppendUint16(dst, uint16(v<<2|1))
	case v < 1<<30:
		return binary.LittleEndian.AppendUint32(dst, uint32(v<<2|2))
	}
	n := (bits.Len64(v) + 7) / 8
	dst = append(dst, byte((n-4)<<2|3))
	for i := 0; i < n; i++ {
		dst = append(dst, byte(v>>(8*i)))
	}
	return dst
}

// AppendCompactBig appends the canonical compact encoding of a
// non-negative v of at most 536 bits; it reports false if v is out of range.
func AppendCompactBig(dst []byte, v *big.Int) ([]byte, bool) {
	if v.Sign() < 0 || v.BitLen() > 8*67 {
		return dst, false
	}
	if v.IsUint64() {
		return AppendCompact(dst, v.Uint64()), true
	}
	be := v.Bytes()
	dst = append(dst, byte((len(be)-4)<<2|3))
	for i := len(be) - 1; i >= 0; i-- {
		dst = append(dst, be[i])
	}
	return dst, true
}

// AppendU32 appends v little-endian.
func AppendU32(dst []byte, v uint32) []byte { return binary.LittleEndian.AppendUint32(dst, v) }

// AppendU64 appends v little-endian.
func AppendU64(dst []byte, v uint64) []byte { return binary.LittleEndian.AppendUint64(dst, v) }

// AppendOption appends an Option tag.
func AppendOption(dst []byte, some bool) []byte {
	if some {
		return append(dst, 1)
	}
	return append(dst, 0)
}
