package prober

import (
	"context"
	"fmt"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/upchain-dev/upchain/prober/cond"
	"github.com/upchain-dev/upchain/prober/config"
	"github.com/upchain-dev/upchain/prober/substrate/scale"
	"github.com/upchain-dev/upchain/prober/substrate/ss58"
)

// SubstrateOptions are the `substrate:` options of a check.
type SubstrateOptions struct {
	// Chain is the expected system_chain ("Polkadot", "Kusama",
	// "Polkadot Asset Hub"); a node on another chain is down.
	Chain string `yaml:"chain"`
	// MaxHeadAge bounds the age of the best block (from Timestamp.Now);
	// older is down. Default 2m.
	MaxHeadAge config.Duration `yaml:"max_head_age"`
	// MaxFinalityLag bounds best minus finalized, in blocks; more is
	// degraded. Default 20.
	MaxFinalityLag *int64 `yaml:"max_finality_lag"`
	// MaxSyncLag bounds highestBlock minus currentBlock of
	// system_syncState; more is degraded. Default 5.
	MaxSyncLag *int64 `yaml:"max_sync_lag"`
	// MinPeers is the fewest peers that are not degraded. Default 1.
	MinPeers *int64 `yaml:"min_peers"`

	// Validator turns on validator liveness: its SS58 address (any
	// prefix) or 0x-prefixed 32-byte public key.
	Validator string `yaml:"validator"`
	// StakingURL is the JSON-RPC endpoint holding Staking storage when it
	// is not the probed node (Asset Hub for Polkadot and Kusama).
	StakingURL string `yaml:"staking_url"`
	// RewardPoints reads era reward points from Staking (default true);
	// false for chains without staking, such as parachain collators, whose
	// check is then membership in the active set only.
	RewardPoints *bool `yaml:"reward_points"`
	// RequireActive makes a validator outside Session.Validators down.
	// Default true.
	RequireActive *bool `yaml:"require_active"`
	// PointsStall is how long the validator's era points may stay flat
	// while other validators' points grow before the check is degraded.
	// Default 1h.
	PointsStall config.Duration `yaml:"points_stall"`
	// PointsStallDown is the same for down; off unless set.
	PointsStallDown config.Duration `yaml:"points_stall_down"`
	// ImOnline reads ImOnline heartbeats and authored blocks (runtimes
	// that still have the pallet; Polkadot and Kusama removed it).
	ImOnline bool `yaml:"im_online"`

	// RequireQueued makes a validator missing from Session.QueuedKeys (not
	// elected for the next session) degraded. Default true.
	RequireQueued *bool `yaml:"require_queued"`
	// Slashes reads Staking.UnappliedSlashes (an entry for the validator
	// is down) and the bonded balance of Staking.Ledger (a drop is
	// degraded for bond_drop_hold) from the staking endpoint. Default: as
	// reward_points.
	Slashes *bool `yaml:"slashes"`
	// BondDropHold is how long a drop in the bonded balance stays
	// degraded. Default 24h.
	BondDropHold config.Duration `yaml:"bond_drop_hold"`

	// Grandpa turns on GRANDPA vote tracking from grandpa_roundState on
	// the probed node (a relay chain node with that RPC enabled).
	Grandpa bool `yaml:"grandpa"`
	// GrandpaKey is the validator's GRANDPA key (0x-prefixed 32 bytes or
	// SS58) when it should not be read from the session keys.
	GrandpaKey string `yaml:"grandpa_key"`
	// GrandpaWindow is how many rounds the participation covers. Default 100.
	GrandpaWindow int `yaml:"grandpa_window"`
	// GrandpaSamples is how many reads of the round state one probe makes,
	// GrandpaSampleGap apart, so that a round can be read twice. Default 3, 1s.
	GrandpaSamples   int             `yaml:"grandpa_samples"`
	GrandpaSampleGap config.Duration `yaml:"grandpa_sample_gap"`
	// MinPrevotes and MinPrecommits are the lowest share (percent) of
	// decided rounds the validator voted in before the check is degraded,
	// once GrandpaMinRounds rounds are decided. Defaults 90, 90 and 10.
	MinPrevotes      *float64 `yaml:"min_prevotes"`
	MinPrecommits    *float64 `yaml:"min_precommits"`
	GrandpaMinRounds *int     `yaml:"grandpa_min_rounds"`

	// Collator turns on parachain collator liveness: its account, SS58 or
	// 0x-prefixed 32 bytes, or 0x-prefixed 20 bytes (H160, Moonbeam).
	Collator string `yaml:"collator"`
	// CollatorPallet is collator_selection (Cumulus; default) or
	// parachain_staking (Moonbeam, Moonriver).
	CollatorPallet string `yaml:"collator_pallet"`
	// MaxAuthoredAge and MaxAuthoredBlocks bound the age of
	// CollatorSelection.LastAuthoredBlock; older is degraded. Defaults 1h
	// and 600 blocks.
	MaxAuthoredAge    config.Duration `yaml:"max_authored_age"`
	MaxAuthoredBlocks *int64          `yaml:"max_authored_blocks"`

	// Balances are accounts (SS58) whose transferable balance is watched
	// (System.Account); min and down_below in the chain's unit.
	Balances []Balance `yaml:"balances"`
	// Decimals and Symbol are the chain's unit (its system_properties
	// tokenDecimals and tokenSymbol); known for Polkadot, Kusama and
	// Westend by chain.
	Decimals *int   `yaml:"decimals"`
	Symbol   string `yaml:"symbol"`

	// InsecureSkipVerify turns TLS verification off.
	InsecureSkipVerify bool `yaml:"insecure_skip_verify"`
}

