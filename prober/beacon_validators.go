package prober

import (
	"context"
	"fmt"
	"hash/fnv"
	"sort"
	"strconv"
	"strings"

	"github.com/upchain-dev/upchain/prober/beacon"
)

// beaconWatched is one configured validator and what the node said of it.
type beaconWatched struct {
	id    string
	v     *beacon.Validator // nil: the node does not know it
	state string            // one of beaconStates
}

func (w *beaconWatched) name() string {
	if w.v != nil {
		return w.v.Index.String()
	}
	return beaconShort(w.id)
}

// beaconShort shortens a pubkey for messages.
func beaconShort(id string) string {
	if len(id) > 14 {
		return id[:10] + "…" + id[len(id)-4:]
	}
	return id
}

// beaconState groups a ValidatorStatus (beacon-APIs types/api.yaml).
func beaconState(v *beacon.Validator) string {
	if v == nil {
		return "unknown"
	}
	switch v.Status {
	case "active_ongoing":
		if v.Validator.Slashed {
			return "slashed"
		}
		return "active"
	case "pending_initialized", "pending_queued":
		return "pending"
	case "active_exiting":
		return "exiting"
	case "active_slashed", "exited_slashed":
		return "slashed"
	case "exited_unslashed", "withdrawal_possible", "withdrawal_done":
		if v.Validator.Slashed {
			return "slashed"
		}
		return "exited"
	}
	return "unknown"
}

// beaconNames lists names capped at maxBeaconNames, with a count of the rest.
func beaconNames(names []string) string {
	if len(names) <= maxBeaconNames {
		return strings.Join(names, ", ")
	}
	return strings.Join(names[:maxBeaconNames], ", ") + fmt.Sprintf(" and %d more", len(names)-maxBeaconNames)
}

// beaconGrouped lists names by status, "exited_unslashed: 12, 13; unknown:
// 99", each group capped: short enough that a condition's observed value
// still says which validators and why.
func beaconGrouped(by map[string][]string) string {
	keys := make([]string, 0, len(by))
	for k := range by {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = k + ": " + beaconNames(by[k])
	}
	return strings.Join(parts, "; ")
}

// beaconWatchHash identifies the configured list: state kept for another
// list is not reused.
func beaconWatchHash(ids []string) string {
	h := fnv.New64a()
	for _, id := range ids {
		h.Write([]byte(strings.ToLower(id)))
		h.Write([]byte{0})
	}
	return strconv.FormatUint(h.Sum64(), 36)
}

func probeBeaconValidators(ctx context.Context, t *Target, o *BeaconOptions, cl *beacon.Client, n *beaconNode, obs *Observation) error {
	ws, err := beaconFetchValidators(ctx, cl, o.Validators)
	if err != nil {
		return beaconFailure(err)
	}
	beaconBalances(ctx, t, o, cl, ws, obs)
	vars := map[string]any{}
	obs.Vars["validators"] = vars
	watch := beaconWatchHash(o.Validators)
	same := t.Prev[bvWatch] == watch
	obs.Values[bvWatch] = watch

	counts := map[string]int{}
	down, pending := map[string][]string{}, map[string][]string{}
	var failing []string
	var balance, effective uint64
	for i := range ws {
		w := &ws[i]
		counts[w.state]++
		switch w.state {
		case "pending":
			pending[w.v.Status] = append(pending[w.v.Status], w.name())
		case "exiting", "exited", "slashed":
			down[w.v.Status] = append(down[w.v.Status], w.name())
		case "unknown":
			down["unknown"] = append(down["unknown"], w.name())
		}
		if w.v != nil {
			balance += uint64(w.v.Balance)
			effective += uint64(w.v.Validator.EffectiveBalance)
		}
	}
	if len(down) > 0 {
		failing = append(failing, beaconGrouped(down))
	}
	vars["count"] = len(ws)
	for _, s := range beaconStates {
		vars[s+"_count"] = counts[s]
		obs.Values["beacon_validators_"+s] = strconv.Itoa(counts[s])
	}
	vars["down"] = beaconGrouped(down)
	vars["pending"] = beaconGrouped(pending)
	vars["balance"] = int64(balance)
	obs.Values[bvBalance] = strconv.FormatUint(balance, 10)
	obs.Values[bvEffective] = strconv.FormatUint(effective, 10)
	// 0 without a previous probe, so a condition on it never reads a
	// missing value.
	vars["balance_change"] = int64(0)
	if prev, err := strconv.ParseUint(t.Prev[bvBalance], 10, 64); err == nil && same {
		delta := int64(balance) - int64(prev)
		vars["balance_change"] = delta
		obs.Values[bvBalanceDelta] = strconv.FormatInt(delta, 10)
	}
	if len(ws) == 1 {
		w := ws[0]
		status := "unknown"
		if w.v != nil {
			status = w.v.Status
			obs.Values[bvIndex] = w.v.Index.String()
			obs.Values[bvSlashed] = strconv.FormatBool(w.v.Validator.Slashed)
			vars["slashed"] = w.v.Validator.Slashed
		}
		vars["status"] = status
		obs.Values[bvStatus] = status
	}

	missing := beaconAttestations(ctx, t, o, cl, n, ws, same, obs, vars)
	failing = append(failing, missing...)
	failing = append(failing, beaconProposals(ctx, t, o, cl, n, ws, same, obs, vars)...)
	beaconSyncCommittee(ctx, t, cl, n, ws, same, obs, vars)
	vars["failing"] = beaconNames(failing)
	if len(failing) > 0 {
		obs.Values[bvFailing] = beaconNames(failing)
	}
	return nil
}

