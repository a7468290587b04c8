package prober

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"sync"
	"time"

	"github.com/upchain-dev/upchain/prober/beacon"
	"github.com/upchain-dev/upchain/prober/cond"
	"github.com/upchain-dev/upchain/prober/config"
)

// BeaconOptions are the `beacon:` options of a check: an Ethereum
// consensus-layer node (standard Beacon API) and optionally validators.
type BeaconOptions struct {
	// MaxHeadAge is how old the head block may be by the slot clock
	// (default 60s, five mainnet slots).
	MaxHeadAge config.Duration `yaml:"max_head_age"`
	// MaxFinalityLag: more epochs than this between the head and the
	// finalized checkpoint make the check down (default 4; normally 2).
	MaxFinalityLag *int `yaml:"max_finality_lag"`
	// MinPeers makes the check degraded below this many peers (0: off).
	MinPeers int `yaml:"min_peers"`
	// Validators to follow, by index ("12345") or 0x pubkey.
	Validators []string `yaml:"validators"`
	// AttestationWindow is how many epochs the missed counts cover
	// (default 32).
	AttestationWindow int `yaml:"attestation_window"`
	// MissedConsecutiveAlert: a validator missing this many attestations
	// in a row makes the check down (default 3, 0: off).
	MissedConsecutiveAlert *int `yaml:"missed_attestations_consecutive"`
	// MissedPercentAlert: a validator missing this share of the window or
	// more makes the check degraded (default 10, 0: off).
	MissedPercentAlert *float64 `yaml:"missed_attestations_percent"`
	// Balances are validators (index or 0x pubkey) whose balance is
	// watched; min and down_below in ETH, exact to the Gwei.
	Balances []Balance `yaml:"balances"`
	// InsecureSkipVerify turns TLS verification off.
	InsecureSkipVerify bool `yaml:"insecure_skip_verify"`
}

// Defaults and bounds of the beacon options.
const (
	DefaultBeaconMaxFinalityLag    = 4
	DefaultBeaconWindow            = 32
	DefaultBeaconMissedConsecutive = 3
	DefaultBeaconMissedPercent     = 10.0
	maxBeaconValidators            = 10000
	maxBeaconWindow                = 1024
	// beaconChunk ids per validators request keeps each answer (about
	// 500 bytes a validator) well under the default body limit.
	beaconChunk = 250
	// maxBeaconHeaderChecks bounds the proposal slots checked per probe.
	maxBeaconHeaderChecks = 64
	maxBeaconProposalLog  = 64
	// maxBeaconNames caps the validators named in a list.
	maxBeaconNames = 10
)

func (o *BeaconOptions) maxHeadAge() time.Duration {
	if o.MaxHeadAge > 0 {
		return o.MaxHeadAge.D()
	}
	return DefaultMaxHeadAge
}

func (o *BeaconOptions) maxFinalityLag() int {
	if o.MaxFinalityLag != nil {
		return *o.MaxFinalityLag
	}
	return DefaultBeaconMaxFinalityLag
}

func (o *BeaconOptions) window() int {
	if o.AttestationWindow > 0 {
		return o.AttestationWindow
	}
	return DefaultBeaconWindow
}

func (o *BeaconOptions) missedConsecutive() int {
	if o.MissedConsecutiveAlert != nil {
		return *o.MissedConsecutiveAlert
	}
	return DefaultBeaconMissedConsecutive
}

func (o *BeaconOptions) missedPercent() float64 {
	if o.MissedPercentAlert != nil {
		return *o.MissedPercentAlert
	}
	return DefaultBeaconMissedPercent
}

func beaconOptions(c *config.Check) *BeaconOptions {
	if o, ok := c.Options.(*BeaconOptions); ok && o != nil {
		return o
	}
	return &BeaconOptions{}
}

type beaconKind struct{ Base }

func (beaconKind) Name() string    { return "beacon" }
func (beaconKind) NewOptions() any { return &BeaconOptions{} }