// Defaults of the substrate options.
const (
	DefaultSubstrateMaxHeadAge     = 2 * time.Minute
	DefaultSubstrateMaxFinalityLag = 20
	DefaultSubstrateMaxSyncLag     = 5
	DefaultSubstrateMinPeers       = 1
	DefaultSubstratePointsStall    = time.Hour

	DefaultSubstrateBondDropHold      = 24 * time.Hour
	DefaultSubstrateGrandpaWindow     = 100
	DefaultSubstrateGrandpaSamples    = 3
	DefaultSubstrateGrandpaSampleGap  = time.Second
	DefaultSubstrateMinVotes          = 90.0
	DefaultSubstrateGrandpaMinRounds  = 10
	DefaultSubstrateMaxAuthoredAge    = time.Hour
	DefaultSubstrateMaxAuthoredBlocks = 600

	collatorSelection = "collator_selection"
	parachainStaking  = "parachain_staking"
)

func (o *SubstrateOptions) slashes() bool {
	if o.Slashes != nil {
		return *o.Slashes
	}
	return o.rewardPoints()
}

func (o *SubstrateOptions) bondDropHold() time.Duration {
	if o.BondDropHold > 0 {
		return o.BondDropHold.D()
	}
	return DefaultSubstrateBondDropHold
}

func (o *SubstrateOptions) grandpaWindow() int {
	if o.GrandpaWindow > 0 {
		return o.GrandpaWindow
	}
	return DefaultSubstrateGrandpaWindow
}

func (o *SubstrateOptions) grandpaSamples() int {
	if o.GrandpaSamples > 0 {
		return o.GrandpaSamples
	}
	return DefaultSubstrateGrandpaSamples
}

func (o *SubstrateOptions) grandpaSampleGap() time.Duration {
	if o.GrandpaSampleGap > 0 {
		return o.GrandpaSampleGap.D()
	}
	return DefaultSubstrateGrandpaSampleGap
}

func (o *SubstrateOptions) collatorPallet() string {
	if o.CollatorPallet == "" {
		return collatorSelection
	}
	return o.CollatorPallet
}

