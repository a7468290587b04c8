package prober

import (
	"encoding/hex"
	"math/big"
	"strings"
	"testing"
	"time"

	"github.com/upchain-dev/upchain/prober/simnet"
	"github.com/upchain-dev/upchain/prober/substrate/scale"
	"github.com/upchain-dev/upchain/prober/substrate/storage"
)

// These tests run against simnet.Substrate, whose grandpa_roundState
// follows polkadot-sdk's ReportedRoundStates (see its doc comment and
// shared/reference/chains-detail.md §5); storage values are SCALE as the
// storage package encodes them.

func grandpaCheck(url, extra string) string {
	return validatorCheck(url, "      grandpa: true\n      grandpa_sample_gap: 1ms\n"+extra)
}

// rs is a round in which the listed keys are still missing.
func rs(round uint64, prevotes, precommits []scale.AccountID) simnet.GrandpaRoundState {
	return simnet.GrandpaRoundState{Round: round, Prevotes: prevotes, Precommits: precommits}
}

func grandpaKeys(k ...scale.AccountID) []scale.AccountID { return k }

func TestSubstrateGrandpaMissesMostPrecommits(t *testing.T) {
	f := newFakeSubstrate(t)
	healthyValidator(f, substrateEpoch)
	// 12 rounds, two reads each (grandpa_samples: 2): Alice prevotes but
	// her precommit is still missing at both reads in 9 of them. Bob's
	// missing vote in round 5 is his, not hers.
	var script []simnet.GrandpaReport
	for r := uint64(1); r <= 12; r++ {
		pc := grandpaKeys(aliceGran)
		if r%4 == 0 {
			pc = nil
		}
		first := simnet.GrandpaReport{SetID: 7, Best: rs(r, grandpaKeys(aliceGran, bobGran), grandpaKeys(aliceGran, bobGran, charlieGran))}
		later := simnet.GrandpaReport{SetID: 7, Best: rs(r, grandpaKeys(bobGran), pc)}
		script = append(script, first, later)
	}
	f.ScriptGrandpa(script...)
	h := newSubstrateHarness(t, grandpaCheck(f.wsURL(), "      grandpa_samples: 2\n      grandpa_min_rounds: 10\n"), nil)
	// Each probe reads two samples: one round per probe.
	for i := 0; i < 9; i++ {
		f.SetTime(h.now.Add(-3 * time.Second))
		res := h.probe()
		wantStatus(t, res, Up) // fewer than 10 rounds decided: no verdict yet
		h.now = h.now.Add(time.Minute)
	}
	f.SetTime(h.now.Add(-3 * time.Second))
	res := h.probe()
	wantStatus(t, res, Degraded, "validator.grandpa.precommits >= 90")
	wantValues(t, res.Values, map[string]string{"grandpa_decided": "10", "grandpa_missed_precommits": "8", "grandpa_missed_prevotes": "0",
		"grandpa_precommits": "20.0", "grandpa_prevotes": "100.0"})
	if w := res.Values[valGrandpaWindow]; !strings.HasPrefix(w, "7.1:vm 7.2:vm 7.3:vm 7.4:vv") || strings.Count(w, ":") != 10 {
		t.Fatalf("window %q", w)
	}
}

