package prober

import (
	"context"
	"fmt"
	"regexp"
	"strings"

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

var cosmosDenom = regexp.MustCompile(`^[a-zA-Z][a-zA-Z0-9/:._-]{2,127}$`)

// Values of the balances (amounts differ in unit per check: text).
var (
	valueCometBFTBalances   = ValueSpec{Name: "cometbft_balances", Label: "Balances", Unit: UnitText}
	valueCometBFTBalanceLow = ValueSpec{Name: "cometbft_balance_low", Label: "Balances below minimum", Unit: UnitText}
)

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

// cometbftBalanceSet is the check's list for the shared balance code;
// each account is in its own denom's unit, so there is no lowest.
func cometbftBalanceSet(o *CometBFTOptions) balanceSet {
	list := make([]Balance, len(o.Balances))
	for i, b := range o.Balances {
		list[i] = Balance{Name: b.Name, Address: b.Address, Min: b.Min, DownBelow: b.DownBelow}
	}
	return balanceSet{field: "cometbft.balances", list: list,
		unit:      func(i int) balanceUnit { return balanceUnit{o.Balances[i].decimals(), o.Balances[i].symbol()} },
		form:      "bech32, e.g. cosmos1…",
		check:     cosmosAccount,
		listValue: valueCometBFTBalances.Name, lowValue: valueCometBFTBalanceLow.Name}
}

// cosmosAccount checks a bech32 account address (checksum included).
func cosmosAccount(a string) error {
	hrp, data, err := cometbft.Bech32Decode(a)
	switch {
	case err != nil:
		return err
	case len(data) != 20 && len(data) != 32:
		return fmt.Errorf("%d bytes, an account has 20 or 32", len(data))
	case strings.HasSuffix(hrp, "valoper") || strings.HasSuffix(hrp, "valcons"):
		return fmt.Errorf("is a validator's %s address: give its account (%s1…)", hrp[len(hrp)-7:], strings.TrimSuffix(strings.TrimSuffix(hrp, "valoper"), "valcons"))
	}
	return nil
}

// cometbftBalanceProblems: the shared checks, plus the LCD they are read
// from and each account's denom and decimals.
func cometbftBalanceProblems(o *CometBFTOptions) []config.FieldProblem {
	var out []config.FieldProblem
	if len(o.Balances) > 0 && o.LCD == "" {
		out = append(out, config.FieldProblem{Field: "cometbft.balances", Msg: "cometbft.balances: balances are read from the LCD: set cometbft.lcd"})
	}
	for i, b := range o.Balances {
		field := fmt.Sprintf("cometbft.balances[%d]", i)
		if !cosmosDenom.MatchString(b.Denom) {
			out = append(out, config.FieldProblem{Field: field, Msg: fmt.Sprintf("%s: denom %q: give the base denom, e.g. uatom", field, b.Denom)})
		}
		if d := b.decimals(); d < 0 || d > maxBalanceDecimals {
			out = append(out, config.FieldProblem{Field: field, Msg: fmt.Sprintf("%s: decimals %d: 0 to %d", field, d, maxBalanceDecimals)})
		}
	}
	return append(out, cometbftBalanceSet(o).problems()...)
}

// balances reads the balances from the LCD (BalanceByDenom).
func (k cometbftKind) balances(ctx context.Context, t *Target, o *CometBFTOptions, obs *Observation) {
	set := cometbftBalanceSet(o)
	if o.LCD == "" { // refused at load; the variables are still set
		set.list = nil
		set.probe(ctx, t, obs, nil)
		return
	}
	lcd := k.lcd(t, o)
	set.probe(ctx, t, obs, func(ctx context.Context, i int) balanceRead {
		n, err := lcd.Balance(ctx, o.Balances[i].Address, o.Balances[i].Denom)
		return balanceRead{amount: n, err: err}
	})
}
