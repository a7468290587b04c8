// Package cip37 decodes and encodes Conflux Core Space base32 addresses
// (CIP-37, "Introduce Base32 Checksum Addresses", final form as deployed:
// alphabet abcdefghjkmnprstuvwxyz0123456789, options as `type.user`), so
// that a mistyped or wrong-network address in a check file is refused at
// load time instead of failing every probe.
package cip37

import (
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// Network ids with their own prefixes.
const (
	Mainnet uint32 = 1029
	Testnet uint32 = 1
)

const alphabet = "abcdefghjkmnprstuvwxyz0123456789"

// values maps an alphabet byte to its 5-bit value, 0xff for others.
var values = func() [256]byte {
	var v [256]byte
	for i := range v {
		v[i] = 0xff
	}
	for i := 0; i < len(alphabet); i++ {
		v[alphabet[i]] = byte(i)
	}
	return v
}()

// Address is a decoded Core Space address.
type Address struct {
	// Network is the network id the address is valid on (1029 mainnet).
	Network uint32
	// Bytes is the 20-byte hex address.
	Bytes [20]byte
}

// Hex is the address in 0x-prefixed lower-case hex.
func (a Address) Hex() string { return "0x" + hex.EncodeToString(a.Bytes[:]) }

// Type is the address type the spec derives from the first byte: user,
// contract, builtin or null (the zero address); unknown otherwise.
func (a Address) Type() string {
	if a.Bytes == [20]byte{} {
		return "null"
	}
	switch a.Bytes[0] & 0xf0 {
	case 0x00:
		return "builtin"
	case 0x10:
		return "user"
	case 0x80:
		return "contract"
	}
	return "unknown"
}

// String is the canonical form: lower case, without the type option.
func (a Address) String() string { return Encode(a.Bytes, a.Network) }

// Prefix is the network prefix of id: cfx, cfxtest or net<id>.
func Prefix(id uint32) string {
	switch id {
	case Mainnet:
		return "cfx"
	case Testnet:
		return "cfxtest"
	}
	return "net" + strconv.FormatUint(uint64(id), 10)
}

// Encode writes addr for network id in the canonical form.
func Encode(addr [20]byte, id uint32) string {
	prefix := Prefix(id)
	payload := to5Bits(append([]byte{0}, addr[:]...))
	sum := checksum(prefix, payload)
	var b strings.Builder
	b.WriteString(prefix)
	b.WriteByte(':')
	for _, v := range payload {
		b.WriteByte(alphabet[v])
	}
	for i := 7; i >= 0; i-- {
		b.WriteByte(alphabet[(sum>>(5*uint(i)))&31])
	}
	return b.String()
}

// Errors of Decode, for callers that tell causes apart.
var (
	ErrChecksum = errors.New("checksum does not match: a typo in the address?")
	ErrCase     = errors.New("mixes upper and lower case")
)

// payloadLen is the base32 length of version byte + 20 bytes (34) plus
// the 8 checksum characters.
const payloadLen = 34 + 8

// Decode parses a base32 address, in lower or upper case, with or without
// options such as type.user (a wrong type is refused, unknown options are
// ignored, as the spec says).
func Decode(s string) (Address, error) {
	var a Address
	if len(s) > 128 {
		return a, fmt.Errorf("too long for an address (%d characters)", len(s))
	}
	lower, upper := strings.ToLower(s), strings.ToUpper(s)
	if s != lower && s != upper {
		return a, ErrCase
	}
	parts := strings.Split(lower, ":")
	if len(parts) < 2 {
		return a, errors.New("no network prefix: expected cfx:…, cfxtest:… or net<id>:…")
	}
	prefix, raw := parts[0], parts[len(parts)-1]
	id, err := network(prefix)
	if err != nil {
		return a, err
	}
	a.Network = id
	if len(raw) != payloadLen {
		return a, fmt.Errorf("payload has %d characters, want %d", len(raw), payloadLen)
	}
	data := make([]byte, len(raw))
	for i := 0; i < len(raw); i++ {
		v := values[raw[i]]
		if v == 0xff {
			return a, fmt.Errorf("character %q is not in the base32 alphabet", raw[i])
		}
		data[i] = v
	}
	if polymod(prefix, data) != 0 {
		return a, ErrChecksum
	}
	b, ok := from5Bits(data[:34])
	if !ok || len(b) != 21 {
		return a, errors.New("payload padding is not zero")
	}
	if b[0] != 0 {
		return a, fmt.Errorf("unknown version byte %#x", b[0])
	}
	copy(a.Bytes[:], b[1:])
	for _, opt := range parts[1 : len(parts)-1] {
		if t, ok := strings.CutPrefix(opt, "type."); ok && t != a.Type() {
			return a, fmt.Errorf("says type.%s but is a %s address", t, a.Type())
		}
	}
	return a, nil
}

func network(prefix string) (uint32, error) {
	switch prefix {
	case "cfx":
		return Mainnet, nil
	case "cfxtest":
		return Testnet, nil
	}
	digits, ok := strings.CutPrefix(prefix, "net")
	if !ok || digits == "" || digits[0] == '0' {
		return 0, fmt.Errorf("unknown network prefix %q: expected cfx, cfxtest or net<id>", trunc(prefix))
	}
	n, err := strconv.ParseUint(digits, 10, 32)
	if err != nil {
		return 0, fmt.Errorf("network prefix %q: id is not a 32-bit number", trunc(prefix))
	}
	if uint32(n) == Mainnet || uint32(n) == Testnet {
		return 0, fmt.Errorf("network prefix %q: network %d is written %s", prefix, n, Prefix(uint32(n)))
	}
	return uint32(n), nil
}

// checksum is the 40-bit checksum of payload (5-bit values) under prefix.
func checksum(prefix string, payload []byte) uint64 {
	return polymod(prefix, append(append([]byte(nil), payload...), 0, 0, 0, 0, 0, 0, 0, 0))
}

// polymod is the Bitcoin Cash cashaddr BCH code the spec adopts, over the
// lower 5 bits of the prefix, a zero separator and data; 0 means valid
// when data ends with its checksum.
func polymod(prefix string, data []byte) uint64 {
	c := uint64(1)
	step := func(d byte) {
		c0 := c >> 35
		c = ((c & 0x07ffffffff) << 5) ^ uint64(d)
		for i, g := range [5]uint64{0x98f2bc8e61, 0x79b76d99e2, 0xf33e5fb3c4, 0xae2eabe2a8, 0x1e4f43e470} {
			if c0&(1<<uint(i)) != 0 {
				c ^= g
			}
		}
	}
	for i := 0; i < len(prefix); i++ {
		step(prefix[i] & 31)
	}
	step(0)
	for _, d := range data {
		step(d)
	}
	return c ^ 1
}

// to5Bits splits bytes into 5-bit groups, zero-padding the last.
func to5Bits(b []byte) []byte {
	var out []byte
	acc, bits := uint(0), uint(0)
	for _, x := range b {
		acc = acc<<8 | uint(x)
		bits += 8
		for bits >= 5 {
			bits -= 5
			out = append(out, byte(acc>>bits)&31)
		}
	}
	if bits > 0 {
		out = append(out, byte(acc<<(5-bits))&31)
	}
	return out
}

// from5Bits joins 5-bit groups into bytes; the padding must be zero.
func from5Bits(d []byte) ([]byte, bool) {
	var out []byte
	acc, bits := uint(0), uint(0)
	for _, x := range d {
		acc = acc<<5 | uint(x)
		bits += 5
		if bits >= 8 {
			bits -= 8
			out = append(out, byte(acc>>bits))
		}
	}
	return out, acc&(1<<bits-1) == 0
}

func trunc(s string) string {
	if len(s) > 20 {
		return s[:20] + "…"
	}
	return s
}
