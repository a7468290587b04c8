package prober

import (
	"context"

	"github.com/upchain-dev/upchain/prober/jsonrpc"
	"github.com/upchain-dev/upchain/prober/lotus"
	"github.com/upchain-dev/upchain/prober/lotus/address"
)

// Values of the `balances:` list (Filecoin.WalletBalance, attoFIL).
var (
	valueLotusBalances      = ValueSpec{Name: "filecoin_balances", Label: "Balances", Unit: UnitText}
	valueLotusBalanceLow    = ValueSpec{Name: "filecoin_balance_low", Label: "Balances below minimum", Unit: UnitText}
	valueLotusBalanceLowest = ValueSpec{Name: "filecoin_balance_lowest", Label: "Lowest balance", Unit: UnitAmount, Decimals: 18, Symbol: "FIL",
		Metric: "upchain_filecoin_balance_lowest_attofil", Help: "Lowest balance among the check's configured addresses, in attoFIL."}
)

// lotusBalanceSet is the check's list for the shared balance code:
// Filecoin addresses (f0…f4, checksums verified), amounts in FIL.
func lotusBalanceSet(o *LotusOptions) balanceSet {
	return balanceSet{field: "lotus.balances", list: o.Balances, unit: unitOf(18, "FIL"), form: "f1…, f3… or f0…",
		check:     func(a string) error { _, err := address.Parse(a); return err },
		listValue: valueLotusBalances.Name, lowValue: valueLotusBalanceLow.Name, lowestValue: valueLotusBalanceLowest.Name}
}

// balances reads the list with Filecoin.WalletBalance (a decimal
// attoFIL string; "0" for an address the chain has never seen).
func (lotusKind) balances(ctx context.Context, t *Target, cl *jsonrpc.Client, o *LotusOptions, obs *Observation) {
	lotusBalanceSet(o).probe(ctx, t, obs, func(ctx context.Context, i int) balanceRead {
		var s string
		c := &lotusCall{method: "WalletBalance", params: []any{o.Balances[i].Address}, out: &s}
		lotusRun(ctx, cl, c)
		if c.err != nil {
			return balanceRead{err: lotusFailure(c)}
		}
		n, err := lotus.ParseInt(s)
		if err != nil || n.Sign() < 0 {
			return balanceRead{err: Fail(ReasonBadResponse, "Filecoin.WalletBalance: %.40q is not an amount of attoFIL", s)}
		}
		return balanceRead{amount: n}
	})
}
