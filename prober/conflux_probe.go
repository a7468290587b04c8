package prober

import (
	"context"
	"math/big"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/upchain-dev/upchain/prober/cometbft"
	"github.com/upchain-dev/upchain/prober/conflux"
)

// confluxFail names the call that failed in a classified failure.
func confluxFail(what string, err error) error {
	f := Classify(RPCFailure(err))
	return &Failure{Code: f.Code, Msg: what + ": " + f.Msg, Transient: f.Transient, Err: err}
}

func (k confluxKind) Probe(ctx context.Context, t *Target) (*Observation, error) {
	o := confluxOptions(t.Check)
	obs := NewObservation()
	// Keep the progress and votes state if this probe fails early: a node
	// briefly unreachable loses nothing, and a stall is still measured
	// from when it began.
	for _, key := range []string{valConfluxEpochSince, valPosSince} {
		if v, ok := t.Prev[key]; ok {
			obs.Values[key] = v
		}
	}
	if o.PoS != nil && o.PoS.Address != "" {
		for _, key := range []string{valPosLastChecked, valPosWindow, valPosAddress, valPosReward, valPosRewardTerm} {
			if v, ok := t.Prev[key]; ok {
				obs.Values[key] = v
			}
		}
	}
	cl, err := DialRPC(ctx, t, o.InsecureSkipVerify)
	if err != nil {
		return obs, err
	}
	defer cl.Close()
	rpc := conflux.Client{C: cl}

	// The Core calls are independent: sent together.
	var (
		st               *conflux.Status
		head             *conflux.Block
		version          string
		stErr, hErr, vEr error
		wg               sync.WaitGroup
	)
	wg.Add(3)
	go func() { defer wg.Done(); st, stErr = rpc.Status(ctx) }()
	go func() { defer wg.Done(); head, hErr = rpc.LatestMined(ctx) }()
	go func() { defer wg.Done(); version, vEr = rpc.ClientVersion(ctx) }()
	wg.Wait()
	if stErr != nil {
		return obs, confluxFail("cfx_getStatus", stErr)
	}
	if hErr != nil {
		return obs, confluxFail("cfx_getBlockByEpochNumber(latest_mined)", hErr)
	}
	now := t.Now()
	epoch := uint64(*st.EpochNumber)
	blockTime := time.Unix(0, 0)
	if ts := uint64(*head.Timestamp); ts < 1<<40 {
		blockTime = time.Unix(int64(ts), 0)
	}
	h := headVars(confluxInt(epoch), blockTime, now)
	h["hash"] = head.Hash
	obs.Vars["head"] = h
	setHeadValues(obs.Values, strconv.FormatUint(epoch, 10), blockTime, now)

	since := progressSince(t.Prev[valConfluxEpochSince], epoch, now)
	obs.Values[valConfluxEpochSince] = progressValue(epoch, since)
	ev := map[string]any{
		"number":       confluxInt(epoch),
		"block_number": confluxInt(uint64(st.BlockNumber)),
		"stalled_for":  now.Sub(since),
	}
	lag := func(name string, q *conflux.U64) {
		if q == nil {
			return
		}
		n := confluxInt(epoch - min(uint64(*q), epoch))
		ev[name] = n
	}
	lag("state_lag", st.LatestState)
	lag("confirmed_lag", st.LatestConfirmed)
	lag("finalized_lag", st.LatestFinalized)
	obs.Vars["epoch"] = ev
	for name, value := range map[string]string{"state_lag": "conflux_state_lag", "confirmed_lag": "conflux_confirmed_lag", "finalized_lag": "finality_lag"} {
		if n, ok := ev[name].(int64); ok {
			obs.Values[value] = strconv.FormatInt(n, 10)
		}
	}
	if st.LatestFinalized != nil {
		obs.Values["finalized"] = strconv.FormatUint(uint64(*st.LatestFinalized), 10)
	}
	obs.Vars["chain_id"] = confluxInt(uint64(*st.ChainID))
	obs.Values["chain_id"] = strconv.FormatUint(uint64(*st.ChainID), 10)
	if st.NetworkID != nil {
		obs.Vars["network_id"] = confluxInt(uint64(*st.NetworkID))
		obs.Values["network_id"] = strconv.FormatUint(uint64(*st.NetworkID), 10)
	}
	if vEr == nil {
		obs.Vars["version"] = version
		obs.Values["version"] = shorten(version)
	}

	k.balances(ctx, t, rpc, o, obs)
	if o.PoS == nil {
		return obs, nil
	}
	prpc := rpc
	if o.PoS.URL != "" {
		pcl, err := DialRPCURL(ctx, t, o.PoS.URL, o.InsecureSkipVerify)
		if err != nil {
			return obs, confluxFail("PoS RPC", err)
		}
		defer pcl.Close()
		prpc = conflux.Client{C: pcl}
	}
	return obs, k.probePoS(ctx, t, o.PoS, prpc, obs)
}

