package cometbft

import (
	"errors"
	"fmt"
	"strings"
)

// Bech32 (BIP-173) is how Cosmos SDK chains write addresses:
// cosmosvaloper1... for operators, cosmosvalcons1... for consensus keys.
// Only decoding and encoding of 8-bit payloads is needed here.

const bech32Charset = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"

// maxBech32Len bounds input; Cosmos addresses stay far below it.
const maxBech32Len = 1023

func bech32Polymod(values []byte) uint32 {
	gen := [5]uint32{0x3b6a57b2, 0x26508e6d, 0x1ea119fa, 0x3d4233dd, 0x2a1462b3}
	chk := uint32(1)
	for _, v := range values {
		top := chk >> 25
		chk = (chk&0x1ffffff)<<5 ^ uint32(v)
		for i := range 5 {
			if (top>>i)&1 == 1 {
				chk ^= gen[i]
			}
		}
	}
	return chk
}

func bech32HRPExpand(hrp string) []byte {
	out := make([]byte, 0, 2*len(hrp)+1)
	for i := 0; i < len(hrp); i++ {
		out = append(out, hrp[i]>>5)
	}
	out = append(out, 0)
	for i := 0; i < len(hrp); i++ {
		out = append(out, hrp[i]&31)
	}
	return out
}

// Bech32Decode returns the human-readable part and the 8-bit payload of s.
func Bech32Decode(s string) (hrp string, data []byte, err error) {
	if len(s) > maxBech32Len {
		return "", nil, errors.New("bech32: too long")
	}
	lower, upper := strings.ToLower(s), strings.ToUpper(s)
	if s != lower && s != upper {
		return "", nil, errors.New("bech32: mixed case")
	}
	s = lower
	sep := strings.LastIndexByte(s, '1')
	if sep < 1 {
		return "", nil, errors.New("bech32: no human-readable part before the separator '1'")
	}
	if len(s)-sep-1 < 6 {
		return "", nil, errors.New("bech32: too short for a checksum")
	}
	hrp = s[:sep]
	for i := 0; i < len(hrp); i++ {
		if hrp[i] < 33 || hrp[i] > 126 {
			return "", nil, errors.New("bech32: invalid character in prefix")
		}
	}
	five := make([]byte, 0, len(s)-sep-1)
	for i := sep + 1; i < len(s); i++ {
		v := strings.IndexByte(bech32Charset, s[i])
		if v < 0 {
			return "", nil, fmt.Errorf("bech32: invalid character %q", s[i])
		}
		five = append(five, byte(v))
	}
	if bech32Polymod(append(bech32HRPExpand(hrp), five...)) != 1 {
		return "", nil, errors.New("bech32: checksum mismatch (a typo in the address?)")
	}
	data, err = convertBits(five[:len(five)-6], 5, 8, false)
	if err != nil {
		return "", nil, err
	}
	return hrp, data, nil
}

// Bech32Encode writes an 8-bit payload with the prefix hrp.
func Bech32Encode(hrp string, data []byte) (string, error) {
	hrp = strings.ToLower(hrp)
	five, err := convertBits(data, 8, 5, true)
	if err != nil {
		return "", err
	}
	values := append(bech32HRPExpand(hrp), five...)
	mod := bech32Polymod(append(values, 0, 0, 0, 0, 0, 0)) ^ 1
	var b strings.Builder
	b.WriteString(hrp)
	b.WriteByte('1')
	for _, v := range five {
		b.WriteByte(bech32Charset[v])
	}
	for i := range 6 {
		b.WriteByte(bech32Charset[(mod>>(5*(5-i)))&31])
	}
	return b.String(), nil
}

// convertBits regroups a bit stream from groups of `from` bits to groups
// of `to` bits.
func convertBits(in []byte, from, to uint, pad bool) ([]byte, error) {
	acc, bits := uint32(0), uint(0)
	maxv := uint32(1)<<to - 1
	out := make([]byte, 0, len(in)*int(from)/int(to)+1)
	for _, v := range in {
		if uint32(v)>>from != 0 {
			return nil, errors.New("bech32: value out of range")
		}
		acc = acc<<from | uint32(v)
		bits += from
		for bits >= to {
			bits -= to
			out = append(out, byte(acc>>bits&maxv))
		}
	}
	if pad {
		if bits > 0 {
			out = append(out, byte(acc<<(to-bits)&maxv))
		}
	} else if bits >= from || acc<<(to-bits)&maxv != 0 {
		return nil, errors.New("bech32: invalid padding")
	}
	return out, nil
}
