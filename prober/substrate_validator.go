package prober

import (
	"context"
	"math/big"
	"strconv"
	"time"

	"github.com/upchain-dev/upchain/prober/internal/text"

	"github.com/upchain-dev/upchain/prober/substrate/scale"
	"github.com/upchain-dev/upchain/prober/substrate/storage"
)

// Values of the validator's session and staking standing kept for the
// next probe.
const (
	valBonded        = "bonded_stake"
	valBondDroppedAt = "bond_dropped_at"
)

// substrateStanding is what the session and staking pallets say about a
// validator beyond its membership: next-session election, disabling,
// slashes and its bond.
type substrateStanding struct {
	haveQueued   bool
	queued       bool
	queuedGran   [32]byte // GRANDPA key in QueuedKeys, when queued
	haveDisabled bool
	disabled     bool

	haveSlashes bool
	slashed     bool
	slashOwn    *big.Int

	haveBond      bool
	bonded        *big.Int
	bondDroppedAt time.Time // zero: no drop on record
}

// maxSlashEntries bounds the UnappliedSlashes keys read per probe: the
// classic map has one per era within the slash deferral (28 on Polkadot).
const maxSlashEntries = 256

// slashReadsAtOnce bounds the concurrent UnappliedSlashes reads.
const slashReadsAtOnce = 16

// readQueuedDisabled reads Session.QueuedKeys and
// Session.DisabledValidators; it runs after the validator set is known.
func (p *substrateProbe) readQueuedDisabled(ctx context.Context) error {
	raw, ok, err := p.node.storage(ctx, storage.SessionQueuedKeys(), "Session.QueuedKeys")
	if err != nil {
		return err
	}
	if ok {
		q, err := storage.DecodeQueuedKeys(raw)
		if err != nil {
			return Fail(ReasonBadResponse, "%v", err)
		}
		for _, e := range q {
			if e.Account == p.account {
				p.st.queued, p.st.queuedGran = true, e.Grandpa()
				break
			}
		}
		p.st.haveQueued = true
	}
	raw, ok, err = p.node.storage(ctx, storage.SessionDisabledValidators(), "Session.DisabledValidators")
	if err != nil {
		return err
	}
	if ok {
		d, err := storage.DecodeDisabled(raw)
		if err != nil {
			return Fail(ReasonBadResponse, "%v", err)
		}
		p.st.disabled = p.validatorIndex >= 0 && d.Has(p.validatorIndex)
	}
	p.st.haveDisabled = true // absent: nobody is disabled
	return nil
}

// readSlashes looks for the validator in Staking.UnappliedSlashes. The
// classic map is keyed by era (value: the era's slashes); newer releases
// key by (era, (validator, fraction, page)), so the validator can be read
// from the key itself: twox64concat puts 8 hash bytes before it.
func (p *substrateProbe) readSlashes(ctx context.Context, s *substrateRPC) error {
	prefix := storage.StakingUnappliedSlashesPrefix()
	var keys []string
	if err := s.call(ctx, "state_getKeysPaged", []any{prefix.Hex(), maxSlashEntries, nil}, &keys); err != nil {
		return err
	}
	if len(keys) > maxSlashEntries {
		return Fail(ReasonBadResponse, "%sstate_getKeysPaged returned %d keys for %d asked", s.where, len(keys), maxSlashEntries)
	}
	eraPart := len(prefix) + 8 + 4
	var read []storage.Key
	for _, h := range keys {
		k, err := storage.ParseKey(h)
		if err != nil || len(k) < eraPart {
			return Fail(ReasonBadResponse, "%sstate_getKeysPaged: %q is not an UnappliedSlashes key", s.where, text.Truncate(h, 80))
		}
		if len(k) > eraPart && (len(k) < eraPart+8+32 || scale.AccountID(k[eraPart+8:eraPart+8+32]) != p.account) {
			continue // double map: another validator's slash
		}
		read = append(read, k)
	}
	// The values are read concurrently, a few at a time: one round trip
	// per era would make the probe as slow as the deferral is long.
	found := make([][]storage.UnappliedSlash, len(read))
	for start := 0; start < len(read); start += slashReadsAtOnce {
		var tasks []func() error
		for i := start; i < min(start+slashReadsAtOnce, len(read)); i++ {
			tasks = append(tasks, func() error {
				k := read[i]
				raw, ok, err := s.storage(ctx, k, "Staking.UnappliedSlashes")
				if err != nil || !ok { // absent: applied or cancelled since the listing
					return err
				}
				if len(k) == eraPart {
					found[i], err = storage.DecodeUnappliedSlashes(raw)
				} else {
					var one storage.UnappliedSlash
					one, err = storage.DecodeUnappliedSlash(raw)
					found[i] = []storage.UnappliedSlash{one}
				}
				if err != nil {
					return Fail(ReasonBadResponse, "%s%v", s.where, err)
				}
				return nil
			})
		}
		if err := parallel(tasks...); err != nil {
			return err
		}
	}
	own := new(big.Int)
	for _, slashes := range found {
		for _, sl := range slashes {
			if sl.Validator == p.account {
				p.st.slashed = true
				own.Add(own, sl.Own)
			}
		}
	}
	p.st.slashOwn, p.st.haveSlashes = own, true
	return nil
}

