// Package ss58 encodes and decodes SS58 addresses of 32-byte accounts:
// base58 (Bitcoin alphabet) of prefix ++ account ++ checksum, where the
// checksum is the first two bytes of blake2b-512("SS58PRE" ++ prefix ++
// account). Prefixes 0..63 take one byte, 64..16383 two (Substrate's "SS58
// address format" specification; prefix 0 is Polkadot, 2 Kusama, 42 the
// generic Substrate format).
package ss58

import (
	"bytes"
	"errors"
	"fmt"

	"golang.org/x/crypto/blake2b"
)

// Prefixes of well-known networks.
const (
	Polkadot  uint16 = 0
	Kusama    uint16 = 2
	Substrate uint16 = 42
)

// MaxPrefix is the largest prefix SS58 can express.
const MaxPrefix = 1<<14 - 1

// maxLen bounds the text accepted: the longest 32-byte-account address is
// 49 characters; anything much longer is not an address and is rejected
// before the quadratic base58 decoding.
const maxLen = 64

var checksumPrefix = []byte("SS58PRE")

// Encode returns the SS58 address of account under prefix.
func Encode(prefix uint16, account [32]byte) (string, error) {
	if err := checkPrefix(prefix); err != nil {
		return "", err
	}
	payload := appendPrefix(make([]byte, 0, 2+32+2), prefix)
	payload = append(payload, account[:]...)
	sum := checksum(payload)
	payload = append(payload, sum[0], sum[1])
	return encodeBase58(payload), nil
}

func checkPrefix(p uint16) error {
	switch {
	case p > MaxPrefix:
		return fmt.Errorf("prefix %d is above the SS58 maximum %d", p, MaxPrefix)
	case p == 46 || p == 47:
		return fmt.Errorf("prefix %d is reserved by the SS58 registry", p)
	}
	return nil
}

// appendPrefix writes the prefix in one byte (0..63) or in SS58's two-byte
// form: first byte 0b01 followed by bits 2..7 of the prefix, second byte the
// bits 8..13 with bits 0..1 of the prefix in its top two bits.
func appendPrefix(dst []byte, p uint16) []byte {
	if p < 64 {
		return append(dst, byte(p))
	}
	return append(dst, byte((p&0xfc)>>2)|0x40, byte(p>>8)|byte(p&3)<<6)
}

func checksum(payload []byte) [64]byte {
	h, _ := blake2b.New512(nil)
	h.Write(checksumPrefix)
	h.Write(payload)
	var out [64]byte
	h.Sum(out[:0])
	return out
}

// Decode parses an SS58 address of a 32-byte account, verifying its
// checksum, and returns its prefix and account.
func Decode(addr string) (prefix uint16, account [32]byte, err error) {
	if addr == "" {
		return 0, account, errors.New("empty address")
	}
	if len(addr) > maxLen {
		return 0, account, fmt.Errorf("%d characters is too long for an SS58 address", len(addr))
	}
	raw, err := decodeBase58(addr)
	if err != nil {
		return 0, account, err
	}
	var plen int
	switch {
	case len(raw) == 0:
		return 0, account, errors.New("empty address")
	case raw[0] < 64:
		plen, prefix = 1, uint16(raw[0])
	case raw[0] < 128:
		if len(raw) < 2 {
			return 0, account, errors.New("address ends inside its two-byte prefix")
		}
		plen = 2
		lower := raw[0]<<2 | raw[1]>>6
		upper := raw[1] & 0x3f
		prefix = uint16(lower) | uint16(upper)<<8
		if prefix < 64 {
			return 0, account, fmt.Errorf("prefix %d written in the two-byte form (must be one byte)", prefix)
		}
	default:
		return 0, account, fmt.Errorf("first byte 0x%02x is a reserved SS58 address type", raw[0])
	}
	body := raw[plen:]
	if len(body) != 32+2 {
		return 0, account, fmt.Errorf("address holds %d bytes after its prefix; a 32-byte account with its 2-byte checksum has 34 (account indices and other key lengths are not supported)", len(body))
	}
	sum := checksum(raw[:plen+32])
	if !bytes.Equal(sum[:2], body[32:]) {
		return 0, account, errors.New("checksum mismatch: the address is mistyped or truncated")
	}
	if err := checkPrefix(prefix); err != nil {
		return 0, account, err
	}
	copy(account[:], body[:32])
	return prefix, account, nil
}
