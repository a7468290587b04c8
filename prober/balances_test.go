package prober

import (
	"strings"
	"testing"
)

// wantLoad loads checksYAML and checks the outcome: no error when want
// is "", else an error containing want.
func wantLoad(t *testing.T, checksYAML, want string) {
	t.Helper()
	_, err := loadYAML(t, checksYAML, nil)
	if want == "" && err != nil {
		t.Errorf("%s: %v", checksYAML, err)
	}
	if want != "" && (err == nil || !strings.Contains(err.Error(), want)) {
		t.Errorf("%s: err = %v, want %q", checksYAML, err, want)
	}
}
