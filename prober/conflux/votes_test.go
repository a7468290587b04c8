package conflux

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"testing"
)

const me = "0x046ca462890f25ed9394ca9f92c979ff48e1738a81822ecab96d83813c1a433c"

// blocks is an in-memory PoS chain in pos_getBlockByNumber's and
// pos_getCommittee's shapes (pos/block.rs, pos/committee.rs): 10 blocks a
// term; signed(h) and member(term) script the validator.
type blocks struct {
	signed func(h uint64) bool
	member func(term uint64) bool
	broken map[uint64]bool // heights that answer an error
	mu     sync.Mutex
	asked  []uint64
}

func (b *blocks) CallInto(_ context.Context, method string, params, out any) error {
	p := params.([]any)
	h, _ := strconv.ParseUint(strings.TrimPrefix(p[0].(string), "0x"), 16, 64)
	term := 1 + (h-1)/10
	var raw string
	switch method {
	case "pos_getBlockByNumber":
		b.mu.Lock()
		b.asked = append(b.asked, h)
		b.mu.Unlock()
		if b.broken[h] {
			return errors.New("boom")
		}
		sigs := `[{"account":"0x459b","votes":"0x32"}]`
		if b.signed(h) {
			sigs = `[{"account":"0x459b","votes":"0x32"},{"account":"` + "0x" + strings.ToUpper(me[2:]) + `","votes":"0xc8"}]`
		}
		raw = fmt.Sprintf(`{"height":"0x%x","epoch":"0x%x","timestamp":"0x5cce0e869522a","signatures":%s}`, h, term, sigs)
	case "pos_getCommittee":
		nodes := `[{"address":"0x459b","votingPower":"0x32"}]`
		if b.member(term) {
			nodes = `[{"address":"0x459b","votingPower":"0x32"},{"address":"` + me + `","votingPower":"0xc8"}]`
		}
		raw = fmt.Sprintf(`{"currentCommittee":{"epochNumber":"0x%x","nodes":%s},"elections":[]}`, term, nodes)
	default:
		return fmt.Errorf("unexpected %s", method)
	}
	return json.Unmarshal([]byte(raw), out)
}

func TestTrackVotes(t *testing.T) {
	always := func(uint64) bool { return true }
	for _, tc := range []struct {
		name      string
		chain     *blocks
		prev      VoteState
		latest    uint64
		window    int
		maxBlocks int
		want      string // the window after the probe
		asked     int
		err       bool
	}{
		{name: "first probe reads the newest blocks", chain: &blocks{signed: always, member: always},
			latest: 100, window: 20, maxBlocks: 5, want: "5S", asked: 5},
		{name: "continues after the last checked", chain: &blocks{signed: always, member: always},
			prev: VoteState{LastChecked: 97, Window: Window("SSS")}, latest: 100, window: 20, maxBlocks: 50, want: "6S", asked: 3},
		{name: "nothing new", chain: &blocks{signed: always, member: always},
			prev: VoteState{LastChecked: 100, Window: Window("SSS")}, latest: 100, window: 20, maxBlocks: 50, want: "3S", asked: 0},
		{name: "missed when in the committee and not signing", chain: &blocks{signed: func(h uint64) bool { return h < 98 }, member: always},
			prev: VoteState{LastChecked: 95, Window: Window("SS")}, latest: 100, window: 20, maxBlocks: 50, want: "4S3M", asked: 5},
		{name: "not in the committee is not missed", chain: &blocks{signed: func(h uint64) bool { return h <= 100 }, member: func(term uint64) bool { return term <= 10 }},
			prev: VoteState{LastChecked: 98, Window: Window("S")}, latest: 103, window: 20, maxBlocks: 50, want: "3S3N", asked: 5},
		{name: "a gap beyond the cap is unknown", chain: &blocks{signed: always, member: always},
			prev: VoteState{LastChecked: 80, Window: Window("SS")}, latest: 100, window: 25, maxBlocks: 5, want: "2S15U5S", asked: 5},
		{name: "window keeps the newest", chain: &blocks{signed: always, member: always},
			prev: VoteState{LastChecked: 90, Window: Window("MMMMMMMMMM")}, latest: 100, window: 12, maxBlocks: 50, want: "2M10S", asked: 10},
		{name: "a chain that went back starts afresh", chain: &blocks{signed: always, member: always},
			prev: VoteState{LastChecked: 500, Window: Window("MMM")}, latest: 100, window: 20, maxBlocks: 3, want: "3S", asked: 3},
		{name: "unreadable blocks are unknown", chain: &blocks{signed: always, member: always, broken: map[uint64]bool{99: true}},
			prev: VoteState{LastChecked: 97, Window: Window("S")}, latest: 100, window: 20, maxBlocks: 50, want: "2S1U1S", asked: 3, err: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			// The current committee is the term of latest, as the probe
			// passes it in.
			cur := &CommitteeState{EpochNumber: U64(1 + (tc.latest-1)/10)}
			if tc.chain.member(uint64(cur.EpochNumber)) {
				cur.Nodes = []NodePower{{Address: me, VotingPower: 200}}
			}
			r := TrackVotes(context.Background(), Client{C: tc.chain}, VoteParams{Address: me, Window: tc.window, MaxBlocks: tc.maxBlocks},
				tc.prev, tc.latest, cur)
			if got := r.State.Window.String(); got != tc.want {
				t.Errorf("window %s, want %s", got, tc.want)
			}
			if r.State.LastChecked != tc.latest {
				t.Errorf("last checked %d, want %d", r.State.LastChecked, tc.latest)
			}
			if len(tc.chain.asked) != tc.asked {
				t.Errorf("read %d blocks %v, want %d", len(tc.chain.asked), tc.chain.asked, tc.asked)
			}
			if (r.Err != nil) != tc.err {
				t.Errorf("err %v, want error %v", r.Err, tc.err)
			}
		})
	}
}
