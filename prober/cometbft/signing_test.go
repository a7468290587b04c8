package cometbft_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/upchain-dev/upchain/prober/cometbft"
	"github.com/upchain-dev/upchain/prober/cometbft/cometbfttest"
	"github.com/upchain-dev/upchain/prober/jsonrpc"
)

// addr makes a 20-byte hex consensus address from n.
func addr(n int) string { return fmt.Sprintf("%040X", n) }

// bigSet is 150 validators: /validators needs two pages of 100.
func bigSet() []cometbfttest.Validator {
	set := make([]cometbfttest.Validator, 150)
	for i := range set {
		set[i] = cometbfttest.Validator{Address: addr(i + 1), Power: int64(1000 - i)}
	}
	return set
}

func dial(t *testing.T, chain *cometbfttest.Chain, ws bool) cometbft.RPC {
	t.Helper()
	srv := httptest.NewServer(chain)
	t.Cleanup(srv.Close)
	u := srv.URL
	if ws {
		u = "ws" + strings.TrimPrefix(u, "http") + "/websocket"
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	cl, err := jsonrpc.Dial(ctx, u, jsonrpc.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cl.Close() })
	return cometbft.RPC{C: cl}
}

func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	return c
}

func TestTrackCountsAbsentByIndex(t *testing.T) {
	me := addr(121) // index 120: on the second page of /validators
	missed := map[int64]bool{95: true, 98: true, 99: true}
	for _, ws := range []bool{false, true} {
		t.Run(fmt.Sprintf("websocket=%v", ws), func(t *testing.T) {
			chain := &cometbfttest.Chain{
				ChainID: "test-1", Latest: 100, Earliest: 1, LatestTime: time.Now(),
				Set:        func(int64) []cometbfttest.Validator { return bigSet() },
				Absent:     func(h int64, a string) bool { return a == me && missed[h] },
				Proposer:   func(h int64) string { return map[bool]string{true: me, false: addr(1)}[h%10 == 0] },
				OutOfOrder: ws,
			}
			r := cometbft.Track(ctx(t), dial(t, chain, ws), cometbft.Params{Address: strings.ToLower(me), Window: 20, MaxBlocks: 50}, cometbft.State{}, 100, 1)
			if r.Err != nil {
				t.Fatal(r.Err)
			}
			// Heights 80..99: the latest block's commit is not final yet.
			if got := chain.Commits(); len(got) != 20 || slices.Min(got) != 80 || slices.Max(got) != 99 {
				t.Errorf("commits fetched %v, want 80..99", got)
			}
			st := r.Stats
			want := cometbft.Stats{Signed: 17, Missed: 3, Proposed: 2, Counted: 20, Consecutive: 2}
			if st != want {
				t.Errorf("stats %+v, want %+v (window %s)", st, want, r.State.Window)
			}
			if r.State.LastChecked != 99 || r.State.Set.Index != 120 || !r.State.Set.InSet() {
				t.Errorf("state %+v", r.State)
			}
			// One set for all heights: /validators read once (two pages).
			if n := chain.Calls()["validators"]; n != 2 {
				t.Errorf("validators called %d times, want 2 (one set, two pages)", n)
			}
		})
	}
}

func TestTrackIsIncremental(t *testing.T) {
	me := addr(2)
	chain := &cometbfttest.Chain{
		ChainID: "test-1", Latest: 50, Earliest: 1, LatestTime: time.Now(),
		Set:    func(int64) []cometbfttest.Validator { return bigSet()[:4] },
		Absent: func(h int64, a string) bool { return a == me && h >= 55 },
	}
	rpc := dial(t, chain, false)
	p := cometbft.Params{Address: me, Window: 30, MaxBlocks: 100}
	r1 := cometbft.Track(ctx(t), rpc, p, cometbft.State{}, 50, 1)
	chain.Commits()
	if r1.Stats.Signed != 30 || r1.State.LastChecked != 49 {
		t.Fatalf("first round: %+v last %d", r1.Stats, r1.State.LastChecked)
	}
	chain.Update(func(c *cometbfttest.Chain) { c.Latest = 60 })
	r2 := cometbft.Track(ctx(t), rpc, p, r1.State, 60, 1)
	if got := chain.Commits(); len(got) != 10 || slices.Min(got) != 50 {
		t.Errorf("second round fetched %v, want only 50..59", got)
	}
	if n := chain.Calls()["validators"]; n != 1 {
		t.Errorf("validators called %d times: the set was known from the previous round", n)
	}
	want := cometbft.Stats{Signed: 25, Missed: 5, Counted: 30, Consecutive: 5}
	if r2.Stats != want {
		t.Errorf("stats %+v, want %+v", r2.Stats, want)
	}
	// Nothing new (a stalled chain): nothing fetched, the window stays.
	r3 := cometbft.Track(ctx(t), rpc, p, r2.State, 60, 1)
	if got := chain.Commits(); len(got) != 0 || r3.Stats != want {
		t.Errorf("stalled chain: fetched %v, stats %+v", got, r3.Stats)
	}
	// A lagging backend behind a load balancer answers an older height:
	// the window is kept.
	r4 := cometbft.Track(ctx(t), rpc, p, r2.State, 57, 1)
	if r4.Stats != want || r4.State.LastChecked != 59 {
		t.Errorf("older height: %+v last %d", r4.Stats, r4.State.LastChecked)
	}
}

