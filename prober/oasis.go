package prober

import (
	"context"
	"encoding/json"
	"fmt"
	"math/big"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/upchain-dev/upchain/prober/cond"
	"github.com/upchain-dev/upchain/prober/config"
	"github.com/upchain-dev/upchain/prober/oasis"
)

// OasisOptions are the `oasis:` options of a check whose url is an Oasis
// Nexus API root (https://nexus.oasis.io/v1 or a self-hosted Nexus).
type OasisOptions struct {
	// Validator is the entity's staking address (oasis1...); empty for a
	// check of the indexer and chain head only.
	Validator string `yaml:"validator"`
	// MaxHeadAge is how old Nexus's latest block may be (default 60s).
	MaxHeadAge config.Duration `yaml:"max_head_age"`
	// MaxIndexerAge is how long ago Nexus may have processed its latest
	// block (latest_update_age_ms) before its figures count as stale
	// (default 2m).
	MaxIndexerAge config.Duration `yaml:"max_indexer_age"`
	// MaxIndexerLag is how many blocks Nexus may trail its own node
	// (latest_node_block - latest_block) before it counts as stale
	// (default 20).
	MaxIndexerLag *int64 `yaml:"max_indexer_lag"`
	// MissedConsecutiveAlert: this many of the newest blocks missed in a
	// row make the check down (default 5, 0: off).
	MissedConsecutiveAlert *int `yaml:"missed_consecutive_alert"`
	// MissedPercentAlert: a missed share of the last 100 blocks at or above
	// this makes the check degraded (default 5, 0: off).
	MissedPercentAlert *float64 `yaml:"missed_percent_alert"`
	// UptimeDegraded and UptimeDown: a ~24 h uptime below these makes the
	// check degraded (default 95) or down (default 0: off).
	UptimeDegraded *float64 `yaml:"uptime_degraded"`
	UptimeDown     *float64 `yaml:"uptime_down"`
	// InsecureSkipVerify turns TLS verification off.
	InsecureSkipVerify bool `yaml:"insecure_skip_verify"`
}

// Defaults of the oasis options.
const (
	DefaultOasisMaxIndexerAge     = 2 * time.Minute
	DefaultOasisMaxIndexerLag     = 20
	DefaultOasisUptimeDegraded    = 95.0
	defaultOasisMissedPercent     = DefaultMissedPercent
	defaultOasisMissedConsecutive = DefaultMissedConsecutive
)

func (o *OasisOptions) maxHeadAge() time.Duration {
	if o.MaxHeadAge > 0 {
		return o.MaxHeadAge.D()
	}
	return DefaultMaxHeadAge
}

func (o *OasisOptions) maxIndexerAge() time.Duration {
	if o.MaxIndexerAge > 0 {
		return o.MaxIndexerAge.D()
	}
	return DefaultOasisMaxIndexerAge
}

func (o *OasisOptions) maxIndexerLag() int64 {
	if o.MaxIndexerLag != nil {
		return *o.MaxIndexerLag
	}
	return DefaultOasisMaxIndexerLag
}

func oasisOr[T any](p *T, def T) T {
	if p != nil {
		return *p
	}
	return def
}

func oasisOptions(c *config.Check) *OasisOptions {
	if o, ok := c.Options.(*OasisOptions); ok && o != nil {
		return o
	}
	return &OasisOptions{}
}

type oasisKind struct{ Base }

func (oasisKind) Name() string    { return "oasis" }
func (oasisKind) NewOptions() any { return &OasisOptions{} }

func (oasisKind) Vars() []string {
	return []string{"head", "indexer", "fresh", "validator", "latency", "region", "status"}
}

