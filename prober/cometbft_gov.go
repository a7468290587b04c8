package prober

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/upchain-dev/upchain/prober/cometbft"
	"github.com/upchain-dev/upchain/prober/config"
	"github.com/upchain-dev/upchain/prober/internal/text"
)

// CometBFTGov are the `cometbft.gov:` options: watch the validator's
// governance votes through the LCD.
type CometBFTGov struct {
	// WarnBefore: an unvoted proposal whose voting ends within this makes
	// the check degraded (default 24h).
	WarnBefore config.Duration `yaml:"warn_before"`
	// Voter is the account that votes (default: the operator's account,
	// derived from validator.valoper).
	Voter string `yaml:"voter"`
}

// DefaultGovWarnBefore is how long before its end an unvoted proposal is
// reported.
const DefaultGovWarnBefore = 24 * time.Hour

// Values of the governance watch.
const (
	valGovState   = "gov_state"
	valGovOpen    = "gov_open"
	valGovUnvoted = "gov_unvoted"
	valGovDue     = "gov_due"
)

// govValues are declared by the cometbft kind.
var govValues = []ValueSpec{
	{Name: valGovOpen, Label: "Proposals in voting", Unit: UnitCount, Metric: "upchain_cosmos_gov_proposals_voting", Help: "Governance proposals in their voting period."},
	{Name: valGovUnvoted, Label: "Proposals not voted", Unit: UnitCount, Metric: "upchain_cosmos_gov_proposals_unvoted", Help: "Proposals in their voting period the validator has not voted on."},
	{Name: valGovDue, Label: "Vote due", Unit: UnitText},
	// Kept for the next probe: proposals seen and whether they are voted.
	{Name: valGovState, Label: "Governance state", Unit: UnitText, Hidden: true},
}

func (g *CometBFTGov) warnBefore() time.Duration {
	if g.WarnBefore > 0 {
		return g.WarnBefore.D()
	}
	return DefaultGovWarnBefore
}

// validateGov checks the gov options against the rest of the check.
func validateGov(c *config.Check, o *CometBFTOptions) []config.FieldProblem {
	g := o.Gov
	if g == nil {
		return nil
	}
	var out []config.FieldProblem
	add := func(field, format string, args ...any) {
		out = append(out, config.FieldProblem{Field: optionLine(c, field), Msg: field + ": " + fmt.Sprintf(format, args...)})
	}
	if g.WarnBefore < 0 {
		add("cometbft.gov.warn_before", "must be positive, e.g. 24h")
	}
	if o.LCD == "" {
		add("cometbft.gov", "votes are read from the LCD: set cometbft.lcd")
	}
	if g.Voter != "" {
		if hrp, _, err := cometbft.Bech32Decode(g.Voter); err != nil {
			add("cometbft.gov.voter", "%q: %v", g.Voter, err)
		} else if strings.HasSuffix(hrp, "valoper") || strings.HasSuffix(hrp, "valcons") {
			add("cometbft.gov.voter", "%q is a validator address: votes come from an account (e.g. cosmos1...)", g.Voter)
		}
	} else if o.Validator == nil || o.Validator.Valoper == "" {
		add("cometbft.gov", "name the voting account: set validator.valoper or gov.voter")
	}
	return out
}

// govProposal is one proposal as recorded between probes.
type govProposal struct {
	ID      uint64    `json:"id"`
	Title   string    `json:"title,omitempty"`
	End     time.Time `json:"end"`
	Voted   bool      `json:"voted,omitempty"`
	V1beta1 bool      `json:"v1beta1,omitempty"`
}

// govVoteWorkers bounds the vote queries in flight.
const govVoteWorkers = 4

func parseGovState(s string) []govProposal {
	var ps []govProposal
	if json.Unmarshal([]byte(s), &ps) != nil || len(ps) > cometbft.MaxProposals {
		return nil
	}
	return ps
}

// probeGov lists the proposals in voting and whether voter has voted on
// each. A vote, once seen, is not queried again (votes can change but not
// disappear). When the LCD fails the recorded proposals stand, so one bad
// answer neither hides a due vote nor reports it afresh.
func probeGov(ctx context.Context, lcd *cometbft.LCD, g *CometBFTGov, voter string, prev Values, now time.Time) (vars map[string]any, values Values, err error) {
	known := map[uint64]govProposal{}
	for _, p := range parseGovState(prev[valGovState]) {
		known[p.ID] = p
	}
	var cur []govProposal
	list, err := lcd.VotingProposals(ctx)
	if err != nil {
		for _, p := range known {
			cur = append(cur, p)
		}
	} else {
		cur = make([]govProposal, len(list))
		var (
			wg   sync.WaitGroup
			mu   sync.Mutex
			sem  = make(chan struct{}, govVoteWorkers)
			verr error
		)
		for i, p := range list {
			k := known[p.ID]
			cur[i] = govProposal{ID: p.ID, Title: text.Truncate(p.Title, 80), End: p.VotingEnd, Voted: k.Voted, V1beta1: p.V1beta1}
			if k.Voted || !p.VotingEnd.After(now) {
				continue
			}
			wg.Add(1)
			go func(i int, p cometbft.Proposal) {
				defer wg.Done()
				sem <- struct{}{}
				defer func() { <-sem }()
				ok, e := lcd.Voted(ctx, p, voter)
				mu.Lock()
				defer mu.Unlock()
				if e != nil && verr == nil {
					verr = e
				}
				cur[i].Voted = ok
			}(i, p)
		}
		wg.Wait()
		err = verr
	}
	// Ended proposals are dropped: the state holds at most the voting ones.
	live := cur[:0]
	for _, p := range cur {
		if p.End.After(now) {
			live = append(live, p)
		}
	}
	sort.Slice(live, func(i, j int) bool {
		return live[i].End.Before(live[j].End) || live[i].End.Equal(live[j].End) && live[i].ID < live[j].ID
	})
	if len(live) > cometbft.MaxProposals {
		live = live[:cometbft.MaxProposals]
	}
	var unvoted, due []govProposal
	for _, p := range live {
		if p.Voted {
			continue
		}
		unvoted = append(unvoted, p)
		if p.End.Sub(now) <= g.warnBefore() {
			due = append(due, p)
		}
	}
	dueText := ""
	if len(due) > 0 {
		p := due[0]
		dueText = fmt.Sprintf("proposal #%d %q: voting ends in %s without a vote", p.ID, p.Title, timeLeft(p.End.Sub(now)))
		if len(due) > 1 {
			dueText += fmt.Sprintf(" (and %d more)", len(due)-1)
		}
	}
	state, _ := json.Marshal(live)
	values = Values{
		valGovState:   string(state),
		valGovOpen:    strconv.Itoa(len(live)),
		valGovUnvoted: strconv.Itoa(len(unvoted)),
	}
	if dueText != "" {
		values[valGovDue] = dueText
	}
	vars = map[string]any{
		"open":    int64(len(live)),
		"unvoted": int64(len(unvoted)),
		"due":     dueText,
		"voter":   voter,
	}
	return vars, values, err
}

// timeLeft is a duration to the minute, for people: 5h07m, 42m.
func timeLeft(d time.Duration) string {
	d = d.Round(time.Minute)
	if d >= time.Hour {
		return fmt.Sprintf("%dh%02dm", int(d/time.Hour), int(d%time.Hour/time.Minute))
	}
	return fmt.Sprintf("%dm", int(d/time.Minute))
}
