package simnet

import (
	"encoding/json"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

// CosmosLCD is a Cosmos SDK REST endpoint (the gRPC gateway, port 1317)
// answering the governance and upgrade queries, in the shapes of the
// cosmos-sdk v0.50 swagger for cosmos.gov.v1 and cosmos.gov.v1beta1
// (Query/Proposals, Query/Vote), cosmos.upgrade.v1beta1 (Query/CurrentPlan)
// and cosmos.slashing.v1beta1 (Query/Params, Query/SigningInfo). Errors follow the gateway: HTTP 404 with
// {"code":5,"message":...} for a missing vote, HTTP 501 (code 12) for a
// service an older chain lacks. Change it through Update.
type CosmosLCD struct {
	// Now is the clock (nil: time.Now); voting ends are compared with it.
	Now func() time.Time

	mu sync.Mutex
	// Proposals are the chain's proposals; those whose voting end has not
	// passed are in their voting period.
	Proposals []CosmosProposal
	// V1beta1Only answers the v1 gov service with 501, as SDK v0.45 does.
	V1beta1Only bool
	// Plan is the upgrade plan (nil: none).
	Plan *CosmosPlan
	// SignedBlocksWindow is the slashing window (default 10000).
	SignedBlocksWindow int64
	// Missed maps the valcons addresses the slashing module knows to
	// their missed_blocks_counter; others answer NotFound.
	Missed map[string]int64
}

// CosmosProposal is one governance proposal.
type CosmosProposal struct {
	ID        uint64
	Title     string
	VotingEnd time.Time
	// Votes maps voter account addresses to their option (VOTE_OPTION_YES...).
	Votes map[string]string
}

// CosmosPlan is a planned software upgrade.
type CosmosPlan struct {
	Name   string
	Height int64
}

// Update changes the endpoint under its lock.
func (l *CosmosLCD) Update(f func(*CosmosLCD)) {
	l.mu.Lock()
	defer l.mu.Unlock()
	f(l)
}

// Vote records voter's vote on proposal id.
func (l *CosmosLCD) Vote(id uint64, voter, option string) {
	l.Update(func(l *CosmosLCD) {
		for i := range l.Proposals {
			if l.Proposals[i].ID == id {
				if l.Proposals[i].Votes == nil {
					l.Proposals[i].Votes = map[string]string{}
				}
				l.Proposals[i].Votes[voter] = option
			}
		}
	})
}

func (l *CosmosLCD) now() time.Time {
	if l.Now != nil {
		return l.Now()
	}
	return time.Now()
}

func cosmosWriteJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(v)
}

func cosmosError(w http.ResponseWriter, code, grpc int, msg string) {
	cosmosWriteJSON(w, code, map[string]any{"code": grpc, "message": msg, "details": []any{}})
}

