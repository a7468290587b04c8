package prober

import (
	"context"
	"encoding/hex"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"path"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/upchain-dev/upchain/prober/cometbft"
	"github.com/upchain-dev/upchain/prober/cond"
	"github.com/upchain-dev/upchain/prober/config"
)

// CometBFTOptions are the `cometbft:` options of a check: a CometBFT node
// (any Cosmos SDK chain) and optionally one validator's liveness.
type CometBFTOptions struct {
	// ChainID the node must be on (node_info.network).
	ChainID string `yaml:"chain_id"`
	// MaxHeadAge is how old the latest block may be (default 60s): what
	// catches a stalled chain, which /health and catching_up do not.
	MaxHeadAge config.Duration `yaml:"max_head_age"`
	// MinPeers makes the check degraded below this many peers (0: off).
	MinPeers int `yaml:"min_peers"`
	// Validator to follow; nil for a plain node check.
	Validator *CometBFTValidator `yaml:"validator"`
	// LCD is the Cosmos SDK REST endpoint for jailed, tombstoned and the
	// slashing window (optional).
	LCD string `yaml:"lcd"`
	// SignaturesWindow is how many recent blocks the missed/signed counts
	// cover (default 100).
	SignaturesWindow int `yaml:"signatures_window"`
	// MaxBlocksPerRound caps the commits read in one probe (default 100).
	MaxBlocksPerRound int `yaml:"max_blocks_per_round"`
	// MissedConsecutiveAlert: this many missed blocks in a row make the
	// check down (default 5, 0: off).
	MissedConsecutiveAlert *int `yaml:"missed_consecutive_alert"`
	// MissedPercentAlert: a missed share of the window (and of the slashing
	// window, with the LCD) at or above this makes the check degraded
	// (default 5, 0: off).
	MissedPercentAlert *float64 `yaml:"missed_percent_alert"`
	// UpgradeWindow is how long after the estimated halt of a planned
	// upgrade (the LCD's current_plan) the chain may stay halted as
	// maintenance (default 1h).
	UpgradeWindow config.Duration `yaml:"upgrade_window"`
	// Gov watches the validator's governance votes (needs the LCD).
	Gov *CometBFTGov `yaml:"gov"`
	// InsecureSkipVerify turns TLS verification off.
	InsecureSkipVerify bool `yaml:"insecure_skip_verify"`
	// Balances are bank balances to watch, read from the LCD (see
	// CometBFTBalance).
	Balances []CometBFTBalance `yaml:"balances"`
}

// CometBFTValidator names a validator by its consensus address (hex, as in
// /validators), its consensus address in bech32 (valcons) or its operator
// address (valoper; needs the LCD to find the consensus key).
type CometBFTValidator struct {
	Address string `yaml:"address"`
	Valcons string `yaml:"valcons"`
	Valoper string `yaml:"valoper"`
}

// Defaults of the cometbft options.
const (
	DefaultMaxHeadAge        = 60 * time.Second
	DefaultSignaturesWindow  = 100
	DefaultMaxBlocksPerRound = 100
	DefaultMissedConsecutive = 5
	DefaultMissedPercent     = 5.0
	maxSignaturesWindow      = 10000
	maxBlocksPerRoundLimit   = 1000
)

func (o *CometBFTOptions) maxHeadAge() time.Duration {
	if o.MaxHeadAge > 0 {
		return o.MaxHeadAge.D()
	}
	return DefaultMaxHeadAge
}

func (o *CometBFTOptions) window() int {
	if o.SignaturesWindow > 0 {
		return o.SignaturesWindow
	}
	return DefaultSignaturesWindow
}

func (o *CometBFTOptions) maxBlocks() int {
	if o.MaxBlocksPerRound > 0 {
		return o.MaxBlocksPerRound
	}
	return DefaultMaxBlocksPerRound
}

func (o *CometBFTOptions) missedConsecutive() int {
	if o.MissedConsecutiveAlert != nil {
		return *o.MissedConsecutiveAlert
	}
	return DefaultMissedConsecutive
}

func (o *CometBFTOptions) missedPercent() float64 {
	if o.MissedPercentAlert != nil {
		return *o.MissedPercentAlert
	}
	return DefaultMissedPercent
}

