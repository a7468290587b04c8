package prober

import (
	"fmt"
	"math/big"
	"strings"
)

// Balances shared by the chain kinds' `balances:` lists: amounts are
// exact base units; min and down_below are written in the chain's unit.

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

// balanceRead is one account's balance as read, with its thresholds.
type balanceRead struct {
	name      string
	amount    *big.Int
	err       string // why it could not be read (redacted)
	min, down *big.Int
}

// balanceJudgement is what a list of reads makes of a check.
type balanceJudgement struct {
	vars              map[string]any
	shown, low, downs []string
	lowest            *big.Int
}

// judgeBalances: below min is low (degraded), below down down; an
// unreadable balance is low with its reason, its state being unknown.
func judgeBalances(reads []balanceRead, decimals int, symbol string) balanceJudgement {
	j := balanceJudgement{vars: map[string]any{}}
	for _, r := range reads {
		if r.amount == nil {
			j.low = append(j.low, r.name+": "+r.err)
			continue
		}
		amt := FormatAmount(r.amount.String(), decimals, symbol)
		j.shown = append(j.shown, r.name+": "+amt)
		j.vars[r.name] = condNumber(r.amount)
		if j.lowest == nil || r.amount.Cmp(j.lowest) < 0 {
			j.lowest = r.amount
		}
		if r.min != nil && r.amount.Cmp(r.min) < 0 {
			j.low = append(j.low, r.name+": "+amt+" < "+FormatAmount(r.min.String(), decimals, symbol))
		}
		if r.down != nil && r.amount.Cmp(r.down) < 0 {
			j.downs = append(j.downs, r.name+": "+amt+" < "+FormatAmount(r.down.String(), decimals, symbol))
		}
	}
	return j
}