// VarTypes implements config.TypedKind.
func (oasisKind) VarTypes() cond.Fields {
	n, b, s := cond.Number, cond.Bool, cond.String
	return typedVars(cond.Fields{"status": n, "head": headFields(nil), "fresh": b,
		"indexer": cond.Fields{"height": n, "node_height": n, "lag": n, "age": cond.Duration, "stale": s},
		"validator": cond.Fields{
			"address": s, "name": s, "active": b, "in_validator_set": b, "rank": n, "delegators": n,
			"voting_power": n, "escrow_active": n, "escrow_debonding": n, "commission_percent": n,
			"uptime_percent": n, "uptime_window": n,
			"signed": n, "missed": n, "missed_consecutive": n, "missed_percent": n, "window": n,
		}})
}

// Values an oasis probe records.
var (
	valueOasisIndexerAge = ValueSpec{Name: "oasis_indexer_age_s", Label: "Indexer update age", Unit: UnitSeconds,
		Metric: "upchain_oasis_indexer_age_seconds", Help: "How long ago Nexus processed its latest block, in seconds."}
	valueOasisIndexerLag = ValueSpec{Name: "oasis_indexer_lag", Label: "Indexer lag (blocks)", Unit: UnitCount,
		Metric: "upchain_oasis_indexer_lag_blocks", Help: "Blocks Nexus trails the node it indexes from."}
	valueOasisStale = ValueSpec{Name: "oasis_indexer_stale", Label: "Indexer stale", Unit: UnitText}
	oasisAmount     = func(name, label, metric, help string) ValueSpec {
		return ValueSpec{Name: name, Label: label, Unit: UnitAmount, Decimals: 9, Symbol: "ROSE", Metric: metric, Help: help}
	}
)

func (oasisKind) Values() []ValueSpec {
	return append([]ValueSpec{
		valueOasisIndexerAge, valueOasisIndexerLag, valueOasisStale,
		{Name: "oasis_node_height", Label: "Height of Nexus's node", Unit: UnitHeight},
		{Name: "oasis_entity", Label: "Entity address", Unit: UnitText},
		{Name: "oasis_name", Label: "Validator name", Unit: UnitText},
		{Name: "oasis_active", Label: "Active (registered, up to date)", Unit: UnitBool,
			Metric: "upchain_oasis_validator_active", Help: "1 if Nexus reports the validator active (node registered and up to date)."},
		{Name: "oasis_in_validator_set", Label: "In the validator set", Unit: UnitBool, Validator: ValidatorActive,
			Metric: "upchain_oasis_validator_in_set", Help: "1 if the validator is in the consensus validator set."},
		{Name: "oasis_voting_power", Label: "Voting power", Unit: UnitCount, Chart: true,
			Metric: "upchain_oasis_validator_voting_power", Help: "Voting power of the validator."},
		{Name: "oasis_rank", Label: "Rank by stake", Unit: UnitCount,
			Metric: "upchain_oasis_validator_rank", Help: "Rank of the validator by stake."},
		oasisAmount("oasis_escrow_active", "Active escrow", "upchain_oasis_escrow_active_base_units", "Active escrow balance of the validator, in base units (1e-9 ROSE)."),
		oasisAmount("oasis_escrow_debonding", "Debonding escrow", "upchain_oasis_escrow_debonding_base_units", "Debonding escrow balance of the validator, in base units (1e-9 ROSE)."),
		{Name: "oasis_delegators", Label: "Delegators", Unit: UnitCount},
		{Name: "oasis_commission_percent", Label: "Commission", Unit: UnitPercent,
			Metric: "upchain_oasis_validator_commission_percent", Help: "Current commission rate of the validator, in percent."},
		{Name: "oasis_uptime_percent", Label: "Uptime (~24 h)", Unit: UnitPercent,
			Metric: "upchain_oasis_validator_uptime_percent", Help: "Blocks signed in Nexus's uptime window (~24 h), in percent."},
		valueSigned, valueMissed, valueMissedConsecutive, valueMissedPercent,
	}, headValues...)
}

