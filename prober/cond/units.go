package cond

import (
	"fmt"
	"math/big"

	"github.com/expr-lang/expr"
)

// Amounts stay in the chain's base units everywhere (exact, as the node
// reports them). Two kinds of helper bridge to the units people write:
//
//   - units(x, decimals) turns base units into whole units, exactly:
//     units(result, 18) >= 1.5 for 1.5 ETH;
//   - a named helper per unit turns whole units into base units:
//     result >= ether(1.5), balance < dot(10).
//
// unitDecimals lists the named helpers.
var unitDecimals = map[string]int{
	"ether": 18, "gwei": 9, // Ethereum: wei
	"cfx":  18, // Conflux: drip
	"fil":  18, // Filecoin: attoFIL
	"dot":  10, // Polkadot: planck
	"ksm":  12, // Kusama: planck
	"atom": 6,  // Cosmos Hub: uatom
}

func pow10(d int) *big.Rat {
	return new(big.Rat).SetInt(new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(d)), nil))
}

var unitsFunc = expr.Function("units", func(p ...any) (any, error) {
	x, ok := toRat(p[0])
	if !ok {
		return nil, fmt.Errorf("units(%s, ...): not an amount", Format(p[0]))
	}
	d, ok := small(p[1])
	if !ok || d < 0 || d > 77 {
		return nil, fmt.Errorf("units(x, %s): decimals must be an integer 0..77", Format(p[1]))
	}
	return normalize(new(big.Rat).Quo(x, pow10(int(d)))), nil
}, new(func(any, int) any))

// unitFuncs are the named helpers, e.g. ether(1.5) = 1500000000000000000.
func unitFuncs() []expr.Option {
	out := []expr.Option{unitsFunc}
	for name, d := range unitDecimals {
		name, scale := name, pow10(d)
		out = append(out, expr.Function(name, func(p ...any) (any, error) {
			x, ok := toRat(p[0])
			if !ok {
				return nil, fmt.Errorf("%s(%s): not an amount", name, Format(p[0]))
			}
			return normalize(new(big.Rat).Mul(x, scale)), nil
		}, new(func(any) any)))
	}
	return out
}