type cometbftKind struct{ Base }

func (cometbftKind) Name() string { return "cometbft" }

func (cometbftKind) Values() []ValueSpec {
	return append([]ValueSpec{
		{Name: "catching_up", Label: "Catching up", Unit: UnitBool},
		valueChainID, valueVersion, valuePeers, valuePeersError,
		{Name: "moniker", Label: "Moniker", Unit: UnitText},
		// Kept for the next probe of a validator.
		{Name: valLastChecked, Label: "Last checked height", Unit: UnitHeight, Hidden: true},
		{Name: valWindow, Label: "Signing window", Unit: UnitText, Hidden: true},
		{Name: valSetHash, Label: "Validator set hash", Unit: UnitText, Hidden: true},
		{Name: valSetIndex, Label: "Index in the validator set", Unit: UnitCount, Hidden: true},
		{Name: valPower, Label: "Voting power", Unit: UnitCount},
		{Name: valAddress, Label: "Validator address", Unit: UnitText},
		{Name: "in_active_set", Label: "In the active set", Unit: UnitBool, Validator: ValidatorActive},
		valueSigned, valueMissed, valueMissedConsecutive, valueMissedPercent,
		{Name: "proposed", Label: "Blocks proposed", Unit: UnitCount},
		{Name: "window_blocks", Label: "Blocks in the window", Unit: UnitCount},
		{Name: "validator_status", Label: "Validator status", Unit: UnitText},
		{Name: "jailed", Label: "Jailed", Unit: UnitBool},
		{Name: "tombstoned", Label: "Tombstoned", Unit: UnitBool},
		{Name: "bonded", Label: "Bonded", Unit: UnitBool},
		{Name: "missed_blocks_counter", Label: "Missed (slashing window)", Unit: UnitCount},
		{Name: "signed_blocks_window", Label: "Slashing window (blocks)", Unit: UnitCount},
		{Name: "slashing_missed_percent", Label: "Missed share (slashing window)", Unit: UnitPercent},
		{Name: "lcd_error", Label: "LCD error", Unit: UnitText},
		{Name: "signing_error", Label: "Signing check error", Unit: UnitText},
		valueCometBFTBalances, valueCometBFTBalanceLow,
	}, append(append(govValues, upgradeValues...), headValues...)...)
}
func (cometbftKind) NewOptions() any { return &CometBFTOptions{} }

func (cometbftKind) Vars() []string {
	return []string{"head", "peers", "catching_up", "chain_id", "version", "moniker", "validator", "lcd_error", "gov", "balances", "balance_low", "balance_down", "latency", "region", "status"}
}

// VarTypes implements config.TypedKind.
func (cometbftKind) VarTypes() cond.Fields {
	n, b, s := cond.Number, cond.Bool, cond.String
	return typedVars(withBalanceVars(cond.Fields{"head": headFields(nil), "peers": n, "status": cond.Number, "catching_up": b,
		"chain_id": s, "version": s, "moniker": s, "lcd_error": s,
		"gov": cond.Fields{"open": n, "unvoted": n, "due": s, "voter": s},
		"validator": cond.Fields{
			"address": s, "status": s, "bond_status": s, "bonded": b, "jailed": b, "tombstoned": b,
			"in_active_set": b, "index": n, "voting_power": n,
			"signed": n, "missed": n, "missed_consecutive": n, "missed_percent": n, "proposed": n, "window": n,
			"missed_blocks_counter": n, "signed_blocks_window": n, "slashing_missed_percent": n, "max_missed_blocks": n,
		}}))
}

func cometbftOptions(c *config.Check) *CometBFTOptions {
	if o, ok := c.Options.(*CometBFTOptions); ok && o != nil {
		return o
	}
	return &CometBFTOptions{}
}

