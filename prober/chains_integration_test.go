//go:build integration

package prober

import (
	"encoding/json"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// Real CometBFT and geth nodes, on loopback only, in temporary
// directories, stopped by PID. Versions as installed by .ci/deps.

const (
	cometbftBin = "/root/go/bin/cometbft"
	gethBin     = "/root/go/bin/geth"
)

// nodeBinary returns path, or the binary of that name on PATH; when
// neither exists it skips the test (fails it under CI).
func nodeBinary(t *testing.T, path, install string) string {
	t.Helper()
	if _, err := os.Stat(path); err == nil {
		return path
	}
	if p, err := exec.LookPath(filepath.Base(path)); err == nil {
		return p
	}
	// CI installs the nodes (.ci/deps): a missing one there is a failure,
	// not a reason to pass without the real-node tests.
	if os.Getenv("CI") != "" {
		t.Fatalf("%s is not installed: .ci/deps should have run go install %s", filepath.Base(path), install)
	}
	t.Skipf("%s is not installed: run .ci/deps (go install %s)", filepath.Base(path), install)
	return ""
}

// freePort returns a TCP port that is free on every given loopback IP.
func freePort(t *testing.T, ips ...string) int {
	t.Helper()
	for range 50 {
		l, err := net.Listen("tcp", ips[0]+":0")
		if err != nil {
			t.Fatal(err)
		}
		port := l.Addr().(*net.TCPAddr).Port
		ok := true
		var held []net.Listener
		for _, ip := range ips[1:] {
			o, err := net.Listen("tcp", net.JoinHostPort(ip, strconv.Itoa(port)))
			if err != nil {
				ok = false
				break
			}
			held = append(held, o)
		}
		l.Close()
		for _, o := range held {
			o.Close()
		}
		if ok {
			return port
		}
	}
	t.Fatal("no free port")
	return 0
}

// proc is a node process; Stop kills it by PID (also done at cleanup).
type proc struct {
	cmd  *exec.Cmd
	once sync.Once
}

func (p *proc) Stop() {
	p.once.Do(func() {
		_ = p.cmd.Process.Kill()
		_ = p.cmd.Wait()
	})
}

func start(t *testing.T, logName string, bin string, args ...string) *proc {
	t.Helper()
	logf, err := os.Create(filepath.Join(t.TempDir(), logName))
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, args...)
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &proc{cmd: cmd}
	t.Cleanup(func() {
		p.Stop()
		logf.Close()
		if t.Failed() {
			if b, err := os.ReadFile(logf.Name()); err == nil {
				if len(b) > 3000 {
					b = b[len(b)-3000:]
				}
				t.Logf("tail of %s:\n%s", logName, b)
			}
		}
	})
	return p
}

func run(t *testing.T, bin string, args ...string) {
	t.Helper()
	if out, err := exec.Command(bin, args...).CombinedOutput(); err != nil {
		t.Fatalf("%s %s: %v\n%s", bin, strings.Join(args, " "), err, out)
	}
}

// until runs rounds until ok holds for the round's results, or fails the
// test after limit (a bound on waiting, not an assertion about speed).
func until(t *testing.T, rs *rounds, limit time.Duration, what string, ok func([]Result) bool) []Result {
	t.Helper()
	deadline := time.Now().Add(limit)
	var last []Result
	for {
		last = rs.round(t)
		if ok(last) {
			return last
		}
		if time.Now().After(deadline) {
			var b strings.Builder
			for _, r := range last {
				fmt.Fprintf(&b, "\n  %s: %s %s values=%v", r.Check, r.Status, r.Reason, r.Values)
			}
			t.Fatalf("waited %s for %s; last round:%s", limit, what, b.String())
		}
		time.Sleep(300 * time.Millisecond)
	}
}

// setConfig rewrites `key = value` lines of a CometBFT config.toml.
func setConfig(t *testing.T, path string, kv map[string]string) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	for k, v := range kv {
		re := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(k) + ` = .*$`)
		if !re.MatchString(s) {
			t.Fatalf("%s: no %s", path, k)
		}
		s = re.ReplaceAllString(s, k+" = "+v)
	}
	if err := os.WriteFile(path, []byte(s), 0o644); err != nil {
		t.Fatal(err)
	}
}

// cometHome reads a node home's chain id and validator address.
func cometHome(t *testing.T, home string) (chainID, address string) {
	t.Helper()
	var g struct {
		ChainID string `json:"chain_id"`
	}
	var k struct {
		Address string `json:"address"`
	}
	for file, into := range map[string]any{"genesis.json": &g, "priv_validator_key.json": &k} {
		b, err := os.ReadFile(filepath.Join(home, "config", file))
		if err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(b, into); err != nil {
			t.Fatal(err)
		}
	}
	return g.ChainID, k.Address
}

