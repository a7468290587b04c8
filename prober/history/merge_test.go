package history

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/upchain-dev/upchain/prober"
)

// writeRaw writes body after the raw header as the raw file of day0.
func writeRaw(t *testing.T, body string) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, RawDir), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(rawPath(dir, day0), []byte(rawHeader(day0)+body), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

// Latest skips a damaged newest line and keeps the location of the round.
func TestLatestSkipsDamage(t *testing.T) {
	dir := writeRaw(t, "# round aaaa 00:00:00 fra\n"+
		"00:00:00 c global down 0 timeout 10\n"+
		"00:05:00 c global sideways 200 - 10\n"+
		"garbage\n")
	got, err := (&Store{dir: dir}).Latest(time.Time{}, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	if g := got[Key{"c", "global"}]; g.Status != prober.Down || g.Location != "fra" || !g.Time.Equal(day0) {
		t.Errorf("latest: %+v", g)
	}
}

// fillValues takes the newest sample with values that is neither damaged
// nor dated after the limit.
func TestFillValuesSkipsDamageAndFuture(t *testing.T) {
	dir := writeRaw(t, "# round aaaa 00:00:00 fra\n"+
		"00:00:00 c global up 200 - 10 height=1\n"+
		"# round bbbb 00:05:00 iad\n"+
		"00:05:00 c global sideways 200 - 10 height=2\n"+
		"# round cccc 00:10:00 fra\n"+
		"00:10:00 c global up 200 - 10 height=3\n")
	st := &State{Checks: map[string]map[string]*RegionState{"c": {"global": {}}}}
	if err := fillValues(dir, st, day0.Add(7*time.Minute)); err != nil {
		t.Fatal(err)
	}
	if v := st.Get("c", "global").Values["height"]; v != "1" {
		t.Errorf("height %q, want 1", v)
	}
	st = &State{Checks: map[string]map[string]*RegionState{"c": {"global": {}}}}
	if err := fillValues(dir, st, time.Time{}); err != nil {
		t.Fatal(err)
	}
	if v := st.Get("c", "global").Values["height"]; v != "3" {
		t.Errorf("no limit: height %q, want 3", v)
	}
}

// fillValues: of two samples at the same time the later line counts
// (rounds of two locations at one second), also where the later one is
// damaged and the earlier one serves.
func TestFillValuesEqualTimes(t *testing.T) {
	tests := []struct {
		name, raw, want string
	}{
		{"later line", "00:05:00 c global up 200 - 10 height=1\n00:05:00 c global up 200 - 10 height=2\n", "2"},
		{"later line damaged", "00:05:00 c global up 200 - 10 height=1\n00:05:00 c global sideways 200 - 10 height=2\n", "1"},
		{"newer time first", "00:06:00 c global up 200 - 10 height=1\n00:05:00 c global up 200 - 10 height=2\n", "1"},
		{"newest without values", "00:05:00 c global up 200 - 10 height=1\n00:06:00 c global up 200 - 10\n", "1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := writeRaw(t, "# round aaaa 00:05:00 fra\n"+tt.raw)
			st := &State{Checks: map[string]map[string]*RegionState{"c": {"global": {}}}}
			if err := fillValues(dir, st, time.Time{}); err != nil {
				t.Fatal(err)
			}
			if v := st.Get("c", "global").Values["height"]; v != tt.want {
				t.Errorf("height %q, want %q", v, tt.want)
			}
		})
	}
}

// Rounds of several locations interleave in a day file: history check
// judges the order of each location's samples on their own.
func TestCheckOrderPerLocation(t *testing.T) {
	dir := writeRaw(t, "# round aaaa 00:05:00 fra\n"+
		"00:05:02 c global up 200 - 10\n"+
		"# round bbbb 00:05:00 iad\n"+
		"00:05:01 c global up 200 - 10\n"+
		"# round cccc 00:04:00 fra\n"+
		"00:04:00 c global up 200 - 10\n") // line 10: out of order for fra
	rep, err := Check(dir, CheckOptions{Now: day0.Add(10 * time.Minute)})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, p := range rep.Problems {
		if p.Kind == OutOfOrder {
			got = append(got, p.String())
			if p.Line != 10 {
				t.Errorf("out-of-order at line %d, want 10: %s", p.Line, p)
			}
		}
	}
	if len(got) != 1 {
		t.Errorf("out-of-order notes %q, want one", got)
	}
}

// A corrupt state file is rebuilt from the raw samples of every location:
// the status is decided across them and each location's last round comes
// back (for stale-location incidents).
func TestRebuildStateLocations(t *testing.T) {
	dir := writeRaw(t, "# round aaaa 00:00:00 fra\n"+
		"00:00:01 c global down 0 timeout 10\n"+
		"# round bbbb 00:00:00 iad\n"+
		"00:00:02 c global up 200 - 10\n")
	if err := os.WriteFile(filepath.Join(dir, StateFile), []byte("<<<<<<< HEAD\n{"), 0o644); err != nil {
		t.Fatal(err)
	}
	st, err := loadState(dir, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	if rs := st.Get("c", "global"); rs == nil || rs.Status != prober.Down {
		t.Errorf("rebuilt entry %+v, want down (fra saw it down, quorum 1)", rs)
	}
	if !st.Locations["fra"].Equal(day0.Add(time.Second)) || !st.Locations["iad"].Equal(day0.Add(2*time.Second)) {
		t.Errorf("locations %v", st.Locations)
	}
}
