//go:build integration

package prober

import (
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/upchain-dev/upchain/prober/cometbft"
	"github.com/upchain-dev/upchain/prober/simnet"
)

// A real CometBFT node that stops at the planned height (killed when it
// has committed the block before it, as a Cosmos SDK node halts for an
// upgrade; the cometbft binary itself has no --halt-height), with the
// upgrade plan served by simnet.CosmosLCD: the maintenance window
// estimated from the measured block time covers the moment the check
// turns down.
func TestIntegrationCometBFTUpgradeHalt(t *testing.T) {
	bin := nodeBinary(t, cometbftBin, "github.com/cometbft/cometbft/cmd/cometbft@v0.38.17")
	home := t.TempDir()
	run(t, bin, "init", "--home", home)
	setConfig(t, home+"/config/config.toml", map[string]string{"timeout_commit": `"1s"`, "timeout_propose": `"1s"`})
	chainID, addr := cometHome(t, home)
	raw, _ := hex.DecodeString(addr)
	valcons, _ := cometbft.Bech32Encode("cosmosvalcons", raw)
	p2p, rpc := freePort(t, "127.0.0.1"), freePort(t, "127.0.0.1")
	node := start(t, "cometbft.log", bin, "start", "--home", home, "--proxy_app=kvstore",
		"--p2p.laddr", fmt.Sprintf("tcp://127.0.0.1:%d", p2p), "--rpc.laddr", fmt.Sprintf("tcp://127.0.0.1:%d", rpc))
	gov := &simnet.CosmosLCD{}
	var broken atomic.Bool
	lcd := govLCD(t, gov, valcons, &broken)
	rs := newRounds(mustLoad(t, fmt.Sprintf(`checks:
  - name: validator
    kind: cometbft
    url: http://127.0.0.1:%d
    timeout: 5s
    cometbft:
      chain_id: %s
      max_head_age: 5s
      lcd: %s
      validator: {valcons: %s}
      upgrade_window: 10m
`, rpc, chainID, lcd.URL, valcons)))
	height := func(res []Result) int64 {
		h, _ := strconv.ParseInt(byCheck(t, res, "validator").Values["height"], 10, 64)
		return h
	}
	res := until(t, rs, 60*time.Second, "blocks and a measured block time", func(res []Result) bool {
		return height(res) >= 3 && byCheck(t, res, "validator").Values["block_time_s"] != ""
	})
	plan := height(res) + 10
	gov.Update(func(l *simnet.CosmosLCD) { l.Plan = &simnet.CosmosPlan{Name: "v2", Height: plan} })

	// Halt: stop the node once it committed plan-1.
	status := fmt.Sprintf("http://127.0.0.1:%d/status", rpc)
	var v Values
	deadline := time.Now().Add(90 * time.Second)
	for {
		if time.Now().After(deadline) {
			t.Fatalf("the node never reached %d", plan-1)
		}
		r := rs.round(t)
		v = byCheck(t, r, "validator").Values
		if nodeHeight(status) >= plan-1 {
			node.Stop()
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	start, err1 := time.Parse(time.RFC3339, v[ValUpgradeStart])
	end, err2 := time.Parse(time.RFC3339, v[ValUpgradeEnd])
	if err1 != nil || err2 != nil || v[ValUpgradeHeight] != strconv.FormatInt(plan, 10) {
		t.Fatalf("no window estimate: %v", v)
	}
	// The stopped node fails every probe; the plan stays recorded, and the
	// first failure is inside the window.
	r := byCheck(t, rs.round(t), "validator")
	if r.Status != Down || r.Values[ValUpgradeStart] != v[ValUpgradeStart] {
		t.Fatalf("halted: %s %q %v", r.Status, r.Reason, r.Values)
	}
	t.Logf("plan at %d, window %s – %s, node down at %s (block time %ss)", plan, start, end, r.Time.UTC(), v[valBlockTime])
	if r.Time.Before(start) || !r.Time.Before(end) {
		t.Errorf("failure at %s is outside the window %s – %s", r.Time, start, end)
	}
	// The estimate is close: the window opens its one-minute lead (plus
	// drift) before the halt, not much earlier.
	if r.Time.Sub(start) > 90*time.Second {
		t.Errorf("window opens %s before the halt", r.Time.Sub(start))
	}
}

// nodeHeight reads latest_block_height from the node's GET /status (0 when it does not answer).
func nodeHeight(url string) int64 {
	c := http.Client{Timeout: time.Second}
	resp, err := c.Get(url)
	if err != nil {
		return 0
	}
	defer resp.Body.Close()
	var s struct {
		Result struct {
			SyncInfo struct {
				Height string `json:"latest_block_height"`
			} `json:"sync_info"`
		} `json:"result"`
	}
	if json.NewDecoder(resp.Body).Decode(&s) != nil {
		return 0
	}
	h, _ := strconv.ParseInt(s.Result.SyncInfo.Height, 10, 64)
	return h
}
