package prober

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/upchain-dev/upchain/prober/simnet"
)

// The beacon node in these tests is simnet.Beacon, which answers in the
// shapes of ethereum/beacon-APIs as summarised in
// shared/reference/chains-detail.md section 1.

var beaconGenesis = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// beaconHarness runs rounds of one beacon check against a simulated node
// on a clock the test moves; each round's values are the next one's Prev.
type beaconHarness struct {
	node   *simnet.Beacon
	rounds *rounds
	mu     sync.Mutex
	now    time.Time
}

// newBeaconHarness starts at epoch 100, slot 10 of the epoch (past the
// quarter after which the previous epoch's liveness is read).
func newBeaconHarness(t *testing.T, options string, indices ...uint64) *beaconHarness {
	t.Helper()
	h := &beaconHarness{now: beaconGenesis.Add((100*32 + 10) * 12 * time.Second)}
	h.node = &simnet.Beacon{Now: h.clock, Genesis: beaconGenesis, Peers: 40, Validators: map[uint64]*simnet.BeaconValidator{}}
	for _, i := range indices {
		h.node.Validators[i] = simnet.NewBeaconValidator(i)
	}
	u := serveHTTP(t, h.node)
	timeout := "    timeout: 5s\n"
	if strings.Contains(options, "timeout:") {
		timeout = ""
	}
	l := mustLoad(t, "group: test\nchecks:\n  - name: b\n    kind: beacon\n    url: "+u+"\n"+timeout+options)
	h.rounds = newRounds(l)
	h.rounds.runner.Now = h.clock
	return h
}

func (h *beaconHarness) clock() time.Time {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.now
}

func (h *beaconHarness) advance(d time.Duration) {
	h.mu.Lock()
	h.now = h.now.Add(d)
	h.mu.Unlock()
}

const beaconEpoch = 32 * 12 * time.Second

func (h *beaconHarness) round(t *testing.T) Result {
	t.Helper()
	return byCheck(t, h.rounds.round(t), "b")
}

func beaconValidatorsYAML(ids ...uint64) string {
	parts := make([]string, len(ids))
	for i, id := range ids {
		parts[i] = strconv.FormatUint(id, 10)
	}
	return "    beacon:\n      validators: [" + strings.Join(parts, ", ") + "]\n"
}

func beaconWant(t *testing.T, r Result, want Status, reason ...string) {
	t.Helper()
	if r.Status != want {
		t.Fatalf("status %s, want %s: %s (%s) failed: %s", r.Status, want, r.Reason, r.ReasonCode, failedText(r))
	}
	text := r.Reason + " " + failedText(r)
	for _, s := range reason {
		if !strings.Contains(text, s) {
			t.Errorf("reason %q lacks %q", text, s)
		}
	}
}

func TestBeaconNodeOnly(t *testing.T) {
	h := newBeaconHarness(t, "")
	r := h.round(t)
	beaconWant(t, r, Up)
	head := uint64(100*32 + 10)
	for k, want := range map[string]string{
		"height": strconv.FormatUint(head, 10), "head_age_s": "0", "peers": "40", bvHealth: "200",
		bvFinalityLag: "2", bvEpoch: "100", bvGenesis: strconv.FormatInt(beaconGenesis.Unix(), 10), "syncing": "false",
	} {
		if r.Values[k] != want {
			t.Errorf("%s = %q, want %q", k, r.Values[k], want)
		}
	}
}

func TestBeaconSpecFromNode(t *testing.T) {
	// A testnet with 6 s slots and 8 slots per epoch: nothing assumes mainnet.
	h := newBeaconHarness(t, "")
	h.node.Update(func(b *simnet.Beacon) { b.SecondsPerSlot, b.SlotsPerEpoch = 6, 8 })
	r := h.round(t)
	beaconWant(t, r, Up)
	slot := uint64(h.clock().Sub(beaconGenesis) / (6 * time.Second))
	if r.Values["height"] != strconv.FormatUint(slot, 10) || r.Values[bvEpoch] != strconv.FormatUint(slot/8, 10) {
		t.Fatalf("height %s epoch %s, want slot %d epoch %d", r.Values["height"], r.Values[bvEpoch], slot, slot/8)
	}
}

