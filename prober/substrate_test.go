package prober

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"math/big"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/upchain-dev/upchain/prober/config"
	"github.com/upchain-dev/upchain/prober/simnet"
	"github.com/upchain-dev/upchain/prober/substrate/scale"
	"github.com/upchain-dev/upchain/prober/substrate/ss58"
	"github.com/upchain-dev/upchain/prober/substrate/storage"
)

// The well-known development accounts Alice and Bob, and a third peer.
var (
	aliceID   = accountFromHex("d43593c715fdd31c61141abd04a99fd6822c8558854ccde39a5684e7a56da27d")
	bobID     = accountFromHex("8eaf04151687736326c9fea17e25fc5287613693c912909cb226aa4794f26a48")
	charlieID = accountFromHex("90b5ab205c6974c9ea841be688864633dc9ca8a357843eeacf2314649965fe22")
)

// GRANDPA keys of the three: the PSDK RPC test's keys 0x01×32 and 0x02×32,
// and 0x03×32.
var (
	aliceGran   = scale.AccountID(bytes.Repeat([]byte{1}, 32))
	bobGran     = scale.AccountID(bytes.Repeat([]byte{2}, 32))
	charlieGran = scale.AccountID(bytes.Repeat([]byte{3}, 32))
)

const alicePolkadot = "15oF4uVJwmo4TdGW7VfQxNLavjCXviqxT9S1MgbjMNHr6Sp5"

func accountFromHex(s string) scale.AccountID {
	b, err := hex.DecodeString(s)
	if err != nil || len(b) != 32 {
		panic(s)
	}
	var id scale.AccountID
	copy(id[:], b)
	return id
}

var substrateEpoch = time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)

// substrateHarness loads a check file through config.Load (options,
// validation and default conditions as users get them) and probes it with a
// Runner whose clock the test moves; each probe's values become the next
// probe's Prev, as history provides them.
type substrateHarness struct {
	t      *testing.T
	loaded *config.Loaded
	runner *Runner
	now    time.Time
	prev   Values
}

func loadChecks(t *testing.T, checkYAML string, env map[string]string) (*config.Loaded, error) {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "upchain.yml"), []byte("defaults:\n  timeout: 5s\n  retries: 0\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(dir, "checks"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "checks", "polkadot.yml"), []byte(checkYAML), 0o644); err != nil {
		t.Fatal(err)
	}
	return Load(filepath.Join(dir, "upchain.yml"), config.Options{Lookup: func(k string) (string, bool) {
		v, ok := env[k]
		return v, ok
	}})
}

func newSubstrateHarness(t *testing.T, checkYAML string, env map[string]string) *substrateHarness {
	t.Helper()
	l, err := loadChecks(t, checkYAML, env)
	if err != nil {
		t.Fatalf("load: %v", err)
	}
	h := &substrateHarness{t: t, loaded: l, now: substrateEpoch}
	h.runner = &Runner{Config: l, Now: func() time.Time { return h.now },
		Prev: func(string, string) Values { return h.prev }}
	return h
}

func (h *substrateHarness) probe(region ...config.Region) Result {
	h.t.Helper()
	reg := config.Region{Name: config.PublicRegion}
	if len(region) > 0 {
		reg = region[0]
	}
	res := h.runner.Probe(context.Background(), h.loaded.Checks[0], reg)
	h.prev = res.Values
	return res
}

// healthyValidator is a relay chain node at block 1000 (finalized 998,
// produced 4s ago) in session 300 with Alice, Bob and Charlie active and
// queued for the next session, era 50 with points for all three, Alice
// bonded with 2M DOT and no slashes.
func healthyValidator(f *fakeSubstrate, now time.Time) {
	f.SetQueuedKeys(map[scale.AccountID]scale.AccountID{aliceID: aliceGran, bobID: bobGran, charlieID: charlieGran})
	f.SetBond(aliceID, big.NewInt(2e16))
	f.SetTime(now.Add(-4 * time.Second))
	f.SetSession(300, bobID, aliceID, charlieID)
	f.SetEra(50, uint64(now.Add(-3*time.Hour).UnixMilli()))
	f.SetPoints(50, 3000, storage.ValidatorPoints{Account: aliceID, Points: 1000},
		storage.ValidatorPoints{Account: bobID, Points: 1100}, storage.ValidatorPoints{Account: charlieID, Points: 900})
}

