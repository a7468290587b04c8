package incident

import (
	"strings"
	"testing"

	"github.com/upchain-dev/upchain/prober"
)

// A notification states each failed condition once: the prober's reason
// for a failed condition already names it with what was observed.
func TestRegionLineSaysEachFailedConditionOnce(t *testing.T) {
	failed := []prober.FailedCondition{
		{Condition: "height == 100", Observed: "height=7"},
		{Condition: "peers == 3", Observed: "peers=1"},
	}
	d := regionDetail{Name: "eu-west", Status: prober.Down,
		Reason: "failed: height == 100 (height=7); failed: peers == 3 (peers=1)", Failed: failed}
	got := regionLine(d)
	for _, c := range []string{"height == 100", "peers == 3", "height=7", "peers=1"} {
		if n := strings.Count(got, c); n != 1 {
			t.Errorf("%q appears %d times in %q", c, n, got)
		}
	}
	if strings.Contains(got, "observed") {
		t.Errorf("condition repeated as observed: %q", got)
	}

	// A reason that is not about the conditions (the probe's own failure)
	// keeps them, each once, with what was observed.
	d.Reason = "HTTP 503"
	got = regionLine(d)
	for _, want := range []string{"eu-west: down — HTTP 503", "height == 100 (observed height=7)", "peers == 3 (observed peers=1)"} {
		if strings.Count(got, want) != 1 {
			t.Errorf("%q not said once in %q", want, got)
		}
	}

	// A reason cut short before a condition: that condition is added.
	d.Reason = "failed: height == 100 (height=7)"
	got = regionLine(d)
	if strings.Count(got, "height == 100") != 1 || !strings.Contains(got, "peers == 3 (observed peers=1)") {
		t.Errorf("got %q", got)
	}
}
