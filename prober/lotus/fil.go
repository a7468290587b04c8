package lotus

import (
	"fmt"
	"math/big"
	"strings"
)

// AttoPerFIL is 10^18: FIL amounts on the wire are attoFIL.
var AttoPerFIL = new(big.Int).Exp(big.NewInt(10), big.NewInt(18), nil)

// ParseFIL reads a threshold written in FIL ("5", "0.25", "1.5 FIL") as
// an exact number of attoFIL: no floating point, so comparing with a
// balance is exact to the last attoFIL.
func ParseFIL(s string) (*big.Int, error) {
	t := strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(s), "FIL"))
	whole, frac, _ := strings.Cut(t, ".")
	if whole == "" && frac == "" || len(frac) > 18 || len(whole) > 30 || strings.HasPrefix(t, "-") {
		return nil, fmt.Errorf("%q is not an amount of FIL with at most 18 decimals, e.g. \"5\" or \"0.25\"", s)
	}
	digits := whole + frac + strings.Repeat("0", 18-len(frac))
	for _, c := range digits {
		if c < '0' || c > '9' {
			return nil, fmt.Errorf("%q is not an amount of FIL with at most 18 decimals, e.g. \"5\" or \"0.25\"", s)
		}
	}
	n, _ := new(big.Int).SetString(digits, 10)
	return n, nil
}
