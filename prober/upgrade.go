package prober

import (
	"strconv"
	"time"

	"github.com/upchain-dev/upchain/prober/internal/text"
)

// A planned upgrade, as chain kinds record it. The incident stage turns
// these values into an automatic maintenance window for the checks of the
// same chain (the chain_id value), so that the planned halt opens no
// incident.
const (
	ValUpgradeName   = "upgrade_name"
	ValUpgradeHeight = "upgrade_height"
	// ValUpgradeStart is the estimated halt, ValUpgradeEnd the window's end.
	ValUpgradeStart = "upgrade_start"
	ValUpgradeEnd   = "upgrade_end"
	valBlockTime    = "block_time_s"
)

// DefaultUpgradeWindow is how long after the estimated halt the chain may
// stay halted without an incident.
const DefaultUpgradeWindow = time.Hour

var upgradeValues = []ValueSpec{
	{Name: ValUpgradeName, Label: "Planned upgrade", Unit: UnitText},
	{Name: ValUpgradeHeight, Label: "Upgrade height", Unit: UnitHeight, Metric: "upchain_upgrade_height", Help: "Height of the planned chain upgrade (halt)."},
	{Name: ValUpgradeStart, Label: "Estimated upgrade halt", Unit: UnitTime},
	{Name: ValUpgradeEnd, Label: "Upgrade window ends", Unit: UnitTime},
	{Name: valBlockTime, Label: "Average block time", Unit: UnitSeconds},
}

// upgradePlanKeys are the values of a plan; with the block time they are
// carried over a failed probe (upgradeKeys): a halted node answers
// nothing, and its window must stand.
var (
	upgradePlanKeys = []string{ValUpgradeName, ValUpgradeHeight, ValUpgradeStart, ValUpgradeEnd}
	upgradeKeys     = append(append([]string(nil), upgradePlanKeys...), valBlockTime)
)

// blockTime is the average block time, measured from the check's own
// history: an exponential average of the time per block between the
// previous probe's head and this one. 0 when not known yet.
func blockTime(prev Values, height int64, headTime time.Time) float64 {
	avg, _ := strconv.ParseFloat(prev[valBlockTime], 64)
	if avg < 0 || avg > 86400 {
		avg = 0
	}
	ph, err1 := strconv.ParseInt(prev["height"], 10, 64)
	pt, err2 := time.Parse(time.RFC3339, prev["head_time"])
	if err1 != nil || err2 != nil || height <= ph || !headTime.After(pt) {
		return avg
	}
	sample := headTime.Sub(pt).Seconds() / float64(height-ph)
	if avg == 0 {
		return sample
	}
	return 0.7*avg + 0.3*sample
}

// upgradeLead opens the window this long before the estimated halt (at
// least two blocks): the estimate drifts, and a node that exits on the
// halt fails its next probe at once.
const upgradeLead = time.Minute

// maxUpgradeAhead bounds the estimate: a plan further ahead gets no window
// yet (and a hostile height cannot overflow the arithmetic).
const maxUpgradeAhead = 366 * 24 * time.Hour

// setUpgrade records a plan to halt at planHeight: the halt is estimated
// from the head and the average block time, and the window opens
// upgradeLead before it; a chain at or past the height (halted, the plan
// not yet applied) is taken to have halted at its head.
func setUpgrade(v Values, name string, planHeight, height int64, headTime time.Time, avg float64, window time.Duration) {
	v[ValUpgradeName] = text.Truncate(name, 80)
	v[ValUpgradeHeight] = strconv.FormatInt(planHeight, 10)
	start := headTime
	if planHeight > height {
		togo := float64(planHeight-height) * avg
		if avg <= 0 || togo > maxUpgradeAhead.Seconds() {
			return // no estimate yet (the next probe measures the block time), or too far ahead to matter
		}
		start = headTime.Add(time.Duration(togo * float64(time.Second)))
		start = start.Add(-max(upgradeLead, time.Duration(2*avg*float64(time.Second))))
	}
	start = start.Truncate(time.Second).UTC()
	v[ValUpgradeStart] = start.Format(time.RFC3339)
	v[ValUpgradeEnd] = start.Add(window).Format(time.RFC3339)
}
