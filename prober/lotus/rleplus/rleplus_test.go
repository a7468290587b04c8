package rleplus

import (
	"bytes"
	"encoding/json"
	"errors"
	"reflect"
	"testing"
)

// The JSON vectors are go-bitfield's documented ones (rle/rleplus.go
// MarshalJSON, as quoted in shared/reference/chains-detail.md §3); the
// bytes of each set were worked out by hand from the Filecoin spec's RLE+
// grammar (see the package comment), bit by bit.
var vectors = []struct {
	name  string
	set   []uint64
	json  string
	bytes []byte
}{
	{"empty", nil, "[0]", []byte{}},
	{"0,1,2,8,9", []uint64{0, 1, 2, 8, 9}, "[0,3,5,2]", []byte{0x74, 0x2c, 0x05}},
	{"5", []uint64{5}, "[5,1]", []byte{0xb0, 0x02}},
	{"20 (a long run)", []uint64{20}, "[20,1]", []byte{0x80, 0x22}},
}

func TestVectors(t *testing.T) {
	for _, v := range vectors {
		t.Run(v.name, func(t *testing.T) {
			want := FromSet(v.set...)
			j, err := json.Marshal(want)
			if err != nil || string(j) != v.json {
				t.Errorf("MarshalJSON = %s, %v; want %s", j, err, v.json)
			}
			fromJSON, err := ParseJSON([]byte(v.json))
			if err != nil || !reflect.DeepEqual(fromJSON.Runs(), want.Runs()) {
				t.Errorf("ParseJSON(%s) = %v, %v; want %v", v.json, fromJSON.Runs(), err, want.Runs())
			}
			if got := fromJSON.Count(); got != uint64(len(v.set)) {
				t.Errorf("Count = %d, want %d", got, len(v.set))
			}
			for _, b := range v.set {
				if !fromJSON.Has(b) {
					t.Errorf("Has(%d) = false", b)
				}
			}
			if enc := want.Encode(); !bytes.Equal(enc, v.bytes) {
				t.Errorf("Encode = % x, want % x", enc, v.bytes)
			}
			dec, err := Decode(v.bytes)
			if err != nil || !reflect.DeepEqual(dec.Runs(), want.Runs()) {
				t.Errorf("Decode(% x) = %v, %v; want %v", v.bytes, dec.Runs(), err, want.Runs())
			}
		})
	}
}

func TestParseJSONEmptyForms(t *testing.T) {
	for _, in := range []string{"null", "[]", "[0]", "[7]"} {
		b, err := ParseJSON([]byte(in))
		if err != nil || b.Count() != 0 {
			t.Errorf("ParseJSON(%s) = count %d, %v; want an empty set", in, b.Count(), err)
		}
	}
}

func TestRejects(t *testing.T) {
	for _, tc := range []struct {
		name string
		json string
		want error
	}{
		{"zero run inside", "[0,3,0,2]", ErrZeroRun},
		{"past 2^63", "[9223372036854775807,1]", ErrTooLong},
		{"sum past 2^63", "[4611686018427387904,4611686018427387904]", ErrTooLong},
	} {
		if _, err := ParseJSON([]byte(tc.json)); !errors.Is(err, tc.want) {
			t.Errorf("%s: ParseJSON(%s) = %v, want %v", tc.name, tc.json, err, tc.want)
		}
	}
	for _, in := range []string{`{"a":1}`, `[-1]`, `["3"]`, `[1.5]`, `"AAA="`} {
		if _, err := ParseJSON([]byte(in)); err == nil {
			t.Errorf("ParseJSON(%s) accepted", in)
		}
	}
	for _, tc := range []struct {
		name string
		in   []byte
		want error
	}{
		{"version 1", []byte{0x01}, ErrVersion},
		{"varint cut off", []byte{0x80}, ErrTruncated},
		// header 000, "01", length 1: a short block for a single bit.
		{"short run of 1", []byte{0x30, 0x00}, ErrNotMinimal},
		// header 000, "00", varint 3: a long block for a short run.
		{"long run of 3", []byte{0x60, 0x00}, ErrNotMinimal},
		// a varint of ten continuation bytes.
		{"endless varint", []byte{0x80, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}, ErrTooLong},
	} {
		if _, err := Decode(tc.in); !errors.Is(err, tc.want) {
			t.Errorf("%s: Decode(% x) = %v, want %v", tc.name, tc.in, err, tc.want)
		}
	}
}

func TestCountMinus(t *testing.T) {
	for _, tc := range []struct {
		a, b []uint64
		want uint64
	}{
		{[]uint64{1, 2, 3}, nil, 3},
		{[]uint64{1, 2, 3}, []uint64{2}, 2},
		{[]uint64{1, 2, 3}, []uint64{0, 1, 2, 3, 4}, 0},
		{[]uint64{1, 2, 3, 10, 11}, []uint64{3, 4, 5, 10}, 3},
		{nil, []uint64{1}, 0},
	} {
		if got := FromSet(tc.a...).CountMinus(FromSet(tc.b...)); got != tc.want {
			t.Errorf("%v minus %v = %d, want %d", tc.a, tc.b, got, tc.want)
		}
	}
}

// FuzzDecode: no input crashes the decoders; what decodes re-encodes to
// the same set, and the count never exceeds the length.
func FuzzDecode(f *testing.F) {
	for _, v := range vectors {
		f.Add(v.bytes)
	}
	f.Add([]byte{0x80})
	f.Fuzz(func(t *testing.T, data []byte) {
		b, err := Decode(data)
		if err != nil {
			return
		}
		again, err := Decode(b.Encode())
		if err != nil || !reflect.DeepEqual(again.Runs(), b.Runs()) {
			t.Fatalf("% x: decoded %v, re-encoded and decoded %v, %v", data, b.Runs(), again.Runs(), err)
		}
		var total uint64
		for _, r := range b.Runs() {
			total += r
		}
		if b.Count() > total {
			t.Fatalf("count %d beyond length %d", b.Count(), total)
		}
	})
}

// FuzzParseJSON: hostile JSON never crashes; accepted runs round-trip.
func FuzzParseJSON(f *testing.F) {
	for _, v := range vectors {
		f.Add([]byte(v.json))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		b, err := ParseJSON(data)
		if err != nil {
			return
		}
		j, _ := json.Marshal(b)
		again, err := ParseJSON(j)
		if err != nil || again.Count() != b.Count() {
			t.Fatalf("%s: round trip %s gave %v, %v", data, j, again.Runs(), err)
		}
	})
}

// BenchmarkDecode: a bitfield of 10,000 runs (a large miner's sectors
// with many gaps), in both forms.
func BenchmarkDecode(b *testing.B) {
	var set []uint64
	for i := uint64(0); i < 10000; i++ {
		set = append(set, i*3, i*3+1)
	}
	bf := FromSet(set...)
	enc := bf.Encode()
	js, _ := json.Marshal(bf)
	b.Run("rle+", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			if d, err := Decode(enc); err != nil || d.Count() != 20000 {
				b.Fatal(err)
			}
		}
	})
	b.Run("json", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			if d, err := ParseJSON(js); err != nil || d.Count() != 20000 {
				b.Fatal(err)
			}
		}
	})
}
