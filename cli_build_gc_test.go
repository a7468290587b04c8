package main

import (
	"runtime/debug"
	"testing"
)

// TestBuildGC: a build collects garbage at buildGCPercent unless GOGC is
// set, which wins.
func TestBuildGC(t *testing.T) {
	old := debug.SetGCPercent(100)
	t.Cleanup(func() { debug.SetGCPercent(old) })
	for _, tt := range []struct {
		env  string
		want int
	}{{"", buildGCPercent}, {"150", 100}, {"off", 100}} {
		t.Setenv("GOGC", tt.env)
		debug.SetGCPercent(100) // as the runtime left it
		setBuildGC()
		if got := debug.SetGCPercent(100); got != tt.want {
			t.Errorf("GOGC=%q: collector at %d %%, want %d", tt.env, got, tt.want)
		}
	}
}