// beaconFetchValidators reads the configured validators in chunks and
// matches the answers to the configured ids (index or pubkey).
func beaconFetchValidators(ctx context.Context, cl *beacon.Client, ids []string) ([]beaconWatched, error) {
	byID := make(map[string]*beacon.Validator, len(ids))
	for start := 0; start < len(ids); start += beaconChunk {
		chunk := ids[start:min(start+beaconChunk, len(ids))]
		got, err := cl.Validators(ctx, chunk)
		if err != nil {
			return nil, err
		}
		for i := range got {
			v := &got[i]
			byID[v.Index.String()] = v
			byID[strings.ToLower(v.Validator.Pubkey)] = v
		}
	}
	out := make([]beaconWatched, len(ids))
	for i, id := range ids {
		v := byID[strings.ToLower(id)]
		out[i] = beaconWatched{id: id, v: v, state: beaconState(v)}
	}
	return out, nil
}

// beaconAttestations records one liveness call per epoch: for the
// previous epoch, once a quarter of the current one has passed so that
// late attestations are counted (KILN eth_validator_watcher waits half an
// epoch). It returns the names of validators currently missing.
func beaconAttestations(ctx context.Context, t *Target, o *BeaconOptions, cl *beacon.Client, n *beaconNode, ws []beaconWatched, same bool, obs *Observation, vars map[string]any) []string {
	size := o.window()
	var windows []beacon.Window
	last, lastErr := strconv.ParseUint(t.Prev[bvAttEpoch], 10, 64)
	if same {
		windows, _ = beacon.DecodeWindows(t.Prev[bvWindows], len(ws), size)
	}
	if windows == nil {
		windows, lastErr = make([]beacon.Window, len(ws)), fmt.Errorf("fresh")
	}
	if n.clockEpoch >= 1 && n.slotInEpoch >= n.spec.SlotsPerEpoch/4 {
		target := n.clockEpoch - 1
		if lastErr != nil || target > last {
			if err := beaconLiveness(ctx, cl, target, ws, windows, lastErr == nil, last, size); err != nil {
				obs.Values[bvAttError] = shorten(beaconFailure(err).Error())
			} else {
				last, lastErr = target, nil
			}
		}
	}
	if lastErr == nil {
		obs.Values[bvAttEpoch] = strconv.FormatUint(last, 10)
		vars["epoch"] = int64(last)
	}
	obs.Values[bvWindows] = beacon.EncodeWindows(windows)

	var missed, consec int
	var pct float64
	var missing []string
	for i, w := range windows {
		st := w.Stats()
		missed += st.Missed
		consec = max(consec, st.Consecutive)
		pct = max(pct, st.MissedPercent())
		if st.Consecutive > 0 {
			missing = append(missing, fmt.Sprintf("%s missed %d attestations in a row", ws[i].name(), st.Consecutive))
		}
	}
	vars["missed"] = missed
	vars["missed_consecutive"] = consec
	vars["missed_percent"] = pct
	obs.Values[bvAttMissed] = strconv.Itoa(missed)
	obs.Values[bvAttConsec] = strconv.Itoa(consec)
	obs.Values[bvAttPercent] = formatFloat(pct, 2)
	return missing
}

