package prober

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/upchain-dev/upchain/prober/cometbft"
	"github.com/upchain-dev/upchain/prober/cometbft/cometbfttest"
	"github.com/upchain-dev/upchain/prober/config"
)

func TestCometBFTValidate(t *testing.T) {
	good, _ := cometbft.Bech32Encode("cosmosvalcons", make([]byte, 20))
	oper, _ := cometbft.Bech32Encode("cosmosvaloper", make([]byte, 20))
	tests := []struct {
		name, opts string
		want       string // substring of the error; "" for none
		line       int
	}{
		{"plain node", "cometbft: {chain_id: test-1, min_peers: 3}", "", 0},
		{"no options", "", "", 0},
		{"hex validator", "cometbft:\n      validator: {address: 000000000000000000000000000000000000000A}", "", 0},
		{"short address", "cometbft:\n      validator:\n        address: ABCD", "cometbft.validator.address: \"ABCD\" is not a consensus address", 7},
		{"valcons typo", "cometbft:\n      validator:\n        valcons: " + good[:len(good)-1] + "x", "checksum", 7},
		{"valcons mismatch", "cometbft:\n      validator:\n        address: 000000000000000000000000000000000000000A\n        valcons: " + good, "not the configured address", 7},
		{"valoper needs lcd", "cometbft:\n      validator:\n        valoper: " + oper, "set cometbft.lcd", 7},
		{"valoper with lcd", "cometbft:\n      lcd: https://lcd.example.org\n      validator: {valoper: " + oper + "}", "", 0},
		{"lcd needs bech32", "cometbft:\n      lcd: https://lcd.example.org\n      validator: {address: 000000000000000000000000000000000000000A}", "add validator.valcons or validator.valoper", 7},
		{"lcd not http", "cometbft:\n      lcd: lcd.example.org\n      validator: {valcons: " + good + "}", "not an http(s) URL", 7},
		{"empty validator", "cometbft:\n      validator: {}", "name the validator", 7},
		{"window without validator", "cometbft:\n      signatures_window: 50", "only applies to a validator", 7},
		{"window too large", "cometbft:\n      signatures_window: 100000\n      validator: {valcons: " + good + "}", "between 1 and 10000", 7},
		{"percent", "cometbft:\n      missed_percent_alert: 150\n      validator: {valcons: " + good + "}", "between 0 (off) and 100", 7},
		{"bad duration", "cometbft:\n      max_head_age: soon", "bad duration", 7},
		{"unknown key", "cometbft:\n      chainid: x", "did you mean \"chain_id\"", 7},
		{"websocket url ok", "cometbft: {}", "", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			yml := "group: Cosmos\nchecks:\n  - name: node\n    kind: cometbft\n    url: http://127.0.0.1:26657\n"
			if tt.opts != "" {
				yml += "    " + tt.opts + "\n"
			}
			_, err := loadYAML(t, yml, nil)
			if tt.want == "" {
				if err != nil {
					t.Fatalf("unexpected: %v", err)
				}
				return
			}
			errs, ok := err.(config.Errors)
			if !ok {
				t.Fatalf("want an error containing %q, got %v", tt.want, err)
			}
			for _, p := range errs {
				if strings.Contains(p.Msg, tt.want) {
					if p.Line != tt.line {
						t.Errorf("line %d, want %d: %s", p.Line, tt.line, p)
					}
					return
				}
			}
			t.Errorf("no error contains %q: %v", tt.want, err)
		})
	}
}

func TestCometBFTURLIsRoot(t *testing.T) {
	_, err := loadYAML(t, "checks:\n  - name: node\n    kind: cometbft\n    url: https://rpc.example.org/status\n", nil)
	if err == nil || !strings.Contains(err.Error(), "checks.yml:4: kind cometbft takes the RPC root (e.g. https://rpc.example.org), not the /status path") {
		t.Errorf("got %v", err)
	}
}

