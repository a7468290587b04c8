package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
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