// collatorAccount decodes the collator option: 20 or 32 bytes.
func (o *SubstrateOptions) collatorAccount() ([]byte, error) {
	s := strings.TrimSpace(o.Collator)
	if strings.HasPrefix(s, "0x") {
		b, err := parseHex(s)
		if err != nil || (len(b) != 32 && len(b) != 20) {
			return nil, fmt.Errorf("%q is not a 0x-prefixed 32-byte account or 20-byte H160 address", s)
		}
		return b, nil
	}
	_, key, err := ss58.Decode(s)
	if err != nil {
		return nil, fmt.Errorf("%q is not an SS58 address: %v", s, err)
	}
	return key[:], nil
}

// grandpaKey decodes the grandpa_key option; ok is false when unset.
func (o *SubstrateOptions) grandpaKey() (key [32]byte, ok bool, err error) {
	s := strings.TrimSpace(o.GrandpaKey)
	if s == "" {
		return key, false, nil
	}
	if strings.HasPrefix(s, "0x") {
		b, err := parseHex(s)
		if err != nil || len(b) != 32 {
			return key, false, fmt.Errorf("%q is not a 0x-prefixed 32-byte key", s)
		}
		copy(key[:], b)
		return key, true, nil
	}
	_, key, err = ss58.Decode(s)
	if err != nil {
		return key, false, fmt.Errorf("%q is not an SS58 key: %v", s, err)
	}
	return key, true, nil
}

func (o *SubstrateOptions) maxHeadAge() time.Duration {
	if o.MaxHeadAge > 0 {
		return o.MaxHeadAge.D()
	}
	return DefaultSubstrateMaxHeadAge
}

func (o *SubstrateOptions) rewardPoints() bool { return o.RewardPoints == nil || *o.RewardPoints }

func (o *SubstrateOptions) pointsStall() time.Duration {
	if o.PointsStall > 0 {
		return o.PointsStall.D()
	}
	return DefaultSubstratePointsStall
}

func orDefault(p *int64, def int64) int64 {
	if p != nil {
		return *p
	}
	return def
}

// account decodes the validator option.
func (o *SubstrateOptions) account() (scale.AccountID, error) {
	var id scale.AccountID
	s := strings.TrimSpace(o.Validator)
	if strings.HasPrefix(s, "0x") {
		b, err := parseHex(s)
		if err != nil || len(b) != 32 {
			return id, fmt.Errorf("%q is not a 0x-prefixed 32-byte public key (64 hex digits)", s)
		}
		copy(id[:], b)
		return id, nil
	}
	_, key, err := ss58.Decode(s)
	if err != nil {
		return id, fmt.Errorf("%q is not an SS58 address: %v", s, err)
	}
	return key, nil
}

type substrateKind struct{ Base }

func (substrateKind) Name() string { return "substrate" }

