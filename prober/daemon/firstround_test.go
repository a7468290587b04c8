package daemon

import (
	"context"
	"log/slog"
	"sync/atomic"
	"testing"

	"github.com/upchain-dev/upchain/prober/config"
)

func TestFirstRoundIsDoneOnceEveryCheckRan(t *testing.T) {
	tests := []struct {
		name   string
		want   int
		runs   []string
		doneAt int // index of the run that completes the round; -1: none
	}{
		{"all once", 3, []string{"a", "b", "c", "a"}, 2},
		{"repeats do not count twice", 3, []string{"a", "a", "b", "a", "c", "c"}, 4},
		{"not yet", 3, []string{"a", "b", "b"}, -1},
		{"one check", 1, []string{"a", "a"}, 0},
	}
	for _, tt := range tests {
		f := newFirstRound(tt.want)
		got := -1
		for i, c := range tt.runs {
			f.note(c) // a second close would panic
			select {
			case <-f.done:
				if got < 0 {
					got = i
				}
			default:
			}
		}
		if got != tt.doneAt {
			t.Errorf("%s: done at run %d, want %d", tt.name, got, tt.doneAt)
		}
	}
}

func TestSiteIsBuiltOnceTheFirstRoundIsCommitted(t *testing.T) {
	held := newEndpoint(t, true)
	s := newSite(t)
	s.write(baseConfig, httpCheck("held", held.URL))
	h := newHistory()
	var builds atomic.Int32
	built := make(chan struct{}, 10)
	start(t, Options{ConfigPath: s.path(), Stages: func(*config.Loaded, *slog.Logger) (Stages, error) {
		return Stages{Pipeline: h, Site: func(context.Context) error {
			builds.Add(1)
			built <- struct{}{}
			return nil
		}}, nil
	}})
	<-held.arrived // the only check's first probe is held: no round is complete
	if n := builds.Load(); n != 0 {
		t.Fatalf("site built %d times before the first round", n)
	}
	held.release()
	<-built
	h.mu.Lock()
	defer h.mu.Unlock()
	if len(h.flushed) == 0 || len(h.flushed[0]) == 0 {
		t.Errorf("site built before the first round was committed (flushes %v)", sizes(h.flushed))
	}
}
