package prober

import (
	"encoding/hex"
	"fmt"
	"math/big"
	"net/url"
	"strings"
	"time"

	"github.com/upchain-dev/upchain/prober/cond"
	"github.com/upchain-dev/upchain/prober/config"
	"github.com/upchain-dev/upchain/prober/conflux/cip37"
)

// ConfluxOptions are the `conflux:` options of a check: a Conflux Core
// Space node (cfx_*), its balances, and optionally the PoS chain and one
// PoS validator (pos_*). eSpace nodes are checked with kind evm.
type ConfluxOptions struct {
	// ChainID the node must serve (cfx_getStatus.chainId): 1029 mainnet,
	// 1 testnet.
	ChainID *uint64 `yaml:"chain_id"`
	// NetworkID the node must serve (default: the chain id).
	NetworkID *uint64 `yaml:"network_id"`
	// MaxHeadAge is how old the latest mined block, and how long one
	// epoch number, may be (default 60s).
	MaxHeadAge config.Duration `yaml:"max_head_age"`
	// MaxStateLag: epochs latestState may be behind epochNumber before the
	// check is degraded (default 20; conflux-rust executes 5 behind).
	MaxStateLag *uint64 `yaml:"max_state_lag"`
	// MaxConfirmedLag and MaxFinalizedLag do the same for latestConfirmed
	// and latestFinalized (0: off, the default).
	MaxConfirmedLag uint64 `yaml:"max_confirmed_lag"`
	MaxFinalizedLag uint64 `yaml:"max_finalized_lag"`
	// Balances to record; one below its min makes the check degraded.
	Balances []ConfluxBalance `yaml:"balances"`
	// PoS checks the PoS chain, and a validator when it has an address.
	PoS *ConfluxPoS `yaml:"pos"`
	// InsecureSkipVerify turns TLS verification off.
	InsecureSkipVerify bool `yaml:"insecure_skip_verify"`
}

// ConfluxBalance is one Core Space address whose balance is recorded:
// base32 (cfx:…, cfxtest:…, net<id>:…), min and down_below in CFX.
type ConfluxBalance = Balance

// ConfluxPoS are the PoS options.
type ConfluxPoS struct {
	// URL of the node serving pos_* when it is not the check's url.
	URL string `yaml:"url"`
	// Address is the validator's PoS address (0x and 64 hex digits, as
	// `conflux rpc local pos register` prints it); empty: only the PoS
	// chain is checked.
	Address string `yaml:"address"`
	// MaxCommitAge is how old the latest committed PoS block, and how
	// long one committed height, may be (default 5m).
	MaxCommitAge config.Duration `yaml:"max_commit_age"`
	// VotesWindow is how many committed PoS blocks the signed/missed
	// counts cover (default 100).
	VotesWindow int `yaml:"votes_window"`
	// MaxBlocksPerRound caps the PoS blocks read in one probe (default 50).
	MaxBlocksPerRound int `yaml:"max_blocks_per_round"`
	// MissedConsecutiveAlert: this many blocks missed in a row make the
	// check down (default 5, 0: off).
	MissedConsecutiveAlert *int `yaml:"missed_consecutive_alert"`
	// MissedPercentAlert: a missed share of the window at or above this
	// makes the check degraded (default 5, 0: off).
	MissedPercentAlert *float64 `yaml:"missed_percent_alert"`
	// UnlockingAlert: votes in the out queue make the check degraded
	// (default true; turn off while unstaking on purpose).
	UnlockingAlert *bool `yaml:"unlocking_alert"`
}

// Defaults of the conflux options.
const (
	DefaultConfluxStateLag   = 20
	DefaultConfluxCommitAge  = 5 * time.Minute
	DefaultConfluxVotes      = 100
	DefaultConfluxPosBlocks  = 50
	maxConfluxVotesWindow    = 10000
	maxConfluxBlocksPerRound = 1000
)

