package storage

import (
	"encoding/hex"
	"testing"
)

// alith is Moonbeam's development account Alith (an H160).
var alith, _ = hex.DecodeString("f24ff3a9cf04c71dbc94d0b566f7a27b94566cac")

// The constants were computed outside Go by a separate implementation
// (xxh64 written from the xxHash specification and hashlib's blake2b, in
// Python; it reproduces the Timestamp.Now and System.Account(Alice) keys
// pinned in storage_test.go). Session.QueuedKeys also matches the key
// polkadot.js shows for it.
func TestValidatorAndCollatorKeys(t *testing.T) {
	for _, tc := range []struct {
		name string
		key  Key
		want string
	}{
		{"Session.QueuedKeys", SessionQueuedKeys(), "0xcec5070d609dd3497f72bde07fc96ba0e0cdd062e6eaf24295ad4ccfc41d4609"},
		{"Session.DisabledValidators", SessionDisabledValidators(), "0xcec5070d609dd3497f72bde07fc96ba05a9a74be4a5a7df60b01a6c0326c5e20"},
		{"Session.NextKeys(Alice)", SessionNextKeys(alice), "0xcec5070d609dd3497f72bde07fc96ba04c014e6bf8b8c2c011e7290b85696bb3518366b5b1bc7c99d43593c715fdd31c61141abd04a99fd6822c8558854ccde39a5684e7a56da27d"},
		{"Staking.Bonded(Alice)", StakingBonded(alice), "0x5f3e4907f716ac89b6347d15ececedca3ed14b45ed20d054f05e37e2542cfe70518366b5b1bc7c99d43593c715fdd31c61141abd04a99fd6822c8558854ccde39a5684e7a56da27d"},
		{"Staking.Ledger(Alice)", StakingLedger(alice), "0x5f3e4907f716ac89b6347d15ececedca422adb579f1dbf4f3886c5cfa3bb8cc4de1e86a9a8c739864cf3cc5ec2bea59fd43593c715fdd31c61141abd04a99fd6822c8558854ccde39a5684e7a56da27d"},
		{"Staking.UnappliedSlashes(1234)", StakingUnappliedSlashes(1234), "0x5f3e4907f716ac89b6347d15ececedca042824170a5db4381fe3395039cabd24548491cbfe725727d2040000"},
		{"CollatorSelection.Invulnerables", CollatorSelectionInvulnerables(), "0x15464cac3378d46f113cd5b7a4d71c845579297f4dfb9609e7e4c2ebab9ce40a"},
		{"CollatorSelection.Candidates", CollatorSelectionCandidates(), "0x15464cac3378d46f113cd5b7a4d71c84948ece45793d7f15c9c0b9574ddbc665"},
		{"CollatorSelection.CandidateList", CollatorSelectionCandidateList(), "0x15464cac3378d46f113cd5b7a4d71c84ad588da1c23d1f764a5ff7b71e776f5a"},
		{"CollatorSelection.LastAuthoredBlock(Alice)", CollatorSelectionLastAuthoredBlock(alice[:]), "0x15464cac3378d46f113cd5b7a4d71c84fb8ec9656ba16ac6223a82470e54837f518366b5b1bc7c99d43593c715fdd31c61141abd04a99fd6822c8558854ccde39a5684e7a56da27d"},
		{"ParachainStaking.SelectedCandidates", ParachainStakingSelectedCandidates(), "0xa686a3043d0adcf2fa655e57bc595a7824ddcec36ac09d628a4e7c4cd8dd4a77"},
		{"ParachainStaking.Round", ParachainStakingRound(), "0xa686a3043d0adcf2fa655e57bc595a7813792e785168f725b60e2969c7fc2552"},
		{"ParachainStaking.AwardedPts(77, Alith)", ParachainStakingAwardedPts(77, alith), "0xa686a3043d0adcf2fa655e57bc595a78657601709915d07919ad0a0320b505aa882549884eecaf5b4d0000004a6bb7c01d316509f24ff3a9cf04c71dbc94d0b566f7a27b94566cac"},
		{"ParachainStaking.Points(77)", ParachainStakingPoints(77), "0xa686a3043d0adcf2fa655e57bc595a786cfaec47af155d928e7727e1a104074a882549884eecaf5b4d000000"},
	} {
		if got := tc.key.Hex(); got != tc.want {
			t.Errorf("%s = %s, want %s", tc.name, got, tc.want)
		}
	}
}