func (substrateKind) Values() []ValueSpec {
	return append([]ValueSpec{
		valueHeight, valueFinalized, valueFinalityLag, valueHeadAge, valuePeers, valueVersion,
		{Name: "is_syncing", Label: "Syncing", Unit: UnitBool},
		{Name: "sync_lag", Label: "Blocks behind its peers", Unit: UnitCount},
		{Name: "chain", Label: "Chain", Unit: UnitText, Chain: true},
		{Name: "session", Label: "Session", Unit: UnitHeight},
		{Name: "active", Label: "In the active set", Unit: UnitBool, Validator: ValidatorActive},
		{Name: valEra, Label: "Era", Unit: UnitHeight},
		{Name: valPoints, Label: "Era points", Unit: UnitCount, Chart: true, Validator: ValidatorPoints,
			Metric: "upchain_validator_era_points", Help: "Reward points the validator earned in the current era."},
		{Name: "points_delta", Label: "Points since the previous probe", Unit: UnitCount},
		{Name: valEraTotal, Label: "Era points of all validators", Unit: UnitCount},
		{Name: valPointsChangedAt, Label: "Points last grew", Unit: UnitUnixTime, Hidden: true},
		{Name: valEraTotalAtChange, Label: "Era total when points last grew", Unit: UnitCount, Hidden: true},
		{Name: "stalled_for_s", Label: "Points stalled for", Unit: UnitSeconds},
		{Name: "heartbeat", Label: "ImOnline heartbeat sent", Unit: UnitBool},
		{Name: "authored_blocks", Label: "Blocks authored this session", Unit: UnitCount},
		{Name: "next_session_queued", Label: "Elected for the next session", Unit: UnitBool,
			Metric: "upchain_substrate_validator_queued", Help: "1 if the validator is in Session.QueuedKeys (elected for the next session)."},
		{Name: "session_disabled", Label: "Disabled in this session", Unit: UnitBool,
			Metric: "upchain_substrate_validator_disabled", Help: "1 if the validator is in Session.DisabledValidators."},
		{Name: "unapplied_slash", Label: "Unapplied slash pending", Unit: UnitBool,
			Metric: "upchain_substrate_validator_slashed", Help: "1 if Staking.UnappliedSlashes holds a slash of the validator."},
		{Name: "unapplied_slash_amount", Label: "Unapplied slash of own stake", Unit: UnitAmount, Symbol: "planck"},
		{Name: valBonded, Label: "Bonded (active) stake", Unit: UnitAmount, Symbol: "planck"},
		{Name: valBondDroppedAt, Label: "Bonded stake last dropped", Unit: UnitUnixTime, Hidden: true},
		{Name: valGrandpaWindow, Label: "GRANDPA rounds seen", Unit: UnitText, Hidden: true},
		{Name: "grandpa_prevotes", Label: "GRANDPA prevotes cast", Unit: UnitPercent,
			Metric: "upchain_substrate_grandpa_prevotes_percent", Help: "Share of decided GRANDPA rounds in the window in which the validator's prevote was seen."},
		{Name: "grandpa_precommits", Label: "GRANDPA precommits cast", Unit: UnitPercent,
			Metric: "upchain_substrate_grandpa_precommits_percent", Help: "Share of decided GRANDPA rounds in the window in which the validator's precommit was seen."},
		{Name: "grandpa_decided", Label: "GRANDPA rounds decided", Unit: UnitCount},
		{Name: "grandpa_missed_precommits", Label: "GRANDPA precommits missed", Unit: UnitCount},
		{Name: "grandpa_missed_prevotes", Label: "GRANDPA prevotes missed", Unit: UnitCount},
		{Name: "collator_selected", Label: "In the collator set", Unit: UnitBool,
			Metric: "upchain_substrate_collator_selected", Help: "1 if the collator is invulnerable, a candidate or selected for the round."},
		{Name: "last_authored", Label: "Last authored block", Unit: UnitHeight},
		{Name: "authored_blocks_ago", Label: "Blocks since it last authored", Unit: UnitCount,
			Metric: "upchain_substrate_collator_authored_blocks_ago", Help: "Blocks since CollatorSelection.LastAuthoredBlock of the collator."},
		{Name: "authored_age_s", Label: "Time since it last authored", Unit: UnitSeconds},
		{Name: valRound, Label: "Staking round", Unit: UnitHeight},
		valueSubstrateBalances, valueSubstrateBalanceLow, valueSubstrateBalanceLowest,
	}, substrateRuntimeValues...)
}
func (substrateKind) NewOptions() any { return &SubstrateOptions{} }
func (substrateKind) Vars() []string {
	return []string{"head", "finality_lag", "peers", "is_syncing", "sync_lag", "chain", "version",
		"validator", "session", "era", "collator", "balances", "balance_low", "balance_down", "latency", "region"}
}