func (cometbftKind) Validate(c *config.Check) []config.FieldProblem {
	out := rpcURLProblems(c)
	o := cometbftOptions(c)
	add := func(field, format string, args ...any) {
		out = append(out, config.FieldProblem{Field: optionLine(c, field), Msg: field + ": " + fmt.Sprintf(format, args...)})
	}
	if u, err := url.Parse(c.URL); err == nil && (u.Scheme == "http" || u.Scheme == "https") {
		// JSON-RPC is served at the root; GET paths are another interface.
		switch path.Base(u.Path) {
		case "status", "health", "net_info", "block", "commit", "validators", "abci_info":
			out = append(out, config.FieldProblem{Field: "url", Msg: fmt.Sprintf("kind cometbft takes the RPC root (e.g. %s://%s), not the %s path", u.Scheme, u.Host, u.Path)})
		}
	}
	if o.MaxHeadAge < 0 {
		add("cometbft.max_head_age", "must be positive, e.g. 60s")
	}
	if o.UpgradeWindow < 0 {
		add("cometbft.upgrade_window", "must be positive, e.g. 1h")
	}
	if o.MinPeers < 0 {
		add("cometbft.min_peers", "must be 0 (off) or more")
	}
	if o.SignaturesWindow < 0 || o.SignaturesWindow > maxSignaturesWindow {
		add("cometbft.signatures_window", "must be between 1 and %d blocks", maxSignaturesWindow)
	}
	if o.MaxBlocksPerRound < 0 || o.MaxBlocksPerRound > maxBlocksPerRoundLimit {
		add("cometbft.max_blocks_per_round", "must be between 1 and %d", maxBlocksPerRoundLimit)
	}
	if o.MissedConsecutiveAlert != nil && *o.MissedConsecutiveAlert < 0 {
		add("cometbft.missed_consecutive_alert", "must be 0 (off) or more")
	}
	if o.MissedPercentAlert != nil && (*o.MissedPercentAlert < 0 || *o.MissedPercentAlert > 100) {
		add("cometbft.missed_percent_alert", "is a percentage: between 0 (off) and 100")
	}
	if o.LCD != "" {
		if u, err := url.Parse(o.LCD); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			add("cometbft.lcd", "%q is not an http(s) URL of a Cosmos SDK REST endpoint, e.g. https://lcd.example.org", o.LCD)
		}
	}
	out = append(out, validateGov(c, o)...)
	out = append(out, cometbftBalanceProblems(o)...)
	v := o.Validator
	if v == nil {
		for field, set := range map[string]bool{
			"cometbft.lcd":                      o.LCD != "" && len(o.Balances) == 0,
			"cometbft.signatures_window":        o.SignaturesWindow != 0,
			"cometbft.max_blocks_per_round":     o.MaxBlocksPerRound != 0,
			"cometbft.missed_consecutive_alert": o.MissedConsecutiveAlert != nil,
			"cometbft.missed_percent_alert":     o.MissedPercentAlert != nil,
			"cometbft.gov":                      o.Gov != nil,
		} {
			if set {
				add(field, "only applies to a validator: add `validator: {address: ...}` under cometbft")
			}
		}
		return out
	}
	if v.Address == "" && v.Valcons == "" && v.Valoper == "" {
		add("cometbft.validator", "name the validator by `address` (hex consensus address), `valcons` or `valoper`")
	}
	var fromValcons string
	if v.Address != "" {
		if b, err := hex.DecodeString(v.Address); err != nil || len(b) != 20 {
			add("cometbft.validator.address", "%q is not a consensus address: 40 hex characters, as in /validators", v.Address)
		}
	}
	if v.Valcons != "" {
		a, err := cometbft.AddressFromValcons(v.Valcons)
		if err != nil {
			add("cometbft.validator.valcons", "%q: %v", v.Valcons, err)
		}
		fromValcons = a
	}
	if v.Address != "" && fromValcons != "" && !strings.EqualFold(v.Address, fromValcons) {
		add("cometbft.validator.valcons", "%s is address %s, not the configured address %s", v.Valcons, fromValcons, strings.ToUpper(v.Address))
	}
	if v.Valoper != "" {
		if hrp, _, err := cometbft.Bech32Decode(v.Valoper); err != nil {
			add("cometbft.validator.valoper", "%q: %v", v.Valoper, err)
		} else if !strings.HasSuffix(hrp, "valoper") {
			add("cometbft.validator.valoper", "%q is not an operator address (prefix ...valoper)", v.Valoper)
		}
		if o.LCD == "" {
			add("cometbft.validator.valoper", "an operator address is looked up on the LCD: set cometbft.lcd, or use validator.address")
		}
	}
	if o.LCD != "" && v.Valcons == "" && v.Valoper == "" {
		add("cometbft.lcd", "the LCD knows validators by bech32 address: add validator.valcons or validator.valoper")
	}
	return out
}

