package lotus

import (
	"testing"
	"time"

	"github.com/upchain-dev/upchain/prober/lotus/rleplus"
)

func TestParseFIL(t *testing.T) {
	for _, tc := range []struct {
		in, want string
	}{
		{"5", "5000000000000000000"},
		{"0.25", "250000000000000000"},
		{"1.5 FIL", "1500000000000000000"},
		{".5", "500000000000000000"},
		{"0.000000000000000001", "1"},
		{"0", "0"},
	} {
		n, err := ParseFIL(tc.in)
		if err != nil || n.String() != tc.want {
			t.Errorf("ParseFIL(%q) = %v, %v; want %s", tc.in, n, err, tc.want)
		}
	}
	for _, in := range []string{"", "-1", "1.0000000000000000001", "1e18", "abc", "1.2.3", "."} {
		if n, err := ParseFIL(in); err == nil {
			t.Errorf("ParseFIL(%q) = %v, want an error", in, n)
		}
	}
}

func TestParseInt(t *testing.T) {
	for _, in := range []string{"0", "-5", "123456789012345678901234567890"} {
		if n, err := ParseInt(in); err != nil || n.String() != in {
			t.Errorf("ParseInt(%q) = %v, %v", in, n, err)
		}
	}
	for _, in := range []string{"", "-", "1.5", "0x10", " 1", string(make([]byte, 101))} {
		if _, err := ParseInt(in); err == nil {
			t.Errorf("ParseInt(%q) accepted", in)
		}
	}
}

func TestParseStateRoundTripAndJunk(t *testing.T) {
	st := PoStState{Epoch: 100, Deadline: 3, Open: 90, Close: 150, Faulty: 7, Missed: "m", MissedUntil: 3000}
	if got := ParseState(st.String()); got != st {
		t.Errorf("round trip: %+v, want %+v", got, st)
	}
	for _, junk := range []string{"", "{", `{"epoch":-1}`, `"x"`, `{"missed":"` + string(make([]byte, 2000)) + `"}`} {
		if got := ParseState(junk); got != (PoStState{}) {
			t.Errorf("ParseState(%.30q) = %+v, want no state", junk, got)
		}
	}
}

func TestClosedSince(t *testing.T) {
	st := PoStState{Epoch: 100, Close: 150}
	for now, want := range map[int64]bool{120: false, 149: false, 150: true, 4000: true} {
		if got := st.ClosedSince(now); got != want {
			t.Errorf("ClosedSince(%d) = %v, want %v", now, got, want)
		}
	}
	if (PoStState{}).ClosedSince(1000) {
		t.Error("no previous probe: nothing closed since")
	}
}

func TestUnprovenAndLate(t *testing.T) {
	parts := []Partition{
		{LiveSectors: rleplus.FromSet(1, 2)},                                    // 0: needs a proof
		{LiveSectors: rleplus.FromSet(3), FaultySectors: rleplus.FromSet(3)},    // 1: all faulty
		{LiveSectors: rleplus.FromSet(4, 5), FaultySectors: rleplus.FromSet(4)}, // 2: needs a proof
		{}, // 3: empty
		{LiveSectors: rleplus.FromSet(9), FaultySectors: rleplus.FromSet(8)}, // 4: needs a proof
	}
	missing, need := Unproven(parts, Deadline{PostSubmissions: rleplus.FromSet(2)})
	if missing != 2 || need != 3 {
		t.Fatalf("Unproven = %d of %d, want 2 of 3", missing, need)
	}
	pd := ProvingDeadline{Index: 7, Open: 1000, Close: 1060, WPoStChallengeWindow: 60}
	for _, tc := range []struct {
		now     int64
		missing int
		want    string
	}{
		{1000, 2, ""},
		{1030, 2, ""},
		{1031, 2, "WindowPoSt for deadline 7 not submitted (2 of 3 partitions), closes in 14m30s"},
		{1059, 0, ""},
	} {
		pd.CurrentEpoch = tc.now
		if got := Late(pd, tc.missing, 3, 0.5, 30*time.Second); got != tc.want {
			t.Errorf("epoch %d: Late = %q, want %q", tc.now, got, tc.want)
		}
	}
}

func TestProvingDeadlineCheck(t *testing.T) {
	ok := ProvingDeadline{CurrentEpoch: 1010, Index: 5, Open: 1000, Close: 1060, WPoStPeriodDeadlines: 48, WPoStChallengeWindow: 60}
	if err := ok.Check(); err != nil {
		t.Fatalf("valid deadline: %v", err)
	}
	future := ok
	future.CurrentEpoch = 10 // a new miner before its first period
	if err := future.Check(); err != nil || future.NextIn() != 990 {
		t.Errorf("future deadline: %v, next in %d", err, future.NextIn())
	}
	for name, mod := range map[string]func(*ProvingDeadline){
		"index":    func(d *ProvingDeadline) { d.Index = 48 },
		"count":    func(d *ProvingDeadline) { d.WPoStPeriodDeadlines = 0 },
		"window":   func(d *ProvingDeadline) { d.Close = 1100 },
		"past":     func(d *ProvingDeadline) { d.CurrentEpoch = 2000 },
		"negative": func(d *ProvingDeadline) { d.Open, d.Close, d.CurrentEpoch = -60, 0, -10 },
	} {
		d := ok
		mod(&d)
		if d.Check() == nil {
			t.Errorf("%s: accepted %+v", name, d)
		}
	}
}