func confluxOptions(c *config.Check) *ConfluxOptions {
	if o, ok := c.Options.(*ConfluxOptions); ok && o != nil {
		return o
	}
	return &ConfluxOptions{}
}

func (o *ConfluxOptions) maxHeadAge() time.Duration {
	if o.MaxHeadAge > 0 {
		return o.MaxHeadAge.D()
	}
	return DefaultMaxHeadAge
}

func (o *ConfluxOptions) stateLag() uint64 {
	if o.MaxStateLag != nil {
		return *o.MaxStateLag
	}
	return DefaultConfluxStateLag
}

// networkID is the network the node and the balance addresses must be
// on, 0 when not configured.
func (o *ConfluxOptions) networkID() uint64 {
	switch {
	case o.NetworkID != nil:
		return *o.NetworkID
	case o.ChainID != nil:
		return *o.ChainID
	}
	return 0
}

func (p *ConfluxPoS) commitAge() time.Duration {
	if p.MaxCommitAge > 0 {
		return p.MaxCommitAge.D()
	}
	return DefaultConfluxCommitAge
}

func (p *ConfluxPoS) window() int {
	if p.VotesWindow > 0 {
		return p.VotesWindow
	}
	return DefaultConfluxVotes
}

func (p *ConfluxPoS) maxBlocks() int {
	if p.MaxBlocksPerRound > 0 {
		return p.MaxBlocksPerRound
	}
	return DefaultConfluxPosBlocks
}

func (p *ConfluxPoS) missedConsecutive() int {
	if p.MissedConsecutiveAlert != nil {
		return *p.MissedConsecutiveAlert
	}
	return DefaultMissedConsecutive
}

func (p *ConfluxPoS) missedPercent() float64 {
	if p.MissedPercentAlert != nil {
		return *p.MissedPercentAlert
	}
	return DefaultMissedPercent
}

func (p *ConfluxPoS) unlockingAlert() bool { return p.UnlockingAlert == nil || *p.UnlockingAlert }

type confluxKind struct{ Base }

func (confluxKind) Name() string    { return "conflux" }
func (confluxKind) NewOptions() any { return &ConfluxOptions{} }

func (confluxKind) Vars() []string {
	return []string{"head", "epoch", "chain_id", "network_id", "version", "balances", "balance_low", "balance_down", "pos", "latency", "region", "status"}
}

// VarTypes implements config.TypedKind.
func (confluxKind) VarTypes() cond.Fields {
	n, b, s := cond.Number, cond.Bool, cond.String
	return typedVars(withBalanceVars(cond.Fields{"status": n,
		"head":     headFields(cond.Fields{"hash": s}),
		"epoch":    cond.Fields{"number": n, "block_number": n, "stalled_for": cond.Duration, "state_lag": n, "confirmed_lag": n, "finalized_lag": n},
		"chain_id": n, "network_id": n, "version": s,
		"pos": cond.Fields{
			"committed": n, "epoch": n, "head": headFields(nil), "stalled_for": cond.Duration,
			"address": s, "registered": b, "available_votes": n, "locked": n, "unlocked": n, "forfeited": n,
			"force_retired": b, "force_retired_at": n, "in_queue": n, "out_queue": n,
			"in_committee": b, "voting_power": n, "in_next_committee": b, "reward": n,
			"signed": n, "missed": n, "missed_consecutive": n, "missed_percent": n, "window": n, "status": s,
		}}))
}

// Values kept between probes.
const (
	valConfluxEpochSince = "conflux_epoch_since"
	valPosSince          = "pos_committed_since"
	valPosLastChecked    = "pos_votes_last_checked"
	valPosWindow         = "pos_votes_window"
	valPosAddress        = "pos_address"
	valPosReward         = "pos_reward"
	valPosRewardTerm     = "pos_reward_term"
)

