package cip37

import (
	"encoding/hex"
	"errors"
	"strings"
	"testing"
)

// Test vectors of CIP-37 ("Test Cases", written in the final alphabet as
// conflux-rust's cfx_addr tests and the Conflux docs use them; the
// spec text in the CIPs repository still shows the draft alphabet
// 0123456789abcdefghjkmnprstuvwxyz, whose values are the same).
var vectors = []struct {
	hex     string
	network uint32
	addr    string
	typ     string
}{
	{"85d80245dc02f5a89589e1f19c5c718e405b56cd", Mainnet, "cfx:acc7uawf5ubtnmezvhu9dhc6sghea0403y2dgpyfjp", "contract"},
	{"85d80245dc02f5a89589e1f19c5c718e405b56cd", Testnet, "cfxtest:acc7uawf5ubtnmezvhu9dhc6sghea0403ywjz6wtpg", "contract"},
	{"1a2f80341409639ea6a35bbcab8299066109aa55", Mainnet, "cfx:aarc9abycue0hhzgyrr53m6cxedgccrmmyybjgh4xg", "user"},
	{"1a2f80341409639ea6a35bbcab8299066109aa55", Testnet, "cfxtest:aarc9abycue0hhzgyrr53m6cxedgccrmmy8m50bu1p", "user"},
	{"19c742cec42b9e4eff3b84cdedcde2f58a36f44f", Mainnet, "cfx:aap6su0s2uz36x19hscp55sr6n42yr1yk6r2rx2eh7", "user"},
	{"19c742cec42b9e4eff3b84cdedcde2f58a36f44f", Testnet, "cfxtest:aap6su0s2uz36x19hscp55sr6n42yr1yk6hx8d8sd1", "user"},
	{"84980a94d94f54ac335109393c08c866a21b1b0e", Mainnet, "cfx:acckucyy5fhzknbxmeexwtaj3bxmeg25b2b50pta6v", "contract"},
	{"84980a94d94f54ac335109393c08c866a21b1b0e", Testnet, "cfxtest:acckucyy5fhzknbxmeexwtaj3bxmeg25b2nuf6km25", "contract"},
	{"1cdf3969a428a750b89b33cf93c96560e2bd17d1", Mainnet, "cfx:aasr8snkyuymsyf2xp369e8kpzusftj14ec1n0vxj1", "user"},
	{"1cdf3969a428a750b89b33cf93c96560e2bd17d1", Testnet, "cfxtest:aasr8snkyuymsyf2xp369e8kpzusftj14ej62g13p7", "user"},
	{"0888000000000000000000000000000000000002", Mainnet, "cfx:aaejuaaaaaaaaaaaaaaaaaaaaaaaaaaaajrwuc9jnb", "builtin"},
	{"0888000000000000000000000000000000000002", Testnet, "cfxtest:aaejuaaaaaaaaaaaaaaaaaaaaaaaaaaaajh3dw3ctn", "builtin"},
}

func bytes20(t *testing.T, s string) [20]byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil || len(b) != 20 {
		t.Fatalf("bad hex %q", s)
	}
	var a [20]byte
	copy(a[:], b)
	return a
}

func TestVectors(t *testing.T) {
	for _, v := range vectors {
		t.Run(v.addr, func(t *testing.T) {
			raw := bytes20(t, v.hex)
			if got := Encode(raw, v.network); got != v.addr {
				t.Errorf("Encode = %s, want %s", got, v.addr)
			}
			prefix, payload, _ := strings.Cut(v.addr, ":")
			for _, form := range []string{
				v.addr,
				strings.ToUpper(v.addr),
				prefix + ":type." + v.typ + ":" + payload,
				strings.ToUpper(prefix + ":type." + v.typ + ":" + payload),
				prefix + ":future=1:" + payload, // unknown options are ignored
			} {
				a, err := Decode(form)
				if err != nil {
					t.Fatalf("Decode(%s): %v", form, err)
				}
				if a.Bytes != raw || a.Network != v.network || a.Type() != v.typ {
					t.Errorf("Decode(%s) = %s net %d type %s, want 0x%s net %d type %s", form, a.Hex(), a.Network, a.Type(), v.hex, v.network, v.typ)
				}
				if a.String() != v.addr {
					t.Errorf("String() = %s, want %s", a.String(), v.addr)
				}
			}
		})
	}
}

func TestOtherNetworks(t *testing.T) {
	raw := bytes20(t, "1a2f80341409639ea6a35bbcab8299066109aa55")
	s := Encode(raw, 8888)
	if !strings.HasPrefix(s, "net8888:") {
		t.Fatalf("Encode for 8888 = %s", s)
	}
	a, err := Decode(s)
	if err != nil || a.Network != 8888 || a.Bytes != raw {
		t.Fatalf("Decode(%s) = %+v, %v", s, a, err)
	}
}