func validatorCheck(url, extra string) string {
	return `group: Polkadot
checks:
  - name: Alice validator
    kind: substrate
    url: ` + url + `
    substrate:
      chain: Polkadot
      validator: ` + alicePolkadot + `
` + extra
}

func wantStatus(t *testing.T, res Result, want Status, reasonParts ...string) {
	t.Helper()
	t.Logf("%s: %s", res.Status, res.Reason)
	if res.Status != want {
		t.Fatalf("status %s (reason %q), want %s", res.Status, res.Reason, want)
	}
	for _, p := range reasonParts {
		if !strings.Contains(res.Reason, p) {
			t.Fatalf("reason %q does not contain %q", res.Reason, p)
		}
	}
}

func wantValues(t *testing.T, got Values, want map[string]string) {
	t.Helper()
	for k, v := range want {
		if got[k] != v {
			t.Errorf("value %s = %q, want %q (all: %v)", k, got[k], v, got)
		}
	}
}

func TestSubstrateHealthyValidator(t *testing.T) {
	f := newFakeSubstrate(t)
	healthyValidator(f, substrateEpoch)
	h := newSubstrateHarness(t, validatorCheck(f.wsURL(), ""), nil)
	res := h.probe()
	wantStatus(t, res, Up)
	wantValues(t, res.Values, map[string]string{
		"height": "1000", "finalized": "998", "finality_lag": "2", "head_age_s": "4.0", "peers": "12",
		"is_syncing": "false", "sync_lag": "0", "chain": "Polkadot", "version": "1.17.1-5f5b4ab1f3c",
		"session": "300", "active": "true", "era": "50", "points": "1000", "points_delta": "0", "era_total": "3000",
		"stalled_for_s": "0", "points_changed_at": "1748779200",
	})
	// Points grow by the next probe: delta reported, still up.
	h.now = h.now.Add(10 * time.Minute)
	f.SetTime(h.now.Add(-2 * time.Second))
	f.SetPoints(50, 3300, storage.ValidatorPoints{Account: aliceID, Points: 1100},
		storage.ValidatorPoints{Account: bobID, Points: 1200}, storage.ValidatorPoints{Account: charlieID, Points: 1000})
	res = h.probe()
	wantStatus(t, res, Up)
	wantValues(t, res.Values, map[string]string{"points": "1100", "points_delta": "100", "era_total": "3300", "head_age_s": "2.0"})
}

// The variables conditions see, with their types: written conditions on
// them must work as documented.
func TestSubstrateConditionVariables(t *testing.T) {
	f := newFakeSubstrate(t)
	healthyValidator(f, substrateEpoch)
	h := newSubstrateHarness(t, validatorCheck(f.wsURL(), `    conditions:
      - head.best == 1000 && head.finalized == 998 && finality_lag == 2
      - head.age < 5s && head.age > 3s
      - peers == 12 && is_syncing == false && sync_lag == 0
      - chain == "Polkadot" && version startsWith "1.17"
      - validator.active && validator.index == 1 && validator.set_size == 3
      - validator.points == 1000 && validator.era_total == 3000 && validator.points_delta == 0
      - validator.stalled_for == 0s && session == 300 && era == 50
      - validator.address == "`+alicePolkadot+`"
`), nil)
	wantStatus(t, h.probe(), Up)
}

func TestSubstrateValidatorLeavesActiveSet(t *testing.T) {
	f := newFakeSubstrate(t)
	healthyValidator(f, substrateEpoch)
	h := newSubstrateHarness(t, validatorCheck(f.wsURL(), ""), nil)
	wantStatus(t, h.probe(), Up)

	h.now = h.now.Add(5 * time.Minute)
	f.SetTime(h.now.Add(-3 * time.Second))
	f.SetSession(301, bobID, charlieID) // a new session without Alice
	res := h.probe()
	wantStatus(t, res, Down, "validator.active == true", "validator.active=false")
	wantValues(t, res.Values, map[string]string{"active": "false", "session": "301"})

	// require_active: false keeps a waiting validator up.
	h2 := newSubstrateHarness(t, validatorCheck(f.wsURL(), "      require_active: false\n"), nil)
	wantStatus(t, h2.probe(), Up)
}

