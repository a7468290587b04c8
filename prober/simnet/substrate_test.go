package simnet

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/upchain-dev/upchain/prober/substrate/scale"
	"github.com/upchain-dev/upchain/prober/substrate/ss58"
	"github.com/upchain-dev/upchain/prober/substrate/storage"
)

func substrateCall(t *testing.T, s *Substrate, method string, params ...any) (result json.RawMessage, errMsg string) {
	t.Helper()
	req, _ := json.Marshal(map[string]any{"jsonrpc": "2.0", "id": 1, "method": method, "params": params})
	var resp struct {
		Result json.RawMessage `json:"result"`
		Error  *struct {
			Code    int    `json:"code"`
			Message string `json:"message"`
		} `json:"error"`
	}
	if err := json.Unmarshal(s.answer(req, "/"), &resp); err != nil {
		t.Fatal(err)
	}
	if resp.Error != nil {
		return nil, resp.Error.Message
	}
	return resp.Result, ""
}

// On a clock, heights, Timestamp.Now and GRANDPA rounds follow the time.
func TestSubstrateClock(t *testing.T) {
	genesis := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	now := genesis.Add(60*time.Second + 500*time.Millisecond)
	absent, present := scale.AccountID{1}, scale.AccountID{2}
	s := NewSubstrate()
	s.Now, s.Genesis, s.BlockTime = func() time.Time { return now }, genesis, 6*time.Second
	s.GrandpaVoters, s.GrandpaAbsent = []scale.AccountID{absent, present}, map[scale.AccountID]bool{absent: true}

	h, _ := substrateCall(t, s, "chain_getHeader")
	if !strings.Contains(string(h), `"number":"0x3f2"`) { // 1000 + 10 blocks
		t.Fatalf("header %s", h)
	}
	ts, _ := substrateCall(t, s, "state_getStorage", storage.TimestampNow().Hex(), "0x"+strings.Repeat("0", 61)+"3e8")
	var hexTS string
	_ = json.Unmarshal(ts, &hexTS)
	b, _ := scale.DecodeBlockNumber(mustHex(t, hexTS), "ts")
	if !time.UnixMilli(int64(b)).Equal(genesis) { // block 1000 is the genesis time
		t.Fatalf("timestamp of block 1000: %s", time.UnixMilli(int64(b)))
	}

	// 60.5s into 6s rounds: round 11, half a second in, everyone missing.
	var r struct {
		Best struct {
			Round    uint64
			Prevotes struct{ Missing []string }
		}
		Background []struct{ Round uint64 }
	}
	raw, _ := substrateCall(t, s, "grandpa_roundState")
	_ = json.Unmarshal(raw, &r)
	if r.Best.Round != 11 || len(r.Best.Prevotes.Missing) != 2 || len(r.Background) != 1 || r.Background[0].Round != 10 {
		t.Fatalf("round state %s", raw)
	}
	now = now.Add(2 * time.Second)
	raw, _ = substrateCall(t, s, "grandpa_roundState")
	_ = json.Unmarshal(raw, &r)
	want, _ := ss58.Encode(0, absent)
	if len(r.Best.Prevotes.Missing) != 1 || r.Best.Prevotes.Missing[0] != want {
		t.Fatalf("later in the round %s", raw)
	}
	s.Update(func(s *Substrate) { s.GrandpaNotReady = true })
	if _, msg := substrateCall(t, s, "grandpa_roundState"); msg != "GRANDPA RPC endpoint not ready" {
		t.Fatalf("not ready: %q", msg)
	}
}

func TestSubstrateKeysPaged(t *testing.T) {
	s := NewSubstrate()
	for _, era := range []uint32{5, 6, 7} {
		s.SetSlashes(era)
	}
	s.SetSession(1)
	raw, _ := substrateCall(t, s, "state_getKeysPaged", storage.StakingUnappliedSlashesPrefix().Hex(), 2, nil)
	var keys []string
	_ = json.Unmarshal(raw, &keys)
	if len(keys) != 2 || keys[0] >= keys[1] || !strings.HasPrefix(keys[0], storage.StakingUnappliedSlashesPrefix().Hex()) {
		t.Fatalf("keys %v", keys)
	}
	raw, _ = substrateCall(t, s, "state_getKeysPaged", storage.StakingUnappliedSlashesPrefix().Hex(), 10, keys[1])
	keys = nil
	_ = json.Unmarshal(raw, &keys)
	if len(keys) != 1 {
		t.Fatalf("after the start key: %v", keys)
	}
}

func mustHex(t *testing.T, s string) []byte {
	t.Helper()
	k, err := storage.ParseKey(s)
	if err != nil {
		t.Fatal(err)
	}
	return k
}