// VarTypes implements config.TypedKind. Times (head.time,
// validator.points_changed_at) are time values with no declared type:
// Dynamic; slash_amount and bonded are decimal strings in Planck.
func (substrateKind) VarTypes() cond.Fields {
	n, b, s, d := cond.Number, cond.Bool, cond.String, cond.Duration
	points := cond.Fields{"points": n, "points_delta": n, "stalled_for": d}
	validator := cond.Fields{"address": s, "active": b, "index": n, "set_size": n,
		"era_total": n, "points_changed_at": cond.Dynamic,
		"heartbeat": b, "authored_blocks": n, "heartbeat_due": b, "online": b,
		"queued": b, "disabled": b, "slashed": b, "slash_amount": s, "bonded": s, "bond_dropped": b,
		"grandpa": cond.Fields{"ready": b, "reads": n, "rounds": n,
			"prevotes": n, "prevotes_decided": n, "prevotes_missed": n,
			"precommits": n, "precommits_decided": n, "precommits_missed": n}}
	collator := cond.Fields{"address": s, "selected": b, "invulnerable": b, "candidate": b,
		"last_authored": n, "authored_blocks_ago": n, "authored_age": d, "authored": b,
		"round": n, "round_total": n}
	for k, v := range points {
		validator[k], collator[k] = v, v
	}
	return typedVars(withBalanceVars(cond.Fields{
		"head":         cond.Fields{"best": n, "finalized": n, "age": d, "time": cond.Dynamic},
		"finality_lag": n, "peers": n, "is_syncing": b, "sync_lag": n, "chain": s, "version": s,
		"validator": validator, "session": n, "era": n, "collator": collator}))
}

// validatorVar finds condition names that need the validator option,
// outside string literals.
var (
	validatorVar = regexp.MustCompile(`\b(validator|session|era)\b`)
	collatorVar  = regexp.MustCompile(`\bcollator\b`)
	quoted       = regexp.MustCompile(`"(\\.|[^"\\])*"|'(\\.|[^'\\])*'|` + "`[^`]*`")
)