// fastBlocks shortens CometBFT's timeouts so that tests see many blocks
// quickly (defaults: 1s commit, 3s propose).
var fastBlocks = map[string]string{"timeout_commit": `"300ms"`, "timeout_propose": `"1s"`}

func TestIntegrationCometBFTSingleValidator(t *testing.T) {
	bin := nodeBinary(t, cometbftBin, "github.com/cometbft/cometbft/cmd/cometbft@v0.38.17")
	home := t.TempDir()
	run(t, bin, "init", "--home", home)
	setConfig(t, filepath.Join(home, "config", "config.toml"), fastBlocks)
	chainID, addr := cometHome(t, home)
	p2p, rpc := freePort(t, "127.0.0.1"), freePort(t, "127.0.0.1")
	node := start(t, "cometbft.log", bin, "start", "--home", home, "--proxy_app=kvstore",
		"--p2p.laddr", fmt.Sprintf("tcp://127.0.0.1:%d", p2p), "--rpc.laddr", fmt.Sprintf("tcp://127.0.0.1:%d", rpc))

	l := mustLoad(t, fmt.Sprintf(`group: Local chain
checks:
  - name: node
    kind: cometbft
    url: http://127.0.0.1:%[1]d
    cometbft: {chain_id: %[2]s, max_head_age: 10s}
  - name: node websocket
    kind: cometbft
    url: ws://127.0.0.1:%[1]d/websocket
    cometbft: {chain_id: %[2]s, max_head_age: 10s}
    conditions:
      - version == "0.38.17"
  - name: validator
    kind: cometbft
    url: http://127.0.0.1:%[1]d
    cometbft:
      chain_id: %[2]s
      max_head_age: 10s
      validator: {address: %[3]s}
      signatures_window: 200
      max_blocks_per_round: 200
  - name: wrong chain
    kind: cometbft
    url: http://127.0.0.1:%[1]d
    cometbft: {chain_id: cosmoshub-4}
`, rpc, chainID, addr))
	rs := newRounds(l)
	res := until(t, rs, 60*time.Second, "the validator to have signed 5 blocks", func(res []Result) bool {
		n, _ := strconv.Atoi(byCheck(t, res, "validator").Values["signed"])
		return n >= 5
	})
	for _, slug := range []string{"node", "node-websocket", "validator"} {
		if r := byCheck(t, res, slug); r.Status != Up {
			t.Errorf("%s: %s %q", slug, r.Status, r.Reason)
		}
	}
	v := byCheck(t, res, "validator").Values
	t.Logf("single validator: %v", v)
	if v["missed"] != "0" || v["in_active_set"] != "true" || v["voting_power"] != "10" || v["version"] != "0.38.17" || v["validator_status"] != "active" || v["signed"] != v["proposed"] {
		t.Errorf("validator values: %v", v)
	}
	if r := byCheck(t, res, "wrong-chain"); r.Status != Down || !strings.Contains(r.Reason, fmt.Sprintf(`chain_id == "cosmoshub-4" (chain_id=%q)`, chainID)) {
		t.Errorf("wrong chain: %s %q", r.Status, r.Reason)
	}

	// The next rounds read only the new blocks: the window grows by what
	// was produced since, and keeps counting from the stored state.
	first, _ := strconv.ParseInt(v["last_checked_height"], 10, 64)
	res = until(t, rs, 30*time.Second, "more blocks", func(res []Result) bool {
		h, _ := strconv.ParseInt(byCheck(t, res, "validator").Values["last_checked_height"], 10, 64)
		return h >= first+3
	})
	v2 := byCheck(t, res, "validator").Values
	last, _ := strconv.ParseInt(v2["last_checked_height"], 10, 64)
	signed, _ := strconv.ParseInt(v2["signed"], 10, 64)
	if v2["missed"] != "0" || signed != last || v2["signing_window"] != fmt.Sprintf("%dP", last) {
		t.Errorf("after more blocks: %v (every block from 1 to %d proposed and signed)", v2, last)
	}

	node.Stop()
	res = rs.round(t)
	for _, slug := range []string{"node", "node-websocket", "validator"} {
		if r := byCheck(t, res, slug); r.Status != Down || r.ReasonCode != ReasonRefused {
			t.Errorf("%s with the node stopped: %s %s %q", slug, r.Status, r.ReasonCode, r.Reason)
		}
	}
}

