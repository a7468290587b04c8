package prober

import (
	"context"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/upchain-dev/upchain/prober/internal/text"

	"github.com/upchain-dev/upchain/prober/substrate/scale"
	"github.com/upchain-dev/upchain/prober/substrate/storage"
)

// valRound is the parachain_staking round the points were read in.
const valRound = "staking_round"

// substrateCollator is the collator part of a probe.
type substrateCollator struct {
	account      []byte
	have         bool
	invulnerable bool
	candidate    bool
	selected     bool

	// collator_selection
	haveAuthored bool
	lastAuthored uint64
	authoredAt   time.Time // zero when its time could not be read

	// parachain_staking
	haveRound   bool
	round       storage.Round
	points      uint32
	roundPoints uint32
}

// neverAuthored is the age of a collator with no LastAuthoredBlock entry:
// larger than any bound.
const neverAuthored = time.Duration(math.MaxInt64)

// readCollator reads the collator's membership and liveness from the
// parachain's own storage. It runs after the best block is known.
func (p *substrateProbe) readCollator(ctx context.Context) error {
	c := &p.coll
	if p.o.collatorPallet() == parachainStaking {
		return p.readParachainStaking(ctx)
	}
	lists := []struct {
		key   storage.Key
		what  string
		flag  *bool
		decod func([]byte) ([][]byte, error)
	}{
		{storage.CollatorSelectionInvulnerables(), "CollatorSelection.Invulnerables", &c.invulnerable, func(b []byte) ([][]byte, error) {
			return storage.DecodeAccounts(b, 32, "CollatorSelection.Invulnerables")
		}},
		{storage.CollatorSelectionCandidateList(), "CollatorSelection.CandidateList", &c.candidate, storage.DecodeCandidates},
		{storage.CollatorSelectionCandidates(), "CollatorSelection.Candidates", &c.candidate, storage.DecodeCandidates},
	}
	found := false
	for _, l := range lists {
		raw, ok, err := p.node.storage(ctx, l.key, l.what)
		if err != nil {
			return err
		}
		if !ok {
			continue
		}
		found = true
		accs, err := l.decod(raw)
		if err != nil {
			return Fail(ReasonBadResponse, "%v", err)
		}
		*l.flag = *l.flag || storage.ContainsAccount(accs, c.account)
	}
	if !found {
		return Fail(ReasonConfig, "CollatorSelection.Invulnerables and Candidates are not in storage: the chain has no Cumulus collator selection; for Moonbeam-style chains set substrate.collator_pallet: parachain_staking")
	}
	c.selected, c.have = c.invulnerable || c.candidate, true

	raw, ok, err := p.node.storage(ctx, storage.CollatorSelectionLastAuthoredBlock(c.account), "CollatorSelection.LastAuthoredBlock")
	if err != nil || !ok {
		return err
	}
	if c.lastAuthored, err = scale.DecodeBlockNumber(raw, "CollatorSelection.LastAuthoredBlock"); err != nil {
		return Fail(ReasonBadResponse, "%v", err)
	}
	c.haveAuthored = true
	// The block's own Timestamp.Now gives the time; a pruned node no longer
	// has that state, and the age in blocks still stands.
	var hash *string
	if err := p.node.call(ctx, "chain_getBlockHash", []any{c.lastAuthored}, &hash); err != nil || hash == nil || !strings.HasPrefix(*hash, "0x") {
		return nil
	}
	raw, ok, err = p.node.storageAt(ctx, storage.TimestampNow(), *hash, "Timestamp.Now")
	if err == nil && ok {
		if ms, err := scale.DecodeU64(raw, "Timestamp.Now"); err == nil {
			c.authoredAt = time.UnixMilli(int64(ms))
		}
	}
	return nil
}