func TestSubstratePointsStall(t *testing.T) {
	f := newFakeSubstrate(t)
	healthyValidator(f, substrateEpoch)
	h := newSubstrateHarness(t, validatorCheck(f.wsURL(), "      points_stall: 1h\n      points_stall_down: 2h\n"), nil)
	step := func(d time.Duration, total uint32, alice uint32) Result {
		h.now = h.now.Add(d)
		f.SetTime(h.now.Add(-3 * time.Second))
		f.SetPoints(50, total, storage.ValidatorPoints{Account: aliceID, Points: alice},
			storage.ValidatorPoints{Account: bobID, Points: total - alice - 900}, storage.ValidatorPoints{Account: charlieID, Points: 900})
		return h.probe()
	}
	wantStatus(t, step(0, 3000, 1000), Up)
	// Alice stays at 1000 while Bob earns: stalled, but for less than 1h.
	res := step(30*time.Minute, 3200, 1000)
	wantStatus(t, res, Up)
	wantValues(t, res.Values, map[string]string{"stalled_for_s": "1800", "points_delta": "0"})
	res = step(40*time.Minute, 3500, 1000)
	wantStatus(t, res, Degraded, "validator.stalled_for < 1h", "validator.stalled_for=1h10m0s")
	res = step(60*time.Minute, 3900, 1000)
	wantStatus(t, res, Down, "validator.stalled_for < 2h", "validator.stalled_for=2h10m0s")
	// Alice earns again: the clock resets.
	res = step(5*time.Minute, 4000, 1020)
	wantStatus(t, res, Up)
	wantValues(t, res.Values, map[string]string{"stalled_for_s": "0", "points_delta": "20"})
}

// When nobody earns points (the chain or its finality is stuck), a flat
// validator is not blamed: head age and finality lag report that.
func TestSubstratePointsFlatEverywhereIsNoStall(t *testing.T) {
	f := newFakeSubstrate(t)
	healthyValidator(f, substrateEpoch)
	h := newSubstrateHarness(t, validatorCheck(f.wsURL(), ""), nil)
	wantStatus(t, h.probe(), Up)
	h.now = h.now.Add(3 * time.Hour)
	f.SetTime(h.now.Add(-3 * time.Second))
	res := h.probe()
	wantStatus(t, res, Up)
	wantValues(t, res.Values, map[string]string{"stalled_for_s": "0"})
}

func TestSubstrateSyncingNode(t *testing.T) {
	f := newFakeSubstrate(t)
	f.SetTime(substrateEpoch.Add(-40 * time.Minute))
	highest := uint64(25000)
	f.Update(func(f *simnet.Substrate) { f.Syncing, f.Highest, f.Peers = true, &highest, 3 })
	h := newSubstrateHarness(t, `checks:
  - name: Polkadot RPC
    kind: substrate
    url: `+f.wsURL()+`
`, nil)
	res := h.probe()
	wantStatus(t, res, Down, "is_syncing == false", "is_syncing=true", "head.age < 2m", "head.age=40m0s")
	wantValues(t, res.Values, map[string]string{"sync_lag": "24000", "is_syncing": "true", "head_age_s": "2400.0"})

	// Caught up but a few blocks behind: degraded by max_sync_lag.
	highest = 1009
	f.Update(func(f *simnet.Substrate) { f.Syncing, f.Highest = false, &highest })
	f.SetTime(substrateEpoch.Add(-5 * time.Second))
	wantStatus(t, h.probe(), Degraded, "sync_lag <= 5", "sync_lag=9")
}

func TestSubstrateFinalityStall(t *testing.T) {
	f := newFakeSubstrate(t)
	f.SetTime(substrateEpoch.Add(-5 * time.Second))
	h := newSubstrateHarness(t, `checks:
  - name: Polkadot RPC
    kind: substrate
    url: `+f.wsURL()+`
    substrate:
      max_finality_lag: 10
`, nil)
	wantStatus(t, h.probe(), Up)
	// Best keeps going (fresh head), finalized stays at 998.
	for i := 0; i < 3; i++ {
		h.now = h.now.Add(time.Minute)
		f.SetTime(h.now.Add(-5 * time.Second))
		f.Update(func(f *simnet.Substrate) { f.Best += 10 })
		res := h.probe()
		lag := 2 + 10*(i+1)
		if lag <= 10 {
			wantStatus(t, res, Up)
			continue
		}
		wantStatus(t, res, Degraded, "finality_lag <= 10", "finality_lag=")
		wantValues(t, res.Values, map[string]string{"finalized": "998"})
	}
}

