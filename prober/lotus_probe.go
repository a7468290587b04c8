package prober

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/upchain-dev/upchain/prober/internal/text"

	"github.com/upchain-dev/upchain/prober/jsonrpc"
	"github.com/upchain-dev/upchain/prober/lotus"
)

// lotusCall is one JSON-RPC call of a probe, decoded into out.
type lotusCall struct {
	method string
	params []any
	out    any
	err    error
}

// lotusRun makes the calls concurrently (the client matches replies by id)
// and waits for all of them.
func lotusRun(ctx context.Context, cl *jsonrpc.Client, calls ...*lotusCall) {
	var wg sync.WaitGroup
	for _, c := range calls {
		wg.Add(1)
		go func() {
			defer wg.Done()
			p := c.params
			if p == nil {
				p = []any{}
			}
			c.err = cl.CallInto(ctx, "Filecoin."+c.method, p, c.out)
		}()
	}
	wg.Wait()
}

// lotusFailure names the method in a failed call's reason, and says what
// a 401 means: the node rejected the token (never the token itself).
func lotusFailure(c *lotusCall) error {
	var status *jsonrpc.HTTPStatusError
	if errors.As(c.err, &status) && (status.Code == http.StatusUnauthorized || status.Code == http.StatusForbidden) {
		return &Failure{Code: ReasonHTTPStatus, Msg: fmt.Sprintf("Filecoin.%s: HTTP %d: the node rejected the bearer token (headers.Authorization)", c.method, status.Code), Err: c.err}
	}
	f := Classify(RPCFailure(c.err))
	return &Failure{Code: f.Code, Msg: "Filecoin." + c.method + ": " + f.Msg, Transient: f.Transient, Err: c.err}
}