func TestTrackCapsBlocksPerRound(t *testing.T) {
	me := addr(1)
	chain := &cometbfttest.Chain{
		ChainID: "test-1", Latest: 1001, Earliest: 1, LatestTime: time.Now(),
		Set: func(int64) []cometbfttest.Validator { return bigSet()[:3] },
	}
	rpc := dial(t, chain, false)
	prev := cometbft.State{LastChecked: 950, Window: cometbft.Window{cometbft.Signed, cometbft.Missed}}
	r := cometbft.Track(ctx(t), rpc, cometbft.Params{Address: me, Window: 100, MaxBlocks: 10}, prev, 1001, 1)
	got := chain.Commits()
	slices.Sort(got)
	if len(got) != 10 || got[0] != 991 || got[9] != 1000 {
		t.Errorf("fetched %v, want the newest 10 (991..1000)", got)
	}
	// The 40 heights skipped by the cap are unknown, not missed.
	w := r.State.Window.String()
	if w != "1S1M40U10P" {
		t.Errorf("window %s, want 1S1M40U10P", w)
	}
	if r.Stats.Missed != 1 || r.Stats.Signed != 11 || r.Stats.Consecutive != 0 {
		t.Errorf("stats %+v", r.Stats)
	}
}

func TestTrackHugeHeights(t *testing.T) {
	const latest = int64(1)<<62 + 12345 // beyond 2^53: exact only as integers
	me := addr(3)
	chain := &cometbfttest.Chain{
		ChainID: "test-1", Latest: latest, Earliest: latest - 1000, LatestTime: time.Now(),
		Set:    func(int64) []cometbfttest.Validator { return bigSet()[:5] },
		Absent: func(h int64, a string) bool { return a == me && h == latest-2 },
	}
	r := cometbft.Track(ctx(t), dial(t, chain, true), cometbft.Params{Address: me, Window: 5, MaxBlocks: 5}, cometbft.State{}, latest, latest-1000)
	if r.Err != nil {
		t.Fatal(r.Err)
	}
	if r.State.LastChecked != latest-1 || r.State.Window.String() != "3S1M1S" {
		t.Errorf("last %d window %s", r.State.LastChecked, r.State.Window)
	}
	got := chain.Commits()
	slices.Sort(got)
	if got[0] != latest-5 || got[4] != latest-1 {
		t.Errorf("heights %v", got)
	}
}

func TestTrackUnknownAndNotInSet(t *testing.T) {
	me := addr(7)
	// The validator joins the set at height 15.
	set := func(h int64) []cometbfttest.Validator {
		s := bigSet()[:6]
		if h >= 15 {
			s = append(s, cometbfttest.Validator{Address: me, Power: 1})
		}
		return s
	}
	chain := &cometbfttest.Chain{
		ChainID: "test-1", Latest: 21, Earliest: 1, LatestTime: time.Now(),
		Set:           set,
		Absent:        func(h int64, a string) bool { return a == me && h == 19 },
		NonCanonical:  map[int64]bool{17: true},
		DropSignature: map[int64]bool{18: true},
	}
	rpc := dial(t, chain, false)
	r := cometbft.Track(ctx(t), rpc, cometbft.Params{Address: me, Window: 10, MaxBlocks: 10}, cometbft.State{}, 21, 1)
	// 11..14 not in set, 15 16 signed, 17 not canonical, 18 a commit that
	// does not match the set, 19 missed, 20 signed.
	if w := r.State.Window.String(); w != "4N2S2U1M1S" {
		t.Errorf("window %s, want 4N2S2U1M1S", w)
	}
	if r.Failed != 1 || r.Err == nil || !strings.Contains(r.Err.Error(), "canonical") {
		t.Errorf("failed %d err %v", r.Failed, r.Err)
	}
	if !r.State.Set.InSet() || r.State.Set.Power != 1 {
		t.Errorf("set %+v", r.State.Set)
	}
	if n := chain.Calls()["validators"]; n != 2 {
		t.Errorf("validators called %d times, want 2 (two sets)", n)
	}
}

func TestTrackNotInSetAtAll(t *testing.T) {
	chain := &cometbfttest.Chain{
		ChainID: "test-1", Latest: 2, Earliest: 1, LatestTime: time.Now(),
		Set: func(int64) []cometbfttest.Validator { return bigSet()[:2] },
	}
	r := cometbft.Track(ctx(t), dial(t, chain, false), cometbft.Params{Address: addr(99), Window: 10, MaxBlocks: 10}, cometbft.State{}, 2, 1)
	if r.State.Set.InSet() || r.State.Window.String() != "1N" || r.Stats.Counted != 0 {
		t.Errorf("state %+v stats %+v", r.State, r.Stats)
	}
	// Height 1: no final commit yet; the latest set is asked directly.
	chain.Update(func(c *cometbfttest.Chain) { c.Latest = 1 })
	r = cometbft.Track(ctx(t), dial(t, chain, false), cometbft.Params{Address: addr(2), Window: 10, MaxBlocks: 10}, cometbft.State{}, 1, 1)
	if !r.State.Set.InSet() || r.State.Set.Index != 1 {
		t.Errorf("first block: set %+v", r.State.Set)
	}
}

func TestTrackStopsAtDeadline(t *testing.T) {
	chain := &cometbfttest.Chain{
		ChainID: "test-1", Latest: 500, Earliest: 1, LatestTime: time.Now(),
		Set: func(int64) []cometbfttest.Validator { return bigSet()[:2] },
	}
	rpc := dial(t, chain, false)
	c, cancel := context.WithCancel(context.Background())
	cancel() // no time at all: everything unknown, nothing hangs
	r := cometbft.Track(c, rpc, cometbft.Params{Address: addr(1), Window: 100, MaxBlocks: 100}, cometbft.State{}, 500, 1)
	if r.Fetched != 0 || r.Failed != 100 || r.Stats.Counted != 0 {
		t.Errorf("fetched %d failed %d stats %+v", r.Fetched, r.Failed, r.Stats)
	}
}
