package prober

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"github.com/upchain-dev/upchain/prober/internal/text"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/upchain-dev/upchain/prober/config"
	"github.com/upchain-dev/upchain/prober/jsonrpc"
	"github.com/upchain-dev/upchain/prober/substrate/scale"
	"github.com/upchain-dev/upchain/prober/substrate/storage"
)

// substrateProbe is one probe of a substrate check: what was asked and
// what came back, filled by run and turned into vars and values by record.
type substrateProbe struct {
	t   *Target
	o   *SubstrateOptions
	obs *Observation
	now time.Time

	node *substrateRPC

	// Node state; the have* flags say which parts were read.
	haveHealth        bool
	peers             int64
	isSyncing         bool
	haveSync          bool
	syncLag           int64
	version, chain    string
	haveBest, haveFin bool
	best, finalized   uint64
	haveTime          bool
	headTime          time.Time

	// Validator state.
	account        scale.AccountID
	haveSession    bool
	session        uint32
	validators     []scale.AccountID
	validatorIndex int
	haveEra        bool
	era            uint32
	eraStart       time.Time // zero when the era's start is not set
	rewards        storage.EraRewardPoints
	haveOnline     bool
	heartbeat      bool
	authored       uint32
	heartbeatDue   bool
	st             substrateStanding
	gran           substrateGrandpa
	coll           substrateCollator
	rt             substrateRuntime
	bal            *Observation // the balances' variables and values

	// Points tracking (see trackPoints).
	pointsDelta      int64
	stalledFor       time.Duration
	pointsChangedAt  time.Time
	eraTotalAtChange uint32
}

// Names of the values recorded in history; the points_* and era* ones are
// read back from Target.Prev by the next probe.
const (
	valEra              = "era"
	valPoints           = "points"
	valEraTotal         = "era_total"
	valPointsChangedAt  = "points_changed_at"
	valEraTotalAtChange = "era_total_at_change"
)

func (p *substrateProbe) run(ctx context.Context) error {
	if p.now.IsZero() {
		p.now = time.Now()
	}
	validator := p.o.Validator != ""
	if validator {
		id, err := p.o.account()
		if err != nil {
			return Fail(ReasonConfig, "substrate.validator: %v", err)
		}
		p.account = id
	}
	if p.o.Collator != "" {
		acc, err := p.o.collatorAccount()
		if err != nil {
			return Fail(ReasonConfig, "substrate.collator: %v", err)
		}
		p.coll.account = acc
	}
	cl, err := DialRPC(ctx, p.t, p.o.InsecureSkipVerify)
	if err != nil {
		return err
	}
	defer cl.Close()
	p.node = &substrateRPC{cl: cl}

	var finalizedHash string
	tasks := []func() error{
		func() error {
			var h struct {
				Peers     *int64 `json:"peers"`
				IsSyncing *bool  `json:"isSyncing"`
			}
			if err := p.node.call(ctx, "system_health", nil, &h); err != nil {
				return err
			}
			if h.Peers == nil || h.IsSyncing == nil {
				return Fail(ReasonBadResponse, "system_health has no peers or isSyncing field")
			}
			p.peers, p.isSyncing, p.haveHealth = *h.Peers, *h.IsSyncing, true
			return nil
		},
		func() error {
			var s struct {
				Current *uint64 `json:"currentBlock"`
				Highest *uint64 `json:"highestBlock"`
			}
			if err := p.node.call(ctx, "system_syncState", nil, &s); err != nil {
				return err
			}
			if s.Current == nil {
				return Fail(ReasonBadResponse, "system_syncState has no currentBlock")
			}
			// Older nodes leave highestBlock out when they know no better
			// block than their own.
			if s.Highest != nil && *s.Highest > *s.Current {
				p.syncLag = int64(*s.Highest - *s.Current)
			}
			p.haveSync = true
			return nil
		},
		func() error { return p.node.call(ctx, "system_version", nil, &p.version) },
		func() error { return p.node.call(ctx, "system_chain", nil, &p.chain) },
		func() error {
			n, err := p.node.header(ctx, nil, "best")
			p.best, p.haveBest = n, err == nil
			return err
		},
		func() error { return p.node.call(ctx, "chain_getFinalizedHead", nil, &finalizedHash) },
		func() error {
			v, ok, err := p.node.storage(ctx, storage.TimestampNow(), "Timestamp.Now")
			if err != nil {
				return err
			}
			if !ok {
				return Fail(ReasonBadResponse, "Timestamp.Now is not in storage: the node's runtime has no Timestamp pallet, so the head's age is unknown")
			}
			ms, err := scale.DecodeU64(v, "Timestamp.Now")
			if err != nil {
				return Fail(ReasonBadResponse, "%v", err)
			}
			p.headTime, p.haveTime = time.UnixMilli(int64(ms)), true
			return nil
		},
	}
	tasks = append(tasks, func() error { return p.readRuntime(ctx) })
	if validator {
		tasks = append(tasks, func() error { return p.readSession(ctx) })
		if p.o.rewardPoints() || p.o.slashes() {
			tasks = append(tasks, func() error { return p.readStaking(ctx) })
		}
	}
	if err := parallel(tasks...); err != nil {
		return err
	}

	tasks = []func() error{func() error {
		if !strings.HasPrefix(finalizedHash, "0x") {
			return Fail(ReasonBadResponse, "chain_getFinalizedHead returned %q, not a 0x hash", text.Truncate(finalizedHash, 80))
		}
		n, err := p.node.header(ctx, []any{finalizedHash}, "finalized")
		p.finalized, p.haveFin = n, err == nil
		return err
	}}
	if validator && p.o.ImOnline {
		tasks = append(tasks, func() error { return p.readImOnline(ctx) })
	}
	if validator && p.o.Grandpa {
		tasks = append(tasks, func() error { return p.readGrandpa(ctx) })
	}
	if p.o.Collator != "" {
		tasks = append(tasks, func() error { return p.readCollator(ctx) })
	}
	// Into an observation of their own, merged by record: the other
	// tasks run beside them.
	p.bal = NewObservation()
	tasks = append(tasks, func() error { p.readBalances(ctx, p.bal); return nil })
	return parallel(tasks...)
}

