package fdlimit

import (
	"strings"
	"testing"
)

func TestCheck(t *testing.T) {
	tests := []struct {
		name     string
		inflight int
		limit    uint64
		want     []string // in the error; nil: no error
	}{
		{"fits", 1024, 20000, nil},
		{"exactly", 1024 - Reserve, 1024, nil},
		{"too low", 1024, 1024, []string{"10,000 checks probe 1024 endpoints at once", "about 1088 open files", "limit is 1024", "ulimit -n 1088", "defaults.concurrency to 960"}},
		{"tiny limit", 500, 32, []string{"limit is 32", "defaults.concurrency to 1 "}},
	}
	for _, tt := range tests {
		err := check(Need(tt.inflight), tt.limit, tt.inflight, "10,000 checks")
		if tt.want == nil {
			if err != nil {
				t.Errorf("%s: %v", tt.name, err)
			}
			continue
		}
		if err == nil {
			t.Errorf("%s: no error", tt.name)
			continue
		}
		for _, w := range tt.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%s: %q lacks %q", tt.name, err, w)
			}
		}
	}
}

// After Ensure the soft limit is the hard one, so a need within the hard
// limit passes.
func TestEnsureRaisesToTheHardLimit(t *testing.T) {
	limit, ok := raise()
	if !ok {
		t.Skip("no open-file limit on this OS")
	}
	again, _ := raise()
	if again != limit {
		t.Errorf("raise is not idempotent: %d then %d", limit, again)
	}
	if err := Ensure(int(limit)-Reserve, "test"); err != nil {
		t.Errorf("Ensure within the raised limit %d: %v", limit, err)
	}
	if err := Ensure(int(limit), "test"); err == nil {
		t.Errorf("Ensure beyond the limit %d: no error", limit)
	}
}
