package simnet

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func beaconGet(t *testing.T, h http.Handler, method, path, body string) (int, map[string]any) {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(method, path, strings.NewReader(body)))
	data, _ := io.ReadAll(rec.Body)
	var out map[string]any
	_ = json.Unmarshal(data, &out)
	return rec.Code, out
}

func TestBeaconFake(t *testing.T) {
	genesis := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	now := genesis.Add((10*32 + 5) * 12 * time.Second)
	b := NewBeacon(func() time.Time { return now }, genesis, 3, 4)
	b.Update(func(b *Beacon) {
		b.EmptySlots = map[uint64]bool{10*32 + 2: true}
		b.Offline = func(i, _ uint64) bool { return i == 4 }
	})
	if b.Slot() != 325 || b.Epoch() != 10 {
		t.Fatalf("slot %d epoch %d", b.Slot(), b.Epoch())
	}
	for _, tc := range []struct {
		method, path, body string
		code               int
		want               string // in the JSON text of data
	}{
		{"GET", "/eth/v1/node/health", "", 200, ""},
		{"GET", "/eth/v1/beacon/headers/head", "", 200, `"slot":"325"`},
		{"GET", "/eth/v1/beacon/headers/322", "", 404, ""},
		{"GET", "/eth/v1/beacon/headers/326", "", 404, ""},
		{"GET", "/eth/v1/beacon/states/head/finality_checkpoints", "", 200, `"finalized":{"epoch":"8"`},
		{"POST", "/eth/v1/validator/liveness/9", `["3","4"]`, 200, `[{"index":"3","is_live":true},{"index":"4","is_live":false}]`},
		{"POST", "/eth/v1/validator/liveness/8", `["3"]`, 400, ""},
		{"POST", "/eth/v1/beacon/states/head/validators", `{"ids":["` + BeaconPubkey(4) + `","99"]}`, 200, `"index":"4"`},
		{"GET", "/eth/v1/beacon/states/head/validators/99", "", 404, ""},
	} {
		code, out := beaconGet(t, b, tc.method, tc.path, tc.body)
		data, _ := json.Marshal(out["data"])
		if code != tc.code || !strings.Contains(string(data), tc.want) {
			t.Errorf("%s %s: %d %s, want %d with %s", tc.method, tc.path, code, data, tc.code, tc.want)
		}
	}
	if n := b.Calls()["POST /eth/v1/validator/liveness"]; n != 2 {
		t.Errorf("liveness calls %d, want 2", n)
	}
}
