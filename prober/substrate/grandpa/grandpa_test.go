package grandpa

import (
	"bytes"
	"encoding/json"
	"testing"
)

// The reply of polkadot-sdk's own RPC test (working_rpc_handler in
// substrate/client/consensus/grandpa/rpc/src/lib.rs), as quoted in
// ../shared/reference/chains-detail.md: keys 0x01×32 and 0x02×32 in
// prefix 42.
const psdkReply = `{"setId":1,"best":{"round":2,"totalWeight":100,"thresholdWeight":67,
 "prevotes":{"currentWeight":50,"missing":["5C7LYpP2ZH3tpKbvVvwiVe54AapxErdPBbvkYhe6y9ZBkqWt"]},
 "precommits":{"currentWeight":0,"missing":["5C62Ck4UrFPiBtoCmeSrgF7x9yv9mn38446dhCpsi2mLHiFT","5C7LYpP2ZH3tpKbvVvwiVe54AapxErdPBbvkYhe6y9ZBkqWt"]}},
 "background":[{"round":1,"totalWeight":100,"thresholdWeight":67,"prevotes":{"currentWeight":100,"missing":[]},"precommits":{"currentWeight":100,"missing":[]}}]}`

func key(b byte) (k [32]byte) { copy(k[:], bytes.Repeat([]byte{b}, 32)); return }

func TestListsPSDKReply(t *testing.T) {
	var r Report
	if err := json.Unmarshal([]byte(psdkReply), &r); err != nil {
		t.Fatal(err)
	}
	if r.SetID != 1 || r.Best.Round != 2 || len(r.Background) != 1 || r.Background[0].Round != 1 {
		t.Fatalf("decoded %+v", r)
	}
	for _, tc := range []struct {
		name    string
		missing []string
		key     [32]byte
		want    bool
	}{
		{"key 1 voted its prevote", r.Best.Prevotes.Missing, key(1), false},
		{"key 2 missing its prevote", r.Best.Prevotes.Missing, key(2), true},
		{"key 1 missing its precommit", r.Best.Precommits.Missing, key(1), true},
		// The same key in Polkadot's prefix 0: compared as bytes.
		{"prefix 0 id", []string{"13dh9e6R4KNFrcSTZzidnuD2CpbwABXG6fEhzdTXEahwG9h"}, key(2), true},
		{"empty", nil, key(2), false},
	} {
		got, err := Lists(tc.missing, tc.key)
		if err != nil || got != tc.want {
			t.Errorf("%s: %v, %v", tc.name, got, err)
		}
	}
	if _, err := Lists([]string{"not-ss58"}, key(1)); err == nil {
		t.Error("a malformed id is accepted")
	}
}

func TestWindowVerdicts(t *testing.T) {
	type read struct {
		round             uint64
		prevote, precommt bool // listed as missing
	}
	for _, tc := range []struct {
		name  string
		reads []read
		want  string
	}{
		{"one read listing the key is pending", []read{{10, true, true}}, "1.10:pp"},
		{"listed twice is a miss", []read{{10, true, true}, {10, false, true}}, "1.10:vm"},
		{"present at the later read is a vote", []read{{10, true, true}, {10, false, false}}, "1.10:vv"},
		{"a vote is not withdrawn", []read{{10, false, false}, {10, true, true}}, "1.10:vv"},
		{"rounds stay ordered", []read{{12, false, false}, {10, true, true}, {11, false, true}}, "1.10:pp 1.11:vp 1.12:vv"},
	} {
		w := &Window{Max: 10}
		for _, r := range tc.reads {
			w.Observe(1, r.round, r.prevote, r.precommt)
		}
		if got := w.Encode(); got != tc.want {
			t.Errorf("%s: %q, want %q", tc.name, got, tc.want)
		}
	}
}

func TestWindowBoundAndStats(t *testing.T) {
	w := &Window{Max: 4}
	for r := uint64(1); r <= 6; r++ {
		w.Observe(3, r, false, r%2 == 0)
		w.Observe(3, r, false, r%2 == 0)
	}
	if len(w.Rounds) != 4 || w.Rounds[0].Round != 3 {
		t.Fatalf("window %s", w.Encode())
	}
	s := w.Stats()
	if s.PrecommitDecided != 4 || s.PrecommitMissed != 2 || s.PrevotesMissed != 0 || Percent(s.PrecommitDecided, s.PrecommitMissed) != 50 {
		t.Fatalf("stats %+v", s)
	}
	if Percent(0, 0) != 100 {
		t.Fatal("no decided votes is not 100%")
	}
	// Round trip, bound on decode, and junk dropped.
	if got := Decode(w.Encode(), 4).Encode(); got != w.Encode() {
		t.Fatalf("round trip %q", got)
	}
	if got := Decode("1.1:vv 1.2:vm 1.3:pp", 2).Encode(); got != "1.2:vm 1.3:pp" {
		t.Fatalf("bounded decode %q", got)
	}
	if got := Decode("x 1.5:vv 1.4:vv 1.6:zz 2.1:vm :: 1.x:vv", 10).Encode(); got != "1.5:vv 2.1:vm" {
		t.Fatalf("junk decode %q", got)
	}
}

// FuzzDecode: history text never panics and always re-encodes to text
// that decodes to the same window.
func FuzzDecode(f *testing.F) {
	f.Add("1.10:vm 1.11:pp")
	f.Add("18446744073709551615.1:uv")
	f.Fuzz(func(t *testing.T, s string) {
		w := Decode(s, 50)
		if len(w.Rounds) > 50 {
			t.Fatalf("%d rounds", len(w.Rounds))
		}
		if again := Decode(w.Encode(), 50).Encode(); again != w.Encode() {
			t.Fatalf("%q -> %q -> %q", s, w.Encode(), again)
		}
	})
}