func TestCometBFTDefaultConditions(t *testing.T) {
	pct := 2.5
	off := 0
	c := &config.Check{Kind: "cometbft", Options: &CometBFTOptions{
		ChainID: "cosmoshub-4", MaxHeadAge: config.Duration(90 * time.Second), MinPeers: 3,
		Validator: &CometBFTValidator{Valcons: "x"}, LCD: "https://lcd", MissedPercentAlert: &pct, MissedConsecutiveAlert: &off,
	}}
	up, deg := cometbftKind{}.DefaultConditions(c)
	wantUp := []string{"catching_up == false", "head.age < 1m30s", `chain_id == "cosmoshub-4"`, "validator.in_active_set == true", "validator.jailed != true", "validator.tombstoned != true"}
	wantDeg := []string{"peers >= 3", "validator.missed_percent < 2.5", `lcd_error == ""`, "validator.slashing_missed_percent < 2.5"}
	if fmt.Sprint(up) != fmt.Sprint(wantUp) || fmt.Sprint(deg) != fmt.Sprint(wantDeg) {
		t.Errorf("up %q\ndegraded %q", up, deg)
	}
	up, deg = cometbftKind{}.DefaultConditions(&config.Check{Kind: "cometbft", Options: &CometBFTOptions{}})
	if fmt.Sprint(up) != "[catching_up == false head.age < 1m]" || deg != nil {
		t.Errorf("defaults: up %q degraded %q", up, deg)
	}
}

// fakeChain is a healthy 4-validator chain whose newest block is fresh.
func fakeChain(me string, absent func(int64) bool) *cometbfttest.Chain {
	set := []cometbfttest.Validator{{Address: fmt.Sprintf("%040X", 1), Power: 10}, {Address: fmt.Sprintf("%040X", 2), Power: 10}, {Address: me, Power: 10}, {Address: fmt.Sprintf("%040X", 4), Power: 10}}
	return &cometbfttest.Chain{
		ChainID: "test-1", Version: "0.38.17", Latest: 200, Earliest: 1, LatestTime: time.Now(), Peers: 3,
		Set: func(int64) []cometbfttest.Validator { return set },
		Absent: func(h int64, a string) bool {
			return a == me && absent != nil && absent(h)
		},
	}
}

func TestCometBFTProbeNode(t *testing.T) {
	chain := fakeChain(fmt.Sprintf("%040X", 3), nil)
	srv := httptest.NewServer(chain)
	defer srv.Close()
	ws := "ws" + strings.TrimPrefix(srv.URL, "http") + "/websocket"
	l := mustLoad(t, fmt.Sprintf(`group: Cosmos
checks:
  - name: node http
    kind: cometbft
    url: %s
    cometbft: {chain_id: test-1, min_peers: 3, max_head_age: 30s}
  - name: node ws
    kind: cometbft
    url: %s
    cometbft: {chain_id: test-1}
  - name: wrong chain
    kind: cometbft
    url: %s
    cometbft: {chain_id: cosmoshub-4}
  - name: many peers
    kind: cometbft
    url: %s
    cometbft: {min_peers: 10}
    conditions:
      - version startsWith "0.38."
`, srv.URL, ws, srv.URL, srv.URL))
	rs := newRounds(l)
	res := rs.round(t)
	for _, slug := range []string{"node-http", "node-ws"} {
		r := byCheck(t, res, slug)
		if r.Status != Up {
			t.Errorf("%s: %s %s %s", slug, r.Status, r.Reason, failedText(r))
		}
		for k, want := range map[string]string{"height": "200", "chain_id": "test-1", "version": "0.38.17", "peers": "3", "catching_up": "false"} {
			if r.Values[k] != want {
				t.Errorf("%s: value %s = %q, want %q", slug, k, r.Values[k], want)
			}
		}
	}
	if r := byCheck(t, res, "wrong-chain"); r.Status != Down || !strings.Contains(r.Reason, `chain_id == "cosmoshub-4" (chain_id="test-1")`) {
		t.Errorf("wrong chain: %s %q", r.Status, r.Reason)
	}
	if r := byCheck(t, res, "many-peers"); r.Status != Degraded || !strings.Contains(r.Reason, "peers >= 10 (peers=3)") {
		t.Errorf("few peers: %s %q", r.Status, r.Reason)
	}

	// A stalled chain: the node answers, catching_up stays false, only the
	// head's age shows it.
	chain.Update(func(c *cometbfttest.Chain) { c.LatestTime = time.Now().Add(-2 * time.Minute) })
	r := byCheck(t, rs.round(t), "node-http")
	if r.Status != Down || len(r.Failed) != 1 || r.Failed[0].Condition != "head.age < 30s" || !strings.HasPrefix(r.Failed[0].Observed, "head.age=2m0") {
		t.Errorf("stalled: %s %s", r.Status, failedText(r))
	}

	// net_info refused (common on public endpoints): peers unknown fails
	// only a peers condition.
	chain.Update(func(c *cometbfttest.Chain) { c.LatestTime = time.Now(); c.NoNetInfo = true })
	res = rs.round(t)
	if r := byCheck(t, res, "node-ws"); r.Status != Up {
		t.Errorf("no net_info, no peers condition: %s %s", r.Status, r.Reason)
	}
	if r := byCheck(t, res, "node-http"); r.Status != Degraded || !strings.Contains(r.Reason, "peers >= 3") || r.Values["peers_error"] == "" {
		t.Errorf("no net_info with min_peers: %s %q %v", r.Status, r.Reason, r.Values)
	}

	// Unreachable node: down, reason refused.
	srv.Close()
	r = byCheck(t, rs.round(t), "node-http")
	if r.Status != Down || r.ReasonCode != ReasonRefused {
		t.Errorf("closed: %s %s %s", r.Status, r.ReasonCode, r.Reason)
	}
}