// DefaultConditions turn the options into conditions users can read in a
// failure: `head.age < 60s`, `validator.missed_consecutive < 5`, ...
func (cometbftKind) DefaultConditions(c *config.Check) (up, degraded []string) {
	o := cometbftOptions(c)
	up = append(up, "catching_up == false", "head.age < "+condDuration(o.maxHeadAge()))
	if o.ChainID != "" {
		up = append(up, "chain_id == "+strconv.Quote(o.ChainID))
	}
	if o.MinPeers > 0 {
		degraded = append(degraded, fmt.Sprintf("peers >= %d", o.MinPeers))
	}
	bu, bd := cometbftBalanceSet(o).conditions()
	up, degraded = append(up, bu...), append(degraded, bd...)
	if o.Validator == nil {
		return up, degraded
	}
	up = append(up, "validator.in_active_set == true")
	if n := o.missedConsecutive(); n > 0 {
		up = append(up, fmt.Sprintf("validator.missed_consecutive < %d", n))
	}
	pct := o.missedPercent()
	if pct > 0 {
		degraded = append(degraded, "validator.missed_percent < "+formatFloat(pct, 2))
	}
	if o.LCD != "" {
		// `!= true`: an unanswering LCD shows as lcd_error (degraded), not
		// as a jailed validator.
		up = append(up, "validator.jailed != true", "validator.tombstoned != true")
		degraded = append(degraded, `lcd_error == ""`)
		if pct > 0 {
			degraded = append(degraded, "validator.slashing_missed_percent < "+formatFloat(pct, 2))
		}
		if o.Gov != nil {
			degraded = append(degraded, `gov.due == ""`)
		}
	}
	return up, degraded
}

// Values kept between probes of a validator (besides the shown ones).
const (
	valLastChecked = "last_checked_height"
	valWindow      = "signing_window"
	valSetHash     = "validators_hash"
	valSetIndex    = "validator_index"
	valPower       = "voting_power"
	valAddress     = "validator_address"
	valChainID     = "chain_id"
)

func (k cometbftKind) Probe(ctx context.Context, t *Target) (*Observation, error) {
	o := cometbftOptions(t.Check)
	obs := NewObservation()
	// Keep the signing state if this probe fails early: nothing is lost
	// when a node is briefly unreachable.
	for _, key := range append([]string{valLastChecked, valWindow, valSetHash, valSetIndex, valPower, valAddress, valChainID, valGovState}, upgradeKeys...) {
		if v, ok := t.Prev[key]; ok && o.Validator != nil {
			obs.Values[key] = v
		}
	}
	cl, err := DialRPC(ctx, t, o.InsecureSkipVerify)
	if err != nil {
		return obs, err
	}
	defer cl.Close()
	rpc := cometbft.RPC{C: cl}

	var (
		peers    *cometbft.NetInfo
		peersErr error
		wg       sync.WaitGroup
	)
	wg.Add(1)
	go func() {
		defer wg.Done()
		peers, peersErr = rpc.NetInfo(ctx)
	}()
	st, err := rpc.Status(ctx)
	wg.Wait()
	if err != nil {
		return obs, RPCFailure(err)
	}
	now := t.Now()
	si := st.SyncInfo
	if si.LatestBlockTime.IsZero() {
		return obs, Fail(ReasonBadResponse, "status has no latest_block_time")
	}
	height := int64(si.LatestBlockHeight)
	obs.Vars["head"] = headVars(height, si.LatestBlockTime, now)
	obs.Vars["catching_up"] = si.CatchingUp
	obs.Vars["chain_id"] = st.NodeInfo.Network
	obs.Vars["version"] = st.NodeInfo.Version
	obs.Vars["moniker"] = st.NodeInfo.Moniker
	setHeadValues(obs.Values, strconv.FormatInt(height, 10), si.LatestBlockTime, now)
	obs.Values["catching_up"] = strconv.FormatBool(si.CatchingUp)
	if avg := blockTime(t.Prev, height, si.LatestBlockTime); avg > 0 {
		obs.Values[valBlockTime] = formatFloat(avg, 3)
	}
	obs.Values[valChainID] = st.NodeInfo.Network
	obs.Values["version"] = st.NodeInfo.Version
	if st.NodeInfo.Moniker != "" {
		obs.Values["moniker"] = st.NodeInfo.Moniker
	}
	// Public endpoints often refuse /net_info: peers are then missing,
	// which fails only a `peers` condition.
	if peersErr == nil {
		obs.Vars["peers"] = int64(peers.NPeers)
		obs.Values["peers"] = strconv.FormatInt(int64(peers.NPeers), 10)
	} else if o.MinPeers > 0 {
		obs.Values["peers_error"] = shorten(RPCFailure(peersErr).Error())
	}
	k.balances(ctx, t, o, obs)
	if o.Validator == nil {
		return obs, nil
	}
	return obs, k.probeValidator(ctx, t, o, rpc, st, obs)
}

