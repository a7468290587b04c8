package prober

import (
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/upchain-dev/upchain/prober/simnet"
	"github.com/upchain-dev/upchain/prober/substrate/scale"
	"github.com/upchain-dev/upchain/prober/substrate/ss58"
)

// fakeSubstrate serves a simnet.Substrate (the local stand-in for a
// Substrate node; no node can run here) on 127.0.0.1 for one test.
type fakeSubstrate struct {
	*simnet.Substrate
	srv *httptest.Server
}

func newFakeSubstrate(t testing.TB) *fakeSubstrate {
	f := &fakeSubstrate{Substrate: simnet.NewSubstrate()}
	f.srv = httptestServer(t, f.Substrate)
	return f
}

func httptestServer(t testing.TB, s *simnet.Substrate) *httptest.Server {
	srv := httptest.NewServer(s)
	t.Cleanup(srv.Close)
	return srv
}

func ss58String(id scale.AccountID) (string, error) { return ss58.Encode(ss58.Polkadot, id) }

func (f *fakeSubstrate) wsURL() string   { return "ws" + strings.TrimPrefix(f.srv.URL, "http") }
func (f *fakeSubstrate) httpURL() string { return f.srv.URL }
func (f *fakeSubstrate) addr() string    { return strings.TrimPrefix(f.srv.URL, "http://") }