func (p *substrateProbe) readSession(ctx context.Context) error {
	raw, ok, err := p.node.storage(ctx, storage.SessionValidators(), "Session.Validators")
	if err != nil {
		return err
	}
	if !ok {
		return Fail(ReasonConfig, "Session.Validators is empty on the probed node: point the check's url at the relay chain (or solo chain) whose Session pallet holds the validator set")
	}
	if p.validators, err = scale.DecodeAccountIDs(raw, "Session.Validators"); err != nil {
		return Fail(ReasonBadResponse, "%v", err)
	}
	p.validatorIndex = -1
	for i, id := range p.validators {
		if id == p.account {
			p.validatorIndex = i
			break
		}
	}
	raw, ok, err = p.node.storage(ctx, storage.SessionCurrentIndex(), "Session.CurrentIndex")
	if err != nil {
		return err
	}
	if ok {
		if p.session, err = scale.DecodeU32(raw, "Session.CurrentIndex"); err != nil {
			return Fail(ReasonBadResponse, "%v", err)
		}
	}
	p.haveSession = true
	return p.readQueuedDisabled(ctx)
}

// readStaking reads the active era and its reward points, and the
// validator's slashes and bond, from the staking endpoint (staking_url,
// else the probed node).
func (p *substrateProbe) readStaking(ctx context.Context) error {
	s := p.node
	if p.o.StakingURL != "" {
		cl, err := DialRPCURL(ctx, stakingTarget(p.t, p.o.StakingURL), p.o.StakingURL, p.o.InsecureSkipVerify)
		if err != nil {
			return withPrefix(err, "staking endpoint: ")
		}
		defer cl.Close()
		s = &substrateRPC{cl: cl, where: "staking endpoint: "}
	}
	var tasks []func() error
	if p.o.rewardPoints() {
		tasks = append(tasks, func() error { return p.readEraPoints(ctx, s) })
	}
	if p.o.slashes() {
		tasks = append(tasks, func() error { return p.readSlashes(ctx, s) }, func() error { return p.readBond(ctx, s) })
	}
	return parallel(tasks...)
}