func (substrateKind) Validate(c *config.Check) []config.FieldProblem {
	out := rpcURLProblems(c)
	o, _ := c.Options.(*SubstrateOptions)
	if o == nil {
		o = &SubstrateOptions{}
	}
	p := func(field, format string, args ...any) {
		out = append(out, config.FieldProblem{Field: "substrate." + field, Msg: "substrate." + field + ": " + fmt.Sprintf(format, args...)})
	}
	if o.MaxHeadAge < 0 {
		p("max_head_age", "must be positive, e.g. 2m")
	}
	for name, v := range map[string]*int64{"max_finality_lag": o.MaxFinalityLag, "max_sync_lag": o.MaxSyncLag, "min_peers": o.MinPeers, "max_authored_blocks": o.MaxAuthoredBlocks} {
		if v != nil && *v < 0 {
			p(name, "must be 0 or more, got %d", *v)
		}
	}
	out = append(out, substrateBalanceProblems(o)...)
	validatorFields := map[string]bool{
		"staking_url": o.StakingURL != "", "im_online": o.ImOnline, "require_active": o.RequireActive != nil,
		"reward_points": o.RewardPoints != nil, "require_queued": o.RequireQueued != nil, "slashes": o.Slashes != nil,
		"bond_drop_hold": o.BondDropHold != 0, "grandpa": o.Grandpa, "grandpa_key": o.GrandpaKey != "",
		"grandpa_window": o.GrandpaWindow != 0, "grandpa_samples": o.GrandpaSamples != 0, "grandpa_sample_gap": o.GrandpaSampleGap != 0,
		"min_prevotes": o.MinPrevotes != nil, "min_precommits": o.MinPrecommits != nil, "grandpa_min_rounds": o.GrandpaMinRounds != nil,
	}
	collatorFields := map[string]bool{"collator_pallet": o.CollatorPallet != "", "max_authored_age": o.MaxAuthoredAge != 0, "max_authored_blocks": o.MaxAuthoredBlocks != nil}
	stallFields := map[string]bool{"points_stall": o.PointsStall != 0, "points_stall_down": o.PointsStallDown != 0}
	only := func(fields map[string]bool, why string) {
		for field, set := range fields {
			if set {
				p(field, "%s", why)
			}
		}
	}
	switch {
	case o.Validator != "" && o.Collator != "":
		p("collator", "a check watches one validator or one collator, not both: split it into two checks")
	case o.Collator != "":
		o.validateCollator(c, p)
		only(validatorFields, "only applies to a validator check (`validator:`), not to a collator check")
		if o.collatorPallet() != parachainStaking {
			only(stallFields, "only applies to parachain_staking collators (points) or validators")
		}
		out = append(out, varProblems(c, validatorVar, "validator", "validator: <SS58 address>")...)
		return out
	default:
		only(collatorFields, "only applies to a collator check: add `collator: <account>`")
		out = append(out, varProblems(c, collatorVar, "collator", "collator: <account>")...)
	}
	if o.Validator == "" {
		only(validatorFields, "only applies to a validator check: add `validator: <SS58 address>`")
		only(stallFields, "only applies to a validator check: add `validator: <SS58 address>`")
		out = append(out, varProblems(c, validatorVar, "validator", "validator: <SS58 address>")...)
		return out
	}
	if _, err := o.account(); err != nil {
		p("validator", "%v", err)
	}
	if !o.rewardPoints() {
		only(map[string]bool{"staking_url": o.StakingURL != "" && !o.slashes(), "points_stall": o.PointsStall != 0, "points_stall_down": o.PointsStallDown != 0}, "has no effect with reward_points: false")
	}
	if o.StakingURL != "" {
		u, err := url.Parse(o.StakingURL)
		switch {
		case err != nil || u.Host == "":
			p("staking_url", "not a URL: write e.g. wss://asset-hub-polkadot-rpc.example/")
		case u.Scheme != "http" && u.Scheme != "https" && u.Scheme != "ws" && u.Scheme != "wss":
			p("staking_url", "needs an http(s):// or ws(s):// url, not %s://", u.Scheme)
		}
	}
	o.validateStall(c, p)
	if o.BondDropHold < 0 {
		p("bond_drop_hold", "must be positive, e.g. 24h")
	}
	if !o.Grandpa {
		only(map[string]bool{"grandpa_key": o.GrandpaKey != "", "grandpa_window": o.GrandpaWindow != 0, "grandpa_samples": o.GrandpaSamples != 0,
			"grandpa_sample_gap": o.GrandpaSampleGap != 0, "min_prevotes": o.MinPrevotes != nil, "min_precommits": o.MinPrecommits != nil,
			"grandpa_min_rounds": o.GrandpaMinRounds != nil}, "only applies with `grandpa: true`")
		return out
	}
	if _, _, err := o.grandpaKey(); err != nil {
		p("grandpa_key", "%v", err)
	}
	if o.GrandpaWindow < 0 || o.GrandpaWindow > 1000 {
		p("grandpa_window", "must be 1 to 1000 rounds, got %d", o.GrandpaWindow)
	}
	if o.GrandpaSamples < 0 || o.GrandpaSamples > 10 {
		p("grandpa_samples", "must be 1 to 10 reads per probe, got %d", o.GrandpaSamples)
	}
	if o.GrandpaSampleGap < 0 {
		p("grandpa_sample_gap", "must be positive, e.g. 1s")
	} else if budget := time.Duration(o.grandpaSamples()-1) * o.grandpaSampleGap(); c.Timeout > 0 && budget >= c.Timeout.D() {
		p("grandpa_sample_gap", "%d reads %s apart take %s, not less than the check's timeout (%s)", o.grandpaSamples(), config.FormatDuration(o.grandpaSampleGap()), config.FormatDuration(budget), c.Timeout)
	}
	for name, v := range map[string]*float64{"min_prevotes": o.MinPrevotes, "min_precommits": o.MinPrecommits} {
		if v != nil && (*v < 0 || *v > 100) {
			p(name, "is a percentage, 0 to 100, got %g", *v)
		}
	}
	if o.GrandpaMinRounds != nil && (*o.GrandpaMinRounds < 1 || *o.GrandpaMinRounds > o.grandpaWindow()) {
		p("grandpa_min_rounds", "must be 1 to grandpa_window (%d), got %d", o.grandpaWindow(), *o.GrandpaMinRounds)
	}
	return out
}