func TestSubstrateStaleHeadAndWrongChain(t *testing.T) {
	f := newFakeSubstrate(t)
	f.SetTime(substrateEpoch.Add(-3 * time.Minute))
	f.Update(func(f *simnet.Substrate) { f.Chain = "Kusama" })
	h := newSubstrateHarness(t, `checks:
  - name: Polkadot RPC
    kind: substrate
    url: `+f.httpURL()+`
    substrate:
      chain: Polkadot
      max_head_age: 90s
`, nil)
	res := h.probe()
	wantStatus(t, res, Down, "head.age < 1m30s", "head.age=3m0s", `chain == "Polkadot"`, `chain="Kusama"`)
}

func TestSubstrateHTTPTransport(t *testing.T) {
	f := newFakeSubstrate(t)
	healthyValidator(f, substrateEpoch)
	h := newSubstrateHarness(t, validatorCheck(f.httpURL(), ""), nil)
	res := h.probe()
	wantStatus(t, res, Up)
	if f.Calls("chain_getFinalizedHead") != 1 || f.Calls("system_syncState") != 1 {
		t.Fatalf("calls %v", f.AllCalls())
	}
}

func TestSubstrateMalformedSCALE(t *testing.T) {
	for _, tc := range []struct {
		name  string
		key   storage.Key
		value string
		want  []string
	}{
		{"validators short", storage.SessionValidators(), "0x08" + strings.Repeat("ab", 40),
			[]string{"malformed SCALE", "Session.Validators", "claims 2 elements of at least 32 bytes, only 40 bytes left"}},
		{"validators huge length", storage.SessionValidators(), "0x13ffffffffffffff3f",
			[]string{"Session.Validators", "claims 4611686018427387903 elements"}},
		{"timestamp short", storage.TimestampNow(), "0x0102",
			[]string{"Timestamp.Now", "need 8 bytes, 2 left"}},
		{"session index too long", storage.SessionCurrentIndex(), "0x0100000000",
			[]string{"Session.CurrentIndex", "1 unexpected bytes"}},
		{"active era bad option", storage.StakingActiveEra(), "0x3200000005",
			[]string{"Staking.ActiveEra", "tag is 0x05"}},
		{"reward points truncated", storage.StakingErasRewardPoints(50), "0xb80b000004" + strings.Repeat("00", 20),
			[]string{"Staking.ErasRewardPoints", "claims 1 elements of at least 36 bytes, only 20 bytes left"}},
		{"not hex", storage.TimestampNow(), "0xzz",
			[]string{"state_getStorage(Timestamp.Now)", "invalid hex"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFakeSubstrate(t)
			healthyValidator(f, substrateEpoch)
			f.SetRaw(tc.key, tc.value)
			h := newSubstrateHarness(t, validatorCheck(f.wsURL(), ""), nil)
			res := h.probe()
			wantStatus(t, res, Down, tc.want...)
			if res.ReasonCode != ReasonBadResponse {
				t.Fatalf("reason code %s, want %s", res.ReasonCode, ReasonBadResponse)
			}
		})
	}
}

func TestSubstrateMalformedRPC(t *testing.T) {
	for _, tc := range []struct {
		method, result string
		want           []string
	}{
		{"chain_getHeader", `{"number":"1000"}`, []string{"not a hex quantity"}},
		{"chain_getHeader", `null`, []string{"returned null for the best head"}},
		{"system_health", `{"peers":"many"}`, []string{"system_health", "unexpected shape"}},
		{"system_health", `{}`, []string{"system_health has no peers or isSyncing"}},
		{"chain_getFinalizedHead", `"nope"`, []string{`returned "nope"`}},
		{"system_syncState", `{}`, []string{"no currentBlock"}},
	} {
		t.Run(tc.method+tc.result, func(t *testing.T) {
			f := newFakeSubstrate(t)
			f.SetTime(substrateEpoch)
			f.Update(func(f *simnet.Substrate) { f.Results[tc.method] = tc.result })
			h := newSubstrateHarness(t, "checks:\n  - name: n\n    kind: substrate\n    url: "+f.wsURL()+"\n", nil)
			wantStatus(t, h.probe(), Down, tc.want...)
		})
	}
}

func TestSubstrateMissingPallets(t *testing.T) {
	f := newFakeSubstrate(t)
	healthyValidator(f, substrateEpoch)
	f.Del(storage.StakingActiveEra())
	h := newSubstrateHarness(t, validatorCheck(f.wsURL(), ""), nil)
	res := h.probe()
	wantStatus(t, res, Down, "Staking.ActiveEra is not set on the probed node", "staking_url")
	if res.ReasonCode != ReasonConfig {
		t.Fatalf("reason code %s", res.ReasonCode)
	}

	f.Del(storage.TimestampNow())
	h = newSubstrateHarness(t, "checks:\n  - name: n\n    kind: substrate\n    url: "+f.wsURL()+"\n", nil)
	wantStatus(t, h.probe(), Down, "Timestamp.Now is not in storage")
}