func (beaconKind) Vars() []string {
	return []string{"head", "health", "syncing", "peers", "version", "finality", "validators", "balances", "balance_low", "balance_down", "latency", "region", "status"}
}

// VarTypes implements config.TypedKind.
func (beaconKind) VarTypes() cond.Fields {
	n, b, s := cond.Number, cond.Bool, cond.String
	validators := cond.Fields{"count": n, "down": s, "pending": s, "balance": n, "balance_change": n,
		"slashed": b, "status": s, "failing": s, "epoch": n, "missed": n, "missed_consecutive": n,
		"missed_percent": n, "proposals_missed": n, "proposals": n, "next_proposal_slot": n, "sync_committee": n}
	for _, st := range beaconStates {
		validators[st+"_count"] = n
	}
	return typedVars(withBalanceVars(cond.Fields{"status": n, "health": n,
		"head":    headFields(cond.Fields{"slot": n, "epoch": n}),
		"syncing": cond.Fields{"is_syncing": b, "sync_distance": n, "is_optimistic": b, "el_offline": b, "head_slot": n},
		"peers":   n, "version": s,
		"finality":   cond.Fields{"finalized_epoch": n, "epoch": n, "head_epoch": n, "lag": n},
		"validators": validators}))
}

// Names of the values the beacon kind records.
const (
	bvHealth       = "beacon_health"
	bvGenesis      = "beacon_genesis_time"
	bvEpoch        = "beacon_epoch"
	bvFinalized    = "beacon_finalized_epoch"
	bvFinalityLag  = "beacon_finality_lag_epochs"
	bvSyncDistance = "beacon_sync_distance"
	bvOptimistic   = "beacon_optimistic"
	bvELOffline    = "beacon_el_offline"
	bvBalance      = "beacon_balance"
	bvBalanceDelta = "beacon_balance_change"
	bvEffective    = "beacon_effective_balance"
	bvFailing      = "beacon_validators_failing"
	bvAttEpoch     = "beacon_attestation_epoch"
	bvAttMissed    = "beacon_attestations_missed"
	bvAttConsec    = "beacon_attestations_missed_consecutive"
	bvAttPercent   = "beacon_attestations_missed_percent"
	bvAttError     = "beacon_attestations_error"
	bvPropMissed   = "beacon_proposals_missed"
	bvPropMade     = "beacon_proposals_made"
	bvPropNext     = "beacon_next_proposal_slot"
	bvPropError    = "beacon_proposals_error"
	bvSyncCount    = "beacon_sync_committee"
	bvStatus       = "beacon_validator_status"
	bvIndex        = "beacon_validator_index"
	bvSlashed      = "beacon_slashed"
	// Hidden state for the next probe.
	bvWatch       = "beacon_watch"
	bvWindows     = "beacon_attestation_windows"
	bvPropLog     = "beacon_proposal_log"
	bvPropChecked = "beacon_proposal_checked_slot"
	bvSyncMembers = "beacon_sync_members"
)

// beaconStates are the validator states counted, in the order shown.
var beaconStates = []string{"active", "pending", "exiting", "exited", "slashed", "unknown"}

func beaconGwei(name, label, metric, help string) ValueSpec {
	return ValueSpec{Name: name, Label: label, Unit: UnitAmount, Decimals: 9, Symbol: "ETH", Metric: metric, Help: help}
}

