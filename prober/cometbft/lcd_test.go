package cometbft

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// lcdServer answers like the Cosmos SDK gRPC gateway (REST) for the
// slashing and staking queries, in the shapes of the cosmos-sdk v0.50
// swagger (x/slashing and x/staking v1beta1 query services).
func lcdServer(t *testing.T, key []byte, valcons string) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		switch {
		case r.URL.Path == "/cosmos/slashing/v1beta1/params":
			_, _ = w.Write([]byte(`{"params":{"signed_blocks_window":"10000","min_signed_per_window":"0.050000000000000000","downtime_jail_duration":"600s","slash_fraction_double_sign":"0.050000000000000000","slash_fraction_downtime":"0.000100000000000000"}}`))
		case r.URL.Path == "/cosmos/slashing/v1beta1/signing_infos/"+valcons:
			_, _ = w.Write([]byte(`{"val_signing_info":{"address":"` + valcons + `","start_height":"100","index_offset":"5000","jailed_until":"1970-01-01T00:00:00Z","tombstoned":false,"missed_blocks_counter":"42"}}`))
		case r.URL.Path == "/cosmos/staking/v1beta1/validators/cosmosvaloper1big":
			w.Write([]byte(`{"validator":{"operator_address":"` + strings.Repeat("x", 2<<20) + `"}}`))
		case strings.HasPrefix(r.URL.Path, "/cosmos/staking/v1beta1/validators/cosmosvaloper"):
			_, _ = w.Write([]byte(`{"validator":{"operator_address":"cosmosvaloper1x","consensus_pubkey":{"@type":"/cosmos.crypto.ed25519.PubKey","key":"` + base64.StdEncoding.EncodeToString(key) + `"},"jailed":true,"status":"BOND_STATUS_UNBONDING","tokens":"1000","description":{"moniker":"val"}}}`))
		default:
			w.WriteHeader(http.StatusNotFound)
			_, _ = w.Write([]byte(`{"code":5,"message":"validator not found","details":[]}`))
		}
	}))
	t.Cleanup(srv.Close)
	return srv
}

func TestLCD(t *testing.T) {
	key := make([]byte, 32)
	for i := range key {
		key[i] = byte(i)
	}
	sum := sha256.Sum256(key)
	wantAddr := strings.ToUpper(hex.EncodeToString(sum[:20]))
	valcons, _ := Bech32Encode("cosmosvalcons", sum[:20])
	srv := lcdServer(t, key, valcons)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	l := LCD{Base: srv.URL + "/", Client: srv.Client(), MaxBytes: 1 << 20}

	v, err := l.StakingValidator(ctx, "cosmosvaloper1abc")
	if err != nil {
		t.Fatal(err)
	}
	a, err := v.ConsensusAddress()
	if err != nil || a != wantAddr || !v.Jailed || v.Bonded() {
		t.Errorf("validator %+v address %s %v", v, a, err)
	}
	p, err := l.SlashingParams(ctx)
	if err != nil || p.SignedBlocksWindow != 10000 || p.MaxMissed() != 9500 {
		t.Errorf("params %+v %v", p, err)
	}
	info, err := l.SigningInfo(ctx, valcons)
	if err != nil || info.MissedBlocksCounter != 42 || info.Tombstoned || info.JailedUntil.Year() != 1970 {
		t.Errorf("signing info %+v %v", info, err)
	}
	_, err = l.SigningInfo(ctx, "cosmosvalcons1unknown")
	if e, ok := err.(*LCDError); !ok || e.Code != 404 || !strings.Contains(e.Error(), "validator not found") {
		t.Errorf("unknown validator: %v", err)
	}
	if _, err := l.StakingValidator(ctx, "cosmosvaloper1big"); err == nil || !strings.Contains(err.Error(), "larger than") {
		t.Errorf("oversized answer: %v", err)
	}
}

func TestConsensusAddressNeedsEd25519(t *testing.T) {
	var v StakingValidator
	v.ConsensusPubkey.Type = "/cosmos.crypto.secp256k1.PubKey"
	v.ConsensusPubkey.Key = base64.StdEncoding.EncodeToString(make([]byte, 33))
	if _, err := v.ConsensusAddress(); err == nil || !strings.Contains(err.Error(), "validator.address") {
		t.Errorf("secp256k1 key: %v", err)
	}
}
