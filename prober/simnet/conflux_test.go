package simnet

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// confluxCall posts one JSON-RPC request and decodes the result.
func confluxCall(t *testing.T, url, method string, params ...any) map[string]any {
	t.Helper()
	if params == nil {
		params = []any{}
	}
	body, _ := json.Marshal(map[string]any{"jsonrpc": "2.0", "id": 1, "method": method, "params": params})
	resp, err := http.Post(url, "application/json", strings.NewReader(string(body)))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var msg struct {
		Result any            `json:"result"`
		Error  map[string]any `json:"error"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&msg); err != nil {
		t.Fatal(err)
	}
	if msg.Error != nil {
		return map[string]any{"error": msg.Error["message"]}
	}
	m, _ := msg.Result.(map[string]any)
	if m == nil {
		m = map[string]any{"result": msg.Result}
	}
	return m
}

func TestConfluxSimulation(t *testing.T) {
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	c := NewConflux(func() time.Time { return now })
	srv := httptest.NewServer(c)
	defer srv.Close()
	get := func(method, field string, params ...any) any {
		t.Helper()
		return confluxCall(t, srv.URL, method, params...)[field]
	}
	for _, step := range []struct {
		name  string
		do    func()
		check func() (got, want any)
	}{
		{"start", func() {}, func() (any, any) { return get("cfx_getStatus", "epochNumber"), "0x186a0" }},
		{"a minute later", func() { now = now.Add(time.Minute) }, func() (any, any) { return get("cfx_getStatus", "epochNumber"), "0x186dc" }},
		{"PoS committed", func() {}, func() (any, any) { return get("pos_getStatus", "latestCommitted"), "0x138e" }},
		{"stopped epochs stay", func() { c.StopEpochs(); now = now.Add(time.Hour) }, func() (any, any) { return get("cfx_getStatus", "epochNumber"), "0x186dc" }},
		{"resumed epochs go on from there", func() { c.ResumeEpochs(); now = now.Add(10 * time.Second) }, func() (any, any) { return get("cfx_getStatus", "epochNumber"), "0x186e6" }},
		{"head time is the epoch's", func() {}, func() (any, any) {
			return get("cfx_getBlockByEpochNumber", "timestamp", "latest_mined", false), "0x69a42a86" // start + 70 s
		}},
		{"unknown account is all zero, not null", func() {}, func() (any, any) {
			st := get("pos_getAccount", "status", "0x"+strings.Repeat("ab", 32)).(map[string]any)
			return st["availableVotes"].(string) + st["locked"].(string), "0x00x0"
		}},
		{"balances in Drip", func() {}, func() (any, any) { return get("cfx_getBalance", "result", ConfluxDemoTreasury), "0xd8d726b7177a80000" }},
		{"testnet address refused", func() {}, func() (any, any) {
			msg, _ := get("cfx_getBalance", "error", "cfxtest:aarc9abycue0hhzgyrr53m6cxedgccrmmy8m50bu1p").(string)
			return strings.Contains(msg, "network 1"), true
		}},
		{"PoS block number needs 0x", func() {}, func() (any, any) {
			msg, _ := get("pos_getBlockByNumber", "error", "12").(string)
			return strings.Contains(msg, "missing 0x prefix"), true
		}},
		{"unknown method", func() {}, func() (any, any) { return get("cfx_nope", "error"), "Method not found" }},
	} {
		step.do()
		if got, want := step.check(); got != want {
			t.Errorf("%s: got %v, want %v", step.name, got, want)
		}
	}
}

// A validator leaving the committee stays in it until the term ends; a
// validator that stops voting is missing from the next blocks'
// signatures.
func TestConfluxCommitteeAndVotes(t *testing.T) {
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	c := NewConflux(func() time.Time { return now })
	srv := httptest.NewServer(c)
	defer srv.Close()
	member := func(block string) bool {
		cm := confluxCall(t, srv.URL, "pos_getCommittee", block)["currentCommittee"].(map[string]any)
		for _, n := range cm["nodes"].([]any) {
			if n.(map[string]any)["address"] == ConfluxDemoValidator {
				return true
			}
		}
		return false
	}
	signed := func(block string) bool {
		b := confluxCall(t, srv.URL, "pos_getBlockByNumber", block)
		for _, s := range b["signatures"].([]any) {
			if s.(map[string]any)["account"] == ConfluxDemoValidator {
				return true
			}
		}
		return false
	}
	h := c.PosHeight() // 5000: term 84 runs 4981..5040
	c.LeaveCommittee(ConfluxDemoValidator)
	c.StopVoting(ConfluxDemoValidator)
	now = now.Add(10 * time.Minute) // 60 blocks more
	for _, tc := range []struct {
		block          uint64
		member, signed bool
	}{
		{h, true, true},
		{h + 1, true, false},
		{5040, true, false},
		{5041, false, false},
	} {
		b := confluxHex(tc.block)
		if m, s := member(b), signed(b); m != tc.member || s != tc.signed {
			t.Errorf("block %d: member %v signed %v, want %v %v", tc.block, m, s, tc.member, tc.signed)
		}
	}
}
