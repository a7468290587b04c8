package prober

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/upchain-dev/upchain/prober/cometbft"
	"github.com/upchain-dev/upchain/prober/simnet"
)

// The LCD is simnet.CosmosLCD (cosmos-sdk v0.50 swagger shapes for
// cosmos.gov.v1/v1beta1), with the slashing queries answered here.
func govLCD(t *testing.T, gov *simnet.CosmosLCD, valcons string, broken *atomic.Bool) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case broken.Load():
			http.Error(w, "bad gateway", http.StatusBadGateway)
		case r.URL.Path == "/cosmos/slashing/v1beta1/params":
			fmt.Fprint(w, `{"params":{"signed_blocks_window":"1000","min_signed_per_window":"0.5"}}`)
		case r.URL.Path == "/cosmos/slashing/v1beta1/signing_infos/"+valcons:
			fmt.Fprintf(w, `{"val_signing_info":{"address":%q,"jailed_until":"1970-01-01T00:00:00Z","tombstoned":false,"missed_blocks_counter":"0"}}`, valcons)
		default:
			gov.ServeHTTP(w, r)
		}
	}))
	t.Cleanup(srv.Close)
	return srv
}

func TestCometBFTGov(t *testing.T) {
	raw := make([]byte, 20)
	raw[19] = 3
	valcons, _ := cometbft.Bech32Encode("cosmosvalcons", raw)
	voter, _ := cometbft.Bech32Encode("cosmos", []byte("operator-account-1.."))
	other, _ := cometbft.Bech32Encode("cosmos", []byte("someone-else-account"))
	for _, tc := range []struct {
		name    string
		v1beta1 bool
	}{{"v1", false}, {"v1beta1", true}} {
		t.Run(tc.name, func(t *testing.T) {
			chain := fakeChain(fmt.Sprintf("%040X", 3), nil)
			rpc := httptest.NewServer(chain)
			defer rpc.Close()
			now := time.Now()
			gov := &simnet.CosmosLCD{V1beta1Only: tc.v1beta1, Proposals: []simnet.CosmosProposal{
				{ID: 7, Title: "Ended long ago", VotingEnd: now.Add(-time.Hour)},
				{ID: 11, Title: "Raise the block size", VotingEnd: now.Add(5*time.Hour + 30*time.Second), Votes: map[string]string{other: "VOTE_OPTION_YES"}},
				{ID: 12, Title: "Later", VotingEnd: now.Add(72 * time.Hour)},
			}}
			var broken atomic.Bool
			lcd := govLCD(t, gov, valcons, &broken)
			rs := newRounds(mustLoad(t, fmt.Sprintf(`group: Cosmos
checks:
  - name: validator
    kind: cometbft
    url: %s
    cometbft:
      lcd: %s
      validator: {valcons: %s}
      gov: {voter: %s, warn_before: 24h}
`, rpc.URL, lcd.URL, valcons, voter)))

			// Two unvoted proposals, one ending within warn_before: degraded,
			// and the reason names it, its title and the time left.
			r := byCheck(t, rs.round(t), "validator")
			if r.Status != Degraded || !strings.Contains(r.Reason, `proposal #11 \"Raise the block size\": voting ends in 5h00m without a vote`) {
				t.Fatalf("unvoted: %s %q", r.Status, r.Reason)
			}
			if r.Values["gov_open"] != "2" || r.Values["gov_unvoted"] != "2" {
				t.Errorf("values %v", r.Values)
			}

			// The LCD fails for a round: the recorded proposals stand, so
			// the due vote is still reported.
			broken.Store(true)
			r = byCheck(t, rs.round(t), "validator")
			if r.Status != Degraded || !strings.Contains(r.Values["gov_due"], "#11") || r.Values["gov_unvoted"] != "2" {
				t.Errorf("LCD down: %s %q %v", r.Status, r.Reason, r.Values)
			}
			broken.Store(false)

			// The validator votes: up again, one proposal left unvoted but
			// not due.
			gov.Vote(11, voter, "VOTE_OPTION_NO")
			r = byCheck(t, rs.round(t), "validator")
			if r.Status != Up || r.Values["gov_unvoted"] != "1" || r.Values["gov_due"] != "" {
				t.Errorf("voted: %s %q %v", r.Status, r.Reason, r.Values)
			}
			if !strings.Contains(r.Values["gov_state"], `"id":11,`) || !strings.Contains(r.Values["gov_state"], `"voted":true`) {
				t.Errorf("state %s", r.Values["gov_state"])
			}
		})
	}
}

func TestCometBFTGovValidate(t *testing.T) {
	oper, _ := cometbft.Bech32Encode("cosmosvaloper", make([]byte, 20))
	valcons, _ := cometbft.Bech32Encode("cosmosvalcons", make([]byte, 20))
	for _, tc := range []struct{ name, opts, want string }{
		{"valoper", "lcd: https://lcd.example.org\n      validator: {valoper: " + oper + "}\n      gov: {}", ""},
		{"no lcd", "validator: {address: 000000000000000000000000000000000000000A}\n      gov: {voter: " + oper + "}", "set cometbft.lcd"},
		{"no voter", "lcd: https://lcd.example.org\n      validator: {valcons: " + valcons + "}\n      gov: {}", "set validator.valoper or gov.voter"},
		{"voter is valoper", "lcd: https://lcd.example.org\n      validator: {valcons: " + valcons + "}\n      gov: {voter: " + oper + "}", "is a validator address"},
		{"negative", "lcd: https://lcd.example.org\n      validator: {valoper: " + oper + "}\n      gov: {warn_before: -1h}", "must be positive"},
		{"node only", "gov: {}", "only applies to a validator"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := loadYAML(t, "checks:\n  - name: v\n    kind: cometbft\n    url: http://127.0.0.1:26657\n    cometbft:\n      "+tc.opts+"\n", nil)
			if tc.want == "" && err != nil || tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)) {
				t.Errorf("got %v, want %q", err, tc.want)
			}
		})
	}
}