// readEraPoints reads the active era and the validators' points in it.
func (p *substrateProbe) readEraPoints(ctx context.Context, s *substrateRPC) error {
	raw, ok, err := s.storage(ctx, storage.StakingActiveEra(), "Staking.ActiveEra")
	if err != nil {
		return err
	}
	if !ok {
		if p.o.StakingURL != "" {
			return Fail(ReasonConfig, "Staking.ActiveEra is not set on the staking endpoint: point substrate.staking_url at the chain whose runtime has staking (Asset Hub for Polkadot and Kusama since 2025)")
		}
		return Fail(ReasonConfig, "Staking.ActiveEra is not set on the probed node: its runtime has no staking; set substrate.staking_url to the chain that has it (Asset Hub for Polkadot and Kusama since 2025)")
	}
	e, err := storage.DecodeActiveEra(raw)
	if err != nil {
		return Fail(ReasonBadResponse, "%s%v", s.where, err)
	}
	raw, ok, err = s.storage(ctx, storage.StakingErasRewardPoints(e.Index), fmt.Sprintf("Staking.ErasRewardPoints(%d)", e.Index))
	if err != nil {
		return err
	}
	var pts storage.EraRewardPoints
	if ok { // absent means no points yet in this era
		if pts, err = storage.DecodeEraRewardPoints(raw); err != nil {
			return Fail(ReasonBadResponse, "%s%v", s.where, err)
		}
	}
	p.era, p.rewards, p.haveEra = e.Index, pts, true
	if e.StartMS != nil {
		p.eraStart = time.UnixMilli(int64(*e.StartMS))
	}
	return nil
}

// readImOnline reads whether the validator sent a heartbeat or authored a
// block in the current session. It runs after readSession.
func (p *substrateProbe) readImOnline(ctx context.Context) error {
	raw, ok, err := p.node.storage(ctx, storage.ImOnlineHeartbeatAfter(), "ImOnline.HeartbeatAfter")
	if err != nil {
		return err
	}
	if !ok {
		return Fail(ReasonConfig, "ImOnline.HeartbeatAfter is not in storage: the runtime has no ImOnline pallet (Polkadot and Kusama removed it in 2024); remove substrate.im_online")
	}
	after, err := scale.DecodeBlockNumber(raw, "ImOnline.HeartbeatAfter")
	if err != nil {
		return Fail(ReasonBadResponse, "%v", err)
	}
	p.heartbeatDue = p.best > after
	if p.validatorIndex >= 0 {
		_, ok, err := p.node.storage(ctx, storage.ImOnlineReceivedHeartbeats(p.session, uint32(p.validatorIndex)), "ImOnline.ReceivedHeartbeats")
		if err != nil {
			return err
		}
		// The value's type changed across releases (an opaque network
		// state, later a bool): its presence is the heartbeat.
		p.heartbeat = ok
		raw, ok, err = p.node.storage(ctx, storage.ImOnlineAuthoredBlocks(p.session, p.account), "ImOnline.AuthoredBlocks")
		if err != nil {
			return err
		}
		if ok {
			if p.authored, err = scale.DecodeU32(raw, "ImOnline.AuthoredBlocks"); err != nil {
				return Fail(ReasonBadResponse, "%v", err)
			}
		}
	}
	p.haveOnline = true
	return nil
}

// trackPoints compares the points of an era (a validator's) or a round (a
// parachain_staking collator's) with the previous probe's
// (Target.Prev) and works out how long they have been flat while the era
// total grew. The clock starts when the points last grew (or when tracking
// began) and only runs once others earned points since then: if
// nobody earns points the chain is stalled, which head.age reports.
func (p *substrateProbe) trackPoints(epochKey string, epoch, points, total uint32, epochStart time.Time) {
	prevEra, e1 := strconv.ParseUint(p.t.Prev[epochKey], 10, 32)
	prevPoints, e2 := strconv.ParseUint(p.t.Prev[valPoints], 10, 32)
	prevAt, e3 := strconv.ParseInt(p.t.Prev[valPointsChangedAt], 10, 64)
	prevBase, e4 := strconv.ParseUint(p.t.Prev[valEraTotalAtChange], 10, 32)
	grew := func(delta int64) {
		p.pointsDelta, p.pointsChangedAt, p.eraTotalAtChange = delta, p.now, total
	}
	switch {
	case e1 != nil || e2 != nil || e3 != nil || e4 != nil:
		grew(0) // first probe: start tracking
		return
	case uint32(prevEra) == epoch && points == uint32(prevPoints):
		p.pointsChangedAt, p.eraTotalAtChange = time.Unix(prevAt, 0), uint32(prevBase)
	case uint32(prevEra) == epoch:
		// Grew, or (on a reorg or a different endpoint) went back: either
		// way a fresh baseline.
		grew(int64(points) - int64(prevPoints))
		return
	case points > 0: // a new era in which the validator already earned
		grew(int64(points))
		return
	default:
		// A new era without points yet: the clock keeps running, from the
		// era's start at the latest (after a gap in probing, the last
		// growth may lie far back in an older era).
		p.pointsChangedAt, p.eraTotalAtChange = time.Unix(prevAt, 0), 0
		if epochStart.After(p.pointsChangedAt) {
			p.pointsChangedAt = epochStart
		}
	}
	if total > p.eraTotalAtChange && p.now.After(p.pointsChangedAt) {
		p.stalledFor = p.now.Sub(p.pointsChangedAt)
	}
}