func (confluxKind) Values() []ValueSpec {
	return append([]ValueSpec{
		valueChainID, valueVersion, valueFinalized, valueFinalityLag,
		{Name: "network_id", Label: "Network ID", Unit: UnitText},
		{Name: "conflux_state_lag", Label: "State lag (epochs)", Unit: UnitCount, Chart: true,
			Metric: "upchain_conflux_state_lag_epochs", Help: "Epochs the executed state (latestState) is behind the latest epoch."},
		{Name: "conflux_confirmed_lag", Label: "Confirmation lag (epochs)", Unit: UnitCount,
			Metric: "upchain_conflux_confirmed_lag_epochs", Help: "Epochs latestConfirmed is behind the latest epoch."},
		{Name: valConfluxEpochSince, Label: "Epoch and when first seen", Unit: UnitText, Hidden: true},
		{Name: "conflux_balances", Label: "Balances", Unit: UnitText},
		{Name: "conflux_balance_low", Label: "Balances below minimum", Unit: UnitText},
		{Name: "conflux_balance_lowest", Label: "Lowest balance", Unit: UnitAmount, Decimals: 18, Symbol: "CFX", Chart: true,
			Metric: "upchain_conflux_balance_lowest_drip", Help: "Lowest balance among the check's configured Core Space addresses, in Drip."},
		{Name: "pos_committed", Label: "PoS committed height", Unit: UnitHeight,
			Metric: "upchain_conflux_pos_committed_height", Help: "Height of the latest committed PoS block."},
		{Name: "pos_head_age_s", Label: "PoS commit age", Unit: UnitSeconds,
			Metric: "upchain_conflux_pos_commit_age_seconds", Help: "Age of the latest committed PoS block when probed, in seconds."},
		{Name: "pos_term", Label: "PoS epoch (term)", Unit: UnitHeight},
		{Name: valPosSince, Label: "PoS height and when first seen", Unit: UnitText, Hidden: true},
		{Name: valPosAddress, Label: "PoS address", Unit: UnitText},
		{Name: "pos_status", Label: "Validator status", Unit: UnitText},
		{Name: "pos_available_votes", Label: "Available votes", Unit: UnitCount,
			Metric: "upchain_conflux_pos_available_votes", Help: "Votes of the PoS account that count for elections (1 vote = 1000 CFX)."},
		{Name: "pos_locked_votes", Label: "Locked votes", Unit: UnitCount},
		{Name: "pos_unlocked_votes", Label: "Unlocked votes", Unit: UnitCount},
		{Name: "pos_in_queue_votes", Label: "Votes locking", Unit: UnitCount},
		{Name: "pos_out_queue_votes", Label: "Votes unlocking", Unit: UnitCount,
			Metric: "upchain_conflux_pos_unlocking_votes", Help: "Votes of the PoS account in the out queue (being unlocked)."},
		{Name: "pos_forfeited_votes", Label: "Forfeited votes", Unit: UnitCount,
			Metric: "upchain_conflux_pos_forfeited_votes", Help: "Votes of the PoS account forfeited by a penalty."},
		{Name: "pos_force_retired", Label: "Force-retired", Unit: UnitBool,
			Metric: "upchain_conflux_pos_force_retired", Help: "1 when the PoS account was force-retired for missing consensus messages."},
		{Name: "pos_force_retired_at", Label: "Force-retired at PoS block", Unit: UnitHeight},
		{Name: "pos_in_committee", Label: "In the committee", Unit: UnitBool, Validator: ValidatorActive,
			Metric: "upchain_conflux_pos_in_committee", Help: "1 when the validator is in the current PoS committee."},
		{Name: "pos_in_next_committee", Label: "Elected for the next term", Unit: UnitBool},
		{Name: "pos_voting_power", Label: "Committee voting power", Unit: UnitCount, Chart: true},
		valueSigned, valueMissed, valueMissedConsecutive, valueMissedPercent,
		{Name: "pos_window_blocks", Label: "PoS blocks in the window", Unit: UnitCount},
		{Name: valPosLastChecked, Label: "Last checked PoS height", Unit: UnitHeight, Hidden: true},
		{Name: valPosWindow, Label: "Votes window", Unit: UnitText, Hidden: true},
		{Name: valPosReward, Label: "Reward (last term)", Unit: UnitAmount, Decimals: 18, Symbol: "CFX",
			Metric: "upchain_conflux_pos_reward_drip", Help: "PoS reward of the validator for the last rewarded term, in Drip."},
		{Name: valPosRewardTerm, Label: "Rewarded term", Unit: UnitHeight},
		{Name: "pos_error", Label: "PoS read error", Unit: UnitText},
	}, headValues...)
}