func TestIntegrationCometBFTTestnet(t *testing.T) {
	bin := nodeBinary(t, cometbftBin, "github.com/cometbft/cometbft/cmd/cometbft@v0.38.17")
	ips := []string{"127.0.0.11", "127.0.0.12", "127.0.0.13", "127.0.0.14"}
	p2p := freePort(t, ips...)
	rpc := freePort(t, ips...)
	dir := t.TempDir()
	run(t, bin, "testnet", "--v", "4", "--starting-ip-address", ips[0], "--p2p-port", strconv.Itoa(p2p), "--o", dir)

	nodes := make([]*proc, 4)
	addrs := make([]string, 4)
	var chainID string
	for i, ip := range ips {
		home := filepath.Join(dir, fmt.Sprintf("node%d", i))
		cfg := filepath.Join(home, "config", "config.toml")
		b, err := os.ReadFile(cfg)
		if err != nil {
			t.Fatal(err)
		}
		// The generated peers must be the loopback addresses the nodes
		// listen on, nothing else.
		for _, peerIP := range ips {
			if !strings.Contains(string(b), fmt.Sprintf("@%s:%d", peerIP, p2p)) {
				t.Fatalf("node%d persistent_peers lack %s:%d", i, peerIP, p2p)
			}
		}
		setConfig(t, cfg, fastBlocks)
		chainID, addrs[i] = cometHome(t, home)
		nodes[i] = start(t, fmt.Sprintf("node%d.log", i), bin, "start", "--home", home, "--proxy_app=kvstore",
			"--p2p.laddr", fmt.Sprintf("tcp://%s:%d", ip, p2p), "--rpc.laddr", fmt.Sprintf("tcp://%s:%d", ip, rpc))
	}

	var checks strings.Builder
	fmt.Fprintf(&checks, "group: Testnet\nchecks:\n")
	for i, ip := range ips {
		fmt.Fprintf(&checks, `  - name: node%[1]d
    kind: cometbft
    url: http://%[2]s:%[3]d
    cometbft: {chain_id: %[4]s, max_head_age: 5s, min_peers: 3}
    lag: {group: Testnet, degraded_blocks: 10, down_blocks: 50}
  - name: validator%[1]d
    kind: cometbft
    url: http://%[5]s:%[3]d
    cometbft:
      chain_id: %[4]s
      max_head_age: 5s
      validator: {address: %[6]s}
      signatures_window: 100
      max_blocks_per_round: 100
      missed_consecutive_alert: 3
      missed_percent_alert: 50
`, i, ip, rpc, chainID, ips[0], addrs[i])
	}
	l := mustLoad(t, checks.String())
	rs := newRounds(l)

	all := func(res []Result, ok func(Result) bool) bool {
		for _, r := range res {
			if !ok(r) {
				return false
			}
		}
		return true
	}
	until(t, rs, 90*time.Second, "four validators up and signing", func(res []Result) bool {
		return all(res, func(r Result) bool {
			n, _ := strconv.Atoi(r.Values["signed"])
			return r.Status == Up && (!strings.HasPrefix(r.Check, "validator") || n >= 3)
		})
	})

	// One validator of four stops: its check sees missed blocks, the
	// chain goes on and the others stay up.
	nodes[3].Stop()
	res := until(t, rs, 60*time.Second, "validator3 missing blocks", func(res []Result) bool {
		return byCheck(t, res, "validator3").Status == Down
	})
	v3 := byCheck(t, res, "validator3")
	t.Logf("validator3 stopped: %s %q values %v", v3.Status, v3.Reason, v3.Values)
	if !strings.Contains(failedText(v3), "validator.missed_consecutive < 3") || v3.Values["validator_status"] != "missing" || v3.Values["in_active_set"] != "true" {
		t.Errorf("stopped validator: %s %v", failedText(v3), v3.Values)
	}
	if missed, _ := strconv.Atoi(v3.Values["missed"]); missed < 3 {
		t.Errorf("stopped validator missed %d blocks", missed)
	}
	for _, slug := range []string{"validator0", "validator1", "validator2"} {
		if r := byCheck(t, res, slug); r.Status == Down || r.Values["missed_consecutive"] != "0" && r.Values["missed_consecutive"] != "1" {
			t.Errorf("%s while validator3 is stopped: %s %q %v", slug, r.Status, r.Reason, r.Values)
		}
	}
	for _, slug := range []string{"node0", "node1", "node2"} {
		if r := byCheck(t, res, slug); r.Status != Up && r.Status != Degraded {
			t.Errorf("%s while validator3 is stopped: %s %q", slug, r.Status, r.Reason)
		}
	}
	if r := byCheck(t, res, "node3"); r.Status != Down || r.ReasonCode != ReasonRefused {
		t.Errorf("node3 stopped: %s %s %q", r.Status, r.ReasonCode, r.Reason)
	}

	// A second one stops: two of four equal powers cannot make blocks. The
	// nodes still answer and say they are not catching up; the head's age
	// is what shows the stall.
	nodes[2].Stop()
	res = until(t, rs, 60*time.Second, "the stall to show in head age", func(res []Result) bool {
		return byCheck(t, res, "node0").Status == Down
	})
	n0 := byCheck(t, res, "node0")
	t.Logf("two stopped: node0 %s %q values %v", n0.Status, n0.Reason, n0.Values)
	if len(n0.Failed) == 0 || n0.Failed[0].Condition != "head.age < 5s" || n0.Values["catching_up"] != "false" {
		t.Errorf("stalled chain: %s values %v", failedText(n0), n0.Values)
	}
	if r := byCheck(t, res, "node1"); r.Status != Down || !strings.Contains(failedText(r), "head.age < 5s") {
		t.Errorf("node1 on the stalled chain: %s %s", r.Status, failedText(r))
	}
}