// validatorState is what the probe learned about the validator.
type validatorState struct {
	address string
	lcdErr  error
	vars    map[string]any
}

func (k cometbftKind) probeValidator(ctx context.Context, t *Target, o *CometBFTOptions, rpc cometbft.RPC, st *cometbft.Status, obs *Observation) error {
	v := o.Validator
	vs := validatorState{vars: map[string]any{}}
	obs.Vars["validator"] = vs.vars
	obs.Vars["lcd_error"] = ""
	var govErr error

	switch {
	case v.Address != "":
		vs.address = strings.ToUpper(v.Address)
	case v.Valcons != "":
		vs.address, _ = cometbft.AddressFromValcons(v.Valcons) // checked at load
	}
	if o.LCD != "" {
		lcd := k.lcd(t, o)
		defer lcd.Client.CloseIdleConnections()
		// A slow LCD gets a third of the time left: the signatures, read
		// from the node itself, matter more.
		lctx := ctx
		if dl, ok := ctx.Deadline(); ok {
			var cancel context.CancelFunc
			lctx, cancel = context.WithTimeout(ctx, time.Until(dl)/3)
			defer cancel()
		}
		var wg sync.WaitGroup
		if o.Gov != nil {
			voter := o.Gov.Voter
			if voter == "" {
				voter, _ = cometbft.AccountFromValoper(v.Valoper) // checked at load
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				gvars, gvalues, err := probeGov(lctx, lcd, o.Gov, voter, t.Prev, t.Now())
				obs.Vars["gov"] = gvars
				for k, x := range gvalues {
					obs.Values[k] = x
				}
				govErr = err
			}()
		}
		var (
			plan    *cometbft.Plan
			planErr error
		)
		wg.Add(1)
		go func() {
			defer wg.Done()
			plan, planErr = lcd.CurrentPlan(lctx)
		}()
		k.readLCD(lctx, t, lcd, v, &vs)
		wg.Wait()
		if planErr == nil {
			// An unreadable plan keeps the carried one: a flaky LCD must
			// not cancel a planned window.
			k.recordPlan(obs, o, plan, st)
		}
		for _, err := range []error{govErr, planErr} {
			if vs.lcdErr == nil && err != nil {
				vs.lcdErr = err
			}
		}
	}
	if vs.address == "" {
		// valoper only, and the LCD did not answer: use the address found
		// by an earlier probe.
		vs.address = t.Prev[valAddress]
	}
	if vs.address == "" {
		return Fail(ReasonChain, "validator %s: consensus address unknown (%v); set validator.address to probe without the LCD", v.Valoper, vs.lcdErr)
	}
	vs.vars["address"] = vs.address
	obs.Values[valAddress] = vs.address

	prev := prevSigning(t.Prev, vs.address, st.NodeInfo.Network, o.window())
	reserve := time.Second
	if dl, ok := ctx.Deadline(); ok {
		reserve = min(reserve, time.Until(dl)/5)
	}
	round := cometbft.Track(ctx, rpc, cometbft.Params{
		Address:   vs.address,
		Window:    o.window(),
		MaxBlocks: o.maxBlocks(),
		Reserve:   reserve,
	}, prev, int64(st.SyncInfo.LatestBlockHeight), int64(st.SyncInfo.EarliestBlockHeight))
	if round.Fetched == 0 && round.Failed > 0 {
		// Not one commit could be read: whether the validator signs is
		// unknown, which must not look like a healthy validator. The
		// previous state stays (carried in Values) for the next probe.
		f := Classify(RPCFailure(round.Err))
		return &Failure{Code: f.Code, Msg: "reading commits for the validator's signatures: " + f.Msg, Transient: f.Transient, Err: round.Err}
	}

	s := round.State
	obs.Values[valLastChecked] = strconv.FormatInt(s.LastChecked, 10)
	obs.Values[valWindow] = s.Window.String()
	obs.Values[valSetHash] = s.Set.Hash
	obs.Values[valSetIndex] = strconv.Itoa(s.Set.Index)
	stats := round.Stats
	inSet := s.Set.InSet()
	vs.vars["in_active_set"] = inSet
	vs.vars["voting_power"] = s.Set.Power
	vs.vars["index"] = s.Set.Index
	vs.vars["signed"] = stats.Signed
	vs.vars["missed"] = stats.Missed
	vs.vars["missed_consecutive"] = stats.Consecutive
	vs.vars["missed_percent"] = stats.MissedPercent()
	vs.vars["proposed"] = stats.Proposed
	vs.vars["window"] = stats.Counted
	obs.Values["in_active_set"] = strconv.FormatBool(inSet)
	obs.Values[valPower] = strconv.FormatInt(s.Set.Power, 10)
	obs.Values["signed"] = strconv.Itoa(stats.Signed)
	obs.Values["missed"] = strconv.Itoa(stats.Missed)
	obs.Values["missed_consecutive"] = strconv.Itoa(stats.Consecutive)
	obs.Values["missed_percent"] = formatFloat(stats.MissedPercent(), 2)
	obs.Values["proposed"] = strconv.Itoa(stats.Proposed)
	obs.Values["window_blocks"] = strconv.Itoa(stats.Counted)

	status := "active"
	switch {
	case vs.vars["tombstoned"] == true:
		status = "tombstoned"
	case vs.vars["jailed"] == true:
		status = "jailed"
	case !inSet:
		status = "inactive"
	case stats.Consecutive > 0:
		status = "missing"
	}
	vs.vars["status"] = status
	obs.Values["validator_status"] = status
	for _, key := range []string{"jailed", "tombstoned", "bonded", "missed_blocks_counter", "signed_blocks_window", "slashing_missed_percent"} {
		switch x := vs.vars[key].(type) {
		case bool:
			obs.Values[key] = strconv.FormatBool(x)
		case int64:
			obs.Values[key] = strconv.FormatInt(x, 10)
		case float64:
			obs.Values[key] = formatFloat(x, 2)
		}
	}
	if vs.lcdErr != nil {
		msg := shorten(Classify(vs.lcdErr).Msg)
		obs.Vars["lcd_error"] = msg
		obs.Values["lcd_error"] = msg
	}
	if round.Err != nil {
		obs.Values["signing_error"] = shorten(RPCFailure(round.Err).Error())
	}
	return nil
}