func (oasisKind) Validate(c *config.Check) []config.FieldProblem {
	var out []config.FieldProblem
	o := oasisOptions(c)
	add := func(field, format string, args ...any) {
		out = append(out, config.FieldProblem{Field: optionLine(c, field), Msg: field + ": " + fmt.Sprintf(format, args...)})
	}
	if u, err := url.Parse(c.URL); err == nil {
		if u.Scheme != "http" && u.Scheme != "https" {
			out = append(out, config.FieldProblem{Field: "url", Msg: "kind oasis needs the http(s) root of a Nexus API, e.g. https://nexus.oasis.io/v1"})
		} else if strings.Contains(u.Path, "/consensus") {
			out = append(out, config.FieldProblem{Field: "url", Msg: "kind oasis takes the Nexus API root (e.g. https://nexus.oasis.io/v1), not " + u.Path})
		}
	}
	if o.Validator != "" {
		if err := oasis.CheckAddress(o.Validator); err != nil {
			add("oasis.validator", "%q is not an entity staking address (oasis1...): %v", o.Validator, err)
		}
	}
	if o.MaxHeadAge < 0 {
		add("oasis.max_head_age", "must be positive, e.g. 60s")
	}
	if o.MaxIndexerAge < 0 {
		add("oasis.max_indexer_age", "must be positive, e.g. 2m")
	}
	if o.MaxIndexerLag != nil && *o.MaxIndexerLag < 0 {
		add("oasis.max_indexer_lag", "must be 0 or more blocks")
	}
	if o.MissedConsecutiveAlert != nil && (*o.MissedConsecutiveAlert < 0 || *o.MissedConsecutiveAlert > 100) {
		add("oasis.missed_consecutive_alert", "must be between 0 (off) and 100: Nexus lists the last 100 blocks")
	}
	for field, p := range map[string]*float64{
		"oasis.missed_percent_alert": o.MissedPercentAlert,
		"oasis.uptime_degraded":      o.UptimeDegraded,
		"oasis.uptime_down":          o.UptimeDown,
	} {
		if p != nil && (*p < 0 || *p > 100) {
			add(field, "is a percentage: between 0 (off) and 100")
		}
	}
	if o.Validator == "" {
		for _, list := range []struct {
			field string
			srcs  []string
		}{{"conditions", c.Conditions}, {"degraded", c.Degraded}} {
			for i, src := range list.srcs {
				if cond.References(src, "validator") {
					out = append(out, config.FieldProblem{Field: fmt.Sprintf("%s[%d]", list.field, i), Msg: "reads validator.* but the check follows no validator: add `validator: oasis1...` under oasis"})
				}
			}
		}
		for field, set := range map[string]bool{
			"oasis.missed_consecutive_alert": o.MissedConsecutiveAlert != nil,
			"oasis.missed_percent_alert":     o.MissedPercentAlert != nil,
			"oasis.uptime_degraded":          o.UptimeDegraded != nil,
			"oasis.uptime_down":              o.UptimeDown != nil,
		} {
			if set {
				add(field, "only applies to a validator: add `validator: oasis1...` under oasis")
			}
		}
	}
	return out
}

// DefaultConditions: a stale indexer degrades the check, and every
// condition on Nexus's figures holds while they are stale (`!fresh ||`),
// so a lagging indexer never makes a validator look down.
func (oasisKind) DefaultConditions(c *config.Check) (up, degraded []string) {
	o := oasisOptions(c)
	up = append(up, "!fresh || head.age < "+condDuration(o.maxHeadAge()))
	degraded = append(degraded, `indexer.stale == ""`)
	if o.Validator == "" {
		return up, degraded
	}
	up = append(up, "!fresh || validator.active == true", "!fresh || validator.in_validator_set == true")
	if n := oasisOr(o.MissedConsecutiveAlert, defaultOasisMissedConsecutive); n > 0 {
		up = append(up, fmt.Sprintf("!fresh || validator.missed_consecutive < %d", n))
	}
	if p := oasisOr(o.UptimeDown, 0); p > 0 {
		up = append(up, "!fresh || validator.uptime_percent >= "+formatFloat(p, 2))
	}
	if p := oasisOr(o.MissedPercentAlert, defaultOasisMissedPercent); p > 0 {
		degraded = append(degraded, "!fresh || validator.missed_percent < "+formatFloat(p, 2))
	}
	if p := oasisOr(o.UptimeDegraded, DefaultOasisUptimeDegraded); p > 0 {
		degraded = append(degraded, "!fresh || validator.uptime_percent >= "+formatFloat(p, 2))
	}
	return up, degraded
}