// Staking on another chain (Asset Hub): era and points come from
// staking_url, the active set from the probed node. The staking endpoint
// gets neither the node's headers (an API key for the node's provider) nor
// the region's address, and secrets in its URL are redacted.
func TestSubstrateStakingURL(t *testing.T) {
	relay, ah := newFakeSubstrate(t), newFakeSubstrate(t)
	healthyValidator(relay, substrateEpoch)
	relay.Del(storage.StakingActiveEra())
	ah.SetEra(50, uint64(substrateEpoch.UnixMilli()))
	ah.SetPoints(50, 500, storage.ValidatorPoints{Account: aliceID, Points: 240})
	relay.Del(storage.StakingBonded(aliceID))
	ah.SetBond(aliceID, big.NewInt(2e16))
	env := map[string]string{"NODE_KEY": "node-secret-4242", "AH_KEY": "ah-secret-9191"}
	h := newSubstrateHarness(t, `checks:
  - name: Alice validator
    kind: substrate
    url: ws://relay.example.test/
    headers:
      Authorization: Bearer ${NODE_KEY}
    substrate:
      validator: `+alicePolkadot+`
      staking_url: `+ah.wsURL()+`/${AH_KEY}/
`, env)
	res := h.probe(config.Region{Name: "eu", Address: relay.addr()})
	wantStatus(t, res, Up)
	wantValues(t, res.Values, map[string]string{"points": "240", "era_total": "500", "era": "50", "active": "true"})
	if relay.Calls("storage:"+storage.StakingActiveEra().Hex()) != 0 || ah.Calls("storage:"+storage.StakingActiveEra().Hex()) != 1 {
		t.Fatal("Staking.ActiveEra was not read from the staking endpoint only")
	}
	if relay.Calls("state_getKeysPaged") != 0 || ah.Calls("state_getKeysPaged") != 1 || ah.Calls("storage:"+storage.StakingLedger(aliceID).Hex()) != 1 {
		t.Fatal("slashes and the ledger were not read from the staking endpoint only")
	}
	if ah.Calls("storage:"+storage.SessionValidators().Hex()) != 0 {
		t.Fatal("Session.Validators was read from the staking endpoint")
	}
	for _, hd := range relay.Headers() {
		if hd.Get("Authorization") != "Bearer node-secret-4242" {
			t.Fatalf("node request without its header: %v", hd)
		}
	}
	for _, hd := range ah.Headers() {
		if hd.Get("Authorization") != "" {
			t.Fatalf("the node's Authorization header reached the staking endpoint: %v", hd)
		}
	}

	// A failing staking endpoint that echoes its URL path: the reason says
	// which endpoint failed and carries no secret; the previous probe's
	// points tracking is kept.
	ah.Update(func(f *simnet.Substrate) { f.RPCErrors["state_getStorage"] = "no such key {path}" })
	h.now = h.now.Add(5 * time.Minute)
	res = h.probe(config.Region{Name: "eu", Address: relay.addr()})
	wantStatus(t, res, Down, "staking endpoint: state_getStorage(Staking.ActiveEra)", "${AH_KEY}")
	out, _ := json.Marshal(res)
	for _, secret := range env {
		if strings.Contains(string(out), secret) {
			t.Fatalf("secret %q in result %s", secret, out)
		}
	}
	wantValues(t, res.Values, map[string]string{"points": "240", "era": "50", "points_changed_at": "1748779200", "height": "1000"})
}

// A parachain collator: in Session.Validators, no staking on the chain.
func TestSubstrateCollatorWithoutRewardPoints(t *testing.T) {
	f := newFakeSubstrate(t)
	healthyValidator(f, substrateEpoch)
	f.Del(storage.StakingActiveEra())
	f.Update(func(f *simnet.Substrate) { f.Chain = "Polkadot Asset Hub" })
	h := newSubstrateHarness(t, `checks:
  - name: Alice collator
    kind: substrate
    url: `+f.wsURL()+`
    substrate:
      chain: Polkadot Asset Hub
      validator: `+alicePolkadot+`
      reward_points: false
`, nil)
	res := h.probe()
	wantStatus(t, res, Up)
	wantValues(t, res.Values, map[string]string{"active": "true", "session": "300"})
	if _, has := res.Values["points"]; has || f.Calls("storage:"+storage.StakingActiveEra().Hex()) != 0 {
		t.Fatalf("staking was read: %v", res.Values)
	}
	f.SetSession(301, bobID)
	wantStatus(t, h.probe(), Down, "validator.active == true")
}