func TestSubstrateGrandpaLateVoteIsNoMiss(t *testing.T) {
	f := newFakeSubstrate(t)
	healthyValidator(f, substrateEpoch)
	// Round 41 is read as best and still lists Alice's precommit; the
	// next probe sees it as a background round without her: she voted.
	// Round 42's single read listing her stays undecided.
	f.ScriptGrandpa(
		simnet.GrandpaReport{SetID: 3, Best: rs(41, nil, grandpaKeys(aliceGran, charlieGran))},
		simnet.GrandpaReport{SetID: 3, Best: rs(42, grandpaKeys(aliceGran), grandpaKeys(aliceGran)), Background: []simnet.GrandpaRoundState{rs(41, nil, grandpaKeys(charlieGran))}},
	)
	h := newSubstrateHarness(t, grandpaCheck(f.wsURL(), "      grandpa_samples: 1\n      grandpa_min_rounds: 1\n      min_precommits: 100\n      min_prevotes: 100\n"), nil)
	res := h.probe()
	wantStatus(t, res, Up)
	wantValues(t, res.Values, map[string]string{valGrandpaWindow: "3.41:vp", "grandpa_decided": "0"})
	h.now = h.now.Add(time.Minute)
	res = h.probe()
	wantStatus(t, res, Up)
	wantValues(t, res.Values, map[string]string{valGrandpaWindow: "3.41:vv 3.42:pp", "grandpa_decided": "1", "grandpa_precommits": "100.0"})
}

func TestSubstrateGrandpaNotReadyAndKeys(t *testing.T) {
	f := newFakeSubstrate(t)
	healthyValidator(f, substrateEpoch)
	f.ScriptGrandpa(simnet.GrandpaReport{SetID: 1, Best: rs(9, grandpaKeys(aliceGran), grandpaKeys(aliceGran))})
	h := newSubstrateHarness(t, grandpaCheck(f.wsURL(), "      grandpa_samples: 2\n      grandpa_min_rounds: 1\n")+`    conditions:
      - validator.grandpa.ready == true
`, nil)
	res := h.probe()
	wantStatus(t, res, Degraded, "validator.grandpa.precommits >= 90")
	wantValues(t, res.Values, map[string]string{valGrandpaWindow: "1.9:mm"})

	// Not ready (code 1) is unknown: the window carries over, the probe
	// does not fail on it, and only a condition on ready sees it.
	f.Update(func(s *simnet.Substrate) { s.GrandpaNotReady = true })
	h.now = h.now.Add(time.Minute)
	res = h.probe()
	wantStatus(t, res, Down, "validator.grandpa.ready == true")
	wantValues(t, res.Values, map[string]string{valGrandpaWindow: "1.9:mm", "grandpa_decided": "1"})

	// Not in QueuedKeys: the key comes from Session.NextKeys; the ids are
	// in Kusama's prefix now, which does not matter.
	f.Update(func(s *simnet.Substrate) { s.GrandpaNotReady, s.SS58Prefix = false, 2 })
	f.SetQueuedKeys(map[scale.AccountID]scale.AccountID{bobID: bobGran})
	f.Set(storage.SessionNextKeys(aliceID), append(aliceGran[:], make([]byte, 161)...))
	f.ScriptGrandpa(simnet.GrandpaReport{SetID: 1, Best: rs(10, grandpaKeys(bobGran), grandpaKeys(bobGran))})
	h2 := newSubstrateHarness(t, grandpaCheck(f.wsURL(), "      grandpa_samples: 1\n      require_queued: false\n"), nil)
	res = h2.probe()
	wantStatus(t, res, Up)
	if !strings.Contains(res.Values[valGrandpaWindow], ":vv") {
		t.Fatalf("window %q: Alice's key from NextKeys not used", res.Values[valGrandpaWindow])
	}

	// No session keys at all and no grandpa_key: a config failure.
	f.Del(storage.SessionNextKeys(aliceID))
	wantStatus(t, newSubstrateHarness(t, grandpaCheck(f.wsURL(), "      require_queued: false\n"), nil).probe(), Down, "grandpa_key")
	// A missing voter that is not SS58 is a bad reply, named.
	f.Update(func(s *simnet.Substrate) {
		s.Results["grandpa_roundState"] = `{"setId":1,"best":{"round":1,"prevotes":{"missing":["nope"]},"precommits":{"missing":[]}},"background":[]}`
	})
	gk := "      grandpa_key: \"0x" + hex.EncodeToString(aliceGran[:]) + "\"\n      require_queued: false\n"
	wantStatus(t, newSubstrateHarness(t, grandpaCheck(f.wsURL(), gk), nil).probe(), Down, "missing voter \"nope\"")
}

