package prober

import (
	"context"
	"fmt"
	"math/big"
	"strings"
	"sync"

	"github.com/upchain-dev/upchain/prober/cond"
	"github.com/upchain-dev/upchain/prober/config"
)

// Balances: the `balances:` list of the chain kinds (evm, cometbft,
// conflux, substrate, beacon, lotus) is validated, read, judged and
// recorded here, the same way for all. A kind supplies only what its
// addresses look like, the unit its amounts are in and how to read one
// account's balance (balanceSet). Amounts are exact base units; min and
// down_below are written in the chain's unit.

// Balance is one account a check watches.
type Balance struct {
	// Name shown in values and reasons (default: the address).
	Name string `yaml:"name"`
	// Address in the chain's own form (see each kind).
	Address string `yaml:"address"`
	// Min in the chain's unit ("0.5"), exact to its base unit: below it
	// the check is degraded.
	Min string `yaml:"min"`
	// DownBelow in the chain's unit: below it the check is down.
	DownBelow string `yaml:"down_below"`
}

func (b Balance) name() string {
	if b.Name != "" {
		return b.Name
	}
	return b.Address
}

const (
	maxBalances = 20
	// maxBalanceDecimals bounds a unit's decimals (the largest in use is
	// 18; CometBFT denoms may declare up to 30).
	maxBalanceDecimals = 30
)

// withBalanceVars adds the variables every kind with balances sets to
// its declaration; balances are keyed by the names the check gives them.
func withBalanceVars(f cond.Fields) cond.Fields {
	f["balances"], f["balance_low"], f["balance_down"] = cond.Dynamic, cond.String, cond.String
	return f
}

// balanceUnit is what a balance's amounts are written in: base units
// scaled by 10^decimals make one symbol.
type balanceUnit struct {
	decimals int
	symbol   string
}

// balanceRead is one account's balance as read: the amount in base units,
// or why it could not be read. detail follows the amount in the shown
// list (the parts of a Substrate account).
type balanceRead struct {
	amount *big.Int
	detail string
	err    error
}

// balanceSet is one check's list and what its kind says about it.
type balanceSet struct {
	field string // the option, "evm.balances"
	list  []Balance
	// unit of account i (all the same except for cometbft denoms).
	unit func(i int) balanceUnit
	// form describes an address, for a missing one ("0x and 40 hex digits").
	form string
	// check validates an address at load time.
	check func(address string) error
	// Names of the values recorded: the list, those below min and (when
	// every account has the same unit; else "") the lowest amount.
	listValue, lowValue, lowestValue string
}

// unitOf is a balanceSet.unit for a list in one unit.
func unitOf(decimals int, symbol string) func(int) balanceUnit {
	return func(int) balanceUnit { return balanceUnit{decimals, symbol} }
}

// thresholds are account i's min and down_below in base units (nil:
// unset or invalid, which load reports).
func (s balanceSet) thresholds(i int) (min, down *big.Int) {
	u, b := s.unit(i), s.list[i]
	if u.decimals < 0 || u.decimals > maxBalanceDecimals {
		return nil, nil
	}
	if b.Min != "" {
		min, _ = parseUnits(b.Min, u.decimals, u.symbol)
	}
	if b.DownBelow != "" {
		down, _ = parseUnits(b.DownBelow, u.decimals, u.symbol)
	}
	return min, down
}

// problems validates the list: at most maxBalances accounts, each with a
// valid address and a unique name, amounts in the unit, down_below at
// most min. Each problem is reported at its item's line.
func (s balanceSet) problems() []config.FieldProblem {
	var out []config.FieldProblem
	if len(s.list) > maxBalances {
		out = append(out, config.FieldProblem{Field: s.field, Msg: fmt.Sprintf("%s: at most %d accounts per check", s.field, maxBalances)})
	}
	names := map[string]bool{}
	for i, b := range s.list {
		field := fmt.Sprintf("%s[%d]", s.field, i)
		report := func(format string, args ...any) {
			out = append(out, config.FieldProblem{Field: field, Msg: field + ": " + fmt.Sprintf(format, args...)})
		}
		if b.Address == "" {
			report("needs an address (%s)", s.form)
		} else if err := s.check(b.Address); err != nil {
			report("address %q: %v", b.Address, err)
		}
		if names[b.name()] {
			report("name %q is used twice", b.name())
		}
		names[b.name()] = true
		u := s.unit(i)
		if u.decimals < 0 || u.decimals > maxBalanceDecimals {
			continue // the kind reports its unit
		}
		min, down := s.thresholds(i)
		if b.Min != "" && min == nil {
			_, err := parseUnits(b.Min, u.decimals, u.symbol)
			report("min %q: %v", b.Min, err)
		}
		if b.DownBelow != "" && down == nil {
			_, err := parseUnits(b.DownBelow, u.decimals, u.symbol)
			report("down_below %q: %v", b.DownBelow, err)
		}
		if min != nil && down != nil && down.Cmp(min) > 0 {
			report("down_below %s is above min %s: down_below is the lower alarm", b.DownBelow, b.Min)
		}
	}
	return out
}

