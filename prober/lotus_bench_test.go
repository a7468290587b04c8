package prober

import (
	"context"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/upchain-dev/upchain/prober/config"
	"github.com/upchain-dev/upchain/prober/simnet"
)

// BenchmarkLotusMinerProbe: one probe of a node and storage provider
// against the local simnet.Lotus (20 JSON-RPC calls and two health GETs
// over HTTP on 127.0.0.1), each probe reading the previous one's values.
func BenchmarkLotusMinerProbe(b *testing.B) {
	node := simnet.NewLotus(func() time.Time { return lotusStart })
	node.Update(func(s *simnet.LotusState) { s.Token = lotusEnv["LOTUS_TOKEN"] })
	srv := httptest.NewServer(node)
	defer srv.Close()
	dir := b.TempDir()
	must := func(err error) {
		if err != nil {
			b.Fatal(err)
		}
	}
	must(os.MkdirAll(filepath.Join(dir, "checks"), 0o755))
	must(os.WriteFile(filepath.Join(dir, "upchain.yml"), []byte("defaults:\n  timeout: 10s\n"), 0o644))
	must(os.WriteFile(filepath.Join(dir, "checks", "sp.yml"), []byte(strings.ReplaceAll(lotusMinerCheck, "URL", srv.URL)), 0o644))
	l, err := Load(filepath.Join(dir, "upchain.yml"), config.Options{Lookup: func(k string) (string, bool) { v, ok := lotusEnv[k]; return v, ok }})
	must(err)
	c := l.Checks[0]
	tg := &Target{Check: c, Region: c.Targets()[0], MaxBody: 1 << 20, Now: func() time.Time { return lotusStart }, Prev: Values{}}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		obs, err := lotusKind{}.Probe(context.Background(), tg)
		must(err)
		tg.Prev = obs.Values
	}
}
