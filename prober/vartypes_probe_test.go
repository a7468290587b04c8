package prober

import (
	"context"
	"crypto/x509"
	"fmt"
	"math/big"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/upchain-dev/upchain/prober/cond"
	"github.com/upchain-dev/upchain/prober/config"
	"github.com/upchain-dev/upchain/prober/simnet"
	"github.com/upchain-dev/upchain/prober/substrate/scale"
	"github.com/upchain-dev/upchain/prober/substrate/storage"
)

// The typed declarations must describe what probes really produce, else
// valid conditions would be rejected at load or typos let through: each
// typed kind probes a local server (simnet.EVM, cometbfttest.Chain,
// httptest) and its variables are checked against its declaration.
func TestVarTypesDescribeProbes(t *testing.T) {
	now := time.Now()
	evm := httptest.NewServer(&simnet.EVM{ChainID: 1337, Genesis: now.Add(-time.Hour), BlockTime: 2 * time.Second,
		Version: "Geth/v1.17.8", Peers: 5})
	defer evm.Close()
	comet := httptest.NewServer(fakeChain(fmt.Sprintf("%040X", 3), nil))
	defer comet.Close()
	web := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"jsonrpc":"2.0","id":1,"result":"0x1158e460913d00000"}`)
	}))
	defer web.Close()
	roots := x509.NewCertPool()
	roots.AddCert(web.Certificate())
	tlsAddr := strings.TrimPrefix(web.URL, "https://")
	l := mustLoad(t, fmt.Sprintf(`group: g
checks:
  - name: evm
    kind: evm
    url: %s
  - name: comet
    kind: cometbft
    url: %s
    cometbft: {validator: {address: %040X}}
  - name: http
    kind: http
    url: %s
  - name: tls
    kind: tls
    url: tls://%s
  - name: tcp
    kind: tcp
    url: tcp://%s
  - name: jsonrpc
    kind: jsonrpc
    url: %s
    jsonrpc: {method: eth_getBalance}
`, evm.URL, comet.URL, 3, web.URL, tlsAddr, tlsAddr, web.URL))
	for _, c := range l.Checks {
		k, _ := Builtin().Get(c.Kind)
		tk := k.(config.TypedKind)
		tgt := &Target{Check: c, Region: config.Region{Name: config.PublicRegion}, MaxBody: 1 << 20,
			Redactor: l.Redactor, Now: time.Now, RootCAs: roots}
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		obs, err := k.Probe(ctx, tgt)
		cancel()
		if err != nil {
			t.Errorf("%s: probe: %v", c.Name, err)
			continue
		}
		if len(obs.Vars) == 0 && c.Kind != "tcp" { // tcp has only the round's
			t.Errorf("%s: no variables", c.Name)
		}
		obs.Vars["latency"], obs.Vars["region"] = time.Millisecond, "public"
		if _, listed := tk.VarTypes()["status"]; listed {
			if _, has := obs.Vars["status"]; !has {
				obs.Vars["status"] = obs.Code
			}
		}
		if err := cond.Conforms(tk.VarTypes(), obs.Vars); err != nil {
			t.Errorf("%s: %v", c.Name, err)
		}
	}
}

// TestVarTypesDescribeConflux: the conflux kind with balances and a PoS
// validator against simnet.Conflux.
func TestVarTypesDescribeConflux(t *testing.T) {
	h := newConfluxHarness(t, confluxCheck(confluxPoS))
	probeConforms(t, h.loaded, func() time.Time { return h.now })
}

// probeConforms probes every check of l once and checks its variables
// against its kind's declaration.
func probeConforms(t *testing.T, l *config.Loaded, now func() time.Time) {
	t.Helper()
	for _, c := range l.Checks {
		k, _ := Builtin().Get(c.Kind)
		tk := k.(config.TypedKind)
		tgt := &Target{Check: c, Region: config.Region{Name: config.PublicRegion}, MaxBody: 1 << 20, Redactor: l.Redactor, Now: now}
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		obs, err := k.Probe(ctx, tgt)
		cancel()
		if err != nil {
			t.Errorf("%s: probe: %v", c.Name, err)
			continue
		}
		obs.Vars["latency"], obs.Vars["region"] = time.Millisecond, "public"
		if _, listed := tk.VarTypes()["status"]; listed {
			if _, has := obs.Vars["status"]; !has {
				obs.Vars["status"] = obs.Code
			}
		}
		if err := cond.Conforms(tk.VarTypes(), obs.Vars); err != nil {
			t.Errorf("%s: %v", c.Name, err)
		}
	}
}

// TestVarTypesDescribeOasis: the oasis kind with a validator against
// simnet's Nexus.
func TestVarTypesDescribeOasis(t *testing.T) {
	nexus := serveHTTP(t, simnet.NewNexus(nil, oasisTestAddress))
	l := mustLoad(t, "group: Oasis\nchecks:\n  - name: v\n    kind: oasis\n    url: "+nexus+"\n    oasis: {validator: "+oasisTestAddress+"}\n")
	probeConforms(t, l, time.Now)
}

// TestVarTypesDescribeLotus: the lotus kind with a storage provider
// against simnet.Lotus.
func TestVarTypesDescribeLotus(t *testing.T) {
	h := newLotusMiner(t)
	probeConforms(t, h.r.runner.Config, h.clock)
}

// TestVarTypesDescribeSubstrate: a validator with GRANDPA tracking, a
// Cumulus collator and a balance against simnet.Substrate.
func TestVarTypesDescribeSubstrate(t *testing.T) {
	f := newFakeSubstrate(t)
	healthyValidator(f, substrateEpoch)
	f.SetCollators([]scale.AccountID{bobID}, []scale.AccountID{charlieID, aliceID})
	f.SetLastAuthored(aliceID[:], 990)
	f.SetAccount(aliceID, storage.AccountInfo{Free: big.NewInt(1e12), Reserved: new(big.Int), Frozen: new(big.Int)})
	now := func() time.Time { return substrateEpoch }
	for _, check := range []string{
		grandpaCheck(f.wsURL(), "      grandpa_samples: 1\n"),
		collatorCheck(f.wsURL(), "      collator: "+alicePolkadot+"\n"),
		collatorCheck(f.wsURL(), "      chain: Polkadot\n      balances: [{name: alice, address: "+alicePolkadot+"}]\n"),
	} {
		l, err := loadChecks(t, check, nil)
		if err != nil {
			t.Fatal(err)
		}
		probeConforms(t, l, now)
	}
}

// TestVarTypesDescribeBeacon: validators with attestations, proposals,
// sync committee duties and a balance against simnet.Beacon.
func TestVarTypesDescribeBeacon(t *testing.T) {
	h := newBeaconHarness(t, beaconValidatorsYAML(1, 2)+"      balances: [{name: one, address: \"1\"}]\n", 1, 2)
	probeConforms(t, h.rounds.runner.Config, h.clock)
}

// TestVarTypesDescribePrometheus: an oasis-node exposition.
func TestVarTypesDescribePrometheus(t *testing.T) {
	clock := &oasisClock{t: time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)}
	url := serveHTTP(t, simnet.NewExporter(clock.Now))
	l := mustLoad(t, "checks:\n  - name: node\n    kind: prometheus\n    url: "+url+"/metrics\n")
	probeConforms(t, l, clock.Now)
}