func TestBeaconNodeStates(t *testing.T) {
	stalled := uint64(90)
	for _, tc := range []struct {
		name   string
		set    func(*simnet.Beacon)
		want   Status
		reason []string
	}{
		{"syncing", func(b *simnet.Beacon) { b.Syncing, b.SyncDistance = true, 500 }, Degraded, []string{"syncing.is_syncing == false", "health == 200"}},
		{"execution client offline", func(b *simnet.Beacon) { b.ELOffline = true }, Degraded, []string{"syncing.el_offline == false"}},
		{"optimistic", func(b *simnet.Beacon) { b.Optimistic = true }, Degraded, []string{"syncing.is_optimistic"}},
		{"not ready", func(b *simnet.Beacon) { b.HealthCode = 503 }, Down, []string{"health=503"}},
		{"stalled head", func(b *simnet.Beacon) { b.HeadLag = 20 }, Down, []string{"head.age < 1m"}},
		{"not finalizing", func(b *simnet.Beacon) { b.FinalityStalledAt = &stalled }, Down, []string{"finality.lag <= 4", "finality.lag=10"}},
		{"finality late by one epoch", func(b *simnet.Beacon) { e := uint64(97); b.FinalityStalledAt = &e }, Degraded, []string{"finality.lag <= 2"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newBeaconHarness(t, "")
			h.node.Update(tc.set)
			beaconWant(t, h.round(t), tc.want, tc.reason...)
		})
	}
}

func TestBeaconHealthyValidator(t *testing.T) {
	h := newBeaconHarness(t, beaconValidatorsYAML(7), 7)
	var r Result
	for range 3 {
		r = h.round(t)
		beaconWant(t, r, Up)
		h.advance(beaconEpoch)
	}
	for k, want := range map[string]string{
		bvStatus: "active_ongoing", bvIndex: "7", bvSlashed: "false", bvBalance: "32001000000",
		bvBalanceDelta: "0", bvAttMissed: "0", bvAttConsec: "0", bvAttEpoch: "101",
		bvWindows: "3L", "beacon_validators_active": "1", bvSyncCount: "0",
	} {
		if r.Values[k] != want {
			t.Errorf("%s = %q, want %q", k, r.Values[k], want)
		}
	}
	if _, ok := r.Values[bvFailing]; ok {
		t.Errorf("failing = %q for a healthy validator", r.Values[bvFailing])
	}
}

func TestBeaconMissedAttestationsInARow(t *testing.T) {
	h := newBeaconHarness(t, beaconValidatorsYAML(7, 8), 7, 8)
	r := h.round(t) // epoch 99 attested
	beaconWant(t, r, Up)
	h.node.Update(func(b *simnet.Beacon) {
		b.Offline = func(index, epoch uint64) bool { return index == 8 && epoch >= 100 }
	})
	for i, want := range []Status{Degraded, Degraded, Down} {
		h.advance(beaconEpoch)
		r = h.round(t)
		if r.Values[bvAttConsec] != strconv.Itoa(i+1) {
			t.Fatalf("round %d: missed in a row %q, want %d", i, r.Values[bvAttConsec], i+1)
		}
		beaconWant(t, r, want)
	}
	beaconWant(t, r, Down, "validators.missed_consecutive < 3")
	if r.Values[bvFailing] != "8 missed 3 attestations in a row" {
		t.Fatalf("failing %q", r.Values[bvFailing])
	}
	// A second probe in the same epoch asks nothing new.
	before := h.node.Calls()["POST /eth/v1/validator/liveness"]
	h.advance(12 * time.Second)
	r = h.round(t)
	if after := h.node.Calls()["POST /eth/v1/validator/liveness"]; after != before || before != 4 {
		t.Fatalf("liveness calls %d then %d, want 4 (one per epoch)", before, after)
	}
	if r.Values[bvAttConsec] != "3" {
		t.Fatalf("window lost between probes of one epoch: %v", r.Values[bvWindows])
	}
	// Back online: the run ends, the share stays above 10 %.
	h.node.Update(func(b *simnet.Beacon) { b.Offline = nil })
	h.advance(beaconEpoch)
	beaconWant(t, h.round(t), Degraded, "validators.missed_percent < 10")
}

func TestBeaconSkippedEpochsAreUnknown(t *testing.T) {
	h := newBeaconHarness(t, beaconValidatorsYAML(7), 7)
	h.node.Update(func(b *simnet.Beacon) { b.Offline = func(_, _ uint64) bool { return true } })
	h.round(t)
	h.advance(3 * beaconEpoch) // two epochs no probe saw
	r := h.round(t)
	if r.Values[bvWindows] != "1M2U1M" || r.Values[bvAttConsec] != "1" {
		t.Fatalf("window %q consecutive %q, want 1M2U1M and 1", r.Values[bvWindows], r.Values[bvAttConsec])
	}
}

