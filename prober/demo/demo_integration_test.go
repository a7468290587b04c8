//go:build integration

package demo

import (
	"bytes"
	"flag"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/upchain-dev/upchain/sitegen/browsertest"
)

var screenshotsDir = flag.String("screenshots", "", "also write the demo site's screenshots into this directory (make screenshots)")

// TestIntegrationDemoSiteInChromium: real headless Chromium loads the
// site a short demo built, finds the demo notice, the groups and the
// incidents, and takes screenshots.
func TestIntegrationDemoSiteInChromium(t *testing.T) {
	res := runShortDemo(t)
	srv := httptest.NewServer(http.FileServer(http.Dir(res.Site)))
	defer srv.Close()
	dom := string(browsertest.Chromium(t, "--dump-dom", srv.URL+"/"))
	for _, want := range []string{"This is a demo", "Website", "Ethereum", "Cosmos", "API (geo-routed)", "Cosmos validator", "runner location eu-daemon"} {
		if !strings.Contains(dom, want) {
			t.Errorf("the home page as Chromium renders it lacks %q", want)
		}
	}
	incidents := string(browsertest.Chromium(t, "--dump-dom", srv.URL+"/incidents.html"))
	for _, want := range []string{"Cosmos node 2 is down", "Status website is degraded", "Planned restart of the EVM node", cosmosChainID + " stopped producing blocks", "Probes from " + staleLocation + " stopped"} {
		if !strings.Contains(incidents, want) {
			t.Errorf("the incidents page lacks %q", want)
		}
	}
	dir := *screenshotsDir
	if dir == "" {
		dir = t.TempDir()
	} else if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	dark := []string{"--force-dark-mode", "--blink-settings=preferredColorScheme=0"}
	for _, s := range []struct {
		file, path, size string
		extra            []string
	}{
		{"demo-home.png", "/", "1280,1900", nil},
		{"demo-check-validator.png", "/checks/cosmos-validator.html", "1280,2400", nil},
		{"demo-check-geo.png", "/checks/api-geo-routed.html", "1280,2400", nil},
		{"demo-incidents.png", "/incidents.html", "1280,1400", nil},
		{"demo-home-dark.png", "/", "1280,1900", dark},
		{"demo-home-mobile.png", "/", "390,2400", nil},
	} {
		out := filepath.Join(dir, s.file)
		browsertest.Chromium(t, append(append([]string{"--screenshot=" + out, "--window-size=" + s.size}, s.extra...), srv.URL+s.path)...)
		b, err := os.ReadFile(out)
		if err != nil || !bytes.HasPrefix(b, []byte("\x89PNG")) {
			t.Fatalf("%s: no PNG written (%v)", out, err)
		}
	}
}