// record turns what was read into condition variables and history values.
// It runs after failures too, so that what was seen, and the points
// tracking state, are not lost.
func (p *substrateProbe) record() {
	v, vals := p.obs.Vars, p.obs.Values
	if p.bal != nil {
		for k, x := range p.bal.Vars {
			v[k] = x
		}
		for k, x := range p.bal.Values {
			vals[k] = x
		}
	}
	head := map[string]any{}
	if p.haveBest {
		head["best"] = int64(p.best)
		vals["height"] = strconv.FormatUint(p.best, 10)
	}
	if p.haveFin {
		head["finalized"] = int64(p.finalized)
		vals["finalized"] = strconv.FormatUint(p.finalized, 10)
	}
	if p.haveBest && p.haveFin {
		lag := int64(0)
		if p.best > p.finalized {
			lag = int64(p.best - p.finalized)
		}
		v["finality_lag"] = lag
		vals["finality_lag"] = strconv.FormatInt(lag, 10)
	}
	if p.haveTime {
		age := max(p.now.Sub(p.headTime), 0)
		head["age"] = age
		head["time"] = p.headTime.UTC()
		vals["head_age_s"] = strconv.FormatFloat(age.Seconds(), 'f', 1, 64)
	}
	v["head"] = head
	if p.haveHealth {
		v["peers"], v["is_syncing"] = p.peers, p.isSyncing
		vals["peers"] = strconv.FormatInt(p.peers, 10)
		vals["is_syncing"] = strconv.FormatBool(p.isSyncing)
	}
	if p.haveSync {
		v["sync_lag"] = p.syncLag
		vals["sync_lag"] = strconv.FormatInt(p.syncLag, 10)
	}
	if p.version != "" {
		v["version"], vals["version"] = p.version, text.Truncate(p.version, 80)
	}
	if p.chain != "" {
		v["chain"], vals["chain"] = p.chain, text.Truncate(p.chain, 80)
	}
	p.recordRuntime()
	if p.o.Collator != "" {
		p.recordCollator()
	}
	if p.o.Validator == "" {
		return
	}
	val := map[string]any{"address": p.o.Validator}
	p.recordStanding(val, vals)
	if p.o.Grandpa {
		p.recordGrandpa(val, vals)
	}
	v["validator"] = val
	if p.haveSession {
		v["session"] = int64(p.session)
		vals["session"] = strconv.FormatUint(uint64(p.session), 10)
		val["active"] = p.validatorIndex >= 0
		val["index"] = int64(p.validatorIndex)
		val["set_size"] = int64(len(p.validators))
		vals["active"] = strconv.FormatBool(p.validatorIndex >= 0)
	}
	if p.haveEra {
		points, _ := p.rewards.Of(p.account)
		p.trackPoints(valEra, p.era, points, p.rewards.Total, p.eraStart)
		v["era"] = int64(p.era)
		val["points"] = int64(points)
		val["points_delta"] = p.pointsDelta
		val["era_total"] = int64(p.rewards.Total)
		val["stalled_for"] = p.stalledFor
		val["points_changed_at"] = p.pointsChangedAt.UTC()
		vals[valEra] = strconv.FormatUint(uint64(p.era), 10)
		vals[valPoints] = strconv.FormatUint(uint64(points), 10)
		vals["points_delta"] = strconv.FormatInt(p.pointsDelta, 10)
		vals[valEraTotal] = strconv.FormatUint(uint64(p.rewards.Total), 10)
		vals[valPointsChangedAt] = strconv.FormatInt(p.pointsChangedAt.Unix(), 10)
		vals[valEraTotalAtChange] = strconv.FormatUint(uint64(p.eraTotalAtChange), 10)
		vals["stalled_for_s"] = strconv.FormatInt(int64(p.stalledFor/time.Second), 10)
	} else if p.o.rewardPoints() {
		// Staking could not be read: keep the tracking state of the
		// previous probe so the next one compares against it.
		for _, k := range []string{valEra, valPoints, valEraTotal, valPointsChangedAt, valEraTotalAtChange} {
			if pv, ok := p.t.Prev[k]; ok {
				vals[k] = pv
			}
		}
	}
	if p.haveOnline {
		val["heartbeat"] = p.heartbeat
		val["authored_blocks"] = int64(p.authored)
		val["heartbeat_due"] = p.heartbeatDue
		val["online"] = p.heartbeat || p.authored > 0
		vals["heartbeat"] = strconv.FormatBool(p.heartbeat)
		vals["authored_blocks"] = strconv.FormatUint(uint64(p.authored), 10)
	}
}