func TestDecodeRejects(t *testing.T) {
	good := "cfx:aarc9abycue0hhzgyrr53m6cxedgccrmmyybjgh4xg"
	flip := []byte(good)
	flip[12] = 'd' // one character changed
	for _, tc := range []struct {
		in, want string
		is       error
	}{
		{in: "Cfx:aarc9abycue0hhzgyrr53m6cxedgccrmmyybjgh4xg", is: ErrCase},
		{in: string(flip), is: ErrChecksum},
		{in: "cfxtest:aarc9abycue0hhzgyrr53m6cxedgccrmmyybjgh4xg", is: ErrChecksum}, // mainnet payload, testnet prefix
		{in: "aarc9abycue0hhzgyrr53m6cxedgccrmmyybjgh4xg", want: "no network prefix"},
		{in: "eth:aarc9abycue0hhzgyrr53m6cxedgccrmmyybjgh4xg", want: "unknown network prefix"},
		{in: "net1029:aarc9abycue0hhzgyrr53m6cxedgccrmmyybjgh4xg", want: "is written cfx"},
		{in: "net1:aarc9abycue0hhzgyrr53m6cxedgccrmmyybjgh4xg", want: "is written cfxtest"},
		{in: "net01:aarc9abycue0hhzgyrr53m6cxedgccrmmyybjgh4xg", want: "unknown network prefix"},
		{in: "net99999999999:aarc9abycue0hhzgyrr53m6cxedgccrmmyybjgh4xg", want: "32-bit"},
		{in: "cfx:aarc9abycue0hhzgyrr53m6cxedgccrmmyybjgh4x", want: "41 characters"},
		{in: "cfx:oarc9abycue0hhzgyrr53m6cxedgccrmmyybjgh4xg", want: "not in the base32 alphabet"},
		{in: "cfx:type.contract:aarc9abycue0hhzgyrr53m6cxedgccrmmyybjgh4xg", want: "is a user address"},
		{in: "0x1a2f80341409639ea6a35bbcab8299066109aa55", want: "no network prefix"},
		{in: strings.Repeat("a", 200), want: "too long"},
		{in: "", want: "no network prefix"},
	} {
		t.Run(tc.in, func(t *testing.T) {
			_, err := Decode(tc.in)
			if err == nil {
				t.Fatal("accepted")
			}
			if tc.is != nil && !errors.Is(err, tc.is) {
				t.Errorf("err = %v, want %v", err, tc.is)
			}
			if tc.want != "" && !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err = %v, want it to say %q", err, tc.want)
			}
		})
	}
}

// TestVersionAndPadding builds payloads with a valid checksum but a
// non-zero version byte or padding: both must be refused (one address,
// one spelling).
func TestVersionAndPadding(t *testing.T) {
	build := func(data []byte) string {
		sum := checksum("cfx", data)
		b := []byte("cfx:")
		for _, v := range data {
			b = append(b, alphabet[v])
		}
		for i := 7; i >= 0; i-- {
			b = append(b, alphabet[(sum>>(5*uint(i)))&31])
		}
		return string(b)
	}
	base := to5Bits(append([]byte{0}, make([]byte, 20)...))
	if _, err := Decode(build(base)); err != nil {
		t.Fatalf("zero address refused: %v", err)
	}
	version := append([]byte(nil), base...)
	version[0] = 1 // version byte 0x08
	if _, err := Decode(build(version)); err == nil || !strings.Contains(err.Error(), "version") {
		t.Errorf("version byte 0x08: err = %v", err)
	}
	pad := append([]byte(nil), base...)
	pad[33] = 1 // low padding bit set
	if _, err := Decode(build(pad)); err == nil || !strings.Contains(err.Error(), "padding") {
		t.Errorf("padding: err = %v", err)
	}
}

// FuzzDecode checks that Decode never panics and that whatever it accepts
// re-encodes to the same address.
func FuzzDecode(f *testing.F) {
	for _, v := range vectors {
		f.Add(v.addr)
	}
	f.Add("CFX:TYPE.USER:AARC9ABYCUE0HHZGYRR53M6CXEDGCCRMMYYBJGH4XG")
	f.Add("net8888:aarc9abycue0hhzgyrr53m6cxedgccrmmyybjgh4xg")
	f.Fuzz(func(t *testing.T, s string) {
		a, err := Decode(s)
		if err != nil {
			return
		}
		if !strings.EqualFold(strings.SplitN(s, ":", 2)[0], Prefix(a.Network)) {
			t.Fatalf("%q decoded to network %d", s, a.Network)
		}
		b, err := Decode(a.String())
		if err != nil || b != a {
			t.Fatalf("%q: re-encoded %s decodes to %+v, %v", s, a.String(), b, err)
		}
		parts := strings.Split(strings.ToLower(s), ":")
		if parts[len(parts)-1] != strings.SplitN(a.String(), ":", 2)[1] {
			t.Fatalf("%q: payload differs from canonical %s", s, a.String())
		}
	})
}