func TestIntegrationGeth(t *testing.T) {
	bin := nodeBinary(t, gethBin, "github.com/ethereum/go-ethereum/cmd/geth@v1.17.8")
	httpPort, wsPort, authPort := freePort(t, "127.0.0.1"), freePort(t, "127.0.0.1"), freePort(t, "127.0.0.1")
	// --nat none: no UPnP/NAT-PMP probing of the LAN; --dev keeps p2p off.
	geth := start(t, "geth.log", bin, "--dev", "--dev.period", "1", "--datadir", filepath.Join(t.TempDir(), "geth"),
		"--cache", "16", "--nat", "none", "--nodiscover", "--maxpeers", "0", "--ipcdisable",
		"--http", "--http.addr", "127.0.0.1", "--http.port", strconv.Itoa(httpPort),
		"--ws", "--ws.addr", "127.0.0.1", "--ws.port", strconv.Itoa(wsPort),
		"--authrpc.addr", "127.0.0.1", "--authrpc.port", strconv.Itoa(authPort))

	l := mustLoad(t, fmt.Sprintf(`group: Ethereum
checks:
  - name: geth http
    kind: evm
    url: http://127.0.0.1:%[1]d
    evm: {chain_id: 1337, max_head_age: 15s}
    conditions:
      - version startsWith "Geth/v1.17.8"
  - name: geth ws
    kind: evm
    url: ws://127.0.0.1:%[2]d
    evm: {chain_id: 1337, max_head_age: 15s}
  - name: wrong chain
    kind: evm
    url: http://127.0.0.1:%[1]d
    evm: {chain_id: 1030}
  - name: lagging reference
    kind: evm
    url: ws://127.0.0.1:%[2]d
    lag: {reference: geth-http, down_blocks: 1000}
`, httpPort, wsPort))
	rs := newRounds(l)
	res := until(t, rs, 60*time.Second, "geth to serve blocks", func(res []Result) bool {
		h, _ := strconv.Atoi(byCheck(t, res, "geth-http").Values["height"])
		return byCheck(t, res, "geth-http").Status == Up && byCheck(t, res, "geth-ws").Status == Up && h >= 2
	})
	for _, slug := range []string{"geth-http", "geth-ws", "lagging-reference"} {
		r := byCheck(t, res, slug)
		if r.Status != Up || r.Values["chain_id"] != "1337" || r.Values["syncing"] != "false" || r.Values["peers"] != "0" || !strings.HasPrefix(r.Values["version"], "Geth/v1.17.8") {
			t.Errorf("%s: %s %q %v", slug, r.Status, r.Reason, r.Values)
		}
		if age, err := strconv.ParseFloat(r.Values["head_age_s"], 64); err != nil || age > 15 {
			t.Errorf("%s: head age %q", slug, r.Values["head_age_s"])
		}
	}
	if r := byCheck(t, res, "lagging-reference"); r.Values["lag_reference"] != "geth-http" || r.Values["lag_blocks"] == "" {
		t.Errorf("lag against the same node: %v", r.Values)
	}
	t.Logf("geth over websocket: %v", byCheck(t, res, "geth-ws").Values)
	if r := byCheck(t, res, "wrong-chain"); r.Status != Down || !strings.Contains(r.Reason, "chain_id == 1030 (chain_id=1337)") {
		t.Errorf("wrong chain: %s %q", r.Status, r.Reason)
	}

	geth.Stop()
	res = rs.round(t)
	for _, slug := range []string{"geth-http", "geth-ws"} {
		if r := byCheck(t, res, slug); r.Status != Down || r.ReasonCode != ReasonRefused {
			t.Errorf("%s with geth stopped: %s %s %q", slug, r.Status, r.ReasonCode, r.Reason)
		}
	}
}
