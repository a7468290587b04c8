package prober

import (
	"context"
	"encoding/json"
	"fmt"
	"math/big"
	"strings"

	"github.com/upchain-dev/upchain/prober/config"
	"github.com/upchain-dev/upchain/prober/substrate/scale"
	"github.com/upchain-dev/upchain/prober/substrate/ss58"
	"github.com/upchain-dev/upchain/prober/substrate/storage"
)

// Values of the `balances:` list (System.Account). The lowest is in
// Planck like the kind's other amounts: decimals differ per chain.
var (
	valueSubstrateBalances      = ValueSpec{Name: "substrate_balances", Label: "Balances", Unit: UnitText}
	valueSubstrateBalanceLow    = ValueSpec{Name: "substrate_balance_low", Label: "Balances below minimum", Unit: UnitText}
	valueSubstrateBalanceLowest = ValueSpec{Name: "substrate_balance_lowest", Label: "Lowest transferable balance", Unit: UnitAmount, Symbol: "planck",
		Metric: "upchain_substrate_balance_lowest_planck", Help: "Lowest transferable balance among the check's configured accounts, in Planck."}
)

// substrateChains are the chains whose unit and SS58 prefix need not be
// configured, by the start of their system_chain ("Polkadot Asset Hub"
// is Polkadot's), as their system_properties give them.
var substrateChains = []struct {
	name     string
	decimals int
	symbol   string
	prefix   uint16
}{
	{"Polkadot", 10, "DOT", ss58.Polkadot},
	{"Kusama", 12, "KSM", ss58.Kusama},
	{"Westend", 12, "WND", ss58.Substrate},
}

// knownChain is the check's chain among substrateChains, if it is.
func (o *SubstrateOptions) knownChain() (decimals int, symbol string, prefix uint16, ok bool) {
	for _, c := range substrateChains {
		if o.Chain == c.name || strings.HasPrefix(o.Chain, c.name+" ") {
			return c.decimals, c.symbol, c.prefix, true
		}
	}
	return 0, "", 0, false
}

// balanceUnit is the chain's unit: decimals and symbol as configured,
// else the known chain's; ok is false when neither says.
func (o *SubstrateOptions) balanceUnit() (balanceUnit, bool) {
	d, s, _, known := o.knownChain()
	if o.Decimals != nil {
		d = *o.Decimals
	}
	if o.Symbol != "" {
		s = o.Symbol
	}
	return balanceUnit{d, s}, (known || o.Decimals != nil) && s != ""
}

// substrateBalanceSet is the check's list for the shared balance code:
// SS58 addresses, on the chain's prefix when it is known; amounts in the
// chain's unit.
func substrateBalanceSet(o *SubstrateOptions) balanceSet {
	u, _ := o.balanceUnit()
	return balanceSet{field: "substrate.balances", list: o.Balances, unit: func(int) balanceUnit { return u },
		form: "SS58, e.g. 1…", check: o.balanceAccount,
		listValue: valueSubstrateBalances.Name, lowValue: valueSubstrateBalanceLow.Name, lowestValue: valueSubstrateBalanceLowest.Name}
}

// balanceAccount checks an SS58 address (checksum included) and, on a
// known chain, its network prefix: an address of another network is most
// likely another account the user meant to watch there.
func (o *SubstrateOptions) balanceAccount(a string) error {
	prefix, id, err := ss58.Decode(a)
	if err != nil {
		return fmt.Errorf("not an SS58 address: %v", err)
	}
	if _, _, want, ok := o.knownChain(); ok && prefix != want {
		same, _ := ss58.Encode(want, id)
		return fmt.Errorf("has SS58 prefix %d, but %s uses %d: the same account there is %s", prefix, o.Chain, want, same)
	}
	return nil
}

// substrateBalanceProblems: the chain's unit must be known to read min
// and down_below; then the shared checks.
func substrateBalanceProblems(o *SubstrateOptions) []config.FieldProblem {
	var out []config.FieldProblem
	if o.Decimals != nil && (*o.Decimals < 0 || *o.Decimals > maxBalanceDecimals) {
		out = append(out, config.FieldProblem{Field: "substrate.decimals", Msg: fmt.Sprintf("substrate.decimals: %d: 0 to %d", *o.Decimals, maxBalanceDecimals)})
	}
	if _, ok := o.balanceUnit(); !ok && len(o.Balances) > 0 {
		out = append(out, config.FieldProblem{Field: "substrate.balances", Msg: "substrate.balances: the chain's unit is unknown: set substrate.chain (Polkadot, Kusama, Westend) or substrate.decimals and substrate.symbol (its system_properties tokenDecimals and tokenSymbol)"})
	}
	return append(out, substrateBalanceSet(o).problems()...)
}

// checkUnit compares the unit amounts are read in with the node's
// system_properties tokenDecimals: a wrong one would misstate every
// amount by powers of ten. A node that does not say (a dev chain, or a
// failed call) is taken at the check's word.
func (p *substrateProbe) checkUnit(ctx context.Context, u balanceUnit) error {
	var props struct {
		TokenDecimals json.RawMessage `json:"tokenDecimals"`
	}
	if p.node.call(ctx, "system_properties", nil, &props) != nil {
		return nil
	}
	// A number, or one per token with the native token first.
	var one int
	var many []int
	switch {
	case json.Unmarshal(props.TokenDecimals, &one) == nil:
	case json.Unmarshal(props.TokenDecimals, &many) == nil && len(many) > 0:
		one = many[0]
	default:
		return nil
	}
	if one != u.decimals {
		return Fail(ReasonConfig, "the node's tokenDecimals (system_properties) is %d, but amounts are read with %d decimals: set substrate.decimals", one, u.decimals)
	}
	return nil
}

// readBalances reads each account's System.Account at the best block
// into obs; the amount judged is the transferable one (AccountInfo's
// Transferable), and free, reserved and frozen are shown beside it. An
// account without an entry has nothing: all zero.
func (p *substrateProbe) readBalances(ctx context.Context, obs *Observation) {
	set := substrateBalanceSet(p.o)
	if len(set.list) == 0 {
		set.probe(ctx, p.t, obs, nil)
		return
	}
	u := set.unit(0)
	unitErr := p.checkUnit(ctx, u)
	set.probe(ctx, p.t, obs, func(ctx context.Context, i int) balanceRead {
		if unitErr != nil {
			return balanceRead{err: unitErr}
		}
		_, id, err := ss58.Decode(p.o.Balances[i].Address)
		if err != nil { // checked at load
			return balanceRead{err: Fail(ReasonConfig, "substrate.balances: %v", err)}
		}
		raw, ok, err := p.node.storage(ctx, storage.SystemAccount(scale.AccountID(id)), "System.Account")
		if err != nil {
			return balanceRead{err: err}
		}
		a := storage.AccountInfo{Free: new(big.Int), Reserved: new(big.Int), Frozen: new(big.Int)}
		if ok {
			if a, err = storage.DecodeAccountInfo(raw); err != nil {
				return balanceRead{err: Fail(ReasonBadResponse, "%v", err)}
			}
		}
		amt := func(what string, v *big.Int) string {
			return what + " " + FormatAmount(v.String(), u.decimals, u.symbol)
		}
		return balanceRead{amount: a.Transferable(),
			detail: " transferable (" + amt("free", a.Free) + ", " + amt("reserved", a.Reserved) + ", " + amt("frozen", a.Frozen) + ")"}
	})
}