func TestBeaconEarlyInEpochWaits(t *testing.T) {
	h := newBeaconHarness(t, beaconValidatorsYAML(7), 7)
	h.advance(-8 * 12 * time.Second) // slot 2 of epoch 100
	r := h.round(t)
	if n := h.node.Calls()["POST /eth/v1/validator/liveness"]; n != 0 || r.Values[bvAttEpoch] != "" {
		t.Fatalf("liveness asked %d times at slot 2 (epoch %q)", n, r.Values[bvAttEpoch])
	}
	beaconWant(t, r, Up)
}

func TestBeaconLateActivationNotCounted(t *testing.T) {
	h := newBeaconHarness(t, beaconValidatorsYAML(7), 7)
	h.node.Update(func(b *simnet.Beacon) { b.Validators[7].ActivationEpoch = 100 })
	r := h.round(t) // checks epoch 99, before the activation
	beaconWant(t, r, Up)
	if r.Values[bvWindows] != "1N" || h.node.Calls()["POST /eth/v1/validator/liveness"] != 0 {
		t.Fatalf("window %q, liveness calls %d", r.Values[bvWindows], h.node.Calls()["POST /eth/v1/validator/liveness"])
	}
}

func TestBeaconMissedProposal(t *testing.T) {
	h := newBeaconHarness(t, beaconValidatorsYAML(7), 7)
	cur := uint64(100 * 32)
	h.node.Update(func(b *simnet.Beacon) {
		b.Proposers = map[uint64]uint64{cur - 5: 7, cur + 3: 7, cur + 20: 7}
		b.EmptySlots = map[uint64]bool{cur - 5: true}
	})
	r := h.round(t)
	beaconWant(t, r, Degraded, "validators.proposals_missed == 0")
	if r.Values[bvFailing] != "7 missed the proposal at slot 3195" {
		t.Fatalf("failing %q", r.Values[bvFailing])
	}
	for k, want := range map[string]string{bvPropMissed: "1", bvPropMade: "1", bvPropNext: "3220", bvPropChecked: "3203"} {
		if r.Values[k] != want {
			t.Errorf("%s = %q, want %q", k, r.Values[k], want)
		}
	}
	// Judged slots are not asked again.
	headers := h.node.Calls()["GET /eth/v1/beacon/headers"]
	h.advance(12 * time.Second)
	h.round(t)
	if n := h.node.Calls()["GET /eth/v1/beacon/headers"]; n != headers {
		t.Fatalf("headers of judged slots fetched again: %d -> %d", headers, n)
	}
	// The miss leaves the window after 32 epochs.
	h.advance(33 * beaconEpoch)
	r = h.round(t)
	if r.Values[bvPropMissed] != "0" {
		t.Fatalf("missed proposal still counted: %v", r.Values[bvPropLog])
	}
}

func TestBeaconSlashed(t *testing.T) {
	h := newBeaconHarness(t, beaconValidatorsYAML(7), 7)
	beaconWant(t, h.round(t), Up)
	h.node.Update(func(b *simnet.Beacon) {
		v := b.Validators[7]
		v.Status, v.Slashed, v.Balance = "active_slashed", true, v.Balance-1_000_000_000
	})
	h.advance(12 * time.Second)
	r := h.round(t)
	beaconWant(t, r, Down, `validators.down == ""`, "active_slashed: 7")
	if r.Values[bvSlashed] != "true" || r.Values[bvBalanceDelta] != "-1000000000" || r.Values["beacon_validators_slashed"] != "1" {
		t.Fatalf("values %v", r.Values)
	}
}

func TestBeaconValidatorStates(t *testing.T) {
	for _, tc := range []struct {
		status string
		want   Status
		state  string
	}{
		{"pending_queued", Degraded, "pending"},
		{"active_exiting", Down, "exiting"},
		{"exited_unslashed", Down, "exited"},
		{"withdrawal_done", Down, "exited"},
		{"exited_slashed", Down, "slashed"},
	} {
		t.Run(tc.status, func(t *testing.T) {
			h := newBeaconHarness(t, beaconValidatorsYAML(7), 7)
			h.node.Update(func(b *simnet.Beacon) { b.Validators[7].Status = tc.status })
			r := h.round(t)
			beaconWant(t, r, tc.want, tc.status+": 7")
			if r.Values["beacon_validators_"+tc.state] != "1" {
				t.Fatalf("not counted as %s: %v", tc.state, r.Values)
			}
		})
	}
}