// stakingTarget is the target used to reach staking_url. A different host
// gets neither the check's headers (they may carry the node provider's API
// key) nor the region's address (it belongs to the node's public name).
func stakingTarget(t *Target, stakingURL string) *Target {
	su, err1 := url.Parse(stakingURL)
	cu, err2 := url.Parse(t.Check.URL)
	if err1 == nil && err2 == nil && strings.EqualFold(su.Host, cu.Host) {
		return t
	}
	c := *t.Check
	c.Headers = nil
	nt := *t
	nt.Check = &c
	nt.Region = config.Region{Name: t.Region.Name}
	return &nt
}

// substrateRPC wraps a JSON-RPC client with the Substrate calls the kind
// makes; errors name the method and, for the staking endpoint, which
// endpoint failed.
type substrateRPC struct {
	cl    *jsonrpc.Client
	where string
}

func (s *substrateRPC) call(ctx context.Context, method string, params []any, out any) error {
	if params == nil {
		params = []any{}
	}
	if err := s.cl.CallInto(ctx, method, params, out); err != nil {
		return withPrefix(RPCFailure(err), s.where+method+": ")
	}
	return nil
}

// header reads a header's number (best when params is nil).
func (s *substrateRPC) header(ctx context.Context, params []any, which string) (uint64, error) {
	var h *struct {
		Number string `json:"number"`
	}
	if err := s.call(ctx, "chain_getHeader", params, &h); err != nil {
		return 0, err
	}
	if h == nil {
		return 0, Fail(ReasonBadResponse, "%schain_getHeader returned null for the %s head", s.where, which)
	}
	n, err := strconv.ParseUint(strings.TrimPrefix(h.Number, "0x"), 16, 64)
	if err != nil || !strings.HasPrefix(h.Number, "0x") {
		return 0, Fail(ReasonBadResponse, "%schain_getHeader: %s head number %q is not a hex quantity", s.where, which, text.Truncate(h.Number, 40))
	}
	return n, nil
}

// storage reads a storage value at the best block; ok is false when the
// node has none (null).
func (s *substrateRPC) storage(ctx context.Context, key storage.Key, what string) (value []byte, ok bool, err error) {
	var res *string
	if err := s.cl.CallInto(ctx, "state_getStorage", []any{key.Hex()}, &res); err != nil {
		return nil, false, withPrefix(RPCFailure(err), s.where+"state_getStorage("+what+"): ")
	}
	if res == nil {
		return nil, false, nil
	}
	b, err := parseHex(*res)
	if err != nil {
		return nil, false, Fail(ReasonBadResponse, "%sstate_getStorage(%s) returned %q: %v", s.where, what, text.Truncate(*res, 40), err)
	}
	return b, true, nil
}

func parseHex(s string) ([]byte, error) {
	if !strings.HasPrefix(s, "0x") {
		return nil, errors.New("not 0x-prefixed hex")
	}
	b, err := hex.DecodeString(s[2:])
	if err != nil {
		return nil, errors.New("invalid hex")
	}
	return b, nil
}

// withPrefix puts a prefix before a failure's message, keeping its
// classification.
func withPrefix(err error, prefix string) error {
	f := Classify(err)
	return &Failure{Code: f.Code, Msg: prefix + f.Msg, Transient: f.Transient, Err: err}
}

// parallel runs fns concurrently and returns the error of the first one (in
// order) that failed. A panic in one becomes its error: the runner only
// recovers panics in its own goroutine.
func parallel(fns ...func() error) error {
	errs := make([]error, len(fns))
	var wg sync.WaitGroup
	for i, f := range fns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() {
				if r := recover(); r != nil {
					errs[i] = Fail(ReasonBadResponse, "internal error in kind substrate: %v", r)
				}
			}()
			errs[i] = f()
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}