func TestCometBFTProbeValidator(t *testing.T) {
	me := fmt.Sprintf("%040X", 3)
	var offline atomic.Bool
	chain := fakeChain(me, func(int64) bool { return offline.Load() })
	srv := httptest.NewServer(chain)
	defer srv.Close()
	l := mustLoad(t, fmt.Sprintf(`group: Cosmos
checks:
  - name: validator
    kind: cometbft
    url: %s
    cometbft:
      chain_id: test-1
      validator: {address: "%s"}
      signatures_window: 50
      max_blocks_per_round: 20
      missed_consecutive_alert: 3
      missed_percent_alert: 10
  - name: stranger
    kind: cometbft
    url: %s
    cometbft:
      validator: {address: "%040X"}
`, srv.URL, strings.ToLower(me), srv.URL, 99))
	rs := newRounds(l)
	res := rs.round(t)
	r := byCheck(t, res, "validator")
	if r.Status != Up {
		t.Fatalf("signing validator: %s %q", r.Status, r.Reason)
	}
	// First round: the newest 20 canonical blocks (180..199).
	for k, want := range map[string]string{"signed": "20", "missed": "0", "missed_consecutive": "0", "last_checked_height": "199", "in_active_set": "true", "voting_power": "10", "validator_status": "active", "validator_address": me, "signing_window": "20S"} {
		if r.Values[k] != want {
			t.Errorf("value %s = %q, want %q", k, r.Values[k], want)
		}
	}
	if s := byCheck(t, res, "stranger"); s.Status != Down || !strings.Contains(s.Reason, "validator.in_active_set == true (validator.in_active_set=false)") || s.Values["validator_status"] != "inactive" {
		t.Errorf("not in set: %s %q %v", s.Status, s.Reason, s.Values)
	}

	// The validator goes offline for 3 blocks: 3 consecutive misses is the
	// alert threshold, and 3 of 23 is above 10%%.
	chain.Commits()
	offline.Store(true)
	chain.Update(func(c *cometbfttest.Chain) { c.Latest, c.LatestTime = 203, time.Now() })
	r = byCheck(t, rs.round(t), "validator")
	if got := chain.Commits(); len(got) != 6 { // 200..202 for each of the two checks
		t.Errorf("second round fetched %v: only blocks since the last probe", got)
	}
	if r.Status != Down || !strings.Contains(failedText(r), "validator.missed_consecutive < 3 [validator.missed_consecutive=3]") {
		t.Errorf("offline validator: %s %s", r.Status, failedText(r))
	}
	if r.Values["missed"] != "3" || r.Values["signed"] != "20" || r.Values["validator_status"] != "missing" || r.Values["signing_window"] != "20S3M" {
		t.Errorf("values %v", r.Values)
	}

	// Back online: consecutive resets, but the share of the window stays
	// high: degraded.
	offline.Store(false)
	chain.Update(func(c *cometbfttest.Chain) { c.Latest = 205 })
	r = byCheck(t, rs.round(t), "validator")
	if r.Status != Degraded || !strings.Contains(r.Reason, "validator.missed_percent < 10") {
		t.Errorf("recovered: %s %q", r.Status, r.Reason)
	}

	// Commits cannot be read: down (unknown is not healthy), and the
	// state is kept rather than filled with unknown blocks.
	chain.Update(func(c *cometbfttest.Chain) { c.NoCommits = true; c.Latest = 210 })
	r = byCheck(t, rs.round(t), "validator")
	if r.Status != Down || !strings.Contains(r.Reason, "reading commits for the validator's signatures: JSON-RPC error -32603") || r.Values["signing_window"] != "20S3M2S" || r.Values["height"] != "210" {
		t.Errorf("no commits: %s %q %v", r.Status, r.Reason, r.Values)
	}
	chain.Update(func(c *cometbfttest.Chain) { c.NoCommits = false; c.Latest = 205 })

	// The node goes away: down, and the signing state survives in the
	// values for the next probe.
	srv.Close()
	r = byCheck(t, rs.round(t), "validator")
	if r.Status != Down || r.Values["signing_window"] != "20S3M2S" || r.Values["last_checked_height"] != "204" {
		t.Errorf("node down: %s %v", r.Status, r.Values)
	}
}