func TestBeaconByPubkeyAndUnknown(t *testing.T) {
	opts := "    beacon:\n      validators: [\"" + simnet.BeaconPubkey(7) + "\", \"99\"]\n"
	h := newBeaconHarness(t, opts, 7)
	r := h.round(t)
	beaconWant(t, r, Down, "unknown: 99")
	if r.Values["beacon_validators_active"] != "1" || r.Values["beacon_validators_unknown"] != "1" {
		t.Fatalf("values %v", r.Values)
	}
}

func TestBeaconManyValidatorsNamesCapped(t *testing.T) {
	var ids []uint64
	for i := uint64(1000); i < 1050; i++ {
		ids = append(ids, i)
	}
	h := newBeaconHarness(t, beaconValidatorsYAML(ids...), ids...)
	h.node.Update(func(b *simnet.Beacon) {
		for i := uint64(1000); i < 1015; i++ {
			b.Validators[i].Status = "exited_unslashed"
		}
		b.SyncCommittee = map[uint64]bool{1020: true, 1021: true}
	})
	r := h.round(t)
	beaconWant(t, r, Down, `exited_unslashed: 1000, 1001`, "1009 and 5 more")
	for k, want := range map[string]string{"beacon_validators_exited": "15", "beacon_validators_active": "35", bvSyncCount: "2", bvWindows: "1N*15,1L*35"} {
		if r.Values[k] != want {
			t.Errorf("%s = %q, want %q", k, r.Values[k], want)
		}
	}
}

func TestBeaconWatchListChangeStartsAfresh(t *testing.T) {
	h := newBeaconHarness(t, beaconValidatorsYAML(7), 7, 8)
	h.node.Update(func(b *simnet.Beacon) { b.Offline = func(_, _ uint64) bool { return true } })
	h.round(t)
	// Another list with state of the old one in Prev.
	for k, v := range h.rounds.prev {
		v[bvWatch] = "other"
		h.rounds.prev[k] = v
	}
	h.advance(beaconEpoch)
	if r := h.round(t); r.Values[bvWindows] != "1M" {
		t.Fatalf("window %q, want a fresh 1M", r.Values[bvWindows])
	}
}

func TestBeaconHostile(t *testing.T) {
	huge := strings.Repeat(" ", 2<<20)
	for _, tc := range []struct {
		name string
		path string
		body string
		code int
		want ReasonCode
		msg  string
	}{
		{"bad JSON", "/eth/v1/node/syncing", `{"data":{`, 200, ReasonBadResponse, "unexpected answer"},
		{"wrong types", "/eth/v1/beacon/genesis", `{"data":{"genesis_time":1767225600}}`, 200, ReasonBadResponse, "decimal string"},
		{"negative slot", "/eth/v1/beacon/headers/head", `{"data":{"header":{"message":{"slot":"-1"}}}}`, 200, ReasonBadResponse, "not a decimal"},
		{"zero slot length", "/eth/v1/config/spec", `{"data":{"SECONDS_PER_SLOT":"0","SLOTS_PER_EPOCH":"32"}}`, 200, ReasonBadResponse, "SECONDS_PER_SLOT"},
		{"huge body", "/eth/v1/beacon/states/head/validators", `{"data":[` + huge + `]}`, 200, ReasonTooLarge, "larger than"},
		{"validators 404", "/eth/v1/beacon/states/head/validators", `{"code":404,"message":"Validator not found"}`, 404, ReasonHTTPStatus, "Validator not found"},
		{"validator wrong types", "/eth/v1/beacon/states/head/validators", `{"data":[{"index":7,"balance":"1","status":"active_ongoing","validator":{}}]}`, 200, ReasonBadResponse, "decimal string"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newBeaconHarness(t, beaconValidatorsYAML(7), 7)
			h.node.Update(func(b *simnet.Beacon) {
				b.Hook = func(w http.ResponseWriter, r *http.Request) bool {
					if r.URL.Path != tc.path {
						return false
					}
					w.WriteHeader(tc.code)
					fmt.Fprint(w, tc.body)
					return true
				}
			})
			r := h.round(t)
			if r.Status != Down || r.ReasonCode != tc.want || !strings.Contains(r.Reason, tc.msg) {
				t.Fatalf("got %s %s %q, want down %s containing %q", r.Status, r.ReasonCode, r.Reason, tc.want, tc.msg)
			}
		})
	}
}