// confluxInt gives conditions an int64 (every height here fits 63 bits
// on a real chain; a hostile larger one saturates rather than wraps).
func confluxInt(n uint64) int64 {
	if n > 1<<63-1 {
		return 1<<63 - 1
	}
	return int64(n)
}

// progressSince is when height was first seen, from the previous
// "height@unix" record: carried over while the height stays, now when it
// moved (or on the first probe). now minus it is how long the chain has
// stood still, across probes and failed probes.
func progressSince(prev string, height uint64, now time.Time) time.Time {
	h, at, ok := strings.Cut(prev, "@")
	if !ok || h != strconv.FormatUint(height, 10) {
		return now
	}
	s, err := strconv.ParseInt(at, 10, 64)
	if err != nil || s > now.Unix() {
		return now
	}
	return time.Unix(s, 0)
}

func progressValue(height uint64, since time.Time) string {
	return strconv.FormatUint(height, 10) + "@" + strconv.FormatInt(since.Unix(), 10)
}

// balances reads the configured balances (cfx_getBalance).
func (confluxKind) balances(ctx context.Context, t *Target, rpc conflux.Client, o *ConfluxOptions, obs *Observation) {
	confluxBalanceSet(o).probe(ctx, t, obs, func(ctx context.Context, i int) balanceRead {
		drip, err := rpc.Balance(ctx, o.Balances[i].Address)
		if err != nil {
			return balanceRead{err: confluxFail("cfx_getBalance", err)}
		}
		return balanceRead{amount: drip}
	})
}

// probePoS reads the PoS chain and, with an address, the validator.
func (k confluxKind) probePoS(ctx context.Context, t *Target, p *ConfluxPoS, rpc conflux.Client, obs *Observation) error {
	now := t.Now()
	pv := map[string]any{}
	obs.Vars["pos"] = pv
	var (
		ps       *conflux.PosStatus
		latest   *conflux.PosBlock
		psE, lbE error
		wg       sync.WaitGroup
	)
	wg.Add(2)
	go func() { defer wg.Done(); ps, psE = rpc.PosStatus(ctx) }()
	go func() { defer wg.Done(); latest, lbE = rpc.LatestCommitted(ctx) }()
	wg.Wait()
	if psE != nil {
		return confluxFail("pos_getStatus", psE)
	}
	if lbE != nil {
		return confluxFail("pos_getBlockByNumber(latest_committed)", lbE)
	}
	committed := uint64(*ps.LatestCommitted)
	blockTime := time.Unix(0, 0)
	if us := uint64(*latest.Timestamp); us < 1<<55 {
		blockTime = time.UnixMicro(int64(us))
	}
	since := progressSince(t.Prev[valPosSince], committed, now)
	pv["committed"] = confluxInt(committed)
	pv["epoch"] = confluxInt(uint64(ps.Epoch))
	pv["head"] = headVars(confluxInt(uint64(*latest.Height)), blockTime, now)
	pv["stalled_for"] = now.Sub(since)
	obs.Values["pos_committed"] = strconv.FormatUint(committed, 10)
	obs.Values["pos_term"] = strconv.FormatUint(uint64(ps.Epoch), 10)
	obs.Values["pos_head_age_s"] = formatFloat(now.Sub(blockTime).Seconds(), 1)
	obs.Values[valPosSince] = progressValue(committed, since)
	if p.Address == "" {
		return nil
	}
	return k.probeValidator(ctx, t, p, rpc, committed, uint64(ps.Epoch), pv, obs)
}

