package prober

import (
	"context"
	"fmt"
	"math/big"
	"slices"
	"strconv"
	"strings"

	"github.com/upchain-dev/upchain/prober/beacon"
)

// Values of the `balances:` list: validator balances in Gwei, shown in ETH.
var (
	valueBeaconBalances      = ValueSpec{Name: "beacon_balances", Label: "Balances", Unit: UnitText}
	valueBeaconBalanceLow    = ValueSpec{Name: "beacon_balance_low", Label: "Balances below minimum", Unit: UnitText}
	valueBeaconBalanceLowest = beaconGwei("beacon_balance_lowest", "Lowest balance", "upchain_beacon_balance_lowest_gwei",
		"Lowest balance among the check's configured validators, in Gwei.")
)

// beaconBalanceSet is the check's list for the shared balance code: an
// address is a validator index or its 0x pubkey (48 bytes); amounts in
// ETH, exact to the Gwei.
func beaconBalanceSet(o *BeaconOptions) balanceSet {
	return balanceSet{field: "beacon.balances", list: o.Balances, unit: unitOf(9, "ETH"),
		form: "a validator index or 0x pubkey", check: beaconValidatorID,
		listValue: valueBeaconBalances.Name, lowValue: valueBeaconBalanceLow.Name, lowestValue: valueBeaconBalanceLowest.Name}
}

// beaconValidatorID accepts a validator index or a 0x pubkey.
func beaconValidatorID(id string) error {
	if _, err := strconv.ParseUint(id, 10, 64); err == nil || beaconPubkey.MatchString(id) {
		return nil
	}
	return fmt.Errorf("neither a validator index nor a 0x pubkey (96 hex digits)")
}

// beaconBalances reads the list from the validators response: those the
// check already follows (known) are not asked for again.
func beaconBalances(ctx context.Context, t *Target, o *BeaconOptions, cl *beacon.Client, known []beaconWatched, obs *Observation) {
	byID := map[string]*beacon.Validator{}
	add := func(ws []beaconWatched) {
		for _, w := range ws {
			if w.v != nil {
				byID[w.v.Index.String()], byID[strings.ToLower(w.v.Validator.Pubkey)] = w.v, w.v
			}
		}
	}
	add(known)
	var missing []string
	for _, b := range o.Balances {
		if id := strings.ToLower(b.Address); byID[id] == nil && !slices.Contains(missing, id) {
			missing = append(missing, id)
		}
	}
	var fetchErr error
	if len(missing) > 0 {
		ws, err := beaconFetchValidators(ctx, cl, missing)
		add(ws)
		fetchErr = err
	}
	beaconBalanceSet(o).probe(ctx, t, obs, func(_ context.Context, i int) balanceRead {
		v := byID[strings.ToLower(o.Balances[i].Address)]
		switch {
		case v != nil:
			return balanceRead{amount: new(big.Int).SetUint64(uint64(v.Balance))}
		case fetchErr != nil:
			return balanceRead{err: beaconFailure(fetchErr)}
		}
		return balanceRead{err: Fail(ReasonBadResponse, "the node does not know validator %s", beaconShort(o.Balances[i].Address))}
	})
}