func (beaconKind) Values() []ValueSpec {
	specs := []ValueSpec{
		valuePeers, valuePeersError, valueVersion,
		{Name: "syncing", Label: "Syncing", Unit: UnitBool},
		{Name: bvHealth, Label: "Health (HTTP status)", Unit: UnitText},
		{Name: bvGenesis, Label: "Genesis time", Unit: UnitUnixTime, Chain: true},
		{Name: bvEpoch, Label: "Current epoch", Unit: UnitHeight},
		{Name: bvFinalized, Label: "Finalized epoch", Unit: UnitHeight},
		{Name: bvFinalityLag, Label: "Finality lag (epochs)", Unit: UnitCount,
			Metric: "upchain_beacon_finality_lag_epochs", Help: "Epochs between the head and the finalized checkpoint (normally 2)."},
		{Name: bvSyncDistance, Label: "Sync distance (slots)", Unit: UnitCount,
			Metric: "upchain_beacon_sync_distance_slots", Help: "Slots the beacon node is behind, as it reports."},
		{Name: bvOptimistic, Label: "Optimistic", Unit: UnitBool},
		{Name: bvELOffline, Label: "Execution client offline", Unit: UnitBool},
		beaconGwei(bvBalance, "Balance", "upchain_beacon_balance_gwei", "Balance of the watched validators in Gwei."),
		beaconGwei(bvBalanceDelta, "Balance change", "upchain_beacon_balance_change_gwei", "Change of the watched validators' balance since the previous probe, in Gwei."),
		beaconGwei(bvEffective, "Effective balance", "", ""),
		{Name: bvFailing, Label: "Failing validators", Unit: UnitText},
		{Name: bvAttEpoch, Label: "Attestations checked up to epoch", Unit: UnitHeight},
		{Name: bvAttMissed, Label: "Attestations missed", Unit: UnitCount, Chart: true, Validator: ValidatorMissed,
			Metric: "upchain_beacon_attestations_missed", Help: "Attestations the watched validators missed in the window."},
		{Name: bvAttConsec, Label: "Attestations missed in a row", Unit: UnitCount,
			Metric: "upchain_beacon_attestations_missed_consecutive", Help: "Most attestations one watched validator missed in a row."},
		{Name: bvAttPercent, Label: "Attestations missed share", Unit: UnitPercent,
			Metric: "upchain_beacon_attestations_missed_percent", Help: "Highest missed share of the window among the watched validators, in percent."},
		{Name: bvAttError, Label: "Attestation check error", Unit: UnitText},
		{Name: bvPropMissed, Label: "Proposals missed", Unit: UnitCount,
			Metric: "upchain_beacon_proposals_missed", Help: "Proposals the watched validators missed in the window."},
		{Name: bvPropMade, Label: "Proposals made", Unit: UnitCount},
		{Name: bvPropNext, Label: "Next proposal slot", Unit: UnitHeight},
		{Name: bvPropError, Label: "Proposal check error", Unit: UnitText},
		{Name: bvSyncCount, Label: "In the sync committee", Unit: UnitCount},
		{Name: bvStatus, Label: "Validator status", Unit: UnitText},
		{Name: bvIndex, Label: "Validator index", Unit: UnitText},
		{Name: bvSlashed, Label: "Slashed", Unit: UnitBool},
		{Name: bvWatch, Label: "Watched validators (hash)", Unit: UnitText, Hidden: true},
		{Name: bvWindows, Label: "Attestation windows", Unit: UnitText, Hidden: true},
		{Name: bvPropLog, Label: "Proposal log", Unit: UnitText, Hidden: true},
		{Name: bvPropChecked, Label: "Proposals checked up to slot", Unit: UnitHeight, Hidden: true},
		{Name: bvSyncMembers, Label: "Sync committee members", Unit: UnitText, Hidden: true},
		valueBeaconBalances, valueBeaconBalanceLow, valueBeaconBalanceLowest,
	}
	for _, s := range beaconStates {
		specs = append(specs, ValueSpec{Name: "beacon_validators_" + s, Label: "Validators " + s, Unit: UnitCount,
			Metric: "upchain_beacon_validators_" + s, Help: "Watched validators whose status is " + s + "."})
	}
	return append(specs, headValues...)
}

// beaconPubkey is a 48-byte BLS public key in 0x hex.
var beaconPubkey = regexp.MustCompile(`^0x[0-9a-fA-F]{96}$`)

