package cometbft

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

// Answers in the cosmos-sdk swagger shapes of cosmos.gov.v1 (v0.46 wraps
// a legacy proposal's title in messages[].content; v0.47+ has title) and
// cosmos.gov.v1beta1, and the gateway's errors for a missing vote.
func TestGov(t *testing.T) {
	for _, tc := range []struct {
		name      string
		answers   map[string]string // path → body; "!NNN " prefixes a status
		wantTitle string
		wantV1b1  bool
		wantVoted bool
	}{
		{"v1 title", map[string]string{
			"/cosmos/gov/v1/proposals":          `{"proposals":[{"id":"5","status":"PROPOSAL_STATUS_VOTING_PERIOD","title":"Upgrade v19","voting_end_time":"2030-01-01T00:00:00Z"}]}`,
			"/cosmos/gov/v1/proposals/5/votes/": `{"vote":{"proposal_id":"5","options":[{"option":"VOTE_OPTION_YES","weight":"1.0"}]}}`,
		}, "Upgrade v19", false, true},
		{"v1 legacy content", map[string]string{
			"/cosmos/gov/v1/proposals":          `{"proposals":[{"id":"5","status":"PROPOSAL_STATUS_VOTING_PERIOD","messages":[{"@type":"/cosmos.gov.v1.MsgExecLegacyContent","content":{"title":"Old style"}}],"voting_end_time":"2030-01-01T00:00:00Z"}]}`,
			"/cosmos/gov/v1/proposals/5/votes/": `!404 {"code":5,"message":"voter: cosmos1x not found for proposal: 5: key not found"}`,
		}, "Old style", false, false},
		{"v1beta1 fallback", map[string]string{
			"/cosmos/gov/v1/proposals":               `!501 {"code":12,"message":"Not Implemented"}`,
			"/cosmos/gov/v1beta1/proposals":          `{"proposals":[{"proposal_id":"5","content":{"title":"Beta"},"status":"PROPOSAL_STATUS_VOTING_PERIOD","voting_end_time":"2030-01-01T00:00:00Z"}]}`,
			"/cosmos/gov/v1beta1/proposals/5/votes/": `!400 {"code":3,"message":"vote not found for proposal 5"}`,
		}, "Beta", true, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				p := r.URL.Path
				if i := len(p) - len("cosmos1voter"); i > 0 && p[i:] == "cosmos1voter" {
					p = p[:i]
				}
				body, ok := tc.answers[p]
				if !ok {
					body = `!404 {"code":5,"message":"Not Found"}`
				}
				code := http.StatusOK
				if body[0] == '!' {
					code = int(body[1]-'0')*100 + int(body[2]-'0')*10 + int(body[3]-'0')
					body = body[5:]
				}
				w.WriteHeader(code)
				_, _ = w.Write([]byte(body))
			}))
			defer srv.Close()
			l := LCD{Base: srv.URL, Client: srv.Client()}
			ps, err := l.VotingProposals(context.Background())
			if err != nil || len(ps) != 1 {
				t.Fatalf("proposals %v %v", ps, err)
			}
			p := ps[0]
			if p.ID != 5 || p.Title != tc.wantTitle || p.V1beta1 != tc.wantV1b1 || !p.VotingEnd.Equal(time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)) {
				t.Errorf("proposal %+v", p)
			}
			voted, err := l.Voted(context.Background(), p, "cosmos1voter")
			if err != nil || voted != tc.wantVoted {
				t.Errorf("voted %v %v, want %v", voted, err, tc.wantVoted)
			}
		})
	}
}

func TestAccountFromValoper(t *testing.T) {
	raw := []byte("01234567890123456789")
	oper, _ := Bech32Encode("osmovaloper", raw)
	want, _ := Bech32Encode("osmo", raw)
	if got, err := AccountFromValoper(oper); err != nil || got != want {
		t.Errorf("got %q %v, want %q", got, err, want)
	}
	if _, err := AccountFromValoper(want); err == nil {
		t.Error("an account address is not an operator address")
	}
}

func TestCurrentPlan(t *testing.T) {
	for _, tc := range []struct {
		name, body string
		code       int
		want       *Plan
		wantErr    bool
	}{
		{"plan", `{"plan":{"name":"v19","time":"0001-01-01T00:00:00Z","height":"1200","info":"{}","upgraded_client_state":null}}`, 200, &Plan{Name: "v19", Height: 1200, Info: "{}"}, false},
		{"none", `{"plan":null}`, 200, nil, false},
		{"no module", `{"code":12,"message":"Not Implemented"}`, 501, nil, false},
		{"broken", `bad gateway`, 502, nil, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.URL.Path != "/cosmos/upgrade/v1beta1/current_plan" {
					http.NotFound(w, r)
					return
				}
				w.WriteHeader(tc.code)
				_, _ = w.Write([]byte(tc.body))
			}))
			defer srv.Close()
			p, err := LCD{Base: srv.URL, Client: srv.Client()}.CurrentPlan(context.Background())
			if (err != nil) != tc.wantErr || (p == nil) != (tc.want == nil) || p != nil && *p != *tc.want {
				t.Errorf("got %+v %v, want %+v", p, err, tc.want)
			}
		})
	}
}