// readParachainStaking reads Moonbeam's ParachainStaking: selection for
// the round and the points awarded in it so far.
func (p *substrateProbe) readParachainStaking(ctx context.Context) error {
	c := &p.coll
	raw, ok, err := p.node.storage(ctx, storage.ParachainStakingSelectedCandidates(), "ParachainStaking.SelectedCandidates")
	if err != nil {
		return err
	}
	if !ok {
		return Fail(ReasonConfig, "ParachainStaking.SelectedCandidates is not in storage: the chain has no parachain staking; use collator_pallet: collator_selection for Cumulus chains")
	}
	sel, err := storage.DecodeAccounts(raw, len(c.account), "ParachainStaking.SelectedCandidates")
	if err != nil {
		return Fail(ReasonBadResponse, "%v (is the collator's account %d bytes on this chain?)", err, len(c.account))
	}
	c.selected, c.have = storage.ContainsAccount(sel, c.account), true
	raw, ok, err = p.node.storage(ctx, storage.ParachainStakingRound(), "ParachainStaking.Round")
	if err != nil {
		return err
	}
	if !ok {
		return Fail(ReasonBadResponse, "ParachainStaking.Round is not in storage")
	}
	if c.round, err = storage.DecodeRound(raw); err != nil {
		return Fail(ReasonBadResponse, "%v", err)
	}
	for _, r := range []struct {
		key  storage.Key
		what string
		into *uint32
	}{
		{storage.ParachainStakingAwardedPts(c.round.Current, c.account), "ParachainStaking.AwardedPts", &c.points},
		{storage.ParachainStakingPoints(c.round.Current), "ParachainStaking.Points", &c.roundPoints},
	} {
		raw, ok, err := p.node.storage(ctx, r.key, r.what)
		if err != nil {
			return err
		}
		if ok { // absent: no points yet this round
			if *r.into, err = scale.DecodeU32(raw, r.what); err != nil {
				return Fail(ReasonBadResponse, "%v", err)
			}
		}
	}
	c.haveRound = true
	return nil
}

// recordCollator turns the collator's state into variables and values.
func (p *substrateProbe) recordCollator() {
	c := &p.coll
	v, vals := p.obs.Vars, p.obs.Values
	col := map[string]any{"address": p.o.Collator}
	v["collator"] = col
	if c.have {
		col["selected"], col["invulnerable"], col["candidate"] = c.selected, c.invulnerable, c.candidate
		vals["collator_selected"] = strconv.FormatBool(c.selected)
	}
	if p.o.collatorPallet() == collatorSelection && c.have && p.haveBest {
		ago, age := int64(math.MaxInt64), neverAuthored
		if c.haveAuthored {
			ago = 0
			if p.best > c.lastAuthored {
				ago = int64(p.best - c.lastAuthored)
			}
			vals["last_authored"] = strconv.FormatUint(c.lastAuthored, 10)
			vals["authored_blocks_ago"] = strconv.FormatInt(ago, 10)
			col["last_authored"] = int64(c.lastAuthored)
			if !c.authoredAt.IsZero() {
				age = max(p.now.Sub(c.authoredAt), 0)
				vals["authored_age_s"] = strconv.FormatInt(int64(age/time.Second), 10)
			}
		}
		col["authored_blocks_ago"], col["authored_age"] = ago, age
		col["authored"] = c.haveAuthored
	}
	if c.haveRound {
		p.trackPoints(valRound, c.round.Current, c.points, c.roundPoints, time.Time{})
		col["round"] = int64(c.round.Current)
		col["points"] = int64(c.points)
		col["points_delta"] = p.pointsDelta
		col["round_total"] = int64(c.roundPoints)
		col["stalled_for"] = p.stalledFor
		vals[valRound] = strconv.FormatUint(uint64(c.round.Current), 10)
		vals[valPoints] = strconv.FormatUint(uint64(c.points), 10)
		vals["points_delta"] = strconv.FormatInt(p.pointsDelta, 10)
		vals[valEraTotal] = strconv.FormatUint(uint64(c.roundPoints), 10)
		vals[valPointsChangedAt] = strconv.FormatInt(p.pointsChangedAt.Unix(), 10)
		vals[valEraTotalAtChange] = strconv.FormatUint(uint64(p.eraTotalAtChange), 10)
		vals["stalled_for_s"] = strconv.FormatInt(int64(p.stalledFor/time.Second), 10)
	} else if p.o.collatorPallet() == parachainStaking {
		for _, k := range []string{valRound, valPoints, valEraTotal, valPointsChangedAt, valEraTotalAtChange} {
			if pv, ok := p.t.Prev[k]; ok {
				vals[k] = pv
			}
		}
	}
}

// storageAt reads a storage value at a block.
func (s *substrateRPC) storageAt(ctx context.Context, key storage.Key, hash, what string) ([]byte, bool, error) {
	var res *string
	if err := s.cl.CallInto(ctx, "state_getStorage", []any{key.Hex(), hash}, &res); err != nil {
		return nil, false, withPrefix(RPCFailure(err), fmt.Sprintf("%sstate_getStorage(%s at %s): ", s.where, what, text.Truncate(hash, 20)))
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