// beaconLiveness asks about epoch and pushes one mark per validator, after
// Unknown marks for epochs no probe checked. Validators not active in
// epoch (pending, exited, activated later) are not counted.
func beaconLiveness(ctx context.Context, cl *beacon.Client, epoch uint64, ws []beaconWatched, windows []beacon.Window, haveLast bool, last uint64, size int) error {
	var indices []uint64
	for _, w := range ws {
		if beaconEligible(w, epoch) {
			indices = append(indices, uint64(w.v.Index))
		}
	}
	var live map[uint64]bool
	if len(indices) > 0 {
		var err error
		if live, err = cl.Liveness(ctx, epoch, indices); err != nil {
			return err
		}
	}
	gap := 0
	if haveLast && epoch > last+1 {
		gap = int(min(epoch-last-1, uint64(size)))
	}
	for i, w := range ws {
		for range gap {
			windows[i] = windows[i].Push(beacon.Unknown, size)
		}
		m := beacon.Inactive
		if beaconEligible(w, epoch) {
			switch l, ok := live[uint64(w.v.Index)]; {
			case !ok:
				m = beacon.Unknown
			case l:
				m = beacon.Live
			default:
				m = beacon.Missed
			}
		}
		windows[i] = windows[i].Push(m, size)
	}
	return nil
}

// beaconEligible: only validators active in epoch are expected to attest
// (KILN skips those activated after it).
func beaconEligible(w beaconWatched, epoch uint64) bool {
	if w.v == nil || uint64(w.v.Validator.ActivationEpoch) > epoch {
		return false
	}
	return strings.HasPrefix(w.v.Status, "active_")
}

// beaconProposal is one judged proposer duty.
type beaconProposal struct {
	slot, index uint64
	missed      bool
}

func parseBeaconProposals(s string) []beaconProposal {
	var out []beaconProposal
	for _, part := range strings.Split(s, ",") {
		f := strings.Split(part, ":")
		if len(f) != 3 || (f[2] != "P" && f[2] != "M") {
			continue
		}
		slot, err1 := strconv.ParseUint(f[0], 10, 64)
		idx, err2 := strconv.ParseUint(f[1], 10, 64)
		if err1 == nil && err2 == nil {
			out = append(out, beaconProposal{slot: slot, index: idx, missed: f[2] == "M"})
		}
	}
	return out
}

func formatBeaconProposals(ps []beaconProposal) string {
	parts := make([]string, len(ps))
	for i, p := range ps {
		m := "P"
		if p.missed {
			m = "M"
		}
		parts[i] = fmt.Sprintf("%d:%d:%s", p.slot, p.index, m)
	}
	return strings.Join(parts, ",")
}