// conditions: below min is degraded, below down_below down.
func (s balanceSet) conditions() (up, degraded []string) {
	for _, b := range s.list {
		if b.Min != "" && degraded == nil {
			degraded = []string{`balance_low == ""`}
		}
		if b.DownBelow != "" && up == nil {
			up = []string{`balance_down == ""`}
		}
	}
	return up, degraded
}

// probe reads every balance in parallel and records the judgement. A
// balance that cannot be read counts as low (degraded) with its reason,
// not as down: its state is unknown, and the node itself answered.
func (s balanceSet) probe(ctx context.Context, t *Target, obs *Observation, read func(ctx context.Context, i int) balanceRead) {
	vars := map[string]any{}
	obs.Vars["balances"] = vars
	obs.Vars["balance_low"], obs.Vars["balance_down"] = "", ""
	if len(s.list) == 0 {
		return
	}
	reads := make([]balanceRead, len(s.list))
	var wg sync.WaitGroup
	for i := range s.list {
		wg.Add(1)
		go func() {
			defer wg.Done()
			reads[i] = read(ctx, i)
		}()
	}
	wg.Wait()
	var shown, low, down []string
	var lowest *big.Int
	for i, b := range s.list {
		r, u := reads[i], s.unit(i)
		if r.err == nil && r.amount == nil {
			r.err = Fail(ReasonBadResponse, "no amount")
		}
		if r.err != nil {
			// Redacted before shortening: a cut through a secret would
			// leave part of it.
			low = append(low, b.name()+": "+t.Redactor.String(Classify(r.err).Msg))
			continue
		}
		amt := FormatAmount(r.amount.String(), u.decimals, u.symbol)
		shown = append(shown, b.name()+": "+amt+r.detail)
		vars[b.name()] = condNumber(r.amount)
		if lowest == nil || r.amount.Cmp(lowest) < 0 {
			lowest = r.amount
		}
		min, d := s.thresholds(i)
		if min != nil && r.amount.Cmp(min) < 0 {
			low = append(low, b.name()+": "+amt+" < "+FormatAmount(min.String(), u.decimals, u.symbol))
		}
		if d != nil && r.amount.Cmp(d) < 0 {
			down = append(down, b.name()+": "+amt+" < "+FormatAmount(d.String(), u.decimals, u.symbol))
		}
	}
	obs.Vars["balance_low"] = strings.Join(low, "; ")
	obs.Vars["balance_down"] = strings.Join(down, "; ")
	if len(shown) > 0 {
		obs.Values[s.listValue] = shorten(strings.Join(shown, "; "))
	}
	if len(low) > 0 {
		obs.Values[s.lowValue] = shorten(strings.Join(low, "; "))
	}
	if lowest != nil && s.lowestValue != "" {
		obs.Values[s.lowestValue] = lowest.String()
	}
}

// parseUnits parses an amount in whole units ("0.5", "12") with decimals
// places to base units, exactly, up to 256 bits.
func parseUnits(s string, decimals int, symbol string) (*big.Int, error) {
	bad := fmt.Errorf("not an amount of %s, e.g. 0.5 (at most %d decimals)", symbol, decimals)
	s = strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(s), symbol))
	whole, frac, _ := strings.Cut(s, ".")
	if (whole == "" && frac == "") || len(frac) > decimals {
		return nil, bad
	}
	digits := whole + frac + strings.Repeat("0", decimals-len(frac))
	if strings.Trim(digits, "0123456789") != "" {
		return nil, bad
	}
	n, ok := new(big.Int).SetString(digits, 10)
	if !ok || n.BitLen() > 256 {
		return nil, bad
	}
	return n, nil
}