func (k lotusKind) Probe(ctx context.Context, t *Target) (*Observation, error) {
	o := lotusOptions(t.Check)
	obs := NewObservation()
	// Bookkeeping survives a failed probe: a node that is briefly away
	// loses no WindowPoSt or power history.
	for _, key := range []string{lotusValGenesis, lotusValDelay, lotusValPowerRef, lotusValPowerRefAt, lotusValPoSt} {
		if v, ok := t.Prev[key]; ok {
			obs.Values[key] = v
		}
	}
	cl, err := DialRPC(ctx, t, o.InsecureSkipVerify)
	if err != nil {
		return obs, err
	}
	defer cl.Close()

	var (
		head    lotus.TipSet
		syncSt  lotus.SyncState
		peers   []json.RawMessage
		version lotus.Version
		network string
		genesis lotus.TipSet
	)
	cHead := &lotusCall{method: "ChainHead", out: &head}
	cSync := &lotusCall{method: "SyncState", out: &syncSt}
	cPeers := &lotusCall{method: "NetPeers", out: &peers}
	cVersion := &lotusCall{method: "Version", out: &version}
	cNetwork := &lotusCall{method: "StateNetworkName", out: &network}
	calls := []*lotusCall{cHead, cSync, cPeers, cVersion, cNetwork}
	genesisAt, _ := o.genesis()
	if genesisAt.IsZero() {
		if n, err := strconv.ParseInt(t.Prev[lotusValGenesis], 10, 64); err == nil && n > 0 {
			genesisAt = time.Unix(n, 0)
		}
	}
	var cGenesis *lotusCall
	if genesisAt.IsZero() {
		cGenesis = &lotusCall{method: "ChainGetGenesis", out: &genesis}
		calls = append(calls, cGenesis)
	}
	var live, ready *bool
	var hwg sync.WaitGroup
	if o.health() {
		hwg.Add(2)
		go func() { defer hwg.Done(); live = lotusHealth(ctx, t, o, "/health/livez") }()
		go func() { defer hwg.Done(); ready = lotusHealth(ctx, t, o, "/health/readyz") }()
	}
	lotusRun(ctx, cl, calls...)
	hwg.Wait()
	for _, c := range []*lotusCall{cHead, cSync, cVersion} {
		if c.err != nil {
			return obs, lotusFailure(c)
		}
	}
	if cGenesis != nil {
		if cGenesis.err != nil {
			return obs, lotusFailure(cGenesis)
		}
		if len(genesis.Blocks) == 0 || genesis.Blocks[0].Timestamp <= 0 || genesis.Blocks[0].Timestamp >= 1<<40 {
			return obs, Fail(ReasonBadResponse, "Filecoin.ChainGetGenesis: no genesis block with a timestamp")
		}
		genesisAt = time.Unix(genesis.Blocks[0].Timestamp, 0)
	}
	obs.Values[lotusValGenesis] = strconv.FormatInt(genesisAt.Unix(), 10)
	delay := o.BlockDelay.D()
	if delay <= 0 {
		if version.BlockDelay == 0 || version.BlockDelay > 3600 {
			return obs, Fail(ReasonBadResponse, "Filecoin.Version: BlockDelay %d is not an epoch length; set lotus.block_delay", version.BlockDelay)
		}
		delay = time.Duration(version.BlockDelay) * time.Second
	}
	obs.Values[lotusValDelay] = formatFloat(delay.Seconds(), 3)

	if len(head.Blocks) == 0 || head.Height < 0 || head.Blocks[0].Timestamp < 0 || head.Blocks[0].Timestamp >= 1<<40 {
		return obs, Fail(ReasonBadResponse, "Filecoin.ChainHead: no block with a height and timestamp")
	}
	now := t.Now()
	blockTime := time.Unix(head.Blocks[0].Timestamp, 0)
	obs.Vars["head"] = headVars(head.Height, blockTime, now)
	setHeadValues(obs.Values, strconv.FormatInt(head.Height, 10), blockTime, now)
	expected := int64(now.Sub(genesisAt) / delay)
	behind := expected - head.Height
	obs.Vars["expected_height"] = expected
	obs.Vars["behind"] = behind
	obs.Values["filecoin_expected_height"] = strconv.FormatInt(expected, 10)
	obs.Values["filecoin_behind"] = strconv.FormatInt(behind, 10)

	// The sync worker with the highest target speaks for the node: idle
	// workers keep the height (and stage) of their last, older sync.
	syncVars := map[string]any{"stage": lotus.StageName(0), "height": head.Height, "behind": behind}
	for i, s := range syncSt.ActiveSyncs {
		if i == 0 || s.Height > syncVars["height"].(int64) {
			syncVars["stage"], syncVars["height"], syncVars["behind"] = lotus.StageName(s.Stage), s.Height, expected-s.Height
		}
	}
	obs.Vars["sync"] = syncVars
	obs.Values["filecoin_sync_stage"] = syncVars["stage"].(string)

	if cPeers.err == nil {
		obs.Vars["peers"] = int64(len(peers))
		obs.Values["peers"] = strconv.Itoa(len(peers))
	} else {
		obs.Values["peers_error"] = shorten(lotusFailure(cPeers).Error())
	}
	obs.Vars["version"] = version.Version
	obs.Values["version"] = text.Truncate(version.Version, 80)
	if cNetwork.err == nil {
		obs.Vars["network"] = network
		obs.Values["filecoin_network"] = text.Truncate(network, 80)
	}
	if live != nil {
		obs.Vars["livez"] = *live
		obs.Values["filecoin_livez"] = strconv.FormatBool(*live)
	}
	if ready != nil {
		obs.Vars["readyz"] = *ready
		obs.Values["filecoin_readyz"] = strconv.FormatBool(*ready)
	}
	k.balances(ctx, t, cl, o, obs)
	if o.Miner == "" {
		return obs, nil
	}
	return obs, k.probeMiner(ctx, t, o, cl, &head, delay, obs)
}

// lotusHealth GETs a health endpoint of the node: true on 200, false on
// 503, nil when it cannot tell (then the condition names it missing).
func lotusHealth(ctx context.Context, t *Target, o *LotusOptions, path string) *bool {
	u, err := url.Parse(t.Check.URL)
	if err != nil {
		return nil
	}
	switch u.Scheme {
	case "ws":
		u.Scheme = "http"
	case "wss":
		u.Scheme = "https"
	}
	u.Path, u.RawQuery = path, ""
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil
	}
	for k, v := range t.Check.Headers {
		req.Header.Set(k, v)
	}
	req.Header.Set("User-Agent", UserAgent)
	cl := &http.Client{
		Transport: &http.Transport{
			DialContext:            func(ctx context.Context, n, a string) (net.Conn, error) { return t.Dial(ctx, n, a) },
			TLSClientConfig:        t.TLSConfig(u.Hostname(), o.InsecureSkipVerify),
			MaxResponseHeaderBytes: 16 << 10,
			DisableKeepAlives:      true,
		},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	resp, err := cl.Do(req)
	if err != nil {
		return nil
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 4<<10))
	var v bool
	switch resp.StatusCode {
	case http.StatusOK:
		v = true
	case http.StatusServiceUnavailable:
		v = false
	default:
		return nil
	}
	return &v
}

