// Package rleplus reads Filecoin bitfields (sets of sector or partition
// numbers). The Lotus JSON API writes them as run lengths, alternating
// zeros and ones and starting with zeros ({0,1,2,8,9} is [0,3,5,2]); the
// chain stores them as RLE+ bytes (Filecoin spec, "RLE+ Bitfield"):
//
//	<encoding> ::= <version "00"> <first bit> <blocks>
//	<block>    ::= "1"                    ; a run of 1
//	             | "01" <4-bit length>    ; a run of 2..15
//	             | "00" <unsigned varint> ; a run of 16 or more
//
// with bits read from the least significant bit of each byte, runs
// alternating from the first bit, and zero bits padding the last byte.
// Both forms come from untrusted nodes, so every decoder bounds what it
// accepts: runs are non-empty after the first, and the set never reaches
// past bit 2^63 (go-bitfield's limit on sector numbers).
package rleplus

import (
	"encoding/json"
	"errors"
	"fmt"
)

// MaxBit bounds the length of a bitfield: no bit at or beyond it exists.
const MaxBit = 1 << 63

// Errors of the decoders.
var (
	ErrVersion    = errors.New("rleplus: unknown version")
	ErrZeroRun    = errors.New("rleplus: zero-length run")
	ErrTooLong    = errors.New("rleplus: bitfield longer than 2^63 bits")
	ErrTruncated  = errors.New("rleplus: truncated block")
	ErrNotMinimal = errors.New("rleplus: run length not minimally encoded")
)

// Bitfield is a set of numbers as alternating runs, zeros first. The zero
// value is the empty set.
type Bitfield struct {
	runs []uint64
}

// FromRuns checks runs (alternating, zeros first; the first may be 0) and
// returns their bitfield.
func FromRuns(runs []uint64) (Bitfield, error) {
	var total uint64
	for i, r := range runs {
		if r == 0 && i > 0 {
			return Bitfield{}, ErrZeroRun
		}
		if r >= MaxBit-total {
			return Bitfield{}, ErrTooLong
		}
		total += r
	}
	return Bitfield{runs: append([]uint64(nil), runs...)}, nil
}

// FromSet returns the bitfield holding bits (any order, repeats allowed).
func FromSet(bits ...uint64) Bitfield {
	seen := map[uint64]bool{}
	for _, b := range bits {
		if b < MaxBit {
			seen[b] = true
		}
	}
	var runs []uint64
	var pos uint64
	for len(seen) > 0 {
		start := pos
		for !seen[pos] {
			pos++
		}
		runs = append(runs, pos-start)
		start = pos
		for seen[pos] {
			delete(seen, pos)
			pos++
		}
		runs = append(runs, pos-start)
	}
	return Bitfield{runs: runs}
}

// ParseJSON reads the Lotus JSON form: an array of run lengths; null and
// [] are the empty set like [0].
func ParseJSON(raw []byte) (Bitfield, error) {
	var runs []uint64
	if err := json.Unmarshal(raw, &runs); err != nil {
		return Bitfield{}, fmt.Errorf("rleplus: not an array of run lengths: %w", err)
	}
	return FromRuns(runs)
}

// UnmarshalJSON implements json.Unmarshaler with ParseJSON.
func (b *Bitfield) UnmarshalJSON(raw []byte) error {
	bf, err := ParseJSON(raw)
	if err != nil {
		return err
	}
	*b = bf
	return nil
}

// MarshalJSON writes the run lengths as Lotus does ([0] when empty).
func (b Bitfield) MarshalJSON() ([]byte, error) {
	runs := b.Runs()
	if len(runs) == 0 {
		runs = []uint64{0}
	}
	return json.Marshal(runs)
}

// Runs returns the run lengths, zeros first, without trailing zeros.
func (b Bitfield) Runs() []uint64 {
	runs := b.runs
	if len(runs)%2 == 1 {
		runs = runs[:len(runs)-1]
	}
	if len(runs) == 2 && runs[1] == 0 {
		runs = nil
	}
	return append([]uint64(nil), runs...)
}

// Count is the number of set bits: the sum of the runs of ones.
func (b Bitfield) Count() uint64 {
	var n uint64
	for i := 1; i < len(b.runs); i += 2 {
		n += b.runs[i]
	}
	return n
}

// Has reports whether bit i is set.
func (b Bitfield) Has(i uint64) bool {
	var pos uint64
	for k, r := range b.runs {
		if i < pos+r {
			return k%2 == 1
		}
		pos += r
	}
	return false
}

// interval is a run of ones [start, end).
type interval struct{ start, end uint64 }

func (b Bitfield) intervals() []interval {
	var out []interval
	var pos uint64
	for k, r := range b.runs {
		if k%2 == 1 && r > 0 {
			out = append(out, interval{pos, pos + r})
		}
		pos += r
	}
	return out
}

// CountMinus is the number of bits set in b and not in other (live
// sectors that are not faulty, say).
func (b Bitfield) CountMinus(other Bitfield) uint64 {
	o := other.intervals()
	var n uint64
	j := 0
	for _, iv := range b.intervals() {
		n += iv.end - iv.start
		for j < len(o) && o[j].end <= iv.start {
			j++
		}
		for k := j; k < len(o) && o[k].start < iv.end; k++ {
			n -= min(o[k].end, iv.end) - max(o[k].start, iv.start)
		}
	}
	return n
}
