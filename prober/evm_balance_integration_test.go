//go:build integration

package prober

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// gethCall makes one JSON-RPC call to a local geth.
func gethCall(t *testing.T, url, method string, params ...any) json.RawMessage {
	t.Helper()
	raw, err := gethTry(url, method, params...)
	if err != nil {
		t.Fatalf("%s: %v", method, err)
	}
	return raw
}

func gethTry(url, method string, params ...any) (json.RawMessage, error) {
	body, _ := json.Marshal(map[string]any{"jsonrpc": "2.0", "id": 1, "method": method, "params": params})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	var out struct {
		Result json.RawMessage
		Error  *struct{ Message string }
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&out); err != nil {
		return nil, err
	}
	if out.Error != nil {
		return nil, fmt.Errorf("%s", out.Error.Message)
	}
	return out.Result, nil
}

// weiToEther writes wei as an exact ETH amount for a balance's min.
func weiToEther(w *big.Int) string {
	q, r := new(big.Int).QuoRem(w, big.NewInt(1e18), new(big.Int))
	return fmt.Sprintf("%s.%018s", q, r.String())
}

// A balance falls under min on a real geth --dev node: the dev account
// sends 2 ETH away, and its check turns from up to degraded.
func TestIntegrationGethBalance(t *testing.T) {
	bin := nodeBinary(t, gethBin, "github.com/ethereum/go-ethereum/cmd/geth@v1.17.8")
	httpPort, authPort := freePort(t, "127.0.0.1"), freePort(t, "127.0.0.1")
	start(t, "geth.log", bin, "--dev", "--dev.period", "1", "--datadir", filepath.Join(t.TempDir(), "geth"),
		"--cache", "16", "--nat", "none", "--nodiscover", "--maxpeers", "0", "--ipcdisable",
		"--http", "--http.addr", "127.0.0.1", "--http.port", strconv.Itoa(httpPort), "--http.api", "eth,net,web3",
		"--authrpc.addr", "127.0.0.1", "--authrpc.port", strconv.Itoa(authPort))
	url := fmt.Sprintf("http://127.0.0.1:%d", httpPort)
	var accounts []string
	deadline := time.Now().Add(30 * time.Second)
	for {
		if raw, err := gethTry(url, "eth_accounts"); err == nil {
			if json.Unmarshal(raw, &accounts) == nil && len(accounts) > 0 {
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatal("geth has no dev account")
		}
		time.Sleep(200 * time.Millisecond)
	}
	dev := accounts[0]
	var hexBal string
	_ = json.Unmarshal(gethCall(t, url, "eth_getBalance", dev, "latest"), &hexBal)
	bal, ok := quantity(hexBal)
	if !ok || bal.Sign() == 0 {
		t.Fatalf("dev balance %q", hexBal)
	}
	// min: one ETH under the balance now.
	min := weiToEther(new(big.Int).Sub(bal, big.NewInt(1e18)))
	l := mustLoad(t, fmt.Sprintf(`group: Ethereum
checks:
  - name: dev
    kind: evm
    url: %s
    evm:
      chain_id: 1337
      max_head_age: 15s
      balances:
        - {name: dev, address: %s, min: "%s"}
`, url, dev, min))
	rs := newRounds(l)
	res := until(t, rs, 60*time.Second, "the funded dev account to be up", func(res []Result) bool {
		return byCheck(t, res, "dev").Status == Up
	})
	t.Logf("before: %v", byCheck(t, res, "dev").Values["evm_balances"])

	gethCall(t, url, "eth_sendTransaction", map[string]string{
		"from": dev, "to": "0x000000000000000000000000000000000000dEaD", "value": "0x" + big.NewInt(2e18).Text(16),
	})
	res = until(t, rs, 60*time.Second, "the balance to fall under min", func(res []Result) bool {
		return byCheck(t, res, "dev").Status == Degraded
	})
	r := byCheck(t, res, "dev")
	if !strings.Contains(failedText(r), "dev: ") || !strings.Contains(failedText(r), " ETH < ") {
		t.Errorf("degraded without the amounts: %s", failedText(r))
	}
	if got, _ := new(big.Int).SetString(r.Values["evm_balance_lowest"], 10); got == nil || got.Cmp(new(big.Int).Sub(bal, big.NewInt(2e18))) > 0 {
		t.Errorf("lowest %q, want at most the balance less 2 ETH", r.Values["evm_balance_lowest"])
	}
}