func (confluxKind) probeValidator(ctx context.Context, t *Target, p *ConfluxPoS, rpc conflux.Client, committed, term uint64, pv map[string]any, obs *Observation) error {
	addr := posAddress(p.Address)
	var (
		acct       *conflux.Account
		com        *conflux.Committee
		acE, comE  error
		reward     *big.Int
		rewardOK   bool
		rewE       error
		wg         sync.WaitGroup
		rewardTerm = term - min(term, 1)
	)
	// The last term's reward is read once: a term lasts about half an
	// hour, far longer than a probe interval.
	readReward := rewardTerm > 0 && t.Prev[valPosRewardTerm] != strconv.FormatUint(rewardTerm, 10)
	wg.Add(2)
	go func() { defer wg.Done(); acct, acE = rpc.Account(ctx, addr) }()
	go func() { defer wg.Done(); com, comE = rpc.Committee(ctx, 0) }()
	if readReward {
		wg.Add(1)
		go func() { defer wg.Done(); reward, rewardOK, rewE = rpc.Reward(ctx, rewardTerm, addr) }()
	}
	wg.Wait()
	if acE != nil {
		return confluxFail("pos_getAccount", acE)
	}
	if comE != nil {
		return confluxFail("pos_getCommittee", comE)
	}
	s := acct.Status
	registered := !s.Zero()
	retired := s.ForceRetired != nil
	in := conflux.Sum(s.InQueue)
	outQ := conflux.Sum(s.OutQueue)
	pv["address"] = addr
	pv["registered"] = registered
	pv["available_votes"] = confluxInt(uint64(s.AvailableVotes))
	pv["locked"] = confluxInt(uint64(s.Locked))
	pv["unlocked"] = confluxInt(uint64(s.Unlocked))
	pv["forfeited"] = confluxInt(uint64(s.Forfeited))
	pv["force_retired"] = retired
	pv["in_queue"] = confluxInt(in)
	pv["out_queue"] = confluxInt(outQ)
	obs.Values[valPosAddress] = addr
	obs.Values["pos_available_votes"] = strconv.FormatUint(uint64(s.AvailableVotes), 10)
	obs.Values["pos_locked_votes"] = strconv.FormatUint(uint64(s.Locked), 10)
	obs.Values["pos_unlocked_votes"] = strconv.FormatUint(uint64(s.Unlocked), 10)
	obs.Values["pos_forfeited_votes"] = strconv.FormatUint(uint64(s.Forfeited), 10)
	obs.Values["pos_in_queue_votes"] = strconv.FormatUint(in, 10)
	obs.Values["pos_out_queue_votes"] = strconv.FormatUint(outQ, 10)
	obs.Values["pos_force_retired"] = strconv.FormatBool(retired)
	if retired {
		pv["force_retired_at"] = confluxInt(uint64(*s.ForceRetired))
		obs.Values["pos_force_retired_at"] = strconv.FormatUint(uint64(*s.ForceRetired), 10)
	}

	power, inCommittee := conflux.Power(com.Current.Nodes, addr)
	next := false
	for _, e := range com.Elections {
		if _, ok := conflux.Power(e.TopElectingNodes, addr); ok {
			next = true
		}
	}
	pv["in_committee"] = inCommittee
	pv["voting_power"] = confluxInt(power)
	pv["in_next_committee"] = next
	obs.Values["pos_in_committee"] = strconv.FormatBool(inCommittee)
	obs.Values["pos_in_next_committee"] = strconv.FormatBool(next)
	obs.Values["pos_voting_power"] = strconv.FormatUint(power, 10)

	if readReward {
		switch {
		case rewE != nil:
			obs.Values["pos_error"] = shorten(t.Redactor.String(confluxFail("pos_getRewardsByEpoch", rewE).Error()))
		case rewardOK:
			obs.Values[valPosReward] = reward.String()
			obs.Values[valPosRewardTerm] = strconv.FormatUint(rewardTerm, 10)
		}
	}
	if r, ok := new(big.Int).SetString(obs.Values[valPosReward], 10); ok {
		pv["reward"] = condNumber(r)
	}

	prev := prevVotes(t.Prev, addr, p.window())
	// Votes are read until shortly before the deadline, so that there is
	// time left to report; blocks not read are marked unknown.
	vctx := ctx
	if dl, ok := ctx.Deadline(); ok {
		var cancel context.CancelFunc
		vctx, cancel = context.WithDeadline(ctx, dl.Add(-min(time.Second, time.Until(dl)/5)))
		defer cancel()
	}
	round := conflux.TrackVotes(vctx, rpc, conflux.VoteParams{Address: addr, Window: p.window(), MaxBlocks: p.maxBlocks()},
		prev, committed, &com.Current)
	if round.Fetched == 0 && round.Failed > 0 {
		// Whether the validator votes is unknown, which must not look
		// healthy; the previous window stays (carried in Values).
		return confluxFail("reading committed PoS blocks for the validator's votes", round.Err)
	}
	st := round.Stats
	obs.Values[valPosLastChecked] = strconv.FormatUint(round.State.LastChecked, 10)
	obs.Values[valPosWindow] = round.State.Window.String()
	pv["signed"] = st.Signed
	pv["missed"] = st.Missed
	pv["missed_consecutive"] = st.Consecutive
	pv["missed_percent"] = st.MissedPercent()
	pv["window"] = st.Counted
	obs.Values["signed"] = strconv.Itoa(st.Signed)
	obs.Values["missed"] = strconv.Itoa(st.Missed)
	obs.Values["missed_consecutive"] = strconv.Itoa(st.Consecutive)
	obs.Values["missed_percent"] = formatFloat(st.MissedPercent(), 2)
	obs.Values["pos_window_blocks"] = strconv.Itoa(st.Counted)
	if round.Err != nil && obs.Values["pos_error"] == "" {
		obs.Values["pos_error"] = shorten(t.Redactor.String(confluxFail("reading PoS blocks", round.Err).Error()))
	}

	status := "active"
	switch {
	case !registered:
		status = "unknown"
	case s.Forfeited > 0:
		status = "forfeited"
	case retired:
		status = "force_retired"
	case !inCommittee:
		status = "not_in_committee"
	case st.Consecutive > 0:
		status = "missing"
	}
	pv["status"] = status
	obs.Values["pos_status"] = status
	return nil
}

// prevVotes rebuilds the votes state from the previous probe's values; a
// different validator starts afresh.
func prevVotes(prev Values, addr string, window int) conflux.VoteState {
	var s conflux.VoteState
	if prev == nil || prev[valPosAddress] != addr {
		return s
	}
	last, err := strconv.ParseUint(prev[valPosLastChecked], 10, 64)
	if err != nil {
		return s
	}
	w, err := cometbft.ParseWindow(prev[valPosWindow], window)
	if err != nil {
		// A shorter configured window keeps the newest part.
		long, err2 := cometbft.ParseWindow(prev[valPosWindow], maxConfluxVotesWindow)
		if err2 != nil {
			return s
		}
		w = long[len(long)-window:]
	}
	s.LastChecked, s.Window = last, w
	return s
}