func (oasisKind) Probe(ctx context.Context, t *Target) (*Observation, error) {
	o := oasisOptions(t.Check)
	obs := NewObservation()
	base := strings.TrimRight(t.Check.URL, "/")
	var st oasis.Status
	if err := nexusGet(ctx, t, o, base+"/", &st); err != nil {
		return obs, err
	}
	obs.Code = http.StatusOK // nexusGet accepts nothing else
	if st.LatestBlockTime.IsZero() || st.LatestBlock <= 0 {
		return obs, Fail(ReasonBadResponse, "Nexus status has no latest_block / latest_block_time: not a Nexus API root?")
	}
	now := t.Now()
	age := time.Duration(st.LatestUpdateAgeMs) * time.Millisecond
	lag := max(st.LatestNodeBlock-st.LatestBlock, 0)
	stale := ""
	switch {
	case age > o.maxIndexerAge():
		stale = fmt.Sprintf("Nexus processed its latest block %s ago (max_indexer_age %s): its figures are unknown", age.Round(time.Second), o.maxIndexerAge())
	case lag > o.maxIndexerLag():
		stale = fmt.Sprintf("Nexus trails its node by %d blocks (max_indexer_lag %d): its figures are unknown", lag, o.maxIndexerLag())
	}
	obs.Vars["head"] = headVars(st.LatestBlock, st.LatestBlockTime, now)
	obs.Vars["indexer"] = map[string]any{"height": st.LatestBlock, "node_height": st.LatestNodeBlock, "lag": lag, "age": age, "stale": stale}
	obs.Vars["fresh"] = stale == ""
	setHeadValues(obs.Values, strconv.FormatInt(st.LatestBlock, 10), st.LatestBlockTime, now)
	obs.Values["oasis_node_height"] = strconv.FormatInt(st.LatestNodeBlock, 10)
	obs.Values["oasis_indexer_age_s"] = formatFloat(age.Seconds(), 1)
	obs.Values["oasis_indexer_lag"] = strconv.FormatInt(lag, 10)
	if stale != "" {
		obs.Values["oasis_indexer_stale"] = stale
	}
	if o.Validator == "" {
		return obs, nil
	}
	addr := strings.ToLower(o.Validator) // bech32 may be written in upper case
	var list oasis.ValidatorList
	if err := nexusGet(ctx, t, o, base+"/consensus/validators/"+url.PathEscape(addr), &list); err != nil {
		return obs, err
	}
	var v *oasis.Validator
	for i := range list.Validators {
		if list.Validators[i].EntityAddress == addr {
			v = &list.Validators[i]
		}
	}
	if v == nil {
		return obs, Fail(ReasonChain, "Nexus knows no validator %s (%d listed): not an entity address of a validator?", o.Validator, len(list.Validators))
	}
	oasisValidator(v, obs)
	return obs, nil
}

