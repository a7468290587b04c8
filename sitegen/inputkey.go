package sitegen

import (
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"hash"
	"math"
	"reflect"
	"slices"
	"time"
)

// inputKey is a digest of input data: equal keys mean equal data, so that
// an incremental build can skip rendering what did not change. It walks
// every exported and unexported field by reflection (no encoding step, no
// allocation per value), so fields added to Input or Check later are
// covered without listing them here.
type inputKey [sha256.Size]byte

// keyHasher collects the bytes it digests in buf and hashes them a
// kilobyte at a time: written to the hash 8 bytes a call, a thousand
// checks' years of points cost twice as much.
type keyHasher struct {
	h   hash.Hash
	buf []byte
}

const keyHasherChunk = 1 << 10

func newKeyHasher() *keyHasher {
	return &keyHasher{h: sha256.New(), buf: make([]byte, 0, keyHasherChunk+64)}
}

func (k *keyHasher) sum() (out inputKey) {
	k.flush()
	k.h.Sum(out[:0])
	return out
}

func (k *keyHasher) flush() {
	k.h.Write(k.buf)
	k.buf = k.buf[:0]
}

// write digests raw bytes, as they come after what came before.
func (k *keyHasher) write(b []byte) { appendKey(k, b) }

func (k *keyHasher) u64(v uint64) {
	var b [8]byte
	binary.LittleEndian.PutUint64(b[:], v)
	appendKey(k, b[:])
}

func (k *keyHasher) str(s string) {
	k.u64(uint64(len(s)))
	appendKey(k, s)
}

// appendKey adds b to the buffered bytes, hashing what is buffered first
// when b would overflow the chunk, and b itself when it is larger.
func appendKey[T string | []byte](k *keyHasher, b T) {
	if len(k.buf)+len(b) > keyHasherChunk {
		k.flush()
		if len(b) > keyHasherChunk {
			k.h.Write([]byte(b))
			return
		}
	}
	k.buf = append(k.buf, b...)
}

var timeType = reflect.TypeFor[time.Time]()

// add feeds v into the digest. Lengths prefix every variable-sized value,
// so that adjacent values cannot run into each other.
func (k *keyHasher) add(v reflect.Value) {
	switch v.Kind() {
	case reflect.Bool:
		if v.Bool() {
			k.u64(1)
		} else {
			k.u64(0)
		}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		k.u64(uint64(v.Int()))
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		k.u64(v.Uint())
	case reflect.Float32, reflect.Float64:
		k.u64(math.Float64bits(v.Float()))
	case reflect.String:
		k.str(v.String())
	case reflect.Struct:
		if v.Type() == timeType && v.CanInterface() {
			// Instants, as rendering formats them: UTC or the zero time.
			t := v.Interface().(time.Time)
			if t.IsZero() {
				k.u64(0)
				return
			}
			k.u64(1)
			k.u64(uint64(t.UnixNano()))
			_, off := t.Zone()
			k.u64(uint64(off))
			return
		}
		for i := range v.NumField() {
			k.add(v.Field(i))
		}
	case reflect.Slice, reflect.Array:
		if v.Kind() == reflect.Slice && v.IsNil() {
			k.u64(math.MaxUint64)
			return
		}
		k.u64(uint64(v.Len()))
		for i := range v.Len() {
			k.add(v.Index(i))
		}
	case reflect.Map:
		if v.IsNil() {
			k.u64(math.MaxUint64)
			return
		}
		k.u64(uint64(v.Len()))
		keys := v.MapKeys()
		slices.SortFunc(keys, func(a, b reflect.Value) int { return compareKeys(a, b) })
		for _, mk := range keys {
			k.add(mk)
			k.add(v.MapIndex(mk))
		}
	case reflect.Pointer, reflect.Interface:
		if v.IsNil() {
			k.u64(0)
			return
		}
		k.u64(1)
		if v.Kind() == reflect.Interface {
			k.str(v.Elem().Type().String())
		}
		k.add(v.Elem())
	default:
		// Funcs and channels have no content to compare: refuse them
		// loudly rather than treat different inputs as equal.
		panic(fmt.Sprintf("sitegen: input key of %s", v.Type()))
	}
}

func compareKeys(a, b reflect.Value) int {
	switch a.Kind() {
	case reflect.String:
		switch x, y := a.String(), b.String(); {
		case x < y:
			return -1
		case x > y:
			return 1
		}
		return 0
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		switch x, y := a.Int(), b.Int(); {
		case x < y:
			return -1
		case x > y:
			return 1
		}
		return 0
	}
	x, y := fmt.Sprint(a.Interface()), fmt.Sprint(b.Interface())
	switch {
	case x < y:
		return -1
	case x > y:
		return 1
	}
	return 0
}

// siteKeyOf digests the parts of the input every file depends on, then a
// check's own data.
func siteKeyOf(in *Input) inputKey {
	k := newKeyHasher()
	k.add(reflect.ValueOf(in.Site))
	k.add(reflect.ValueOf(in.Now))
	k.add(reflect.ValueOf(in.DelayedSince))
	k.add(reflect.ValueOf(in.Incidents))
	k.add(reflect.ValueOf(in.Maintenance))
	// Incident and maintenance entries name and link the checks they
	// affect, on other checks' pages and feeds too.
	for _, g := range in.Groups {
		k.str(g.Name)
		k.u64(uint64(len(g.Checks)))
		for i := range g.Checks {
			c := &g.Checks[i]
			k.str(c.Slug)
			k.str(c.Name)
			k.str(c.Group)
			k.str(string(c.Current.Status))
		}
	}
	return k.sum()
}

// keyOf digests values, in order.
func keyOf(values ...any) inputKey {
	k := newKeyHasher()
	for _, v := range values {
		k.add(reflect.ValueOf(v))
	}
	return k.sum()
}

func checkKeyOf(site inputKey, c *Check) inputKey {
	k := newKeyHasher()
	k.write(site[:])
	k.add(reflect.ValueOf(c).Elem())
	return k.sum()
}
