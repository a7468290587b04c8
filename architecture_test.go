package main

import (
	"encoding/json"
	"os/exec"
	"path"
	"strings"
	"testing"
)

// layers is the import graph the README's Development section draws:
// which of upchain's packages a package may import. A package matches the
// longest pattern that names it ("x/..." is x and everything below it).
// Leaves (utilities, decoders, simulators, the templates) import nothing
// of upchain's beyond what their entry says.
var layers = []struct {
	pkg string
	may []string
	why string
}{
	{pkg: "prober/internal/...", why: "small utilities used inside the prober"},
	{pkg: "prober/redact", why: "secret redaction"},
	{pkg: "prober/cond", may: []string{"prober/internal/..."}, why: "the condition language"},
	{pkg: "prober/config", may: []string{"prober/cond", "prober/redact", "prober/notify/channel", "prober/internal/..."}, why: "config loading and validation"},
	{pkg: "prober/config/configtest", may: []string{"prober/config"}, why: "test helper"},
	{pkg: "prober/notify/channel", may: []string{"prober/internal/..."}, why: "one file per notification channel"},
	// Chain helpers: wire formats and decoders, no engine.
	{pkg: "prober/jsonrpc", may: []string{"prober/cond", "prober/internal/..."}},
	{pkg: "prober/cometbft/...", may: []string{"prober/internal/..."}},
	{pkg: "prober/substrate/...", may: []string{"prober/substrate/...", "prober/internal/..."}},
	{pkg: "prober/conflux/...", may: []string{"prober/conflux/...", "prober/cometbft", "prober/internal/..."}},
	{pkg: "prober/lotus/...", may: []string{"prober/lotus/...", "prober/internal/..."}},
	{pkg: "prober/oasis", may: []string{"prober/cometbft", "prober/internal/..."}},
	{pkg: "prober/beacon/...", may: []string{"prober/beacon/...", "prober/internal/..."}},
	{pkg: "prober/scrape", may: []string{"prober/internal/..."}},
	{pkg: "prober/simnet", may: []string{"prober/conflux/cip37", "prober/substrate/...", "prober/lotus/...", "prober/internal/..."}, why: "simulated endpoints for tests and the demo"},
	// The engine: kinds, rounds, values, lag. It knows nothing of history,
	// incidents, the daemon or the site.
	{pkg: "prober", may: []string{"prober/cond", "prober/config", "prober/redact", "prober/jsonrpc", "prober/internal/...",
		"prober/cometbft", "prober/substrate/...", "prober/conflux/...", "prober/lotus/...", "prober/oasis", "prober/beacon/...", "prober/scrape"}},
	// Stages after the engine, in the direction data flows.
	{pkg: "prober/history", may: []string{"prober", "prober/config", "prober/internal/..."}},
	{pkg: "prober/uptime", may: []string{"prober", "prober/history"}},
	{pkg: "prober/valueseries", may: []string{"prober", "prober/history", "prober/uptime"}},
	{pkg: "prober/maintenance", may: []string{"prober/config", "prober/internal/..."}},
	{pkg: "prober/notify", may: []string{"prober/config", "prober/redact", "prober/notify/channel", "prober/internal/..."}},
	{pkg: "prober/incident", may: []string{"prober", "prober/config", "prober/history", "prober/maintenance", "prober/notify", "prober/redact", "prober/internal/..."}},
	{pkg: "prober/logging", may: []string{"prober/redact"}},
	{pkg: "prober/pipeline", may: []string{"prober", "prober/config", "prober/history", "prober/incident", "prober/logging"}},
	{pkg: "prober/daemon/...", may: []string{"prober", "prober/config", "prober/pipeline", "prober/logging", "prober/daemon/..."}},
	// The site: sitegen renders only what it is given; assemble reads
	// config and history for it.
	{pkg: "templates"},
	{pkg: "sitegen", may: []string{"templates"}},
	{pkg: "sitegen/browsertest"},
	{pkg: "sitegen/assemble", may: []string{"prober", "prober/config", "prober/history", "prober/incident", "prober/maintenance", "prober/uptime", "prober/valueseries", "sitegen"}},
	// Orchestrators: the demo runs the whole pipeline; main wires commands.
	{pkg: "prober/demo", may: []string{"prober", "prober/config", "prober/incident", "prober/pipeline", "prober/simnet", "prober/cometbft/cometbfttest", "prober/substrate/ss58", "sitegen", "sitegen/assemble"}},
	{pkg: "prober/importer", may: []string{"prober", "prober/config", "prober/history", "prober/cometbft", "prober/internal/..."}},
	{pkg: "prober/testlog"},
	{pkg: ".", may: []string{"..."}},
}

func matches(pattern, pkg string) bool {
	if pattern == "..." {
		return true
	}
	if base, ok := strings.CutSuffix(pattern, "/..."); ok {
		return pkg == base || strings.HasPrefix(pkg, base+"/")
	}
	return pkg == pattern
}

// TestImportGraph keeps the README's import graph true: every package of
// upchain has a layer, and imports only what its layer allows.
func TestImportGraph(t *testing.T) {
	const module = "github.com/upchain-dev/upchain"
	out, err := exec.Command("go", "list", "-json=ImportPath,Imports", "./...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	dec := json.NewDecoder(strings.NewReader(string(out)))
	for dec.More() {
		var p struct {
			ImportPath string
			Imports    []string
		}
		if err := dec.Decode(&p); err != nil {
			t.Fatal(err)
		}
		rel := strings.TrimPrefix(strings.TrimPrefix(p.ImportPath, module), "/")
		if rel == "" {
			rel = "."
		}
		best := -1
		for i, l := range layers {
			if matches(l.pkg, rel) && (best < 0 || len(l.pkg) > len(layers[best].pkg)) {
				best = i
			}
		}
		if best < 0 {
			t.Errorf("package %s has no place in the import graph (architecture_test.go, README Development)", rel)
			continue
		}
		for _, imp := range p.Imports {
			if !strings.HasPrefix(imp, module+"/") {
				continue
			}
			target := strings.TrimPrefix(imp, module+"/")
			ok := false
			for _, m := range layers[best].may {
				ok = ok || matches(m, target)
			}
			if !ok {
				t.Errorf("%s imports %s, which its layer (%s) does not allow", rel, target, path.Clean(layers[best].pkg))
			}
		}
	}
}
