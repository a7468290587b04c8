package incident

import (
	"sync"
	"testing"

	"github.com/upchain-dev/upchain/prober/notify"
)

type fakeSubs struct {
	mu  sync.Mutex
	got []notify.Event
}

func (f *fakeSubs) Deliver(ev notify.Event) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.got = append(f.got, ev)
}

func TestSubscribersToldOfEachUpdateOnce(t *testing.T) {
	e := newEnv(t, false, "")
	r := e.runner()
	subs := &fakeSubs{}
	r.m.subs = subs
	r.round(down("dot-rpc/global"))
	r.round(down("dot-rpc/global"))            // opened
	r.apply(r.results(down("dot-rpc/global"))) // the same round again: nothing new
	r.round(nil)
	r.round(nil) // resolved
	var kinds []string
	for _, ev := range subs.got {
		if ev.Check != "dot-rpc" {
			t.Errorf("event for %s", ev.Check)
		}
		kinds = append(kinds, ev.Kind)
	}
	if len(kinds) != 2 || kinds[0] != KindOpened || kinds[1] != KindResolved {
		t.Fatalf("subscriber events %v", kinds)
	}
	// Subscribers add no update (nor pending target) to the incident file.
	if inc := r.only(); len(inc.Updates) != 2 {
		t.Fatalf("updates %+v", inc.Updates)
	}
}