func (beaconKind) Validate(c *config.Check) []config.FieldProblem {
	var out []config.FieldProblem
	o := beaconOptions(c)
	add := func(field, format string, args ...any) {
		out = append(out, config.FieldProblem{Field: optionLine(c, field), Msg: field + ": " + fmt.Sprintf(format, args...)})
	}
	if u, err := url.Parse(c.URL); err == nil && u.Scheme != "http" && u.Scheme != "https" {
		out = append(out, config.FieldProblem{Field: "url", Msg: fmt.Sprintf("kind beacon needs the http(s):// root of the Beacon API (e.g. http://127.0.0.1:5052), not %s://", u.Scheme)})
	}
	if o.MaxHeadAge < 0 {
		add("beacon.max_head_age", "must be positive, e.g. 60s")
	}
	if o.MaxFinalityLag != nil && *o.MaxFinalityLag < 2 {
		add("beacon.max_finality_lag", "is in epochs and must be 2 or more: a healthy chain finalizes 2 epochs behind its head")
	}
	if o.MinPeers < 0 {
		add("beacon.min_peers", "must be 0 (off) or more")
	}
	if len(o.Validators) > maxBeaconValidators {
		add("beacon.validators", "at most %d validators per check; split them over several checks", maxBeaconValidators)
	}
	seen := map[string]bool{}
	for i, id := range o.Validators {
		field := fmt.Sprintf("beacon.validators.%d", i)
		if _, err := strconv.ParseUint(id, 10, 64); err != nil && !beaconPubkey.MatchString(id) {
			add(field, "%q is neither a validator index nor a 0x pubkey (96 hex digits)", beaconShort(id))
		}
		if seen[id] {
			add(field, "%s is listed twice", beaconShort(id))
		}
		seen[id] = true
	}
	out = append(out, beaconBalanceSet(o).problems()...)
	if o.AttestationWindow < 0 || o.AttestationWindow > maxBeaconWindow {
		add("beacon.attestation_window", "must be between 1 and %d epochs", maxBeaconWindow)
	}
	if o.MissedConsecutiveAlert != nil && *o.MissedConsecutiveAlert < 0 {
		add("beacon.missed_attestations_consecutive", "must be 0 (off) or more")
	}
	if o.MissedPercentAlert != nil && (*o.MissedPercentAlert < 0 || *o.MissedPercentAlert > 100) {
		add("beacon.missed_attestations_percent", "is a percentage: between 0 (off) and 100")
	}
	if len(o.Validators) == 0 {
		for field, set := range map[string]bool{
			"beacon.attestation_window":              o.AttestationWindow != 0,
			"beacon.missed_attestations_consecutive": o.MissedConsecutiveAlert != nil,
			"beacon.missed_attestations_percent":     o.MissedPercentAlert != nil,
		} {
			if set {
				add(field, "only applies to validators: list them under beacon.validators")
			}
		}
	}
	return out
}

// DefaultConditions: the node answers health 200 (206 is degraded), its
// head is young and the chain finalizes; validators are active, attest
// and propose.
func (beaconKind) DefaultConditions(c *config.Check) (up, degraded []string) {
	o := beaconOptions(c)
	up = []string{
		"health == 200 || health == 206",
		"head.age < " + condDuration(o.maxHeadAge()),
		fmt.Sprintf("finality.lag <= %d", o.maxFinalityLag()),
	}
	degraded = []string{
		"syncing.is_syncing == false",
		"syncing.el_offline == false",
		"syncing.is_optimistic == false",
		"health == 200",
		"finality.lag <= 2",
	}
	if o.MinPeers > 0 {
		degraded = append(degraded, fmt.Sprintf("peers >= %d", o.MinPeers))
	}
	bu, bd := beaconBalanceSet(o).conditions()
	up, degraded = append(up, bu...), append(degraded, bd...)
	if len(o.Validators) == 0 {
		return up, degraded
	}
	up = append(up, `validators.down == ""`)
	if n := o.missedConsecutive(); n > 0 {
		up = append(up, fmt.Sprintf("validators.missed_consecutive < %d", n))
	}
	degraded = append(degraded, `validators.pending == ""`, "validators.proposals_missed == 0")
	if pct := o.missedPercent(); pct > 0 {
		degraded = append(degraded, "validators.missed_percent < "+formatFloat(pct, 2))
	}
	return up, degraded
}

