package runlength

import (
	"slices"
	"testing"
)

type mark byte

func valid(m mark) bool { return m == 'S' || m == 'M' }

func TestRoundTrip(t *testing.T) {
	tests := []struct {
		marks []mark
		text  string
	}{
		{nil, ""},
		{[]mark("SSSM"), "3S1M"},
		{[]mark("MSSSSSSSSSSS"), "1M11S"},
	}
	for _, tt := range tests {
		if got := Encode(tt.marks); got != tt.text {
			t.Errorf("Encode(%q) = %q, want %q", tt.marks, got, tt.text)
		}
		back, err := Decode[mark](tt.text, 100, valid)
		if err != nil || !slices.Equal(back, tt.marks) {
			t.Errorf("Decode(%q) = %q, %v", tt.text, back, err)
		}
	}
}

func TestDecodeRejects(t *testing.T) {
	for _, s := range []string{"S", "3", "0S", "3X", "99999999999999999999S", "60S50M"} {
		if _, err := Decode[mark](s, 100, valid); err == nil {
			t.Errorf("Decode(%q) accepted", s)
		}
	}
}
