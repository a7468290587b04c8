package prober

import (
	"fmt"
	"math/big"
	"sync"
	"time"

	"github.com/upchain-dev/upchain/prober/config"
)

// lagValues are what the lag step records.
var lagValues = []ValueSpec{
	{Name: "lag_blocks", Label: "Blocks behind reference", Unit: UnitCount, Chart: true,
		Metric: "upchain_lag_blocks", Help: "Blocks the node is behind its lag reference (another check or the group's highest head) in the same round."},
	{Name: "lag_reference", Label: "Lag reference", Unit: UnitText},
}

// Lag is the round step that compares the height of every check that has
// a `lag:` setting with its reference, and turns results that are too
// many blocks behind degraded or down, with the lag as a failed
// condition. Heights come from the "height" value chain kinds record.
//
// It remembers the newest height of every check and region it has seen,
// so it works the same whether a batch is a whole round (`upchain probe`)
// or one check's run (`upchain serve`, where a check and its reference
// are probed at different moments). A remembered height older than twice
// its check's interval is not used: a reference that stopped answering
// is no reference. A result without a height (the probe failed), or with
// no usable reference height, is left alone.
type Lag struct {
	mu          sync.Mutex
	lags        map[string]*config.Lag
	maxAge      map[string]time.Duration
	chainValues []string
	latest      map[lagKey]lagSeen
}

type lagKey struct{ check, region string }

type lagSeen struct {
	height *big.Int
	group  string
	at     time.Time
	chain  map[string]string
}

// NewLag returns the lag step for checks. chainValues name the values
// that identify a chain (ValueCatalog.ChainValues): in a group, only
// nodes whose chain values agree are compared.
func NewLag(checks []*config.Check, chainValues []string) *Lag {
	l := &Lag{chainValues: chainValues, latest: map[lagKey]lagSeen{}}
	l.Retain(checks)
	return l
}

// Values implements ValueDeclarer.
func (*Lag) Values() []ValueSpec { return lagValues }

// Retain switches to a new config's checks, forgetting the heights of
// checks that are gone.
func (l *Lag) Retain(checks []*config.Check) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.lags, l.maxAge = map[string]*config.Lag{}, map[string]time.Duration{}
	for _, c := range checks {
		if c.Lag != nil {
			l.lags[c.Slug] = c.Lag
		}
		l.maxAge[c.Slug] = 2 * c.Interval.D()
	}
	for k := range l.latest {
		if _, ok := l.maxAge[k.check]; !ok {
			delete(l.latest, k)
		}
	}
}

// Apply remembers the heights in results, then judges the lag of those
// that have a `lag:` setting.
func (l *Lag) Apply(results []Result) {
	l.mu.Lock()
	defer l.mu.Unlock()
	heights := make([]*big.Int, len(results))
	for i, r := range results {
		h, ok := new(big.Int).SetString(r.Values["height"], 10)
		if !ok {
			continue
		}
		heights[i] = h
		k := lagKey{r.Check, r.Region}
		if prev, ok := l.latest[k]; ok && prev.at.After(r.Time) {
			continue
		}
		seen := lagSeen{height: h, group: r.Group, at: r.Time, chain: map[string]string{}}
		for _, cv := range l.chainValues {
			if v := r.Values[cv]; v != "" {
				seen.chain[cv] = v
			}
		}
		l.latest[k] = seen
	}
	if len(l.lags) == 0 {
		return
	}
	for i := range results {
		r := &results[i]
		lg := l.lags[r.Check]
		if lg == nil || heights[i] == nil {
			continue
		}
		self := l.latest[lagKey{r.Check, r.Region}]
		var ref *big.Int
		refName := ""
		for k, o := range l.latest {
			switch {
			case k == lagKey{r.Check, r.Region}:
				continue
			case lg.Reference != "" && k.check != lg.Reference:
				continue
			case lg.Reference == "" && (o.group != lg.Group || !l.sameChain(self, o)):
				continue
			}
			if maxAge := l.maxAge[k.check]; maxAge > 0 && r.Time.Sub(o.at) > maxAge {
				continue
			}
			name := k.check
			if k.region != config.PublicRegion {
				name += " (" + k.region + ")"
			}
			// The highest height wins; ties go to the first name, so the
			// reference named is the same whatever the map's order.
			if c := cmpHeight(o.height, ref); c > 0 || (c == 0 && name < refName) {
				ref, refName = o.height, name
			}
		}
		if ref == nil {
			continue
		}
		judgeLag(r, lg, heights[i], ref, refName)
	}
}

func cmpHeight(a, b *big.Int) int {
	if b == nil {
		return 1
	}
	return a.Cmp(b)
}

func judgeLag(r *Result, lg *config.Lag, height, ref *big.Int, refName string) {
	behind := new(big.Int).Sub(ref, height)
	if behind.Sign() < 0 {
		behind.SetInt64(0)
	}
	if r.Values == nil {
		r.Values = Values{}
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
		return
	}
	fc := FailedCondition{
		Condition: fmt.Sprintf("lag <= %d blocks behind %s", limit, refName),
		Observed:  fmt.Sprintf("lag=%s height=%s reference_height=%s", behind, height, ref),
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

// sameChain: nodes of different chains are never compared. A node that
// records no chain value is compared with any.
func (l *Lag) sameChain(a, b lagSeen) bool {
	for _, key := range l.chainValues {
		ca, cb := a.chain[key], b.chain[key]
		if ca != "" && cb != "" && ca != cb {
			return false
		}
	}
	return true
}

// roundSteps are the value declarers among the steps that run on a
// finished set of results (see ValueCatalog).
func roundSteps() []ValueDeclarer { return []ValueDeclarer{(*Lag)(nil)} }
