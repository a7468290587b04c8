// Package address checks Filecoin addresses in their string form, as the
// Filecoin spec (Addresses) defines them: a network letter (f mainnet, t
// testnets), a protocol digit and a payload. f0 is an actor id in
// decimal; f1 (secp256k1, 20-byte hash), f2 (actor, 20-byte hash) and f3
// (BLS, 48-byte public key) are lower-case base32 of the payload followed
// by a 4-byte blake2b checksum of protocol and payload; f4 (delegated) is
// f4<namespace>f<base32 of sub-address and checksum>, the checksum over
// protocol, the namespace as a uvarint and the sub-address.
package address

import (
	"bytes"
	"encoding/base32"
	"encoding/binary"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"golang.org/x/crypto/blake2b"
)

// Protocols of an address.
const (
	ID        = 0
	SECP256K1 = 1
	Actor     = 2
	BLS       = 3
	Delegated = 4
)

const (
	checksumLen   = 4
	maxSubaddress = 54
)

var encoding = base32.NewEncoding("abcdefghijklmnopqrstuvwxyz234567").WithPadding(base32.NoPadding)

// payloadLen is the payload size of the hashed and key protocols.
var payloadLen = map[byte]int{SECP256K1: 20, Actor: 20, BLS: 48}

// Address is a decoded address.
type Address struct {
	Network  byte // 'f' or 't'
	Protocol byte
	ID       uint64 // f0: the actor id; f4: the namespace
	Payload  []byte // f1, f2, f3: the hash or key; f4: the sub-address
}

func checksum(protocol byte, prefix, payload []byte) []byte {
	h, _ := blake2b.New(checksumLen, nil) // a valid size: no error
	h.Write([]byte{protocol})
	h.Write(prefix)
	h.Write(payload)
	return h.Sum(nil)
}

// Parse decodes s and verifies its checksum.
func Parse(s string) (Address, error) {
	var a Address
	if len(s) < 3 || len(s) > 256 {
		return a, errors.New("not a Filecoin address (f1…, f0…)")
	}
	if s[0] != 'f' && s[0] != 't' {
		return a, errors.New("a Filecoin address starts with f (mainnet) or t (testnets)")
	}
	if s[1] < '0' || s[1] > '4' {
		return a, fmt.Errorf("unknown protocol %q: f0 to f4", s[1])
	}
	a.Network, a.Protocol = s[0], s[1]-'0'
	rest := s[2:]
	var prefix []byte
	switch a.Protocol {
	case ID:
		id, err := decimal(rest)
		if err != nil {
			return a, fmt.Errorf("f0: the actor id %v", err)
		}
		a.ID = id
		return a, nil
	case Delegated:
		ns, sub, ok := strings.Cut(rest, "f")
		if !ok {
			return a, errors.New("f4: no f between the namespace and the sub-address")
		}
		id, err := decimal(ns)
		if err != nil {
			return a, fmt.Errorf("f4: the namespace %v", err)
		}
		a.ID, rest = id, sub
		prefix = binary.AppendUvarint(nil, id)
	}
	raw, err := encoding.DecodeString(rest)
	if err != nil || encoding.EncodeToString(raw) != rest {
		return a, errors.New("the payload is not lower-case base32")
	}
	if len(raw) < checksumLen {
		return a, errors.New("too short for its checksum")
	}
	payload, sum := raw[:len(raw)-checksumLen], raw[len(raw)-checksumLen:]
	if want, ok := payloadLen[a.Protocol]; ok && len(payload) != want {
		return a, fmt.Errorf("f%d: a %d-byte payload, want %d", a.Protocol, len(payload), want)
	}
	if a.Protocol == Delegated && len(payload) > maxSubaddress {
		return a, fmt.Errorf("f4: a %d-byte sub-address, at most %d", len(payload), maxSubaddress)
	}
	if !bytes.Equal(sum, checksum(a.Protocol, prefix, payload)) {
		return a, errors.New("bad checksum (a typo?)")
	}
	a.Payload = payload
	return a, nil
}

// decimal reads an unsigned decimal without leading zeros.
func decimal(s string) (uint64, error) {
	n, err := strconv.ParseUint(s, 10, 64)
	if err != nil || s == "" || (len(s) > 1 && s[0] == '0') || strings.TrimLeft(s, "0123456789") != "" {
		return 0, fmt.Errorf("%q is not a decimal number", s)
	}
	return n, nil
}

// String encodes a in its string form (for tests and simulated nodes).
func (a Address) String() string {
	head := string([]byte{a.Network, '0' + a.Protocol})
	switch a.Protocol {
	case ID:
		return head + strconv.FormatUint(a.ID, 10)
	case Delegated:
		sum := checksum(a.Protocol, binary.AppendUvarint(nil, a.ID), a.Payload)
		return head + strconv.FormatUint(a.ID, 10) + "f" + encoding.EncodeToString(append(append([]byte(nil), a.Payload...), sum...))
	}
	sum := checksum(a.Protocol, nil, a.Payload)
	return head + encoding.EncodeToString(append(append([]byte(nil), a.Payload...), sum...))
}
