package main

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/upchain-dev/upchain/prober"
	"github.com/upchain-dev/upchain/prober/history"
)

func TestImportCommand(t *testing.T) {
	src := filepath.Join("prober", "importer", "testdata")
	tests := []struct {
		args []string
		want []string
	}{
		{[]string{"upptime", filepath.Join(src, "upptimerc.yml"), "--notify", "NOTIFICATION_DISCORD_WEBHOOK_URL"}, []string{"translated: 12 site(s)", "not translated: " + filepath.Join(src, "upptimerc.yml") + ":41:", "12 checks"}},
		{[]string{"gatus", filepath.Join(src, "gatus.yaml")}, []string{"not translated: " + filepath.Join(src, "gatus.yaml") + ":81:", "7 checks"}},
		{[]string{"tenderduty", filepath.Join(src, "tenderduty.yml"), "--lcd", "osmosis-1=https://lcd.osmosis.example.org"}, []string{"became ${TENDERDUTY_DISCORD_WEBHOOK}", "3 checks"}},
	}
	for _, tc := range tests {
		t.Run(tc.args[0], func(t *testing.T) {
			out := t.TempDir()
			args := append([]string{"import"}, append(tc.args, "--out", out)...)
			code, stdout, stderr := runCLI(t, args...)
			if code != exitOK {
				t.Fatalf("exit %d\n%s\n%s", code, stdout, stderr)
			}
			for _, w := range tc.want {
				if !strings.Contains(stdout, w) {
					t.Errorf("output lacks %q:\n%s", w, stdout)
				}
			}
			code, _, stderr = runCLI(t, "validate", "--allow-missing-secrets", "--config", filepath.Join(out, "upchain.yml"))
			if code != exitOK {
				t.Errorf("validate: %s", stderr)
			}
			// A second import refuses to overwrite, and changes nothing.
			before, _ := os.ReadFile(filepath.Join(out, "upchain.yml"))
			if err := os.WriteFile(filepath.Join(out, "upchain.yml"), append(before, "# edited\n"...), 0o644); err != nil {
				t.Fatal(err)
			}
			code, _, stderr = runCLI(t, args...)
			if code != exitFailed || !strings.Contains(stderr, "--force") {
				t.Errorf("second import: exit %d %s", code, stderr)
			}
			if b, _ := os.ReadFile(filepath.Join(out, "upchain.yml")); !strings.HasSuffix(string(b), "# edited\n") {
				t.Errorf("overwritten without --force")
			}
			if code, _, stderr = runCLI(t, append(args, "--force")...); code != exitOK {
				t.Errorf("--force: exit %d %s", code, stderr)
			}
			if b, _ := os.ReadFile(filepath.Join(out, "upchain.yml")); strings.HasSuffix(string(b), "# edited\n") {
				t.Errorf("--force did not overwrite")
			}
			assertNoSecrets(t, "import output", stdout)
		})
	}
}

func TestImportMalformed(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "config.yaml")
	if err := os.WriteFile(bad, []byte("endpoints:\n  - name: a\n    url: https://a.example\n    conditions: [STATUS] == 200\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "out")
	code, _, stderr := runCLI(t, "import", "gatus", bad, "--out", out)
	if code != exitFailed || !strings.Contains(stderr, bad+":4:") || !strings.Contains(stderr, "nothing written") {
		t.Errorf("exit %d, stderr %q", code, stderr)
	}
	if _, err := os.Stat(out); err == nil {
		t.Errorf("a failed import wrote %s", out)
	}
	if code, _, _ := runCLI(t, "import", "nagios", bad); code != exitUsage {
		t.Errorf("unknown source: exit %d", code)
	}
	if code, _, _ := runCLI(t, "import", "gatus", bad, "--history", dir); code != exitUsage {
		t.Errorf("--history with gatus: exit %d", code)
	}
}

// TestImportUpptimeHistory: --history commits the converted Upptime
// history to the history branch through the recorder, and `upchain probe`
// then records on top of it.
func TestImportUpptimeHistory(t *testing.T) {
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git not installed")
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, "ok") }))
	defer srv.Close()
	repo := t.TempDir()
	git := func(at time.Time, args ...string) {
		t.Helper()
		cmd := exec.Command("git", append([]string{"-C", repo, "-c", "user.name=Upptime Bot", "-c", "user.email=bot@example.org", "-c", "commit.gpgsign=false"}, args...)...)
		d := at.UTC().Format(time.RFC3339)
		cmd.Env = append(os.Environ(), "GIT_AUTHOR_DATE="+d, "GIT_COMMITTER_DATE="+d)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, out)
		}
	}
	git(time.Now(), "init", "-q")
	// history/<slug>.yml as Upptime's monitor writes it, one commit per change.
	t0 := time.Now().Add(-48 * time.Hour).Truncate(time.Hour)
	for i, st := range []string{"up", "down", "up"} {
		at := t0.Add(time.Duration(i) * time.Hour)
		body := fmt.Sprintf("url: %s\nstatus: %s\ncode: 200\nresponseTime: 12\nlastUpdated: %s\n", srv.URL, st, at.UTC().Format(time.RFC3339))
		os.MkdirAll(filepath.Join(repo, "history"), 0o755)
		if err := os.WriteFile(filepath.Join(repo, "history", "local-site.yml"), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		git(at, "add", "-A")
		git(at, "commit", "-q", "-m", "Local Site is "+st)
	}
	rc := filepath.Join(t.TempDir(), ".upptimerc.yml")
	if err := os.WriteFile(rc, []byte("sites:\n  - name: Local site\n    url: "+srv.URL+"/\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	out := t.TempDir()
	code, stdout, stderr := runCLI(t, "import", "upptime", rc, "--history", repo, "--out", out)
	if code != exitOK || !strings.Contains(stdout, "history: committed") {
		t.Fatalf("import: exit %d\n%s\n%s", code, stdout, stderr)
	}
	cfg := filepath.Join(out, "upchain.yml")
	if code, stdout, stderr = runCLI(t, "probe", "--config", cfg); code != exitOK {
		t.Fatalf("probe: exit %d\n%s\n%s", code, stdout, stderr)
	}
	st, err := history.Open(filepath.Join(out, ".upchain", "history"))
	if err != nil {
		t.Fatal(err)
	}
	down, total := 0, 0
	var last history.Sample
	st.Samples(time.Time{}, time.Time{}, func(s history.Sample) error {
		total++
		if s.Status == prober.Down {
			down++
		}
		last = s
		return nil
	})
	// One hour down in 5-minute samples, then the probe's own sample.
	if down != 12 || last.Status != prober.Up || time.Since(last.Time) > time.Hour || total < 24 {
		t.Errorf("%d samples, %d down, last %s at %s", total, down, last.Status, last.Time)
	}
	// An existing history is never mixed with an import.
	code, _, stderr = runCLI(t, "import", "upptime", rc, "--history", repo, "--out", out, "--force")
	if code != exitFailed || !strings.Contains(stderr, "already holds history") {
		t.Errorf("second history import: exit %d %s", code, stderr)
	}
	if _, err := os.Stat(filepath.Join(out, "history-import", "raw")); err != nil {
		t.Errorf("the refused history should be left in history-import/: %v", err)
	}
}