// validateStall checks the points stall options (validators and
// parachain_staking collators).
func (o *SubstrateOptions) validateStall(c *config.Check, p func(field, format string, args ...any)) {
	if o.PointsStall < 0 {
		p("points_stall", "must be positive, e.g. 1h")
	}
	if o.PointsStallDown < 0 {
		p("points_stall_down", "must be positive, e.g. 3h")
	} else if o.PointsStallDown > 0 && o.PointsStallDown.D() < o.pointsStall() {
		p("points_stall_down", "%s is shorter than points_stall (%s): the check would be down before it is degraded", o.PointsStallDown, config.FormatDuration(o.pointsStall()))
	}
	if o.PointsStall > 0 && c.Interval > 0 && o.PointsStall.D() < c.Interval.D() {
		p("points_stall", "%s is shorter than the check's interval (%s): a stall is only seen between two probes", o.PointsStall, c.Interval)
	}
}

func (o *SubstrateOptions) validateCollator(c *config.Check, p func(field, format string, args ...any)) {
	acc, err := o.collatorAccount()
	if err != nil {
		p("collator", "%v", err)
	}
	switch o.collatorPallet() {
	case collatorSelection:
		if len(acc) == 20 {
			p("collator", "a 20-byte H160 account needs `collator_pallet: parachain_staking` (Moonbeam); Cumulus collator selection uses 32-byte accounts")
		}
	case parachainStaking:
		if o.MaxAuthoredAge != 0 || o.MaxAuthoredBlocks != nil {
			p("max_authored_age", "only applies to collator_pallet: collator_selection; parachain_staking collators are watched through their points (points_stall)")
		}
		o.validateStall(c, p)
		return
	default:
		p("collator_pallet", "is collator_selection (Cumulus) or parachain_staking (Moonbeam, Moonriver), not %q", o.CollatorPallet)
	}
	if o.MaxAuthoredAge < 0 {
		p("max_authored_age", "must be positive, e.g. 1h")
	}
}

// varProblems reports conditions that read a variable (outside string
// literals) only set when an option is given.
func varProblems(c *config.Check, re *regexp.Regexp, role, add string) []config.FieldProblem {
	var out []config.FieldProblem
	for i, src := range append(append([]string{}, c.Conditions...), c.Degraded...) {
		field := fmt.Sprintf("conditions[%d]", i)
		if i >= len(c.Conditions) {
			field = fmt.Sprintf("degraded[%d]", i-len(c.Conditions))
		}
		if m := re.FindString(quoted.ReplaceAllString(src, `""`)); m != "" {
			out = append(out, config.FieldProblem{Field: field, Msg: fmt.Sprintf("condition %q reads %q, which is only set for a %s check: add `substrate: {%s}`", src, m, role, add)})
		}
	}
	return out
}