func (lotusKind) probeMiner(ctx context.Context, t *Target, o *LotusOptions, cl *jsonrpc.Client, head *lotus.TipSet, delay time.Duration, obs *Observation) error {
	tsk := head.Key()
	var (
		power      lotus.Power
		info       lotus.MinerInfo
		faults     lotus.Partition
		recoveries lotus.Partition
		pd         lotus.ProvingDeadline
		deadlines  []lotus.Deadline
	)
	cPower := &lotusCall{method: "StateMinerPower", params: []any{o.Miner, tsk}, out: &power}
	cInfo := &lotusCall{method: "StateMinerInfo", params: []any{o.Miner, tsk}, out: &info}
	cFaults := &lotusCall{method: "StateMinerFaults", params: []any{o.Miner, tsk}, out: &faults.FaultySectors}
	cRecov := &lotusCall{method: "StateMinerRecoveries", params: []any{o.Miner, tsk}, out: &recoveries.RecoveringSectors}
	cPD := &lotusCall{method: "StateMinerProvingDeadline", params: []any{o.Miner, tsk}, out: &pd}
	cDls := &lotusCall{method: "StateMinerDeadlines", params: []any{o.Miner, tsk}, out: &deadlines}
	lotusRun(ctx, cl, cPower, cInfo, cFaults, cRecov, cPD, cDls)
	for _, c := range []*lotusCall{cPower, cInfo, cFaults, cRecov, cPD, cDls} {
		if c.err != nil {
			return lotusFailure(c)
		}
	}
	if err := pd.Check(); err != nil {
		return Fail(ReasonBadResponse, "Filecoin.StateMinerProvingDeadline: %v", err)
	}
	if uint64(len(deadlines)) != pd.WPoStPeriodDeadlines {
		return Fail(ReasonBadResponse, "Filecoin.StateMinerDeadlines: %d deadlines, the proving period has %d", len(deadlines), pd.WPoStPeriodDeadlines)
	}
	now := t.Now()
	minerVars := map[string]any{}
	obs.Vars["miner"] = minerVars

	// Power, and its drop from the highest value of the recent window.
	raw, qa := &power.MinerPower.RawBytePower.Int, &power.MinerPower.QualityAdjPower.Int
	minerVars["raw_power"], minerVars["qa_power"], minerVars["has_min_power"] = condNumber(raw), condNumber(qa), power.HasMinPower
	obs.Values["filecoin_raw_power"], obs.Values["filecoin_qa_power"] = raw.String(), qa.String()
	obs.Values["filecoin_has_min_power"] = strconv.FormatBool(power.HasMinPower)
	ref, refErr := lotus.ParseInt(t.Prev[lotusValPowerRef])
	refAt, atErr := strconv.ParseInt(t.Prev[lotusValPowerRefAt], 10, 64)
	if refErr != nil || atErr != nil || now.Sub(time.Unix(refAt, 0)) > o.powerDropWindow() || qa.Cmp(ref) >= 0 {
		ref, refAt = qa, now.Unix()
	}
	drop := new(big.Int).Sub(ref, qa)
	minerVars["power_drop"] = condNumber(drop)
	obs.Values["filecoin_power_drop"] = drop.String()
	obs.Values[lotusValPowerRef], obs.Values[lotusValPowerRefAt] = ref.String(), strconv.FormatInt(refAt, 10)

	nFaults, nRecov := faults.FaultySectors.Count(), recoveries.RecoveringSectors.Count()
	minerVars["faults"], minerVars["recoveries"] = lotusCount(nFaults), lotusCount(nRecov)
	obs.Values["filecoin_faults"], obs.Values["filecoin_recoveries"] = strconv.FormatUint(nFaults, 10), strconv.FormatUint(nRecov, 10)

	// WindowPoSt: the open deadline now, and the one open at the previous
	// probe if it has closed since.
	state := lotus.ParseState(t.Prev[lotusValPoSt])
	var open, closed []lotus.Partition
	cOpen := &lotusCall{method: "StateMinerPartitions", params: []any{o.Miner, pd.Index, tsk}, out: &open}
	parts := []*lotusCall{cOpen}
	checkClosed := state.ClosedSince(pd.CurrentEpoch) && state.Deadline < pd.WPoStPeriodDeadlines && state.Deadline != pd.Index
	if checkClosed {
		parts = append(parts, &lotusCall{method: "StateMinerPartitions", params: []any{o.Miner, state.Deadline, tsk}, out: &closed})
	}
	walletCalls, balances := lotusWalletCalls(o, &info)
	var actor lotus.Actor
	var nonce uint64
	cActor := &lotusCall{method: "StateGetActor", params: []any{info.Worker, tsk}, out: &actor}
	cNonce := &lotusCall{method: "MpoolGetNonce", params: []any{info.Worker}, out: &nonce}
	lotusRun(ctx, cl, append(append(parts, walletCalls...), cActor, cNonce)...)
	for _, c := range append(parts, walletCalls...) {
		if c.err != nil {
			return lotusFailure(c)
		}
	}
	missing, need := lotus.Unproven(open, deadlines[pd.Index])
	late := lotus.Late(pd, missing, need, o.warnShare(), delay)
	if state.Missed != "" && pd.CurrentEpoch >= state.MissedUntil {
		state.Missed, state.MissedUntil = "", 0
	}
	if checkClosed {
		if now := lotus.Faulty(closed); now > state.Faulty {
			state.Missed = fmt.Sprintf("WindowPoSt missed for deadline %d: %d sectors turned faulty when it closed at epoch %d", state.Deadline, now-state.Faulty, state.Close)
			// Reported until the deadline's next window, where a
			// recovery can be proven.
			state.MissedUntil = state.Open + pd.WPoStChallengeWindow*int64(pd.WPoStPeriodDeadlines)
		}
	}
	next := time.Duration(pd.NextIn()) * delay
	obs.Vars["wpost"] = map[string]any{"late": late, "missed": state.Missed, "deadline": int64(pd.Index),
		"unproven": int64(missing), "partitions": int64(need), "next_deadline_in": next}
	obs.Values["filecoin_deadline"] = strconv.FormatUint(pd.Index, 10)
	obs.Values["filecoin_next_deadline_s"] = formatFloat(next.Seconds(), 0)
	obs.Values["filecoin_deadline_partitions"] = strconv.Itoa(need)
	obs.Values["filecoin_deadline_unproven"] = strconv.Itoa(missing)
	if state.Missed != "" {
		obs.Values["filecoin_wpost_missed"] = state.Missed
	}
	state.Epoch, state.Deadline, state.Open, state.Close, state.Faulty = pd.CurrentEpoch, pd.Index, pd.Open, pd.Close, lotus.Faulty(open)
	obs.Values[lotusValPoSt] = state.String()

	obs.Vars["wallet"] = lotusWallets(balances, obs.Values)

	// Pending worker messages: the mpool's next nonce minus the chain's.
	mpool := map[string]any{}
	if cActor.err == nil && cNonce.err == nil && nonce >= actor.Nonce && nonce-actor.Nonce < 1<<32 {
		n := nonce - actor.Nonce
		mpool["pending"] = int64(n)
		obs.Values["filecoin_mpool_pending"] = strconv.FormatUint(n, 10)
	}
	obs.Vars["mpool"] = mpool
	return nil
}