func TestSubstrateImOnline(t *testing.T) {
	f := newFakeSubstrate(t)
	healthyValidator(f, substrateEpoch)
	f.Set(storage.ImOnlineHeartbeatAfter(), scale.AppendU32(nil, 900)) // best is 1000: heartbeats due
	h := newSubstrateHarness(t, validatorCheck(f.wsURL(), "      im_online: true\n"), nil)
	res := h.probe()
	wantStatus(t, res, Degraded, "validator.online == true || validator.heartbeat_due == false", "validator.online=false")

	// Alice is index 1 in Session.Validators; a heartbeat (bool true in
	// current runtimes) makes her online.
	f.Set(storage.ImOnlineReceivedHeartbeats(300, 1), []byte{1})
	res = h.probe()
	wantStatus(t, res, Up)
	wantValues(t, res.Values, map[string]string{"heartbeat": "true", "authored_blocks": "0"})

	// Authored blocks count too.
	f.Del(storage.ImOnlineReceivedHeartbeats(300, 1))
	f.Set(storage.ImOnlineAuthoredBlocks(300, aliceID), scale.AppendU32(nil, 3))
	res = h.probe()
	wantStatus(t, res, Up)
	wantValues(t, res.Values, map[string]string{"heartbeat": "false", "authored_blocks": "3"})

	// Early in the session nothing is due yet.
	f.Del(storage.ImOnlineAuthoredBlocks(300, aliceID))
	f.Set(storage.ImOnlineHeartbeatAfter(), scale.AppendU32(nil, 1200))
	wantStatus(t, h.probe(), Up)

	// Polkadot and Kusama have no ImOnline: a clear message.
	f.Del(storage.ImOnlineHeartbeatAfter())
	wantStatus(t, h.probe(), Down, "no ImOnline pallet", "remove substrate.im_online")
}

func TestSubstrateUnreachableAndRPCErrors(t *testing.T) {
	f := newFakeSubstrate(t)
	f.SetTime(substrateEpoch)
	f.Update(func(f *simnet.Substrate) { f.RPCErrors["system_syncState"] = "Method not found" })
	h := newSubstrateHarness(t, "checks:\n  - name: n\n    kind: substrate\n    url: "+f.wsURL()+"\n", nil)
	res := h.probe()
	wantStatus(t, res, Down, "system_syncState: JSON-RPC error -32000: Method not found")
	if res.ReasonCode != ReasonRPCError {
		t.Fatalf("reason code %s", res.ReasonCode)
	}
	// What was read before the failure is still recorded.
	wantValues(t, res.Values, map[string]string{"height": "1000", "peers": "12"})

	url := f.wsURL()
	f.srv.Close()
	h = newSubstrateHarness(t, "checks:\n  - name: n\n    kind: substrate\n    url: "+url+"\n", nil)
	res = h.probe()
	wantStatus(t, res, Down)
	if res.ReasonCode != ReasonRefused {
		t.Fatalf("reason code %s (%s)", res.ReasonCode, res.Reason)
	}
}