// ServeHTTP answers the gov and upgrade queries.
func (l *CosmosLCD) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	parts := strings.Split(strings.Trim(r.URL.Path, "/"), "/")
	switch {
	case r.URL.Path == "/cosmos/upgrade/v1beta1/current_plan":
		var plan any
		if l.Plan != nil {
			plan = map[string]any{"name": l.Plan.Name, "time": "0001-01-01T00:00:00Z", "height": strconv.FormatInt(l.Plan.Height, 10), "info": "", "upgraded_client_state": nil}
		}
		cosmosWriteJSON(w, http.StatusOK, map[string]any{"plan": plan})
	case r.URL.Path == "/cosmos/slashing/v1beta1/params":
		win := l.SignedBlocksWindow
		if win <= 0 {
			win = 10000
		}
		cosmosWriteJSON(w, http.StatusOK, map[string]any{"params": map[string]any{
			"signed_blocks_window": strconv.FormatInt(win, 10), "min_signed_per_window": "0.050000000000000000",
			"downtime_jail_duration": "600s", "slash_fraction_double_sign": "0.050000000000000000", "slash_fraction_downtime": "0.000100000000000000",
		}})
	case len(parts) == 5 && r.URL.Path == "/cosmos/slashing/v1beta1/signing_infos/"+parts[4]:
		missed, ok := l.Missed[parts[4]]
		if !ok {
			cosmosError(w, http.StatusNotFound, 5, "SigningInfo not found for validator "+parts[4])
			return
		}
		cosmosWriteJSON(w, http.StatusOK, map[string]any{"val_signing_info": map[string]any{
			"address": parts[4], "start_height": "1", "index_offset": "0", "jailed_until": "1970-01-01T00:00:00Z",
			"tombstoned": false, "missed_blocks_counter": strconv.FormatInt(missed, 10),
		}})
	case len(parts) >= 4 && parts[0] == "cosmos" && parts[1] == "gov" && parts[3] == "proposals":
		ver := parts[2]
		if ver != "v1" && ver != "v1beta1" || ver == "v1" && l.V1beta1Only {
			cosmosError(w, http.StatusNotImplemented, 12, "Not Implemented")
			return
		}
		switch len(parts) {
		case 4:
			l.cosmosProposals(w, r, ver, now)
		case 7:
			l.cosmosVote(w, ver, parts[4], parts[6])
		default:
			cosmosError(w, http.StatusNotFound, 5, "Not Found")
		}
	default:
		cosmosError(w, http.StatusNotFound, 5, "Not Found")
	}
}

func (l *CosmosLCD) cosmosProposals(w http.ResponseWriter, r *http.Request, ver string, now time.Time) {
	want := r.URL.Query().Get("proposal_status")
	ps := append([]CosmosProposal(nil), l.Proposals...)
	sort.Slice(ps, func(i, j int) bool { return ps[i].ID < ps[j].ID })
	out := []any{}
	for _, p := range ps {
		status := "PROPOSAL_STATUS_PASSED"
		if now.Before(p.VotingEnd) {
			status = "PROPOSAL_STATUS_VOTING_PERIOD"
		}
		if want != "" && want != status && !(want == "2" && status == "PROPOSAL_STATUS_VOTING_PERIOD") {
			continue
		}
		end := p.VotingEnd.UTC().Format(time.RFC3339Nano)
		start := p.VotingEnd.Add(-14 * 24 * time.Hour).UTC().Format(time.RFC3339Nano)
		id := strconv.FormatUint(p.ID, 10)
		if ver == "v1" {
			out = append(out, map[string]any{
				"id": id, "messages": []any{}, "status": status, "title": p.Title, "summary": p.Title, "metadata": "",
				"submit_time": start, "voting_start_time": start, "voting_end_time": end,
			})
		} else {
			out = append(out, map[string]any{
				"proposal_id": id, "status": status,
				"content":     map[string]any{"@type": "/cosmos.gov.v1beta1.TextProposal", "title": p.Title, "description": p.Title},
				"submit_time": start, "voting_start_time": start, "voting_end_time": end,
			})
		}
	}
	cosmosWriteJSON(w, http.StatusOK, map[string]any{"proposals": out, "pagination": map[string]any{"next_key": nil, "total": strconv.Itoa(len(out))}})
}

func (l *CosmosLCD) cosmosVote(w http.ResponseWriter, ver, id, voter string) {
	for _, p := range l.Proposals {
		if strconv.FormatUint(p.ID, 10) != id {
			continue
		}
		opt, ok := p.Votes[voter]
		if !ok {
			break
		}
		vote := map[string]any{"proposal_id": id, "voter": voter, "options": []any{map[string]any{"option": opt, "weight": "1.000000000000000000"}}}
		if ver == "v1beta1" {
			vote["option"] = opt
		} else {
			vote["metadata"] = ""
		}
		cosmosWriteJSON(w, http.StatusOK, map[string]any{"vote": vote})
		return
	}
	cosmosError(w, http.StatusNotFound, 5, "voter: "+voter+" not found for proposal: "+id)
}