// beaconFailure classifies a beacon client error.
func beaconFailure(err error) error {
	var (
		se  *beacon.StatusError
		big *beacon.TooLargeError
		bad *beacon.BadAnswerError
	)
	switch {
	case errors.As(err, &se):
		return &Failure{Code: ReasonHTTPStatus, Msg: se.Error(), Transient: se.Code >= 500 || se.Code == http.StatusTooManyRequests, Err: err}
	case errors.As(err, &big):
		return &Failure{Code: ReasonTooLarge, Msg: big.Error(), Err: err}
	case errors.As(err, &bad):
		return &Failure{Code: ReasonBadResponse, Msg: bad.Error(), Err: err}
	}
	return Classify(err)
}

func (beaconKind) client(t *Target, o *BeaconOptions) *beacon.Client {
	u, err := url.Parse(t.Check.URL)
	if err != nil {
		u = &url.URL{}
	}
	h := http.Header{}
	for k, v := range t.Check.Headers {
		h.Set(k, v)
	}
	return &beacon.Client{
		Base: t.Check.URL,
		Client: &http.Client{
			Transport: &http.Transport{
				DialContext:            t.Dial,
				TLSClientConfig:        t.TLSConfig(u.Hostname(), o.InsecureSkipVerify),
				ForceAttemptHTTP2:      true,
				MaxResponseHeaderBytes: 64 << 10,
				MaxIdleConnsPerHost:    4,
			},
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		},
		Header:    h,
		MaxBytes:  t.MaxBody,
		UserAgent: UserAgent,
	}
}

// beaconNode is what the node-level calls returned.
type beaconNode struct {
	health                 int
	healthErr              error
	sync                   *beacon.Syncing
	syncErr                error
	genesis                uint64
	genesisErr             error
	spec                   beacon.Spec
	specErr                error
	head                   uint64
	headFound              bool
	headErr                error
	finalized              uint64
	finalErr               error
	peers                  uint64
	peersErr               error
	version                string
	versionErr             error
	clockSlot, clockEpoch  uint64
	headEpoch, slotInEpoch uint64
}

func (n *beaconNode) read(ctx context.Context, cl *beacon.Client) {
	var wg sync.WaitGroup
	run := func(f func()) { wg.Add(1); go func() { defer wg.Done(); f() }() }
	run(func() { n.health, n.healthErr = cl.Health(ctx) })
	run(func() { n.sync, n.syncErr = cl.Syncing(ctx) })
	run(func() { n.genesis, n.genesisErr = cl.GenesisTime(ctx) })
	run(func() { n.spec, n.specErr = cl.Spec(ctx) })
	run(func() { n.head, n.headFound, n.headErr = cl.HeaderSlot(ctx, "head") })
	run(func() { n.finalized, n.finalErr = cl.FinalizedEpoch(ctx) })
	run(func() { n.peers, n.peersErr = cl.PeerCount(ctx) })
	run(func() { n.version, n.versionErr = cl.Version(ctx) })
	wg.Wait()
}

