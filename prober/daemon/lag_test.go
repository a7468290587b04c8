package daemon

import (
	"context"
	"fmt"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/upchain-dev/upchain/prober"
	"github.com/upchain-dev/upchain/prober/cometbft/cometbfttest"
	"github.com/upchain-dev/upchain/prober/config"
	"github.com/upchain-dev/upchain/prober/pipeline"
)

// TestLagUnderServe: under `upchain serve` each check runs on its own
// schedule, so a check and its lag reference are never in the same run.
// The pipeline remembers the reference's newest height, and the node 30
// blocks behind is down with the lag as its failed condition, as in
// `upchain probe` (prober's TestLagInRound).
func TestLagUnderServe(t *testing.T) {
	chain := func(latest int64) *cometbfttest.Chain {
		set := []cometbfttest.Validator{{Address: fmt.Sprintf("%040X", 1), Power: 10}}
		return &cometbfttest.Chain{ChainID: "test-1", Version: "0.38.17", Latest: latest, Earliest: 1, LatestTime: time.Now(), Peers: 3,
			Set: func(int64) []cometbfttest.Validator { return set }}
	}
	ahead, behind := httptest.NewServer(chain(200)), httptest.NewServer(chain(170))
	defer ahead.Close()
	defer behind.Close()
	s := newSite(t)
	s.write(baseConfig, fmt.Sprintf(`  - name: rpc 1
    kind: cometbft
    url: %s
    interval: 150ms
  - name: rpc 2
    kind: cometbft
    url: %s
    interval: 100ms
    lag: {reference: rpc-1, degraded_blocks: 5, down_blocks: 20}
`, ahead.URL, behind.URL))
	h := newHistory()
	r := start(t, Options{ConfigPath: s.path(), Stages: func(l *config.Loaded, _ *slog.Logger) (Stages, error) {
		p, err := pipeline.Open(context.Background(), l, pipeline.Options{})
		return Stages{Pipeline: pipelineWith{p, h}}, err
	}})
	eventually(t, "rpc-2 judged against rpc-1", func() bool {
		for _, res := range h.stagedNow() {
			if res.Check == "rpc-2" && res.Values["lag_blocks"] != "" {
				return true
			}
		}
		return false
	})
	var got prober.Result
	for _, res := range h.stagedNow() {
		if res.Check == "rpc-2" && res.Values["lag_blocks"] != "" {
			got = res
		}
	}
	if got.Status != prober.Down || got.Values["lag_blocks"] != "30" || len(got.Failed) != 1 ||
		got.Failed[0].Condition != "lag <= 20 blocks behind rpc-1" {
		t.Errorf("lagging node under serve: %s %+v %v", got.Status, got.Failed, got.Values)
	}
	// The metric the README promises.
	_, body := r.get(t, "/metrics")
	if want := `upchain_lag_blocks{check="rpc-2",group="Test",kind="cometbft",location="default",region="global"} 30`; !strings.Contains(body, want) {
		t.Errorf("/metrics lacks %s", want)
	}
}

// pipelineWith runs a real pipeline's round steps and stages into a test
// history.
type pipelineWith struct {
	steps *pipeline.Pipeline
	*history
}

func (p pipelineWith) Finish(rs []prober.Result) { p.steps.Finish(rs) }