// TestCometBFTLCD follows the Cosmos SDK REST shapes (x/slashing and
// x/staking v1beta1 gateway routes).
func TestCometBFTLCD(t *testing.T) {
	me := fmt.Sprintf("%040X", 3)
	chain := fakeChain(me, nil)
	rpc := httptest.NewServer(chain)
	defer rpc.Close()
	raw := make([]byte, 20)
	raw[19] = 3
	valcons, _ := cometbft.Bech32Encode("cosmosvalcons", raw)
	var jailed, broken, hang atomic.Bool
	lcd := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if hang.Load() {
			<-r.Context().Done()
			return
		}
		if broken.Load() { // an error page that echoes the request path, key included
			http.Error(w, "upstream failed for "+r.URL.Path, http.StatusBadGateway)
			return
		}
		switch r.URL.Path {
		case "/key-s3cr3t-value/cosmos/slashing/v1beta1/params":
			fmt.Fprint(w, `{"params":{"signed_blocks_window":"1000","min_signed_per_window":"0.5"}}`)
		case "/key-s3cr3t-value/cosmos/slashing/v1beta1/signing_infos/" + valcons:
			until := "1970-01-01T00:00:00Z"
			if jailed.Load() {
				until = time.Now().Add(time.Hour).UTC().Format(time.RFC3339)
			}
			fmt.Fprintf(w, `{"val_signing_info":{"address":%q,"jailed_until":%q,"tombstoned":false,"missed_blocks_counter":"120"}}`, valcons, until)
		default:
			http.NotFound(w, r)
		}
	}))
	defer lcd.Close()
	yml := fmt.Sprintf(`group: Cosmos
checks:
  - name: validator
    kind: cometbft
    url: %s
    timeout: 3s
    cometbft:
      lcd: %s/${LCD_KEY}
      validator: {valcons: %s}
`, rpc.URL, lcd.URL, valcons)
	l, err := loadYAML(t, yml, map[string]string{"LCD_KEY": "key-s3cr3t-value"})
	if err != nil {
		t.Fatal(err)
	}
	rs := newRounds(l)
	r := byCheck(t, rs.round(t), "validator")
	// 120 of 1000 missed in the slashing window: above the default 5%.
	if r.Status != Degraded || !strings.Contains(r.Reason, "validator.slashing_missed_percent < 5 (validator.slashing_missed_percent=12)") {
		t.Errorf("slashing window: %s %q", r.Status, r.Reason)
	}
	if r.Values["missed_blocks_counter"] != "120" || r.Values["signed_blocks_window"] != "1000" || r.Values["jailed"] != "false" || r.Values["tombstoned"] != "false" {
		t.Errorf("values %v", r.Values)
	}
	jailed.Store(true)
	r = byCheck(t, rs.round(t), "validator")
	if r.Status != Down || !strings.Contains(r.Reason, "validator.jailed != true") || r.Values["validator_status"] != "jailed" {
		t.Errorf("jailed: %s %q %v", r.Status, r.Reason, r.Values)
	}

	// The LCD fails: degraded with its error, and the key in its URL is
	// nowhere in the result although the error page repeats it.
	broken.Store(true)
	r = byCheck(t, rs.round(t), "validator")
	if r.Status != Degraded || !strings.Contains(r.Reason, "lcd_error") || !strings.Contains(r.Values["lcd_error"], "HTTP 502: upstream failed for /${LCD_KEY}/cosmos") {
		t.Errorf("LCD down: %s %q %q", r.Status, r.Reason, r.Values["lcd_error"])
	}
	b, _ := json.Marshal(r)
	if strings.Contains(string(b), "s3cr3t") {
		t.Errorf("secret leaked: %s", b)
	}

	// An LCD that never answers costs a third of the probe's time; the
	// signatures are still read from the node.
	hang.Store(true)
	chain.Update(func(c *cometbfttest.Chain) { c.Latest, c.LatestTime = 210, time.Now() })
	r = byCheck(t, rs.round(t), "validator")
	if r.Status != Degraded || !strings.Contains(r.Values["lcd_error"], "timed out") || r.Values["last_checked_height"] != "209" {
		t.Errorf("LCD hangs: %s %q %v", r.Status, r.Reason, r.Values)
	}
}