// lotusCount gives conditions an int64 (sector counts stay far below).
func lotusCount(n uint64) int64 {
	if n > 1<<62 {
		return 1 << 62
	}
	return int64(n)
}

// lotusBalance is one address's balance and its threshold.
type lotusBalance struct {
	role, addr string
	min        *big.Int
	got        lotus.Int
}

func lotusWalletCalls(o *LotusOptions, info *lotus.MinerInfo) ([]*lotusCall, []*lotusBalance) {
	thresholds := map[string]*big.Int{}
	for role, s := range map[string]string{"owner": o.MinBalance.Owner, "worker": o.MinBalance.Worker, "control": o.MinBalance.Control} {
		if n, err := lotus.ParseFIL(s); err == nil && s != "" {
			thresholds[role] = n
		}
	}
	var bs []*lotusBalance
	add := func(role, addr string) {
		if addr != "" && len(addr) < 200 {
			bs = append(bs, &lotusBalance{role: role, addr: addr, min: thresholds[role]})
		}
	}
	add("owner", info.Owner)
	add("worker", info.Worker)
	for i, a := range info.ControlAddresses {
		if i < lotusMaxControl {
			add("control", a)
		}
	}
	calls := make([]*lotusCall, len(bs))
	for i, b := range bs {
		calls[i] = &lotusCall{method: "WalletBalance", params: []any{b.addr}, out: &b.got}
	}
	return calls, bs
}

// lotusWallets records the balances (the lowest of the control
// addresses) and names every address under its threshold in wallet.low,
// comparing attoFIL exactly.
func lotusWallets(bs []*lotusBalance, values Values) map[string]any {
	vars := map[string]any{}
	lowest := map[string]*big.Int{}
	var low []string
	for _, b := range bs {
		got := &b.got.Int
		if cur, ok := lowest[b.role]; !ok || got.Cmp(cur) < 0 {
			lowest[b.role] = got
		}
		if b.min != nil && got.Cmp(b.min) < 0 {
			low = append(low, fmt.Sprintf("%s %s has %s, under %s", b.role, b.addr,
				FormatAmount(got.String(), 18, "FIL"), FormatAmount(b.min.String(), 18, "FIL")))
		}
	}
	for role, n := range lowest {
		values["filecoin_balance_"+role] = n.String()
		vars[role] = n.String()
	}
	vars["low"] = strings.Join(low, "; ")
	return vars
}
