package prober

import (
	"strconv"
	"strings"
	"time"

	"github.com/upchain-dev/upchain/prober/config"
)

// Helpers shared by the chain kinds (cometbft, evm): the head variables
// and the way observed numbers are written in Values.

// Values several chain kinds record, declared once so they mean the same
// everywhere.
var (
	valueHeight = ValueSpec{Name: "height", Label: "Block height", Unit: UnitHeight,
		Metric: "upchain_head_height", Help: "Height of the latest block the node reported."}
	valueHeadAge = ValueSpec{Name: "head_age_s", Label: "Head age", Unit: UnitSeconds,
		Metric: "upchain_head_age_seconds", Help: "Age of the latest block when it was probed, in seconds."}
	valueHeadTime = ValueSpec{Name: "head_time", Label: "Latest block time", Unit: UnitTime}
	valuePeers    = ValueSpec{Name: "peers", Label: "Peers", Unit: UnitCount, Chart: true,
		Metric: "upchain_peers", Help: "Number of peers the node is connected to."}
	valuePeersError = ValueSpec{Name: "peers_error", Label: "Peer count error", Unit: UnitText}
	valueVersion    = ValueSpec{Name: "version", Label: "Version", Unit: UnitText}
	valueChainID    = ValueSpec{Name: "chain_id", Label: "Chain ID", Unit: UnitText, Chain: true}
	valueMissed     = ValueSpec{Name: "missed", Label: "Blocks missed", Unit: UnitCount, Validator: ValidatorMissed,
		Metric: "upchain_validator_missed_blocks", Help: "Blocks the validator missed in the window the check observes."}
	valueSigned = ValueSpec{Name: "signed", Label: "Blocks signed", Unit: UnitCount, Validator: ValidatorSigned,
		Metric: "upchain_validator_signed_blocks", Help: "Blocks the validator signed in the window the check observes."}
	valueMissedConsecutive = ValueSpec{Name: "missed_consecutive", Label: "Missed in a row", Unit: UnitCount,
		Metric: "upchain_validator_missed_blocks_consecutive", Help: "Blocks the validator missed in a row, up to the latest observed."}
	valueMissedPercent = ValueSpec{Name: "missed_percent", Label: "Missed share", Unit: UnitPercent, Chart: true,
		Metric: "upchain_validator_missed_percent", Help: "Share of the observed window the validator missed, in percent."}
	valueFinalized = ValueSpec{Name: "finalized", Label: "Finalized height", Unit: UnitHeight,
		Metric: "upchain_finalized_height", Help: "Height of the latest finalized block the node reported."}
	valueFinalityLag = ValueSpec{Name: "finality_lag", Label: "Finality lag (blocks)", Unit: UnitCount, Chart: true,
		Metric: "upchain_finality_lag_blocks", Help: "Best block number minus finalized block number."}
)

// headValues are what setHeadValues records.
var headValues = []ValueSpec{valueHeight, valueHeadAge, valueHeadTime}

// headVars is the `head` condition variable: height, age (a duration, so
// `head.age < 60s` reads naturally) and the block time.
func headVars(height any, blockTime, now time.Time) map[string]any {
	return map[string]any{
		"height": height,
		"age":    now.Sub(blockTime),
		"time":   blockTime.UTC().Format(time.RFC3339),
	}
}

// setHeadValues records height, head_age_s and head_time.
func setHeadValues(v Values, height string, blockTime, now time.Time) {
	v["height"] = height
	v["head_age_s"] = formatFloat(now.Sub(blockTime).Seconds(), 1)
	v["head_time"] = blockTime.UTC().Format(time.RFC3339)
}

// formatFloat writes f with at most prec decimals and no trailing zeros.
func formatFloat(f float64, prec int) string {
	s := strconv.FormatFloat(f, 'f', prec, 64)
	if strings.Contains(s, ".") {
		s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	}
	if s == "-0" {
		s = "0"
	}
	return s
}

// optionLine returns the field path to report a problem at: the deepest
// prefix of field that the loader knows a line for.
func optionLine(c *config.Check, field string) string {
	for f := field; f != ""; {
		if _, ok := c.Lines[f]; ok {
			return f
		}
		i := strings.LastIndexByte(f, '.')
		if i < 0 {
			break
		}
		f = f[:i]
	}
	return field
}