// DefaultConditions turn the options into conditions: syncing, a stale head
// or the wrong chain are down; few peers, finality or sync lag degraded.
// A validator outside the active set, disabled or with an unapplied slash
// is down; one whose points stall, that is not queued for the next
// session, whose bond dropped or that misses GRANDPA votes is degraded
// (a stall is down after points_stall_down). A collator outside the
// collator set is down; one that has not authored for long, or whose
// points stall, is degraded.
func (substrateKind) DefaultConditions(c *config.Check) (up, degraded []string) {
	o, _ := c.Options.(*SubstrateOptions)
	if o == nil {
		o = &SubstrateOptions{}
	}
	up = append(up, "is_syncing == false", "head.age < "+condDuration(o.maxHeadAge()))
	if o.Chain != "" {
		up = append(up, "chain == "+strconv.Quote(o.Chain))
	}
	degraded = append(degraded,
		fmt.Sprintf("peers >= %d", orDefault(o.MinPeers, DefaultSubstrateMinPeers)),
		fmt.Sprintf("finality_lag <= %d", orDefault(o.MaxFinalityLag, DefaultSubstrateMaxFinalityLag)),
		fmt.Sprintf("sync_lag <= %d", orDefault(o.MaxSyncLag, DefaultSubstrateMaxSyncLag)))
	bu, bd := substrateBalanceSet(o).conditions()
	up, degraded = append(up, bu...), append(degraded, bd...)
	if o.Collator != "" {
		up = append(up, "collator.selected == true")
		if o.collatorPallet() == parachainStaking {
			if o.PointsStallDown > 0 {
				up = append(up, "collator.stalled_for < "+condDuration(o.PointsStallDown.D()))
			}
			degraded = append(degraded, "collator.stalled_for < "+condDuration(o.pointsStall()))
			return up, degraded
		}
		age := DefaultSubstrateMaxAuthoredAge
		if o.MaxAuthoredAge > 0 {
			age = o.MaxAuthoredAge.D()
		}
		degraded = append(degraded, "collator.authored_age < "+condDuration(age),
			fmt.Sprintf("collator.authored_blocks_ago <= %d", orDefault(o.MaxAuthoredBlocks, DefaultSubstrateMaxAuthoredBlocks)))
		return up, degraded
	}
	if o.Validator == "" {
		return up, degraded
	}
	if o.RequireActive == nil || *o.RequireActive {
		up = append(up, "validator.active == true")
	}
	up = append(up, "validator.disabled == false")
	if o.RequireQueued == nil || *o.RequireQueued {
		degraded = append(degraded, "validator.queued == true")
	}
	if o.rewardPoints() {
		if o.PointsStallDown > 0 {
			up = append(up, "validator.stalled_for < "+condDuration(o.PointsStallDown.D()))
		}
		degraded = append(degraded, "validator.stalled_for < "+condDuration(o.pointsStall()))
	}
	if o.slashes() {
		up = append(up, "validator.slashed == false")
		degraded = append(degraded, "validator.bond_dropped == false")
	}
	if o.ImOnline {
		degraded = append(degraded, "validator.online == true || validator.heartbeat_due == false")
	}
	if o.Grandpa {
		minRounds := DefaultSubstrateGrandpaMinRounds
		if o.GrandpaMinRounds != nil {
			minRounds = *o.GrandpaMinRounds
		}
		for _, kind := range []struct {
			name string
			min  *float64
		}{{"prevotes", o.MinPrevotes}, {"precommits", o.MinPrecommits}} {
			min := DefaultSubstrateMinVotes
			if kind.min != nil {
				min = *kind.min
			}
			degraded = append(degraded, fmt.Sprintf("validator.grandpa.%s_decided < %d || validator.grandpa.%s >= %s",
				kind.name, minRounds, kind.name, strconv.FormatFloat(min, 'f', -1, 64)))
		}
	}
	return up, degraded
}

// condDuration writes d as a condition literal without zero tails: 2m, 1h.
func condDuration(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}

func (substrateKind) Probe(ctx context.Context, t *Target) (*Observation, error) {
	o, _ := t.Options().(*SubstrateOptions)
	if o == nil {
		o = &SubstrateOptions{}
	}
	obs := NewObservation()
	p := &substrateProbe{t: t, o: o, obs: obs}
	if t.Now != nil {
		p.now = t.Now()
	}
	err := p.run(ctx)
	p.record()
	return obs, err
}