// recordPlan records the upgrade plan (nil: none) as a maintenance estimate.
func (cometbftKind) recordPlan(obs *Observation, o *CometBFTOptions, plan *cometbft.Plan, st *cometbft.Status) {
	for _, key := range upgradePlanKeys {
		delete(obs.Values, key)
	}
	if plan == nil {
		return
	}
	avg, _ := strconv.ParseFloat(obs.Values[valBlockTime], 64)
	window := DefaultUpgradeWindow
	if o.UpgradeWindow > 0 {
		window = o.UpgradeWindow.D()
	}
	setUpgrade(obs.Values, plan.Name, int64(plan.Height), int64(st.SyncInfo.LatestBlockHeight), st.SyncInfo.LatestBlockTime, avg, window)
}

// prevSigning rebuilds the signing state from the previous probe's values;
// a different validator or chain starts afresh.
func prevSigning(prev Values, address, chainID string, window int) cometbft.State {
	var s cometbft.State
	if prev == nil || prev[valAddress] != address || prev[valChainID] != chainID {
		return s
	}
	last, err := strconv.ParseInt(prev[valLastChecked], 10, 64)
	if err != nil || last < 0 {
		return s
	}
	w, err := cometbft.ParseWindow(prev[valWindow], window)
	if err != nil {
		// A shorter configured window keeps the newest part.
		if long, err2 := cometbft.ParseWindow(prev[valWindow], maxSignaturesWindow); err2 == nil {
			w = long[len(long)-window:]
		} else {
			return s
		}
	}
	s.LastChecked, s.Window = last, w
	if idx, err := strconv.Atoi(prev[valSetIndex]); err == nil && prev[valSetHash] != "" {
		power, _ := strconv.ParseInt(prev[valPower], 10, 64)
		s.Set = cometbft.SetInfo{Hash: prev[valSetHash], Index: idx, Power: power}
	}
	return s
}

