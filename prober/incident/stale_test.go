package incident

import (
	"strings"
	"testing"
	"time"
)

// TestStaleLocation: a location that records nothing for longer than
// stale_after (default 3 x 5m) gets one incident, opened by the runner
// that records next, with one notification; it resolves when the
// location records again.
func TestStaleLocation(t *testing.T) {
	e := newEnv(t, false, "")
	r := e.runner()
	r.st.Locations = map[string]time.Time{"fra": epoch, "sgp": epoch}
	step := func(sgpToo bool) string {
		r.now = r.now.Add(5 * time.Minute)
		r.st.Locations["fra"] = r.now
		if sgpToo {
			r.st.Locations["sgp"] = r.now
		}
		return r.apply(nil)
	}
	for i := 0; i < 3; i++ { // sgp silent 5, 10, 15 minutes: not yet stale
		if sum := step(false); strings.Contains(sum, "location") {
			t.Fatalf("round %d: %q, want no stale incident yet", i, sum)
		}
	}
	if sum := step(false); !strings.Contains(sum, "opened location sgp stopped") { // 20 minutes
		t.Fatalf("summary %q, want the stale incident", sum)
	}
	step(false)
	incs := r.incidents()
	if len(incs) != 1 || incs[0].Location != "sgp" || incs[0].Title != "Probes from sgp stopped" || !incs[0].IsOpen() {
		t.Fatalf("incidents %+v", incs)
	}
	if msgs := e.chat.messages(); len(msgs) != 1 || !strings.Contains(msgs[0], "sgp") {
		t.Errorf("notifications %q, want one naming sgp", msgs)
	}
	if sum := step(true); !strings.Contains(sum, "resolved location sgp") {
		t.Fatalf("summary %q, want the incident resolved", sum)
	}
	if incs := r.incidents(); len(incs) != 1 || incs[0].IsOpen() {
		t.Errorf("after sgp came back: %+v", incs)
	}
}