func (confluxKind) Validate(c *config.Check) []config.FieldProblem {
	out := rpcURLProblems(c)
	o := confluxOptions(c)
	add := func(field, format string, args ...any) {
		out = append(out, config.FieldProblem{Field: optionLine(c, field), Msg: field + ": " + fmt.Sprintf(format, args...)})
	}
	if o.MaxHeadAge < 0 {
		add("conflux.max_head_age", "must be positive, e.g. 60s")
	}
	if id := o.networkID(); id > 1<<32-1 {
		add("conflux.network_id", "%d does not fit the 32 bits of a network id", id)
	}
	out = append(out, confluxBalanceSet(o).problems()...)
	p := o.PoS
	if p == nil {
		// `pos` is set only by a probe with PoS options: a condition on
		// it would fail every probe with a missing variable.
		for field, list := range map[string][]string{"conditions": c.Conditions, "degraded": c.Degraded} {
			for i, src := range list {
				if cond.References(src, "pos") {
					f := fmt.Sprintf("%s[%d]", field, i)
					out = append(out, config.FieldProblem{Field: optionLine(c, f), Msg: fmt.Sprintf("%s: %q reads pos, which needs `pos:` under conflux", f, src)})
				}
			}
		}
		return out
	}
	if p.URL != "" {
		if u, err := url.Parse(p.URL); err != nil || u.Host == "" || !strings.Contains(" http https ws wss ", " "+u.Scheme+" ") {
			add("conflux.pos.url", "%q is not an http(s) or ws(s) URL of a node with the pos RPC enabled", p.URL)
		}
	}
	if p.MaxCommitAge < 0 {
		add("conflux.pos.max_commit_age", "must be positive, e.g. 5m")
	}
	if p.VotesWindow < 0 || p.VotesWindow > maxConfluxVotesWindow {
		add("conflux.pos.votes_window", "must be between 1 and %d blocks", maxConfluxVotesWindow)
	}
	if p.MaxBlocksPerRound < 0 || p.MaxBlocksPerRound > maxConfluxBlocksPerRound {
		add("conflux.pos.max_blocks_per_round", "must be between 1 and %d", maxConfluxBlocksPerRound)
	}
	if p.MissedConsecutiveAlert != nil && *p.MissedConsecutiveAlert < 0 {
		add("conflux.pos.missed_consecutive_alert", "must be 0 (off) or more")
	}
	if p.MissedPercentAlert != nil && (*p.MissedPercentAlert < 0 || *p.MissedPercentAlert > 100) {
		add("conflux.pos.missed_percent_alert", "is a percentage: between 0 (off) and 100")
	}
	if p.Address == "" {
		for field, set := range map[string]bool{
			"conflux.pos.votes_window":             p.VotesWindow != 0,
			"conflux.pos.max_blocks_per_round":     p.MaxBlocksPerRound != 0,
			"conflux.pos.missed_consecutive_alert": p.MissedConsecutiveAlert != nil,
			"conflux.pos.missed_percent_alert":     p.MissedPercentAlert != nil,
			"conflux.pos.unlocking_alert":          p.UnlockingAlert != nil,
		} {
			if set {
				add(field, "only applies to a validator: add `address: 0x…` (its PoS address) under conflux.pos")
			}
		}
	} else if !validPosAddress(p.Address) {
		add("conflux.pos.address", "%q is not a PoS address: 0x and 64 hex digits, as `conflux rpc local pos register` prints it", p.Address)
	}
	return out
}