func (k beaconKind) Probe(ctx context.Context, t *Target) (*Observation, error) {
	o := beaconOptions(t.Check)
	obs := NewObservation()
	// Keep the validators' state if this probe fails early: a node that
	// is briefly unreachable loses nothing.
	if len(o.Validators) > 0 {
		for _, key := range []string{bvWatch, bvWindows, bvAttEpoch, bvPropLog, bvPropChecked, bvSyncMembers} {
			if v, ok := t.Prev[key]; ok {
				obs.Values[key] = v
			}
		}
	}
	cl := k.client(t, o)
	defer cl.Client.CloseIdleConnections()

	var n beaconNode
	n.read(ctx, cl)
	if n.healthErr != nil {
		return obs, beaconFailure(n.healthErr)
	}
	obs.Code = n.health
	obs.Vars["health"] = n.health
	obs.Values[bvHealth] = strconv.Itoa(n.health)
	for _, err := range []error{n.syncErr, n.genesisErr, n.specErr, n.headErr, n.finalErr} {
		if err != nil {
			f := beaconFailure(err)
			if n.health == http.StatusServiceUnavailable {
				f = Fail(ReasonHTTPStatus, "beacon node not ready (health 503): %s", f.Error())
			}
			return obs, f
		}
	}
	if !n.headFound {
		return obs, Fail(ReasonBadResponse, "the node has no head block (headers/head answered 404)")
	}
	now := t.Now()
	sps, spe := n.spec.SecondsPerSlot, n.spec.SlotsPerEpoch
	genesis := time.Unix(int64(n.genesis), 0)
	if d := now.Sub(genesis); d > 0 {
		n.clockSlot = uint64(d/time.Second) / sps
	}
	n.clockEpoch, n.slotInEpoch, n.headEpoch = n.clockSlot/spe, n.clockSlot%spe, n.head/spe
	headTime := genesis.Add(time.Duration(n.head*sps) * time.Second)

	obs.Vars["head"] = map[string]any{
		"height": int64(n.head), "slot": int64(n.head), "epoch": int64(n.headEpoch),
		"age": now.Sub(headTime), "time": headTime.UTC().Format(time.RFC3339),
	}
	setHeadValues(obs.Values, strconv.FormatUint(n.head, 10), headTime, now)
	s := n.sync
	obs.Vars["syncing"] = map[string]any{
		"is_syncing": s.IsSyncing, "sync_distance": int64(s.SyncDistance),
		"is_optimistic": s.IsOptimistic, "el_offline": s.ELOffline, "head_slot": int64(s.HeadSlot),
	}
	obs.Values["syncing"] = strconv.FormatBool(s.IsSyncing)
	obs.Values[bvSyncDistance] = s.SyncDistance.String()
	obs.Values[bvOptimistic] = strconv.FormatBool(s.IsOptimistic)
	obs.Values[bvELOffline] = strconv.FormatBool(s.ELOffline)
	obs.Values[bvGenesis] = strconv.FormatUint(n.genesis, 10)
	obs.Values[bvEpoch] = strconv.FormatUint(n.clockEpoch, 10)

	// Measured from the head's epoch, not the clock's: a late first block
	// of an epoch must not look like a finality problem (head age shows it).
	lag := int64(n.headEpoch) - int64(n.finalized)
	obs.Vars["finality"] = map[string]any{
		"finalized_epoch": int64(n.finalized), "epoch": int64(n.clockEpoch), "head_epoch": int64(n.headEpoch), "lag": lag,
	}
	obs.Values[bvFinalized] = strconv.FormatUint(n.finalized, 10)
	obs.Values[bvFinalityLag] = strconv.FormatInt(lag, 10)
	if n.peersErr == nil {
		obs.Vars["peers"] = int64(n.peers)
		obs.Values["peers"] = strconv.FormatUint(n.peers, 10)
	} else if o.MinPeers > 0 {
		obs.Values["peers_error"] = shorten(beaconFailure(n.peersErr).Error())
	}
	obs.Vars["version"] = n.version
	if n.versionErr == nil && n.version != "" {
		obs.Values["version"] = n.version
	}
	if len(o.Validators) == 0 {
		beaconBalances(ctx, t, o, cl, nil, obs)
		return obs, nil
	}
	return obs, probeBeaconValidators(ctx, t, o, cl, &n, obs)
}
