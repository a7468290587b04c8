package prober

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math/big"
	"strings"
	"sync"

	"golang.org/x/crypto/sha3"

	"github.com/upchain-dev/upchain/prober/config"
	"github.com/upchain-dev/upchain/prober/jsonrpc"
)

// EVMBalance is one account whose balance an evm check watches
// (eth_getBalance at "latest", in wei).
type EVMBalance struct {
	// Name shown in values and reasons (default: the address).
	Name string `yaml:"name"`
	// Address: 0x and 40 hex digits; in mixed case it must carry a valid
	// EIP-55 checksum.
	Address string `yaml:"address"`
	// Min in ETH (the chain's unit, 18 decimals), exact to the wei, e.g.
	// "0.5": below it the check is degraded.
	Min string `yaml:"min"`
	// DownBelow in ETH: below it the check is down.
	DownBelow string `yaml:"down_below"`
}

const maxEVMBalances = 20

// Values of the balances.
var (
	valueEVMBalances      = ValueSpec{Name: "evm_balances", Label: "Balances", Unit: UnitText}
	valueEVMBalanceLow    = ValueSpec{Name: "evm_balance_low", Label: "Balances below minimum", Unit: UnitText}
	valueEVMBalanceLowest = ValueSpec{Name: "evm_balance_lowest", Label: "Lowest balance", Unit: UnitAmount, Decimals: 18, Symbol: "ETH", Chart: true,
		Metric: "upchain_evm_balance_lowest_wei", Help: "Lowest balance among the check's configured accounts, in wei."}
)

func (b EVMBalance) name() string {
	if b.Name != "" {
		return b.Name
	}
	return b.Address
}

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

func evmBalanceProblems(o *EVMOptions) []config.FieldProblem {
	var out []config.FieldProblem
	if len(o.Balances) > maxEVMBalances {
		out = append(out, config.FieldProblem{Field: "evm.balances", Msg: fmt.Sprintf("evm.balances: at most %d accounts per check", maxEVMBalances)})
	}
	names := map[string]bool{}
	for i, b := range o.Balances {
		field := fmt.Sprintf("evm.balances[%d]", i)
		report := func(format string, args ...any) {
			out = append(out, config.FieldProblem{Field: field, Msg: field + ": " + fmt.Sprintf(format, args...)})
		}
		if b.Address == "" {
			report("needs an address (0x and 40 hex digits)")
		} else if err := validEVMAddress(b.Address); err != nil {
			report("address %q: %v", b.Address, err)
		}
		if names[b.name()] {
			report("name %q is used twice", b.name())
		}
		names[b.name()] = true
		var min, down *big.Int
		var err error
		if b.Min != "" {
			if min, err = parseEther(b.Min); err != nil {
				report("min %q: %v", b.Min, err)
			}
		}
		if b.DownBelow != "" {
			if down, err = parseEther(b.DownBelow); err != nil {
				report("down_below %q: %v", b.DownBelow, err)
			}
		}
		if min != nil && down != nil && down.Cmp(min) > 0 {
			report("down_below %s is above min %s: down_below is the lower alarm", b.DownBelow, b.Min)
		}
	}
	return out
}

// evmBalanceConditions: below min is degraded, below down_below down.
func evmBalanceConditions(o *EVMOptions) (up, degraded []string) {
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

// evmBalances reads the configured balances in parallel. One that cannot
// be read counts as low (degraded) with its reason, not as down: its
// state is unknown, and the node itself answered.
func evmBalances(ctx context.Context, t *Target, cl *jsonrpc.Client, o *EVMOptions, obs *Observation) {
	vars := map[string]any{}
	obs.Vars["balances"] = vars
	obs.Vars["balance_low"], obs.Vars["balance_down"] = "", ""
	if len(o.Balances) == 0 {
		return
	}
	type read struct {
		wei *big.Int
		err error
	}
	got := make([]read, len(o.Balances))
	var wg sync.WaitGroup
	for i, b := range o.Balances {
		wg.Add(1)
		go func() {
			defer wg.Done()
			raw, err := cl.Call(ctx, "eth_getBalance", []any{strings.ToLower(b.Address), "latest"})
			if err != nil {
				got[i].err = err
				return
			}
			var s string
			if json.Unmarshal(raw, &s) != nil {
				got[i].err = fmt.Errorf("not a hex quantity: %s", shorten(string(raw)))
				return
			}
			if got[i].wei, _ = quantity(s); got[i].wei == nil {
				got[i].err = fmt.Errorf("not a hex quantity: %q", shorten(s))
			}
		}()
	}
	wg.Wait()
	var shown, low, down []string
	var lowest *big.Int
	for i, b := range o.Balances {
		r := got[i]
		if r.err != nil {
			f := Classify(RPCFailure(r.err))
			low = append(low, b.name()+": "+t.Redactor.String("eth_getBalance: "+f.Msg))
			continue
		}
		eth := FormatAmount(r.wei.String(), 18, "ETH")
		shown = append(shown, b.name()+": "+eth)
		vars[b.name()] = condNumber(r.wei)
		if lowest == nil || r.wei.Cmp(lowest) < 0 {
			lowest = r.wei
		}
		if b.Min != "" {
			if min, _ := parseEther(b.Min); min != nil && r.wei.Cmp(min) < 0 { // checked at load
				low = append(low, b.name()+": "+eth+" < "+FormatAmount(min.String(), 18, "ETH"))
			}
		}
		if b.DownBelow != "" {
			if d, _ := parseEther(b.DownBelow); d != nil && r.wei.Cmp(d) < 0 {
				down = append(down, b.name()+": "+eth+" < "+FormatAmount(d.String(), 18, "ETH"))
			}
		}
	}
	obs.Vars["balance_low"] = strings.Join(low, "; ")
	obs.Vars["balance_down"] = strings.Join(down, "; ")
	obs.Values[valueEVMBalances.Name] = shorten(strings.Join(shown, "; "))
	if len(low) > 0 {
		obs.Values[valueEVMBalanceLow.Name] = shorten(strings.Join(low, "; "))
	}
	if lowest != nil {
		obs.Values[valueEVMBalanceLowest.Name] = lowest.String()
	}
}
