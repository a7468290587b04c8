package prober

import (
	"context"
	"fmt"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"

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
)

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
	return []ValueSpec{
		valueHeight, valueFinalized, valueFinalityLag, valueHeadAge, valuePeers, valueVersion,
		{Name: "is_syncing", Label: "Syncing", Unit: UnitBool},
		{Name: "sync_lag", Label: "Blocks behind its peers", Unit: UnitCount},
		{Name: "chain", Label: "Chain", Unit: UnitText, Chain: true},
		{Name: "session", Label: "Session", Unit: UnitHeight},
		{Name: "active", Label: "In the active set", Unit: UnitBool},
		{Name: valEra, Label: "Era", Unit: UnitHeight},
		{Name: valPoints, Label: "Era points", Unit: UnitCount,
			Metric: "upchain_validator_era_points", Help: "Reward points the validator earned in the current era."},
		{Name: "points_delta", Label: "Points since the previous probe", Unit: UnitCount},
		{Name: valEraTotal, Label: "Era points of all validators", Unit: UnitCount},
		{Name: valPointsChangedAt, Label: "Points last grew", Unit: UnitUnixTime, Hidden: true},
		{Name: valEraTotalAtChange, Label: "Era total when points last grew", Unit: UnitCount, Hidden: true},
		{Name: "stalled_for_s", Label: "Points stalled for", Unit: UnitSeconds},
		{Name: "heartbeat", Label: "ImOnline heartbeat sent", Unit: UnitBool},
		{Name: "authored_blocks", Label: "Blocks authored this session", Unit: UnitCount},
	}
}
func (substrateKind) NewOptions() any { return &SubstrateOptions{} }
func (substrateKind) Vars() []string {
	return []string{"head", "finality_lag", "peers", "is_syncing", "sync_lag", "chain", "version",
		"validator", "session", "era", "latency", "region"}
}

// validatorVar finds condition names that need the validator option,
// outside string literals.
var (
	validatorVar = regexp.MustCompile(`\b(validator|session|era)\b`)
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
	for name, v := range map[string]*int64{"max_finality_lag": o.MaxFinalityLag, "max_sync_lag": o.MaxSyncLag, "min_peers": o.MinPeers} {
		if v != nil && *v < 0 {
			p(name, "must be 0 or more, got %d", *v)
		}
	}
	if o.Validator == "" {
		for field, set := range map[string]bool{
			"staking_url": o.StakingURL != "", "points_stall": o.PointsStall != 0, "points_stall_down": o.PointsStallDown != 0,
			"im_online": o.ImOnline, "require_active": o.RequireActive != nil, "reward_points": o.RewardPoints != nil,
		} {
			if set {
				p(field, "only applies to a validator check: add `validator: <SS58 address>`")
			}
		}
		for i, src := range append(append([]string{}, c.Conditions...), c.Degraded...) {
			field := fmt.Sprintf("conditions[%d]", i)
			if i >= len(c.Conditions) {
				field = fmt.Sprintf("degraded[%d]", i-len(c.Conditions))
			}
			if m := validatorVar.FindString(quoted.ReplaceAllString(src, `""`)); m != "" {
				out = append(out, config.FieldProblem{Field: field, Msg: fmt.Sprintf("condition %q reads %q, which is only set for a validator check: add `substrate: {validator: <SS58 address>}`", src, m)})
			}
		}
		return out
	}
	if _, err := o.account(); err != nil {
		p("validator", "%v", err)
	}
	if !o.rewardPoints() {
		for field, set := range map[string]bool{"staking_url": o.StakingURL != "", "points_stall": o.PointsStall != 0, "points_stall_down": o.PointsStallDown != 0} {
			if set {
				p(field, "has no effect with reward_points: false")
			}
		}
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
	return out
}

// DefaultConditions turn the options into conditions: syncing, a stale head
// or the wrong chain are down; few peers, finality or sync lag degraded.
// A validator outside the active set is down; one whose points stall is
// degraded (down after points_stall_down).
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
	if o.Validator == "" {
		return up, degraded
	}
	if o.RequireActive == nil || *o.RequireActive {
		up = append(up, "validator.active == true")
	}
	if o.rewardPoints() {
		if o.PointsStallDown > 0 {
			up = append(up, "validator.stalled_for < "+condDuration(o.PointsStallDown.D()))
		}
		degraded = append(degraded, "validator.stalled_for < "+condDuration(o.pointsStall()))
	}
	if o.ImOnline {
		degraded = append(degraded, "validator.online == true || validator.heartbeat_due == false")
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
