package prober

import (
	"context"
	"fmt"
	"math/big"
	"regexp"
	"strings"
	"sync"

	"github.com/upchain-dev/upchain/prober/cometbft"
	"github.com/upchain-dev/upchain/prober/config"
)

// CometBFTBalance is one account whose bank balance a cometbft check
// watches through the LCD (cosmos.bank.v1beta1 BalanceByDenom).
type CometBFTBalance struct {
	// Name shown in values and reasons (default: the address).
	Name string `yaml:"name"`
	// Address is the account in bech32 (cosmos1…, osmo1…).
	Address string `yaml:"address"`
	// Denom is the base denomination, e.g. uatom.
	Denom string `yaml:"denom"`
	// Decimals from the base denom to the display unit (default 6:
	// 1 ATOM = 10^6 uatom); Symbol is the unit's name (default: the denom
	// without its "u", upper case).
	Decimals *int   `yaml:"decimals"`
	Symbol   string `yaml:"symbol"`
	// Min and DownBelow in the display unit ("12.5"): below min degraded,
	// below down_below down.
	Min       string `yaml:"min"`
	DownBelow string `yaml:"down_below"`
}

const maxCometBFTBalances = 20

var cosmosDenom = regexp.MustCompile(`^[a-zA-Z][a-zA-Z0-9/:._-]{2,127}$`)

// Values of the balances (amounts differ in unit per check: text).
var (
	valueCometBFTBalances   = ValueSpec{Name: "cometbft_balances", Label: "Balances", Unit: UnitText}
	valueCometBFTBalanceLow = ValueSpec{Name: "cometbft_balance_low", Label: "Balances below minimum", Unit: UnitText}
)

func (b CometBFTBalance) name() string {
	if b.Name != "" {
		return b.Name
	}
	return b.Address
}

func (b CometBFTBalance) decimals() int {
	if b.Decimals != nil {
		return *b.Decimals
	}
	return 6
}

func (b CometBFTBalance) symbol() string {
	if b.Symbol != "" {
		return b.Symbol
	}
	return strings.ToUpper(strings.TrimPrefix(b.Denom, "u"))
}

func cometbftBalanceProblems(o *CometBFTOptions) []config.FieldProblem {
	var out []config.FieldProblem
	if len(o.Balances) > 0 && o.LCD == "" {
		out = append(out, config.FieldProblem{Field: "cometbft.balances", Msg: "cometbft.balances: balances are read from the LCD: set cometbft.lcd"})
	}
	if len(o.Balances) > maxCometBFTBalances {
		out = append(out, config.FieldProblem{Field: "cometbft.balances", Msg: fmt.Sprintf("cometbft.balances: at most %d accounts per check", maxCometBFTBalances)})
	}
	names := map[string]bool{}
	for i, b := range o.Balances {
		field := fmt.Sprintf("cometbft.balances[%d]", i)
		report := func(format string, args ...any) {
			out = append(out, config.FieldProblem{Field: field, Msg: field + ": " + fmt.Sprintf(format, args...)})
		}
		if b.Address == "" {
			report("needs an address (bech32, e.g. cosmos1…)")
		} else if hrp, data, err := cometbft.Bech32Decode(b.Address); err != nil {
			report("address %q: %v", b.Address, err)
		} else if len(data) != 20 && len(data) != 32 {
			report("address %q: %d bytes, an account has 20 or 32", b.Address, len(data))
		} else if strings.HasSuffix(hrp, "valoper") || strings.HasSuffix(hrp, "valcons") {
			report("address %q is a validator's %s address: give its account (%s1…)", b.Address, hrp[len(hrp)-7:], strings.TrimSuffix(strings.TrimSuffix(hrp, "valoper"), "valcons"))
		}
		if !cosmosDenom.MatchString(b.Denom) {
			report("denom %q: give the base denom, e.g. uatom", b.Denom)
		}
		if d := b.decimals(); d < 0 || d > 30 {
			report("decimals %d: 0 to 30", d)
			continue
		}
		if names[b.name()] {
			report("name %q is used twice", b.name())
		}
		names[b.name()] = true
		min, down := b.thresholds()
		if b.Min != "" && min == nil {
			report("min %q: not an amount of %s, e.g. 12.5 (at most %d decimals)", b.Min, b.symbol(), b.decimals())
		}
		if b.DownBelow != "" && down == nil {
			report("down_below %q: not an amount of %s", b.DownBelow, b.symbol())
		}
		if min != nil && down != nil && down.Cmp(min) > 0 {
			report("down_below %s is above min %s: down_below is the lower alarm", b.DownBelow, b.Min)
		}
	}
	return out
}

// thresholds are min and down_below in base units (nil: unset or bad).
func (b CometBFTBalance) thresholds() (min, down *big.Int) {
	if b.Min != "" {
		min, _ = parseUnits(b.Min, b.decimals(), b.symbol())
	}
	if b.DownBelow != "" {
		down, _ = parseUnits(b.DownBelow, b.decimals(), b.symbol())
	}
	return min, down
}

func cometbftBalanceConditions(o *CometBFTOptions) (up, degraded []string) {
	for _, b := range o.Balances {
		if b.Min != "" && degraded == nil {
			degraded = []string{`balance_low == ""`}
		}
		if b.DownBelow != "" && up == nil {
			up = []string{`balance_down == ""`}
		}
	}
	return up, degraded
}

// cometbftBalances reads the balances from the LCD in parallel.
func (k cometbftKind) balances(ctx context.Context, t *Target, o *CometBFTOptions, obs *Observation) {
	obs.Vars["balances"] = map[string]any{}
	obs.Vars["balance_low"], obs.Vars["balance_down"] = "", ""
	if len(o.Balances) == 0 || o.LCD == "" {
		return
	}
	lcd := k.lcd(t, o)
	reads := make([]balanceRead, len(o.Balances))
	var wg sync.WaitGroup
	for i, b := range o.Balances {
		reads[i].name = b.name()
		reads[i].min, reads[i].down = b.thresholds()
		wg.Add(1)
		go func() {
			defer wg.Done()
			n, err := lcd.Balance(ctx, b.Address, b.Denom)
			if err != nil {
				reads[i].err = t.Redactor.String(shorten(Classify(err).Msg))
				return
			}
			reads[i].amount = n
		}()
	}
	wg.Wait()
	// Accounts may differ in denom: each is judged in its own unit.
	var shown, low, down []string
	vars := map[string]any{}
	for i, b := range o.Balances {
		j := judgeBalances(reads[i:i+1], b.decimals(), b.symbol())
		for k, v := range j.vars {
			vars[k] = v
		}
		shown, low, down = append(shown, j.shown...), append(low, j.low...), append(down, j.downs...)
	}
	obs.Vars["balances"] = vars
	obs.Vars["balance_low"] = strings.Join(low, "; ")
	obs.Vars["balance_down"] = strings.Join(down, "; ")
	if len(shown) > 0 {
		obs.Values[valueCometBFTBalances.Name] = shorten(strings.Join(shown, "; "))
	}
	if len(low) > 0 {
		obs.Values[valueCometBFTBalanceLow.Name] = shorten(strings.Join(low, "; "))
	}
}