func TestSubstrateTrackPoints(t *testing.T) {
	now := substrateEpoch
	at := func(d time.Duration) string { return strconv.FormatInt(now.Add(d).Unix(), 10) }
	for _, tc := range []struct {
		name         string
		prev         Values
		era, points  uint32
		total        uint32
		delta        int64
		stalled      time.Duration
		changedAt    time.Time
		totalAtStart uint32
	}{
		{"first probe", nil, 5, 100, 1000, 0, 0, now, 1000},
		{"grew", Values{"era": "5", "points": "80", "points_changed_at": at(-time.Hour), "era_total_at_change": "700"}, 5, 100, 1000, 20, 0, now, 1000},
		{"flat, peers grew", Values{"era": "5", "points": "100", "points_changed_at": at(-time.Hour), "era_total_at_change": "900"}, 5, 100, 1000, 0, time.Hour, now.Add(-time.Hour), 900},
		{"flat, nobody grew", Values{"era": "5", "points": "100", "points_changed_at": at(-time.Hour), "era_total_at_change": "1000"}, 5, 100, 1000, 0, 0, now.Add(-time.Hour), 1000},
		{"went back", Values{"era": "5", "points": "120", "points_changed_at": at(-time.Hour), "era_total_at_change": "900"}, 5, 100, 1000, -20, 0, now, 1000},
		{"new era with points", Values{"era": "4", "points": "900", "points_changed_at": at(-time.Hour), "era_total_at_change": "9000"}, 5, 40, 300, 40, 0, now, 300},
		{"new era without points", Values{"era": "4", "points": "900", "points_changed_at": at(-time.Hour), "era_total_at_change": "9000"}, 5, 0, 300, 0, time.Hour, now.Add(-time.Hour), 0},
		{"new era without points, last growth before the era began", Values{"era": "4", "points": "900", "points_changed_at": at(-30 * time.Hour), "era_total_at_change": "9000"}, 5, 0, 300, 0, 2 * time.Hour, now.Add(-2 * time.Hour), 0},
		{"new era, nobody earned yet", Values{"era": "4", "points": "900", "points_changed_at": at(-time.Hour), "era_total_at_change": "9000"}, 5, 0, 0, 0, 0, now.Add(-time.Hour), 0},
		{"garbage prev", Values{"era": "x", "points": "1"}, 5, 100, 1000, 0, 0, now, 1000},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := &substrateProbe{t: &Target{Prev: tc.prev}, now: now}
			p.trackPoints(valEra, tc.era, tc.points, tc.total, now.Add(-2*time.Hour))
			if p.pointsDelta != tc.delta || p.stalledFor != tc.stalled || !p.pointsChangedAt.Equal(tc.changedAt) || p.eraTotalAtChange != tc.totalAtStart {
				t.Fatalf("delta %d stalled %s changedAt %s base %d; want %d %s %s %d", p.pointsDelta, p.stalledFor, p.pointsChangedAt, p.eraTotalAtChange,
					tc.delta, tc.stalled, tc.changedAt, tc.totalAtStart)
			}
		})
	}
}

func TestSubstrateValidation(t *testing.T) {
	_, err := loadChecks(t, `checks:
  - name: bad
    kind: substrate
    url: ftp://node.example/
    conditions:
      - validator.points > 0
    substrate:
      staking_url: wss://ah.example/
      min_peers: -1
  - name: bad validator
    kind: substrate
    url: wss://node.example/
    substrate:
      validator: 15oF4uVJwmo4TdGW7VfQxNLavjCXviqxT9S1MgbjMNHr6Sp6
      staking_url: gopher://ah.example/
      points_stall: 2h
      points_stall_down: 1h
  - name: hex validator
    kind: substrate
    url: wss://node.example/
    substrate:
      validator: "0xd43593c715fdd31c61141abd04a99fd6822c8558854ccde39a5684e7a56da27d"
      max_head_age: 10x
  - name: collator
    kind: substrate
    url: wss://node.example/
    substrate:
      validator: 15oF4uVJwmo4TdGW7VfQxNLavjCXviqxT9S1MgbjMNHr6Sp5
      reward_points: false
      points_stall: 1h
`, nil)
	if err == nil {
		t.Fatal("no error")
	}
	msg := err.Error()
	for _, want := range []string{
		"polkadot.yml:4: kind substrate needs an http(s):// or ws(s):// url, not ftp://",
		`polkadot.yml:6: condition "validator.points > 0" reads "validator", which is only set for a validator check`,
		"polkadot.yml:8: substrate.staking_url: only applies to a validator check",
		"polkadot.yml:9: substrate.min_peers: must be 0 or more, got -1",
		"polkadot.yml:14: substrate.validator: \"15oF4uVJwmo4TdGW7VfQxNLavjCXviqxT9S1MgbjMNHr6Sp6\" is not an SS58 address: checksum mismatch",
		"polkadot.yml:15: substrate.staking_url: needs an http(s):// or ws(s):// url, not gopher://",
		"polkadot.yml:17: substrate.points_stall_down: 1h0m0s is shorter than points_stall (2h0m0s)",
		"polkadot.yml:23: bad duration \"10x\"",
		"polkadot.yml:30: substrate.points_stall: has no effect with reward_points: false",
	} {
		if !strings.Contains(msg, want) {
			t.Errorf("errors lack %q:\n%s", want, msg)
		}
	}
	if strings.Contains(msg, "hex validator") || strings.Contains(msg, ":22:") {
		t.Errorf("a 0x public key was rejected:\n%s", msg)
	}
}

