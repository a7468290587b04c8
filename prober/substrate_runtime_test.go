package prober

import (
	"encoding/binary"
	"testing"
	"time"

	"github.com/upchain-dev/upchain/prober/substrate/storage"
)

// lastRuntimeUpgrade encodes frame_system::LastRuntimeUpgradeInfo:
// spec_version as a 4-byte-mode SCALE compact, spec_name as a
// length-prefixed string (short names: one-byte compact length).
func lastRuntimeUpgrade(spec uint32, name string) []byte {
	b := binary.LittleEndian.AppendUint32(nil, spec<<2|2)
	b = append(b, byte(len(name))<<2)
	return append(b, name...)
}

func TestSubstrateRuntimeUpgrade(t *testing.T) {
	f := newFakeSubstrate(t)
	healthyValidator(f, substrateEpoch)
	key := storage.Prefix("System", "LastRuntimeUpgrade")
	f.Set(key, lastRuntimeUpgrade(1002000, "polkadot"))
	h := newSubstrateHarness(t, validatorCheck(f.wsURL(), ""), nil)
	res := h.probe()
	wantStatus(t, res, Up)
	wantValues(t, res.Values, map[string]string{"runtime_spec_version": "1002000", "runtime_spec_name": "polkadot", "runtime_upgrade": ""})

	// The runtime is upgraded: a note with the time, still up.
	h.now = h.now.Add(10 * time.Minute)
	f.SetTime(h.now.Add(-2 * time.Second))
	f.Set(key, lastRuntimeUpgrade(1003000, "polkadot"))
	res = h.probe()
	wantStatus(t, res, Up)
	note := "runtime polkadot upgraded from spec_version 1002000 to 1003000"
	wantValues(t, res.Values, map[string]string{"runtime_spec_version": "1003000", "runtime_upgrade": note, "runtime_upgraded_at": h.now.UTC().Format(time.RFC3339)})

	// The note stays on the next probes; a value that cannot be decoded
	// fails nothing.
	h.now = h.now.Add(10 * time.Minute)
	f.SetTime(h.now.Add(-2 * time.Second))
	f.Set(key, []byte{0xff})
	res = h.probe()
	wantStatus(t, res, Up)
	wantValues(t, res.Values, map[string]string{"runtime_upgrade": note, "runtime_spec_version": ""})
}
