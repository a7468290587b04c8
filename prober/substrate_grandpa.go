package prober

import (
	"context"
	"errors"
	"strconv"
	"time"

	"github.com/upchain-dev/upchain/prober/jsonrpc"
	"github.com/upchain-dev/upchain/prober/substrate/grandpa"
	"github.com/upchain-dev/upchain/prober/substrate/storage"
)

// valGrandpaWindow keeps the GRANDPA verdicts for the next probe.
const valGrandpaWindow = "grandpa_window"

// substrateGrandpa is the GRANDPA part of a validator probe.
type substrateGrandpa struct {
	window *grandpa.Window
	ready  bool // the node answered grandpa_roundState
	reads  int
}

// grandpaAuthorityKey is the validator's GRANDPA key: grandpa_key, else
// the first field of its session keys in Session.QueuedKeys, else in
// Session.NextKeys. After a key rotation QueuedKeys holds the new key
// one session before it votes; grandpa_key overrides that.
func (p *substrateProbe) grandpaAuthorityKey(ctx context.Context) ([32]byte, error) {
	if k, ok, err := p.o.grandpaKey(); ok || err != nil {
		if err != nil {
			return k, Fail(ReasonConfig, "substrate.grandpa_key: %v", err)
		}
		return k, nil
	}
	if p.st.queued {
		return p.st.queuedGran, nil
	}
	var k [32]byte
	raw, ok, err := p.node.storage(ctx, storage.SessionNextKeys(p.account), "Session.NextKeys")
	if err != nil {
		return k, err
	}
	if !ok || len(raw) < 32 {
		return k, Fail(ReasonConfig, "the validator has no session keys in Session.QueuedKeys or Session.NextKeys: set substrate.grandpa_key to its GRANDPA key")
	}
	copy(k[:], raw)
	return k, nil
}

// readGrandpa reads grandpa_roundState grandpa_samples times and folds
// each read into the window kept in history. It runs after readSession;
// rounds are only judged while the validator is in the active set (an
// inactive validator is never listed as missing). "Not ready" (error code
// 1, a node still starting its voter) leaves the window as it was.
func (p *substrateProbe) readGrandpa(ctx context.Context) error {
	g := &p.gran
	g.window = grandpa.Decode(p.t.Prev[valGrandpaWindow], p.o.grandpaWindow())
	g.window.Max = p.o.grandpaWindow()
	if p.validatorIndex < 0 {
		return nil
	}
	key, err := p.grandpaAuthorityKey(ctx)
	if err != nil {
		return err
	}
	for i := 0; i < p.o.grandpaSamples(); i++ {
		if i > 0 {
			t := time.NewTimer(p.o.grandpaSampleGap())
			select {
			case <-ctx.Done():
				t.Stop()
				return nil // the reads so far count; the deadline is the probe's
			case <-t.C:
			}
		}
		var r grandpa.Report
		if err := p.node.call(ctx, "grandpa_roundState", nil, &r); err != nil {
			var rpcErr *jsonrpc.Error
			if errors.As(err, &rpcErr) && rpcErr.Code == 1 {
				return nil
			}
			if errors.As(err, &rpcErr) && rpcErr.Code == -32601 {
				return Fail(ReasonConfig, "grandpa_roundState: the node does not serve it (method not found): point the check at a node of your own, or remove substrate.grandpa")
			}
			return err
		}
		if len(r.Background) > 16 {
			return Fail(ReasonBadResponse, "grandpa_roundState has %d background rounds", len(r.Background))
		}
		for _, rs := range append([]grandpa.RoundState{r.Best}, r.Background...) {
			pv, err1 := grandpa.Lists(rs.Prevotes.Missing, key)
			pc, err2 := grandpa.Lists(rs.Precommits.Missing, key)
			if err := errors.Join(err1, err2); err != nil {
				return Fail(ReasonBadResponse, "grandpa_roundState round %d: %v", rs.Round, err)
			}
			g.window.Observe(r.SetID, rs.Round, pv, pc)
		}
		g.ready = true
		g.reads++
	}
	return nil
}

// recordGrandpa adds the participation to the validator's variables.
func (p *substrateProbe) recordGrandpa(val map[string]any, vals Values) {
	g := &p.gran
	if g.window == nil { // not read: keep the window for the next probe
		if pv, ok := p.t.Prev[valGrandpaWindow]; ok {
			vals[valGrandpaWindow] = pv
		}
		return
	}
	s := g.window.Stats()
	pre, com := grandpa.Percent(s.PrevotesDecided, s.PrevotesMissed), grandpa.Percent(s.PrecommitDecided, s.PrecommitMissed)
	val["grandpa"] = map[string]any{
		"ready": g.ready, "reads": int64(g.reads), "rounds": int64(s.Rounds),
		"prevotes": pre, "prevotes_decided": int64(s.PrevotesDecided), "prevotes_missed": int64(s.PrevotesMissed),
		"precommits": com, "precommits_decided": int64(s.PrecommitDecided), "precommits_missed": int64(s.PrecommitMissed),
	}
	vals[valGrandpaWindow] = g.window.Encode()
	vals["grandpa_prevotes"] = strconv.FormatFloat(pre, 'f', 1, 64)
	vals["grandpa_precommits"] = strconv.FormatFloat(com, 'f', 1, 64)
	vals["grandpa_decided"] = strconv.Itoa(s.PrecommitDecided)
	vals["grandpa_missed_prevotes"] = strconv.Itoa(s.PrevotesMissed)
	vals["grandpa_missed_precommits"] = strconv.Itoa(s.PrecommitMissed)
}
