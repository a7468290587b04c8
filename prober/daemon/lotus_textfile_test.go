package daemon

import (
	"bufio"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/prometheus/common/expfmt"
	"github.com/upchain-dev/upchain/prober/simnet"
)

// listeningSockets returns the inodes of the TCP sockets in LISTEN state
// that this process holds (Linux /proc), so that a test can show that
// starting the daemon opened none.
func listeningSockets(t *testing.T) map[string]bool {
	t.Helper()
	listening := map[string]bool{}
	for _, f := range []string{"/proc/net/tcp", "/proc/net/tcp6"} {
		fh, err := os.Open(f)
		if err != nil {
			continue
		}
		sc := bufio.NewScanner(fh)
		for sc.Scan() {
			fs := strings.Fields(sc.Text())
			if len(fs) > 9 && fs[3] == "0A" { // TCP_LISTEN
				listening[fs[9]] = true
			}
		}
		fh.Close()
	}
	fds, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Skip("no /proc: cannot list this process's sockets")
	}
	own := map[string]bool{}
	for _, fd := range fds {
		link, err := os.Readlink(filepath.Join("/proc/self/fd", fd.Name()))
		if inode, ok := strings.CutPrefix(link, "socket:["); err == nil && ok {
			inode = strings.TrimSuffix(inode, "]")
			if listening[inode] {
				own[inode] = true
			}
		}
	}
	return own
}

// Running beside a storage provider: `upchain serve --textfile … --listen
// off` as an unprivileged user opens no port and leaves the lotus
// metrics in the textfile for node_exporter (README, "Running beside the
// miner").
func TestLotusTextfileBesideTheMinerOpensNoPort(t *testing.T) {
	node := simnet.NewLotus(nil)
	srv := httptest.NewServer(node) // the Lotus node's own port, opened before
	t.Cleanup(srv.Close)
	before := listeningSockets(t)
	if len(before) == 0 {
		t.Fatal("the fake node's listening socket is not seen: the socket check would see nothing")
	}

	s := newSite(t)
	s.write("defaults:\n  timeout: 5s\n  retries: 0\nserve:\n  textfile_every: 100ms\n",
		"  - name: SP\n    kind: lotus\n    url: "+srv.URL+"/rpc/v1\n    interval: 100ms\n    lotus:\n      miner: f01234\n")
	prom := filepath.Join(t.TempDir(), "upchain.prom")
	r := start(t, Options{ConfigPath: s.path(), Textfile: prom, Listen: "off"})
	if r.d.Addr() != nil {
		t.Fatalf("listening on %v with --listen off", r.d.Addr())
	}
	read := func() map[string]float64 {
		f, err := os.Open(prom)
		if err != nil {
			return nil
		}
		defer f.Close()
		var p expfmt.TextParser
		fams, err := p.TextToMetricFamilies(f)
		if err != nil {
			t.Fatalf("textfile does not parse: %v", err)
		}
		out := map[string]float64{}
		for name, mf := range fams {
			if strings.HasPrefix(name, "upchain_filecoin_") || name == "upchain_head_height" || name == "upchain_peers" || name == "probe_success" {
				for _, m := range mf.GetMetric() {
					out[name] = m.GetGauge().GetValue()
				}
			}
		}
		return out
	}
	// The lotus probe's own gauges (upchain_filecoin_*) are exported
	// where the metrics package reads the kinds' value declarations; the
	// head height and peers are exported by every version.
	eventually(t, "the lotus check in the textfile", func() bool { return read()["upchain_head_height"] > 0 })
	got := read()
	if h := got["upchain_head_height"]; got["probe_success"] != 1 || got["upchain_peers"] != 12 || h < float64(node.Epoch()-1) || h > float64(node.Epoch()) {
		t.Errorf("textfile: %v; want probe_success 1, upchain_peers 12, upchain_head_height %d", got, node.Epoch())
	}
	after := listeningSockets(t)
	for inode := range after {
		if !before[inode] {
			t.Errorf("the daemon opened a listening socket (inode %s)", inode)
		}
	}
	if err := r.shutdown(); err != nil {
		t.Fatal(err)
	}
}