// beaconProposals judges the watched validators' proposer duties of the
// previous and current epoch whose slot the head has reached: no block
// at the slot (headers/{slot} answers 404) is a missed proposal. Judged
// duties are kept for the window; it returns the names of validators
// that missed one.
func beaconProposals(ctx context.Context, t *Target, o *BeaconOptions, cl *beacon.Client, n *beaconNode, ws []beaconWatched, same bool, obs *Observation, vars map[string]any) []string {
	spe := n.spec.SlotsPerEpoch
	watched := map[uint64]bool{}
	for _, w := range ws {
		if w.v != nil {
			watched[uint64(w.v.Index)] = true
		}
	}
	var log []beaconProposal
	checked := int64(-1)
	if same {
		log = parseBeaconProposals(t.Prev[bvPropLog])
		if c, err := strconv.ParseInt(t.Prev[bvPropChecked], 10, 64); err == nil {
			checked = c
		}
	}
	var duties []beacon.ProposerDuty
	var dutyErr error
	for _, e := range []uint64{n.clockEpoch - 1, n.clockEpoch} {
		if e > n.clockEpoch { // epoch 0 has no previous
			continue
		}
		d, err := cl.ProposerDuties(ctx, e)
		if err != nil {
			dutyErr = err
			break
		}
		for _, x := range d {
			if watched[uint64(x.ValidatorIndex)] {
				duties = append(duties, x)
			}
		}
	}
	sort.Slice(duties, func(i, j int) bool { return duties[i].Slot < duties[j].Slot })
	next := int64(-1)
	calls := 0
	for _, d := range duties {
		slot := uint64(d.Slot)
		if int64(slot) <= checked {
			continue
		}
		if slot > n.head {
			if next < 0 {
				next = int64(slot)
			}
			continue
		}
		if dutyErr != nil || calls >= maxBeaconHeaderChecks {
			continue
		}
		calls++
		_, found, err := cl.HeaderSlot(ctx, strconv.FormatUint(slot, 10))
		if err != nil {
			dutyErr = err
			continue
		}
		log = append(log, beaconProposal{slot: slot, index: uint64(d.ValidatorIndex), missed: !found})
		checked = int64(slot)
	}
	if dutyErr != nil {
		obs.Values[bvPropError] = shorten(beaconFailure(dutyErr).Error())
	}
	// Keep the window's duties, newest last.
	oldest := int64(n.clockEpoch)*int64(spe) - int64(o.window())*int64(spe)
	kept := log[:0]
	for _, p := range log {
		if int64(p.slot) >= oldest {
			kept = append(kept, p)
		}
	}
	if len(kept) > maxBeaconProposalLog {
		kept = kept[len(kept)-maxBeaconProposalLog:]
	}
	var made, missedN int
	var names []string
	for _, p := range kept {
		if p.missed {
			missedN++
			names = append(names, fmt.Sprintf("%d missed the proposal at slot %d", p.index, p.slot))
		} else {
			made++
		}
	}
	vars["proposals_missed"] = missedN
	vars["proposals"] = made
	vars["next_proposal_slot"] = next
	obs.Values[bvPropMissed] = strconv.Itoa(missedN)
	obs.Values[bvPropMade] = strconv.Itoa(made)
	if next >= 0 {
		obs.Values[bvPropNext] = strconv.FormatInt(next, 10)
	}
	if len(kept) > 0 {
		obs.Values[bvPropLog] = formatBeaconProposals(kept)
	} else {
		delete(obs.Values, bvPropLog)
	}
	if checked >= 0 {
		obs.Values[bvPropChecked] = strconv.FormatInt(checked, 10)
	}
	return names
}

// beaconSyncCommittee asks which watched validators are in the sync
// committee once per epoch (membership changes every 256 epochs on
// mainnet) and keeps the answer.
func beaconSyncCommittee(ctx context.Context, t *Target, cl *beacon.Client, n *beaconNode, ws []beaconWatched, same bool, obs *Observation, vars map[string]any) {
	prevEpoch, _ := strconv.ParseUint(t.Prev[bvEpoch], 10, 64)
	members, known := t.Prev[bvSyncMembers], same && t.Prev[bvSyncMembers] != ""
	if !known || prevEpoch != n.clockEpoch {
		var indices []uint64
		for _, w := range ws {
			if w.v != nil {
				indices = append(indices, uint64(w.v.Index))
			}
		}
		if len(indices) > 0 {
			got, err := cl.SyncDuties(ctx, n.clockEpoch, indices)
			if err == nil {
				parts := make([]string, len(got))
				for i, g := range got {
					parts[i] = strconv.FormatUint(g, 10)
				}
				// "-" marks a known empty answer.
				members, known = "-", true
				if len(parts) > 0 {
					members = strings.Join(parts, ",")
				}
			}
		}
	}
	if !known {
		delete(obs.Values, bvSyncMembers)
		return
	}
	count := 0
	if members != "-" {
		count = strings.Count(members, ",") + 1
	}
	obs.Values[bvSyncMembers] = members
	obs.Values[bvSyncCount] = strconv.Itoa(count)
	vars["sync_committee"] = count
}