func TestSubstrateDefaultConditions(t *testing.T) {
	ten, two := int64(10), int64(2)
	no := false
	eighty, five := 80.5, 5
	for _, tc := range []struct {
		name         string
		o            SubstrateOptions
		up, degraded []string
	}{
		{"node defaults", SubstrateOptions{},
			[]string{"is_syncing == false", "head.age < 2m"},
			[]string{"peers >= 1", "finality_lag <= 20", "sync_lag <= 5"}},
		{"node configured", SubstrateOptions{Chain: "Kusama", MaxHeadAge: config.Duration(30 * time.Second), MaxFinalityLag: &ten, MaxSyncLag: &two, MinPeers: &ten},
			[]string{"is_syncing == false", "head.age < 30s", `chain == "Kusama"`},
			[]string{"peers >= 10", "finality_lag <= 10", "sync_lag <= 2"}},
		{"validator", SubstrateOptions{Validator: alicePolkadot},
			[]string{"is_syncing == false", "head.age < 2m", "validator.active == true", "validator.disabled == false", "validator.slashed == false"},
			[]string{"peers >= 1", "finality_lag <= 20", "sync_lag <= 5", "validator.queued == true", "validator.stalled_for < 1h", "validator.bond_dropped == false"}},
		{"session membership only", SubstrateOptions{Validator: alicePolkadot, RewardPoints: &no},
			[]string{"is_syncing == false", "head.age < 2m", "validator.active == true", "validator.disabled == false"},
			[]string{"peers >= 1", "finality_lag <= 20", "sync_lag <= 5", "validator.queued == true"}},
		{"validator tuned", SubstrateOptions{Validator: alicePolkadot, RequireActive: &no, RequireQueued: &no, Slashes: &no, PointsStall: config.Duration(90 * time.Minute), PointsStallDown: config.Duration(6 * time.Hour), ImOnline: true},
			[]string{"is_syncing == false", "head.age < 2m", "validator.disabled == false", "validator.stalled_for < 6h"},
			[]string{"peers >= 1", "finality_lag <= 20", "sync_lag <= 5", "validator.stalled_for < 1h30m", "validator.online == true || validator.heartbeat_due == false"}},
		{"grandpa", SubstrateOptions{Validator: alicePolkadot, RewardPoints: &no, Slashes: &no, RequireQueued: &no, Grandpa: true, MinPrecommits: &eighty, GrandpaMinRounds: &five},
			[]string{"is_syncing == false", "head.age < 2m", "validator.active == true", "validator.disabled == false"},
			[]string{"peers >= 1", "finality_lag <= 20", "sync_lag <= 5",
				"validator.grandpa.prevotes_decided < 5 || validator.grandpa.prevotes >= 90", "validator.grandpa.precommits_decided < 5 || validator.grandpa.precommits >= 80.5"}},
		{"cumulus collator", SubstrateOptions{Collator: alicePolkadot},
			[]string{"is_syncing == false", "head.age < 2m", "collator.selected == true"},
			[]string{"peers >= 1", "finality_lag <= 20", "sync_lag <= 5", "collator.authored_age < 1h", "collator.authored_blocks_ago <= 600"}},
		{"moonbeam collator", SubstrateOptions{Collator: "0xf24ff3a9cf04c71dbc94d0b566f7a27b94566cac", CollatorPallet: "parachain_staking", PointsStall: config.Duration(2 * time.Hour)},
			[]string{"is_syncing == false", "head.age < 2m", "collator.selected == true"},
			[]string{"peers >= 1", "finality_lag <= 20", "sync_lag <= 5", "collator.stalled_for < 2h"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o := tc.o
			up, deg := substrateKind{}.DefaultConditions(&config.Check{Options: &o})
			if strings.Join(up, "; ") != strings.Join(tc.up, "; ") || strings.Join(deg, "; ") != strings.Join(tc.degraded, "; ") {
				t.Fatalf("got\n up %q\n degraded %q\nwant\n up %q\n degraded %q", up, deg, tc.up, tc.degraded)
			}
		})
	}
}

func TestSubstrateValidatorAddressForms(t *testing.T) {
	addr42, _ := ss58.Encode(ss58.Substrate, aliceID)
	for _, v := range []string{alicePolkadot, addr42, "0x" + hex.EncodeToString(aliceID[:])} {
		id, err := (&SubstrateOptions{Validator: v}).account()
		if err != nil || id != aliceID {
			t.Errorf("account(%q) = %x, %v", v, id, err)
		}
	}
	if _, err := (&SubstrateOptions{Validator: "0x1234"}).account(); err == nil {
		t.Error("a short public key was accepted")
	}
}