func TestSubstrateStanding(t *testing.T) {
	for _, tc := range []struct {
		name   string
		setup  func(f *fakeSubstrate)
		status Status
		reason string
		values map[string]string
	}{
		{"healthy", func(*fakeSubstrate) {}, Up, "", map[string]string{"next_session_queued": "true", "session_disabled": "false", "unapplied_slash": "false", valBonded: "20000000000000000"}},
		{"not queued for the next session", func(f *fakeSubstrate) {
			f.SetQueuedKeys(map[scale.AccountID]scale.AccountID{bobID: bobGran, charlieID: charlieGran})
		}, Degraded, "validator.queued == true", map[string]string{"next_session_queued": "false"}},
		{"disabled", func(f *fakeSubstrate) { f.SetDisabled(0, 1) }, Down, "validator.disabled == false", map[string]string{"session_disabled": "true"}},
		{"another validator disabled", func(f *fakeSubstrate) { f.SetDisabled(0, 2) }, Up, "", map[string]string{"session_disabled": "false"}},
		{"slashed", func(f *fakeSubstrate) {
			f.SetSlashes(77, storage.UnappliedSlash{Validator: bobID, Own: big.NewInt(1)},
				storage.UnappliedSlash{Validator: aliceID, Own: big.NewInt(5e10), Reporters: []scale.AccountID{bobID}})
		}, Down, "validator.slashed == false", map[string]string{"unapplied_slash": "true", "unapplied_slash_amount": "50000000000"}},
		{"slashed, double-map keys", func(f *fakeSubstrate) {
			// Newer pallet-staking: (era, (validator, perbill, page)).
			k := append(storage.StakingUnappliedSlashes(77), storage.Twox64Concat(append(append(aliceID[:0:0], aliceID[:]...), 0, 0, 0, 0, 0, 0, 0, 0))...)
			f.Set(k, storage.AppendUnappliedSlash(nil, storage.UnappliedSlash{Validator: aliceID, Own: big.NewInt(9)}))
		}, Down, "validator.slashed == false", map[string]string{"unapplied_slash_amount": "9"}},
		{"another validator slashed", func(f *fakeSubstrate) {
			f.SetSlashes(77, storage.UnappliedSlash{Validator: bobID, Own: big.NewInt(1)})
		}, Up, "", map[string]string{"unapplied_slash": "false"}},
		{"not a stash", func(f *fakeSubstrate) { f.Del(storage.StakingBonded(aliceID)) }, Down, "not a bonded stash", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFakeSubstrate(t)
			healthyValidator(f, substrateEpoch)
			tc.setup(f)
			res := newSubstrateHarness(t, validatorCheck(f.wsURL(), ""), nil).probe()
			wantStatus(t, res, tc.status, tc.reason)
			wantValues(t, res.Values, tc.values)
		})
	}
}

func TestSubstrateBondDrop(t *testing.T) {
	f := newFakeSubstrate(t)
	healthyValidator(f, substrateEpoch)
	h := newSubstrateHarness(t, validatorCheck(f.wsURL(), "      bond_drop_hold: 2h\n"), nil)
	wantStatus(t, h.probe(), Up)
	step := func(d time.Duration) Result {
		h.now = h.now.Add(d)
		f.SetTime(h.now.Add(-3 * time.Second))
		return h.probe()
	}
	f.SetBond(aliceID, big.NewInt(19e15)) // unbonded or slashed: 100k DOT less
	res := step(10 * time.Minute)
	wantStatus(t, res, Degraded, "validator.bond_dropped == false")
	wantValues(t, res.Values, map[string]string{valBonded: "19000000000000000"})
	wantStatus(t, step(time.Hour), Degraded, "validator.bond_dropped")
	f.SetBond(aliceID, big.NewInt(21e15)) // rebonding does not clear the hold
	wantStatus(t, step(30*time.Minute), Degraded)
	wantStatus(t, step(time.Hour), Up)
}