// lcd builds the LCD client. As for DialRPCURL, the region's address and
// the check's headers (API keys) are used only when the LCD is on the
// check's own host, so that they never reach another host.
func (cometbftKind) lcd(t *Target, o *CometBFTOptions) *cometbft.LCD {
	u, err := url.Parse(o.LCD)
	if err != nil {
		u = &url.URL{}
	}
	dial := (&net.Dialer{}).DialContext
	h := http.Header{}
	if sameHost(t.Check.URL, u) {
		dial = t.Dial
		for k, v := range t.Check.Headers {
			h.Set(k, v)
		}
	}
	return &cometbft.LCD{
		Base: o.LCD,
		Client: &http.Client{
			Transport: &http.Transport{
				DialContext:            dial,
				TLSClientConfig:        t.TLSConfig(u.Hostname(), o.InsecureSkipVerify),
				ForceAttemptHTTP2:      true,
				MaxResponseHeaderBytes: 64 << 10,
			},
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		},
		Header:    h,
		MaxBytes:  t.MaxBody,
		UserAgent: UserAgent,
	}
}

// readLCD fills jailed, tombstoned, bonded and the slashing window share;
// with only an operator address it also finds the consensus address.
func (cometbftKind) readLCD(ctx context.Context, t *Target, lcd *cometbft.LCD, v *CometBFTValidator, vs *validatorState) {
	fail := func(err error) {
		if vs.lcdErr == nil {
			vs.lcdErr = err
		}
	}
	valcons := v.Valcons
	if v.Valoper != "" {
		sv, err := lcd.StakingValidator(ctx, v.Valoper)
		if err != nil {
			fail(err)
		} else {
			vs.vars["jailed"] = sv.Jailed
			vs.vars["bonded"] = sv.Bonded()
			vs.vars["bond_status"] = sv.Status
			if vs.address == "" {
				a, err := sv.ConsensusAddress()
				if err != nil {
					fail(err)
				}
				vs.address = a
			}
		}
		if valcons == "" && vs.address != "" {
			valcons, _ = cometbft.ValconsFor(vs.address, v.Valoper)
		}
	}
	if valcons == "" {
		return
	}
	var (
		params  *cometbft.SlashingParams
		paramsE error
		wg      sync.WaitGroup
	)
	wg.Add(1)
	go func() {
		defer wg.Done()
		params, paramsE = lcd.SlashingParams(ctx)
	}()
	info, err := lcd.SigningInfo(ctx, valcons)
	wg.Wait()
	if err != nil {
		fail(err)
		return
	}
	vs.vars["tombstoned"] = info.Tombstoned
	if _, known := vs.vars["jailed"]; !known {
		vs.vars["jailed"] = info.JailedUntil.After(t.Now())
	}
	vs.vars["missed_blocks_counter"] = int64(info.MissedBlocksCounter)
	if paramsE != nil {
		fail(paramsE)
		return
	}
	if w := int64(params.SignedBlocksWindow); w > 0 {
		vs.vars["signed_blocks_window"] = w
		vs.vars["slashing_missed_percent"] = float64(info.MissedBlocksCounter) * 100 / float64(w)
		vs.vars["max_missed_blocks"] = params.MaxMissed()
	}
}