// readBond reads the validator's active bonded balance: Staking.Bonded
// gives the controller (the stash itself since controllers were
// deprecated), Staking.Ledger(controller) the balance.
func (p *substrateProbe) readBond(ctx context.Context, s *substrateRPC) error {
	raw, ok, err := s.storage(ctx, storage.StakingBonded(p.account), "Staking.Bonded")
	if err != nil {
		return err
	}
	if !ok {
		return Fail(ReasonConfig, "%sStaking.Bonded has no entry for %s: not a bonded stash; set substrate.validator to the stash account or slashes: false", s.where, p.o.Validator)
	}
	d := scale.NewDecoder(raw)
	controller, err := d.AccountID("Staking.Bonded")
	if err == nil {
		err = d.Done("Staking.Bonded")
	}
	if err != nil {
		return Fail(ReasonBadResponse, "%s%v", s.where, err)
	}
	raw, ok, err = s.storage(ctx, storage.StakingLedger(controller), "Staking.Ledger")
	if err != nil {
		return err
	}
	if !ok {
		return Fail(ReasonBadResponse, "%sStaking.Ledger has no entry for the controller Staking.Bonded names", s.where)
	}
	l, err := storage.DecodeLedger(raw)
	if err != nil {
		return Fail(ReasonBadResponse, "%s%v", s.where, err)
	}
	p.st.bonded, p.st.haveBond = l.Active, true
	return nil
}

// trackBond compares the bond with the previous probe's and remembers
// when it last dropped.
func (p *substrateProbe) trackBond() {
	if at, err := strconv.ParseInt(p.t.Prev[valBondDroppedAt], 10, 64); err == nil && at > 0 {
		p.st.bondDroppedAt = time.Unix(at, 0)
	}
	if prev, ok := new(big.Int).SetString(p.t.Prev[valBonded], 10); ok && p.st.bonded.Cmp(prev) < 0 {
		p.st.bondDroppedAt = p.now
	}
}

// recordStanding adds the standing to the validator's variables and values.
func (p *substrateProbe) recordStanding(val map[string]any, vals Values) {
	st := &p.st
	if st.haveQueued {
		val["queued"] = st.queued
		vals["next_session_queued"] = strconv.FormatBool(st.queued)
	} else if p.haveSession {
		// No QueuedKeys at all: a runtime without a session queue; the
		// next set is unknown, which is not a failure of the validator.
		val["queued"] = true
	}
	if st.haveDisabled {
		val["disabled"] = st.disabled
		vals["session_disabled"] = strconv.FormatBool(st.disabled)
	}
	if st.haveSlashes {
		val["slashed"] = st.slashed
		val["slash_amount"] = st.slashOwn.String()
		vals["unapplied_slash"] = strconv.FormatBool(st.slashed)
		vals["unapplied_slash_amount"] = st.slashOwn.String()
	}
	if st.haveBond {
		p.trackBond()
		dropped := !st.bondDroppedAt.IsZero() && p.now.Sub(st.bondDroppedAt) < p.o.bondDropHold()
		val["bonded"] = st.bonded.String()
		val["bond_dropped"] = dropped
		vals[valBonded] = st.bonded.String()
		if !st.bondDroppedAt.IsZero() && dropped {
			vals[valBondDroppedAt] = strconv.FormatInt(st.bondDroppedAt.Unix(), 10)
		}
	} else if p.o.slashes() {
		for _, k := range []string{valBonded, valBondDroppedAt} {
			if pv, ok := p.t.Prev[k]; ok {
				vals[k] = pv
			}
		}
		if pv, err := strconv.ParseInt(p.t.Prev[valBondDroppedAt], 10, 64); err == nil {
			val["bond_dropped"] = p.now.Sub(time.Unix(pv, 0)) < p.o.bondDropHold()
		}
	}
}
