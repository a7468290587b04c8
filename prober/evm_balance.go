package prober

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math/big"
	"strings"

	"golang.org/x/crypto/sha3"

	"github.com/upchain-dev/upchain/prober/jsonrpc"
)

// EVMBalance is one account whose balance an evm check watches
// (eth_getBalance at "latest", in wei; min and down_below in ETH). Its
// address is 0x and 40 hex digits; in mixed case it must carry a valid
// EIP-55 checksum.
type EVMBalance = Balance

// Values of the balances.
var (
	valueEVMBalances      = ValueSpec{Name: "evm_balances", Label: "Balances", Unit: UnitText}
	valueEVMBalanceLow    = ValueSpec{Name: "evm_balance_low", Label: "Balances below minimum", Unit: UnitText}
	valueEVMBalanceLowest = ValueSpec{Name: "evm_balance_lowest", Label: "Lowest balance", Unit: UnitAmount, Decimals: 18, Symbol: "ETH", Chart: true,
		Metric: "upchain_evm_balance_lowest_wei", Help: "Lowest balance among the check's configured accounts, in wei."}
)

// validEVMAddress checks the form and, in mixed case, the EIP-55
// checksum (each letter upper case where the keccak-256 of the lower-case
// hex has a nibble >= 8).
func validEVMAddress(a string) error {
	if len(a) != 42 || !strings.HasPrefix(a, "0x") {
		return fmt.Errorf("not 0x and 40 hex digits")
	}
	digits := a[2:]
	if _, err := hex.DecodeString(digits); err != nil {
		return fmt.Errorf("not 0x and 40 hex digits")
	}
	lower := strings.ToLower(digits)
	if digits == lower || digits == strings.ToUpper(digits) {
		return nil // no checksum to check
	}
	h := sha3.NewLegacyKeccak256()
	h.Write([]byte(lower))
	sum := h.Sum(nil)
	want := []byte(lower)
	for i, c := range want {
		if c >= 'a' && (sum[i/2]>>(4*(1-uint(i%2))))&0xf >= 8 {
			want[i] = c - 32
		}
	}
	if string(want) != digits {
		return fmt.Errorf("bad EIP-55 checksum (expected 0x%s)", want)
	}
	return nil
}

// parseEther parses an amount in ETH ("0.5", "12") to wei, exactly.
func parseEther(s string) (*big.Int, error) { return parseUnits(s, 18, "ETH") }

// evmBalanceSet is the check's list for the shared balance code.
func evmBalanceSet(o *EVMOptions) balanceSet {
	return balanceSet{field: "evm.balances", list: o.Balances, unit: unitOf(18, "ETH"),
		form: "0x and 40 hex digits", check: validEVMAddress,
		listValue: valueEVMBalances.Name, lowValue: valueEVMBalanceLow.Name, lowestValue: valueEVMBalanceLowest.Name}
}

// evmBalances reads the configured balances (eth_getBalance at latest).
func evmBalances(ctx context.Context, t *Target, cl *jsonrpc.Client, o *EVMOptions, obs *Observation) {
	evmBalanceSet(o).probe(ctx, t, obs, func(ctx context.Context, i int) balanceRead {
		raw, err := cl.Call(ctx, "eth_getBalance", []any{strings.ToLower(o.Balances[i].Address), "latest"})
		if err != nil {
			return balanceRead{err: withPrefix(RPCFailure(err), "eth_getBalance: ")}
		}
		var s string
		if json.Unmarshal(raw, &s) != nil {
			return balanceRead{err: Fail(ReasonBadResponse, "eth_getBalance: not a hex quantity: %s", shorten(string(raw)))}
		}
		wei, _ := quantity(s)
		if wei == nil {
			return balanceRead{err: Fail(ReasonBadResponse, "eth_getBalance: not a hex quantity: %q", shorten(s))}
		}
		return balanceRead{amount: wei}
	})
}
