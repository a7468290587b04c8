package prober

import (
	"fmt"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/upchain-dev/upchain/prober/simnet"
)

// TestEVMAgainstSimulatedNode: the evm kind against simnet.EVM (the
// node `upchain demo` runs), over HTTP and websocket: a healthy node, a
// stalled one (head too old) and one on another chain.
func TestEVMAgainstSimulatedNode(t *testing.T) {
	now := time.Now()
	node := &simnet.EVM{ChainID: 1337, Genesis: now.Add(-time.Hour), BlockTime: 2 * time.Second, Version: "Geth/v1.17.8", Peers: 5,
		Now: func() time.Time { return now }}
	srv := httptest.NewServer(node)
	defer srv.Close()
	ws := "ws" + strings.TrimPrefix(srv.URL, "http")
	check := func(url string, chainID int) string {
		return fmt.Sprintf("    kind: evm\n    url: %s\n    evm: {chain_id: %d, max_head_age: 30s}\n", url, chainID)
	}
	tests := []struct {
		name  string
		spec  string
		stall time.Duration // how long ago the node stalled; 0: healthy
		want  want
	}{
		{"healthy http", check(srv.URL, 1337), 0, want{status: Up, values: map[string]string{"height": "1800", "chain_id": "1337", "peers": "5"}}},
		{"healthy websocket", check(ws, 1337), 0, want{status: Up, values: map[string]string{"height": "1800"}}},
		{"stalled", check(srv.URL, 1337), 2 * time.Minute, want{status: Down, code: ReasonCondition, failed: "head.age < 30s"}},
		{"other chain", check(srv.URL, 1), 0, want{status: Down, code: ReasonCondition, failed: "chain_id == 1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			node.Stall(false)
			if tt.stall > 0 {
				node.Now = func() time.Time { return now.Add(-tt.stall) }
				node.Stall(true)
				node.Now = func() time.Time { return now }
			}
			tt.want.check(t, probe(t, tt.spec, nil))
		})
	}
}