func collatorCheck(url, extra string) string {
	return `checks:
  - name: collator
    kind: substrate
    url: ` + url + `
    substrate:
` + extra
}

func TestSubstrateCumulusCollator(t *testing.T) {
	f := newFakeSubstrate(t)
	f.SetTime(substrateEpoch.Add(-6 * time.Second))
	f.Update(func(s *simnet.Substrate) { s.Chain, s.BlockSpacing = "Polkadot Asset Hub", 12*time.Second })
	f.SetCollators([]scale.AccountID{bobID}, []scale.AccountID{charlieID, aliceID})
	f.SetLastAuthored(aliceID[:], 990) // 10 blocks, 2 minutes ago
	h := newSubstrateHarness(t, collatorCheck(f.wsURL(), "      collator: "+alicePolkadot+"\n      max_authored_age: 30m\n")+`    conditions:
      - collator.invulnerable == false
`, nil)
	res := h.probe()
	wantStatus(t, res, Up)
	wantValues(t, res.Values, map[string]string{"collator_selected": "true", "last_authored": "990", "authored_blocks_ago": "10", "authored_age_s": "126"})

	// Last authored 400 blocks (80 minutes) ago: degraded on the age.
	f.SetLastAuthored(aliceID[:], 600)
	res = h.probe()
	wantStatus(t, res, Degraded, "collator.authored_age < 30m")
	wantValues(t, res.Values, map[string]string{"authored_blocks_ago": "400", "authored_age_s": "4806"})
	// Never authored: degraded; the age is unbounded.
	f.Del(storage.CollatorSelectionLastAuthoredBlock(aliceID[:]))
	wantStatus(t, h.probe(), Degraded, "collator.authored_age < 30m")
	// Out of the collator set: down.
	f.SetCollators([]scale.AccountID{bobID}, []scale.AccountID{charlieID})
	wantStatus(t, h.probe(), Down, "collator.selected == true")
	// A chain without collator selection names the other pallet.
	f.Del(storage.CollatorSelectionInvulnerables())
	f.Del(storage.CollatorSelectionCandidateList())
	wantStatus(t, h.probe(), Down, "collator_pallet: parachain_staking")
}

func TestSubstrateMoonbeamCollatorStall(t *testing.T) {
	const alith = "0xf24ff3a9cf04c71dbc94d0b566f7a27b94566cac"
	alithID, _ := hex.DecodeString(alith[2:])
	other := []byte(strings.Repeat("\x07", 20))
	f := newFakeSubstrate(t)
	f.Update(func(s *simnet.Substrate) { s.Chain = "Moonbeam" })
	round := storage.Round{Current: 3000, First: 9000, Length: 1800}
	setPoints := func(alith, total uint32) {
		f.SetStakingRound(round, [][]byte{other, alithID}, total, map[string]uint32{string(alithID): alith, string(other): total - alith})
	}
	h := newSubstrateHarness(t, collatorCheck(f.wsURL(), "      collator: \""+alith+"\"\n      collator_pallet: parachain_staking\n      points_stall: 30m\n"), nil)
	step := func(alith, total uint32) Result {
		setPoints(alith, total)
		f.SetTime(h.now.Add(-6 * time.Second))
		res := h.probe()
		h.now = h.now.Add(10 * time.Minute)
		return res
	}
	wantStatus(t, step(20, 40), Up)
	res := step(40, 80)
	wantStatus(t, res, Up)
	wantValues(t, res.Values, map[string]string{"points": "40", "points_delta": "20", valRound: "3000", "collator_selected": "true"})
	wantStatus(t, step(40, 120), Up) // flat for 10 minutes
	wantStatus(t, step(40, 160), Up)
	res = step(40, 200) // flat for 30 minutes while the others earned
	wantStatus(t, res, Degraded, "collator.stalled_for < 30m")
	wantValues(t, res.Values, map[string]string{"stalled_for_s": "1800"})
	// A new round in which it already earned: tracking starts again.
	round.Current = 3001
	wantStatus(t, step(20, 60), Up)
	// Not selected for the round: down.
	setPoints(20, 80)
	f.Set(storage.ParachainStakingSelectedCandidates(), storage.AppendAccounts(nil, [][]byte{other}))
	wantStatus(t, h.probe(), Down, "collator.selected == true")
}

