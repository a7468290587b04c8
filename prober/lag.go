package prober

import (
	"fmt"
	"math/big"

	"github.com/upchain-dev/upchain/prober/config"
)

// ApplyLag compares, after a round, the height of every check that has a
// `lag:` setting with its reference in the same round, and turns results
// that are too many blocks behind degraded or down, with the lag as a
// failed condition. Heights come from the "height" value chain kinds
// record. A result without a height (the probe failed) or without a
// reference height (the reference failed) is left alone: there is
// nothing to compare.
func ApplyLag(checks []*config.Check, results []Result) {
	lags := map[string]*config.Lag{}
	for _, c := range checks {
		if c.Lag != nil {
			lags[c.Slug] = c.Lag
		}
	}
	if len(lags) == 0 {
		return
	}
	heights := make([]*big.Int, len(results))
	byCheck, byGroup := map[string][]int{}, map[string][]int{}
	for i, r := range results {
		if h, ok := new(big.Int).SetString(r.Values["height"], 10); ok {
			heights[i] = h
			byCheck[r.Check] = append(byCheck[r.Check], i)
			byGroup[r.Group] = append(byGroup[r.Group], i)
		}
	}
	for i := range results {
		r := &results[i]
		lg := lags[r.Check]
		if lg == nil || heights[i] == nil {
			continue
		}
		var ref *big.Int
		refName := ""
		candidates := byGroup[lg.Group]
		if lg.Reference != "" {
			candidates = byCheck[lg.Reference]
		}
		for _, j := range candidates {
			o := &results[j]
			if j == i || (lg.Reference == "" && !sameChain(r, o)) {
				continue
			}
			if ref == nil || heights[j].Cmp(ref) > 0 {
				ref, refName = heights[j], o.Check
				if o.Region != config.PublicRegion {
					refName += " (" + o.Region + ")"
				}
			}
		}
		if ref == nil {
			continue
		}
		behind := new(big.Int).Sub(ref, heights[i])
		if behind.Sign() < 0 {
			behind.SetInt64(0)
		}
		r.Values["lag_blocks"] = behind.String()
		r.Values["lag_reference"] = refName
		limit, degraded := int64(0), false
		switch {
		case lg.DownBlocks > 0 && behind.Cmp(big.NewInt(lg.DownBlocks)) > 0:
			limit = lg.DownBlocks
		case lg.DegradedBlocks > 0 && behind.Cmp(big.NewInt(lg.DegradedBlocks)) > 0:
			limit, degraded = lg.DegradedBlocks, true
		default:
			continue
		}
		fc := FailedCondition{
			Condition: fmt.Sprintf("lag <= %d blocks behind %s", limit, refName),
			Observed:  fmt.Sprintf("lag=%s height=%s reference_height=%s", behind, heights[i], ref),
			Degraded:  degraded,
		}
		r.Failed = append(r.Failed, fc)
		worst := Down
		if degraded {
			worst = Degraded
		}
		if worst.Rank() > r.Status.Rank() {
			r.Status = worst
		}
		if r.ReasonCode == "" || r.ReasonCode == ReasonCondition {
			r.ReasonCode = ReasonCondition
			r.Reason = shorten(describeFailed(r.Failed))
		} else {
			// Keep the probe's own failure first; the lag is extra.
			r.Reason = shorten(r.Reason + "; " + describeFailed([]FailedCondition{fc}))
		}
	}
}

// sameChain: in a group, only nodes of the same chain are comparable.
// Chain kinds record the chain as "chain_id" (cometbft, evm) or "chain"
// (substrate); a result that records neither is compared with any.
func sameChain(a, b *Result) bool {
	for _, key := range []string{"chain_id", "chain"} {
		ca, cb := a.Values[key], b.Values[key]
		if ca != "" && cb != "" && ca != cb {
			return false
		}
	}
	return true
}