func TestBeaconHostileLivenessKeepsState(t *testing.T) {
	h := newBeaconHarness(t, beaconValidatorsYAML(7), 7)
	h.round(t)
	h.node.Update(func(b *simnet.Beacon) {
		b.Hook = func(w http.ResponseWriter, r *http.Request) bool {
			if !strings.HasPrefix(r.URL.Path, "/eth/v1/validator/liveness/") {
				return false
			}
			fmt.Fprint(w, `{"data":[{"index":"7","is_live":"yes"}]}`)
			return true
		}
	})
	h.advance(beaconEpoch)
	r := h.round(t)
	beaconWant(t, r, Up)
	if r.Values[bvWindows] != "1L" || r.Values[bvAttEpoch] != "99" || !strings.Contains(r.Values[bvAttError], "unexpected answer") {
		t.Fatalf("window %q epoch %q error %q", r.Values[bvWindows], r.Values[bvAttEpoch], r.Values[bvAttError])
	}
	// The next probe in the epoch retries and catches up.
	h.node.Update(func(b *simnet.Beacon) { b.Hook = nil })
	h.advance(12 * time.Second)
	if r := h.round(t); r.Values[bvWindows] != "2L" {
		t.Fatalf("window %q after retry", r.Values[bvWindows])
	}
}

func TestBeaconValidate(t *testing.T) {
	for _, tc := range []struct {
		options, want string
	}{
		{"validators: [abc]", "neither a validator index nor a 0x pubkey"},
		{"validators: [1, 1]", "listed twice"},
		{"validators: [1]\n      attestation_window: 5000", "between 1 and 1024"},
		{"max_finality_lag: 1", "2 or more"},
		{"missed_attestations_percent: 120", "between 0 (off) and 100"},
		{"attestation_window: 10", "only applies to validators"},
	} {
		_, err := loadYAML(t, "group: test\nchecks:\n  - name: b\n    kind: beacon\n    url: http://127.0.0.1:5052\n    beacon:\n      "+tc.options+"\n", nil)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: got %v, want %q", tc.options, err, tc.want)
		}
	}
	if _, err := loadYAML(t, "group: test\nchecks:\n  - name: b\n    kind: beacon\n    url: ws://127.0.0.1:5052\n", nil); err == nil || !strings.Contains(err.Error(), "http(s)://") {
		t.Errorf("ws url: %v", err)
	}
}

// Every variable the kind declares is set by a probe of validators.
func TestBeaconVarsAreProvided(t *testing.T) {
	h := newBeaconHarness(t, beaconValidatorsYAML(7), 7)
	c := h.rounds.runner.Config.Checks[0]
	tg := &Target{Check: c, Region: c.Targets()[0], MaxBody: 1 << 20, Now: h.clock}
	obs, err := beaconKind{}.Probe(context.Background(), tg)
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range (beaconKind{}).Vars() {
		if _, ok := obs.Vars[v]; !ok && v != "latency" && v != "region" && !(v == "status" && obs.Code != 0) {
			t.Errorf("var %q not set", v)
		}
	}
}

// A node that never answers fails the check at its timeout; it cannot
// hang the round.
func TestBeaconHangingNode(t *testing.T) {
	h := newBeaconHarness(t, "    timeout: 1s\n"+beaconValidatorsYAML(7), 7)
	h.node.Update(func(b *simnet.Beacon) {
		b.Hook = func(w http.ResponseWriter, r *http.Request) bool {
			if r.URL.Path != "/eth/v1/beacon/states/head/validators" {
				return false
			}
			// Read the body first: only then does net/http notice the client
			// hanging up and cancel the request's context. The timer only
			// keeps a broken test from blocking the server's Close.
			_, _ = io.Copy(io.Discard, r.Body)
			select {
			case <-r.Context().Done():
			case <-time.After(20 * time.Second):
			}
			return true
		}
	})
	r := h.round(t)
	if r.Status != Down || r.ReasonCode != ReasonTimeout {
		t.Fatalf("got %s %s %q, want down by timeout", r.Status, r.ReasonCode, r.Reason)
	}
}