func TestSubstrateStandingValidation(t *testing.T) {
	_, err := loadChecks(t, `checks:
  - name: both
    kind: substrate
    url: wss://node.example/
    substrate:
      validator: `+alicePolkadot+`
      collator: `+alicePolkadot+`
  - name: grandpa options without grandpa
    kind: substrate
    url: wss://node.example/
    substrate:
      validator: `+alicePolkadot+`
      min_precommits: 95
  - name: bad grandpa
    kind: substrate
    url: wss://node.example/
    timeout: 5s
    substrate:
      validator: `+alicePolkadot+`
      grandpa: true
      grandpa_key: "0x1234"
      min_prevotes: 120
      grandpa_samples: 3
      grandpa_sample_gap: 3s
  - name: h160 without parachain staking
    kind: substrate
    url: wss://node.example/
    conditions:
      - validator.active
    substrate:
      collator: "0xf24ff3a9cf04c71dbc94d0b566f7a27b94566cac"
      slashes: true
  - name: collator option on a node check
    kind: substrate
    url: wss://node.example/
    conditions:
      - collator.selected
    substrate:
      max_authored_age: 1h
`, nil)
	if err == nil {
		t.Fatal("no error")
	}
	msg := err.Error()
	for _, want := range []string{
		"polkadot.yml:7: substrate.collator: a check watches one validator or one collator, not both",
		"polkadot.yml:13: substrate.min_precommits: only applies with `grandpa: true`",
		"polkadot.yml:21: substrate.grandpa_key: \"0x1234\" is not a 0x-prefixed 32-byte key",
		"polkadot.yml:22: substrate.min_prevotes: is a percentage, 0 to 100, got 120",
		"polkadot.yml:24: substrate.grandpa_sample_gap: 3 reads 3s apart take 6s, not less than the check's timeout (5s)",
		`polkadot.yml:29: condition "validator.active" reads "validator", which is only set for a validator check`,
		"polkadot.yml:31: substrate.collator: a 20-byte H160 account needs `collator_pallet: parachain_staking`",
		"polkadot.yml:32: substrate.slashes: only applies to a validator check",
		`polkadot.yml:37: condition "collator.selected" reads "collator", which is only set for a collator check`,
		"polkadot.yml:39: substrate.max_authored_age: only applies to a collator check",
	} {
		if !strings.Contains(msg, want) {
			t.Errorf("errors lack %q:\n%s", want, msg)
		}
	}
}

