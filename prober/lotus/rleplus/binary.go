package rleplus

// The RLE+ byte form (see the package comment).

// bitReader reads bits least significant first.
type bitReader struct {
	b   []byte
	pos uint64 // in bits
	end uint64 // one past the last set bit: padding starts there
}

func (r *bitReader) left() uint64 { return uint64(len(r.b))*8 - r.pos }

// read returns the next n (≤ 8) bits as a number, first bit lowest.
func (r *bitReader) read(n uint) (uint64, bool) {
	if r.left() < uint64(n) {
		return 0, false
	}
	var v uint64
	for i := uint(0); i < n; i++ {
		bit := r.b[r.pos/8] >> (r.pos % 8) & 1
		v |= uint64(bit) << i
		r.pos++
	}
	return v, true
}

// restZero reports whether only zero padding remains.
func (r *bitReader) restZero() bool { return r.pos >= r.end }

// findEnd sets end once, so that each block's check is constant time.
func (r *bitReader) findEnd() {
	for i := len(r.b) - 1; i >= 0; i-- {
		if c := r.b[i]; c != 0 {
			hi := uint64(7)
			for c>>hi == 0 {
				hi--
			}
			r.end = uint64(i)*8 + hi + 1
			return
		}
	}
}

// varint reads an unsigned LEB128 varint of at most 9 bytes (63 bits),
// minimally encoded.
func (r *bitReader) varint() (uint64, error) {
	var v uint64
	for i := 0; i < 9; i++ {
		b, ok := r.read(8)
		if !ok {
			return 0, ErrTruncated
		}
		v |= (b & 0x7f) << (7 * i)
		if b&0x80 == 0 {
			if b == 0 && i > 0 {
				return 0, ErrNotMinimal
			}
			return v, nil
		}
	}
	return 0, ErrTooLong
}

// Decode reads RLE+ bytes. Empty input is the empty set.
func Decode(data []byte) (Bitfield, error) {
	if len(data) == 0 {
		return Bitfield{}, nil
	}
	r := &bitReader{b: data}
	r.findEnd()
	version, _ := r.read(2)
	if version != 0 {
		return Bitfield{}, ErrVersion
	}
	first, ok := r.read(1)
	if !ok {
		return Bitfield{}, ErrTruncated
	}
	var runs []uint64
	if first == 1 {
		runs = append(runs, 0) // runs start with zeros
	}
	var total uint64
	for !r.restZero() {
		var n uint64
		if b, _ := r.read(1); b == 1 {
			n = 1
		} else if b, ok := r.read(1); !ok {
			return Bitfield{}, ErrTruncated
		} else if b == 1 {
			if n, ok = r.read(4); !ok {
				return Bitfield{}, ErrTruncated
			}
			if n < 2 {
				return Bitfield{}, ErrNotMinimal
			}
		} else {
			v, err := r.varint()
			if err != nil {
				return Bitfield{}, err
			}
			if v < 16 {
				return Bitfield{}, ErrNotMinimal
			}
			n = v
		}
		if n >= MaxBit-total {
			return Bitfield{}, ErrTooLong
		}
		total += n
		runs = append(runs, n)
	}
	return Bitfield{runs: runs}, nil
}

// bitWriter writes bits least significant first.
type bitWriter struct {
	b   []byte
	pos uint
}

func (w *bitWriter) write(v uint64, n uint) {
	for i := uint(0); i < n; i++ {
		if w.pos%8 == 0 {
			w.b = append(w.b, 0)
		}
		w.b[len(w.b)-1] |= byte(v>>i&1) << (w.pos % 8)
		w.pos++
	}
}

// Encode writes b as RLE+ bytes (empty for the empty set), the inverse
// of Decode.
func (b Bitfield) Encode() []byte {
	runs := b.Runs()
	if len(runs) == 0 {
		return []byte{}
	}
	w := &bitWriter{}
	w.write(0, 2)
	if runs[0] == 0 {
		runs = runs[1:]
		w.write(1, 1)
	} else {
		w.write(0, 1)
	}
	for _, n := range runs {
		switch {
		case n == 1:
			w.write(1, 1)
		case n < 16:
			w.write(0b10, 2) // "01": a 0 bit, then a 1 bit
			w.write(n, 4)
		default:
			w.write(0, 2)
			for n >= 0x80 {
				w.write(n&0x7f|0x80, 8)
				n >>= 7
			}
			w.write(n, 8)
		}
	}
	return w.b
}
