package prober

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/upchain-dev/upchain/prober/internal/text"
	"github.com/upchain-dev/upchain/prober/substrate/scale"
	"github.com/upchain-dev/upchain/prober/substrate/storage"
)

// Values of the runtime version (System.LastRuntimeUpgrade). A change of
// spec_version between two probes is a runtime upgrade: it is recorded
// as runtime_upgrade (a note kept on the check page) and
// runtime_upgraded_at.
const (
	valRuntimeSpec       = "runtime_spec_version"
	valRuntimeName       = "runtime_spec_name"
	valRuntimeUpgrade    = "runtime_upgrade"
	valRuntimeUpgradedAt = "runtime_upgraded_at"
)

var substrateRuntimeValues = []ValueSpec{
	{Name: valRuntimeSpec, Label: "Runtime spec version", Unit: UnitCount,
		Metric: "upchain_substrate_runtime_spec_version", Help: "spec_version of System.LastRuntimeUpgrade."},
	{Name: valRuntimeName, Label: "Runtime", Unit: UnitText},
	{Name: valRuntimeUpgrade, Label: "Last runtime upgrade", Unit: UnitText},
	{Name: valRuntimeUpgradedAt, Label: "Runtime upgraded", Unit: UnitTime},
}

// substrateRuntime is what System.LastRuntimeUpgrade holds.
type substrateRuntime struct {
	have        bool
	specVersion uint64
	specName    string
}

// readRuntime reads System.LastRuntimeUpgrade: {spec_version:
// Compact<u32>, spec_name: Cow<str>} (frame_system::LastRuntimeUpgradeInfo).
// It is informative only: an absent or unreadable value fails nothing.
func (p *substrateProbe) readRuntime(ctx context.Context) error {
	raw, ok, err := p.node.storage(ctx, storage.Prefix("System", "LastRuntimeUpgrade"), "System.LastRuntimeUpgrade")
	if err != nil || !ok {
		return nil
	}
	d := scale.NewDecoder(raw)
	v, err := d.Compact("spec_version")
	if err != nil {
		return nil
	}
	name, err := d.Bytes("spec_name")
	if err != nil {
		return nil
	}
	p.rt = substrateRuntime{have: true, specVersion: v, specName: text.Truncate(string(name), 40)}
	return nil
}

// recordRuntime records the version and, when it changed since the
// previous probe, the upgrade; the last upgrade's note is carried on.
func (p *substrateProbe) recordRuntime() {
	vals, prev := p.obs.Values, p.t.Prev
	for _, k := range []string{valRuntimeUpgrade, valRuntimeUpgradedAt} {
		if x := prev[k]; x != "" {
			vals[k] = x
		}
	}
	if !p.rt.have {
		return
	}
	vals[valRuntimeSpec] = strconv.FormatUint(p.rt.specVersion, 10)
	vals[valRuntimeName] = p.rt.specName
	if old := prev[valRuntimeSpec]; old != "" && old != vals[valRuntimeSpec] {
		vals[valRuntimeUpgrade] = fmt.Sprintf("runtime %s upgraded from spec_version %s to %s", p.rt.specName, old, vals[valRuntimeSpec])
		vals[valRuntimeUpgradedAt] = p.now.UTC().Format(time.RFC3339)
	}
}