// The demo's chains: a relay chain and a system parachain on a clock,
// probed as the demo would (samples 2, a 1ms gap so that both reads fall
// in the same simulated instant: the clock moves only between probes).
func TestSubstrateSimulatedRelayAndParachain(t *testing.T) {
	var h, hp *substrateHarness
	now := func() time.Time { return h.now }
	relay := &fakeSubstrate{Substrate: simnet.NewPolkadotRelay(now, substrateEpoch.Add(-time.Hour))}
	relay.srv = httptestServer(t, relay.Substrate)
	h = newSubstrateHarness(t, validatorCheck(relay.wsURL(), "      reward_points: false\n      slashes: false\n      grandpa: true\n      grandpa_samples: 2\n      grandpa_sample_gap: 1ms\n      grandpa_min_rounds: 5\n"), nil)
	h.now = h.now.Add(2 * time.Second) // 2s into a round: only absent voters are missing
	for i := 0; i < 6; i++ {
		res := h.probe()
		wantStatus(t, res, Up)
		h.now = h.now.Add(time.Minute)
	}
	relay.Update(func(s *simnet.Substrate) { s.GrandpaAbsent[simnet.SubstrateGrandpaKey(0)] = true })
	var res Result
	for i := 0; i < 6; i++ {
		res = h.probe()
		h.now = h.now.Add(time.Minute)
	}
	wantStatus(t, res, Degraded, "validator.grandpa.precommits >= 90")

	para := &fakeSubstrate{Substrate: simnet.NewCumulusParachain(func() time.Time { return hp.now }, substrateEpoch.Add(-time.Hour))}
	para.srv = httptestServer(t, para.Substrate)
	bob, _ := ss58String(simnet.DevAccounts[1])
	hp = newSubstrateHarness(t, collatorCheck(para.wsURL(), "      collator: "+bob+"\n      max_authored_age: 10m\n"), nil)
	res = hp.probe()
	wantStatus(t, res, Up)
	if ago := res.Values["authored_blocks_ago"]; ago == "" || len(ago) > 1 {
		t.Fatalf("authored %s blocks ago, want fewer than 4", ago)
	}
	para.StopAuthoring(simnet.DevAccounts[1])
	hp.now = hp.now.Add(11 * time.Minute)
	wantStatus(t, hp.probe(), Degraded, "collator.authored_age < 10m")
}

// Malformed replies for the new reads fail the probe with bad_response
// and a reason naming the item; none hangs or panics.
func TestSubstrateStandingMalformed(t *testing.T) {
	for _, tc := range []struct {
		name   string
		setup  func(f *fakeSubstrate)
		reason string
	}{
		{"queued keys not splitting into entries", func(f *fakeSubstrate) { f.SetRaw(storage.SessionQueuedKeys(), "0x08"+strings.Repeat("00", 129)) }, "Session.QueuedKeys"},
		{"disabled validators of odd size", func(f *fakeSubstrate) { f.SetRaw(storage.SessionDisabledValidators(), "0x040100") }, "Session.DisabledValidators"},
		{"ledger cut short", func(f *fakeSubstrate) { f.SetRaw(storage.StakingLedger(aliceID), "0x"+hex.EncodeToString(aliceID[:])) }, "Staking.Ledger"},
		{"slash list cut short", func(f *fakeSubstrate) {
			f.SetRaw(storage.StakingUnappliedSlashes(9), "0x04"+hex.EncodeToString(aliceID[:]))
		}, "Staking.UnappliedSlashes"},
		{"keys that are not slash keys", func(f *fakeSubstrate) {
			f.Update(func(s *simnet.Substrate) { s.Results["state_getKeysPaged"] = `["0x1234"]` })
		}, "not an UnappliedSlashes key"},
		{"more keys than asked", func(f *fakeSubstrate) {
			f.Update(func(s *simnet.Substrate) {
				s.Results["state_getKeysPaged"] = `[` + strings.Repeat(`"`+storage.StakingUnappliedSlashes(1).Hex()+`",`, maxSlashEntries) + `"0x"]`
			})
		}, "257 keys"},
		{"too many background rounds", func(f *fakeSubstrate) {
			bg := make([]simnet.GrandpaRoundState, 17)
			f.ScriptGrandpa(simnet.GrandpaReport{Best: rs(1, nil, nil), Background: bg})
		}, "17 background rounds"},
		{"round state of the wrong shape", func(f *fakeSubstrate) {
			f.Update(func(s *simnet.Substrate) { s.Results["grandpa_roundState"] = `{"best":"x"}` })
		}, "grandpa_roundState"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFakeSubstrate(t)
			healthyValidator(f, substrateEpoch)
			tc.setup(f)
			res := newSubstrateHarness(t, grandpaCheck(f.wsURL(), "      grandpa_samples: 1\n"), nil).probe()
			wantStatus(t, res, Down, tc.reason)
			if res.ReasonCode != ReasonBadResponse {
				t.Fatalf("code %s, want %s", res.ReasonCode, ReasonBadResponse)
			}
		})
	}
}
