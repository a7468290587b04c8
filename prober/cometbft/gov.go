package cometbft

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Proposal is a governance proposal in its voting period, read from
// either gov API version.
type Proposal struct {
	ID        uint64
	Title     string
	VotingEnd time.Time
	// V1beta1: read from the v1beta1 API, where its votes are queried too.
	V1beta1 bool
}

// MaxProposals bounds the proposals read in one query: chains rarely have
// more than a handful in their voting period at once.
const MaxProposals = 50

// votingStatus is PROPOSAL_STATUS_VOTING_PERIOD, accepted by name by both
// gov API versions of the gRPC gateway.
const votingStatus = "PROPOSAL_STATUS_VOTING_PERIOD"

// proposalV1 is a proposal in the cosmos.gov.v1 shape (SDK v0.46+; title
// is a field from v0.47, before that only in metadata).
type proposalV1 struct {
	ID        Int64     `json:"id"`
	Title     string    `json:"title"`
	Status    string    `json:"status"`
	VotingEnd time.Time `json:"voting_end_time"`
	Messages  []struct {
		Type    string `json:"@type"`
		Content struct {
			Title string `json:"title"`
		} `json:"content"`
	} `json:"messages"`
}

// proposalV1beta1 is the cosmos.gov.v1beta1 shape: title in content.
type proposalV1beta1 struct {
	ID      Int64 `json:"proposal_id"`
	Content struct {
		Title string `json:"title"`
	} `json:"content"`
	Status    string    `json:"status"`
	VotingEnd time.Time `json:"voting_end_time"`
}

// VotingProposals lists the proposals in their voting period through
// /cosmos/gov/v1/proposals, falling back to v1beta1 on chains without the
// v1 service (HTTP 404 or 501).
func (l LCD) VotingProposals(ctx context.Context) ([]Proposal, error) {
	q := "?proposal_status=" + votingStatus + "&pagination.limit=" + strconv.Itoa(MaxProposals)
	var v1 struct {
		Proposals []proposalV1 `json:"proposals"`
	}
	err := l.get(ctx, "/cosmos/gov/v1/proposals"+q, &v1)
	if err == nil {
		out := make([]Proposal, 0, len(v1.Proposals))
		for _, p := range v1.Proposals {
			if p.Status != "" && p.Status != votingStatus {
				continue
			}
			title := p.Title
			for _, m := range p.Messages {
				if title == "" && m.Content.Title != "" { // a legacy content proposal wrapped in v1
					title = m.Content.Title
				}
			}
			out = append(out, Proposal{ID: uint64(p.ID), Title: title, VotingEnd: p.VotingEnd})
		}
		return bound(out), nil
	}
	if !unimplemented(err) {
		return nil, err
	}
	var b1 struct {
		Proposals []proposalV1beta1 `json:"proposals"`
	}
	if err := l.get(ctx, "/cosmos/gov/v1beta1/proposals"+q, &b1); err != nil {
		return nil, err
	}
	out := make([]Proposal, 0, len(b1.Proposals))
	for _, p := range b1.Proposals {
		if p.Status != "" && p.Status != votingStatus {
			continue
		}
		out = append(out, Proposal{ID: uint64(p.ID), Title: p.Content.Title, VotingEnd: p.VotingEnd, V1beta1: true})
	}
	return bound(out), nil
}

func bound(ps []Proposal) []Proposal {
	if len(ps) > MaxProposals {
		return ps[:MaxProposals]
	}
	return ps
}

// unimplemented tells an LCD without the queried service (an older SDK).
func unimplemented(err error) bool {
	var le *LCDError
	return errors.As(err, &le) && (le.Code == http.StatusNotFound || le.Code == http.StatusNotImplemented) &&
		!strings.Contains(le.Body, "not found for proposal")
}

// Voted reports whether voter has a vote on proposal id. The gateway
// answers a missing vote with an error (gRPC NotFound as HTTP 404; older
// SDKs InvalidArgument as HTTP 400), whose message says "not found".
func (l LCD) Voted(ctx context.Context, p Proposal, voter string) (bool, error) {
	ver := "v1"
	if p.V1beta1 {
		ver = "v1beta1"
	}
	var out struct {
		Vote struct {
			Voter   string       `json:"voter"`
			Option  string       `json:"option"`
			Options []voteOption `json:"options"`
		} `json:"vote"`
	}
	err := l.get(ctx, "/cosmos/gov/"+ver+"/proposals/"+strconv.FormatUint(p.ID, 10)+"/votes/"+url.PathEscape(voter), &out)
	var le *LCDError
	if errors.As(err, &le) && (le.Code == http.StatusNotFound || le.Code == http.StatusBadRequest) && strings.Contains(strings.ToLower(le.Body), "not found") {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return out.Vote.Option != "" || len(out.Vote.Options) > 0, nil
}

// voteOption is one weighted vote option.
type voteOption struct {
	Option string `json:"option"`
	Weight string `json:"weight"`
}

// AccountFromValoper is the operator's account address (the voter of a
// validator): the same bytes as the valoper address under the account
// prefix (cosmosvaloper1... → cosmos1...).
func AccountFromValoper(valoper string) (string, error) {
	hrp, data, err := Bech32Decode(valoper)
	if err != nil {
		return "", err
	}
	if !strings.HasSuffix(hrp, "valoper") {
		return "", errors.New("not an operator address (prefix ...valoper)")
	}
	return Bech32Encode(strings.TrimSuffix(hrp, "valoper"), data)
}