func validPosAddress(s string) bool {
	h, ok := strings.CutPrefix(s, "0x")
	if !ok {
		h = s
	}
	b, err := hex.DecodeString(h)
	return err == nil && len(b) == 32
}

// posAddress is the configured PoS address in the node's spelling.
func posAddress(s string) string {
	return "0x" + strings.ToLower(strings.TrimPrefix(s, "0x"))
}

// DefaultConditions say what is down and degraded, in terms users read in
// a failure: `pos.force_retired == false`, `epoch.state_lag <= 20`, ...
func (confluxKind) DefaultConditions(c *config.Check) (up, degraded []string) {
	o := confluxOptions(c)
	age := condDuration(o.maxHeadAge())
	up = append(up, "head.age < "+age, "epoch.stalled_for < "+age)
	if o.ChainID != nil {
		up = append(up, fmt.Sprintf("chain_id == %d", *o.ChainID))
	}
	if id := o.networkID(); id != 0 {
		up = append(up, fmt.Sprintf("network_id == %d", id))
	}
	if n := o.stateLag(); n > 0 {
		degraded = append(degraded, fmt.Sprintf("epoch.state_lag <= %d", n))
	}
	if o.MaxConfirmedLag > 0 {
		degraded = append(degraded, fmt.Sprintf("epoch.confirmed_lag <= %d", o.MaxConfirmedLag))
	}
	if o.MaxFinalizedLag > 0 {
		degraded = append(degraded, fmt.Sprintf("epoch.finalized_lag <= %d", o.MaxFinalizedLag))
	}
	bu, bd := confluxBalanceSet(o).conditions()
	up, degraded = append(up, bu...), append(degraded, bd...)
	p := o.PoS
	if p == nil {
		return up, degraded
	}
	commit := condDuration(p.commitAge())
	up = append(up, "pos.head.age < "+commit, "pos.stalled_for < "+commit)
	if p.Address == "" {
		return up, degraded
	}
	up = append(up, "pos.registered == true", "pos.force_retired == false", "pos.forfeited == 0", "pos.available_votes > 0")
	if n := p.missedConsecutive(); n > 0 {
		up = append(up, fmt.Sprintf("pos.missed_consecutive < %d", n))
	}
	degraded = append(degraded, "pos.in_committee == true")
	if pct := p.missedPercent(); pct > 0 {
		degraded = append(degraded, "pos.missed_percent < "+formatFloat(pct, 2))
	}
	if p.unlockingAlert() {
		degraded = append(degraded, "pos.out_queue == 0")
	}
	return up, degraded
}

// confluxBalanceSet is the check's list for the shared balance code;
// addresses must be on the check's network.
func confluxBalanceSet(o *ConfluxOptions) balanceSet {
	return balanceSet{field: "conflux.balances", list: o.Balances, unit: unitOf(18, "CFX"), form: "cfx:…",
		check: func(addr string) error {
			a, err := cip37.Decode(addr)
			if err != nil {
				return err
			}
			if id := o.networkID(); id != 0 && uint64(a.Network) != id {
				return fmt.Errorf("is for network %d (%s:), but the check is on network %d (%s:)", a.Network, cip37.Prefix(a.Network), id, cip37.Prefix(uint32(id)))
			}
			return nil
		},
		listValue: "conflux_balances", lowValue: "conflux_balance_low", lowestValue: "conflux_balance_lowest"}
}

// parseCFX reads an exact decimal amount of CFX ("12.5") into Drip.
func parseCFX(s string) (*big.Int, error) { return parseUnits(s, 18, "CFX") }