// oasisValidator fills the validator variable and values.
func oasisValidator(v *oasis.Validator, obs *Observation) {
	vars := map[string]any{
		"address":          v.EntityAddress,
		"name":             v.Name(),
		"active":           v.Active,
		"in_validator_set": v.InValidatorSet,
		"rank":             v.Rank,
		"delegators":       v.Escrow.NumDelegators,
	}
	obs.Vars["validator"] = vars
	obs.Values["oasis_entity"] = v.EntityAddress
	if n := v.Name(); n != "" {
		obs.Values["oasis_name"] = shorten(n)
	}
	obs.Values["oasis_active"] = strconv.FormatBool(v.Active)
	obs.Values["oasis_in_validator_set"] = strconv.FormatBool(v.InValidatorSet)
	obs.Values["oasis_rank"] = strconv.FormatInt(v.Rank, 10)
	obs.Values["oasis_delegators"] = strconv.FormatInt(v.Escrow.NumDelegators, 10)
	if p, err := v.VotingPower.Int64(); err == nil {
		vars["voting_power"] = p
		obs.Values["oasis_voting_power"] = strconv.FormatInt(p, 10)
	}
	for key, b := range map[string]oasis.BigInt{"escrow_active": v.Escrow.ActiveBalance, "escrow_debonding": v.Escrow.DebondingBalance} {
		if b == "" {
			continue
		}
		obs.Values["oasis_"+key] = string(b)
		vars[key] = roseFloat(b) // in ROSE, for `validator.escrow_active > 100000`
	}
	if c, ok := v.CommissionPercent(); ok {
		vars["commission_percent"] = c
		obs.Values["oasis_commission_percent"] = formatFloat(c, 3)
	}
	if u, ok := v.Uptime.UptimePercent(); ok {
		vars["uptime_percent"] = u
		vars["uptime_window"] = v.Uptime.WindowLength
		obs.Values["oasis_uptime_percent"] = formatFloat(u, 2)
	}
	s := oasis.Summarise(v.SignedBlocks)
	vars["signed"] = int64(s.Signed)
	vars["missed"] = int64(s.Missed)
	vars["missed_consecutive"] = int64(s.Consecutive)
	vars["missed_percent"] = s.MissedPercent()
	vars["window"] = int64(s.Blocks)
	obs.Values["signed"] = strconv.Itoa(s.Signed)
	obs.Values["missed"] = strconv.Itoa(s.Missed)
	obs.Values["missed_consecutive"] = strconv.Itoa(s.Consecutive)
	obs.Values["missed_percent"] = formatFloat(s.MissedPercent(), 2)
}

// roseFloat is a base-unit amount in ROSE (1e9 base units), for
// comparisons; the exact amount is what Values record.
func roseFloat(b oasis.BigInt) float64 {
	r, ok := new(big.Rat).SetString(string(b))
	if !ok {
		return 0
	}
	f, _ := r.Quo(r, big.NewRat(1_000_000_000, 1)).Float64()
	return f
}

// nexusGet reads one Nexus JSON reply into out. Nexus answers errors as
// {"msg": "..."} (400/500) or 404 with an empty body.
func nexusGet(ctx context.Context, t *Target, o *OasisOptions, rawURL string, out any) error {
	r, err := limitedGET(ctx, t, rawURL, "application/json", o.InsecureSkipVerify, t.MaxBody)
	if err != nil {
		return err
	}
	path := strings.TrimPrefix(rawURL, strings.TrimRight(t.Check.URL, "/"))
	if r.Code != http.StatusOK {
		var e struct {
			Msg string `json:"msg"`
		}
		msg := limitedExcerpt(r.Body, 120)
		if json.Unmarshal(r.Body, &e) == nil && e.Msg != "" {
			msg = e.Msg
		}
		f := Fail(ReasonHTTPStatus, "Nexus %s: HTTP %d %s", path, r.Code, msg)
		f.Transient = r.Code >= 500 || r.Code == http.StatusTooManyRequests
		return f
	}
	if err := json.Unmarshal(r.Body, out); err != nil {
		return Fail(ReasonBadResponse, "Nexus %s: unexpected answer: %v (%s)", path, err, limitedExcerpt(r.Body, 80))
	}
	return nil
}
