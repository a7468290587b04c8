package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestChannelPlaceholdersOffline: `validate --allow-missing-secrets` (and
// `upchain import`, which runs it) accepts channel addresses written as
// ${NAME}, as the channel hints recommend, and still rejects bad literals.
func TestChannelPlaceholdersOffline(t *testing.T) {
	tests := []struct {
		channel string
		want    string
	}{
		{"{kind: slack, url: '${SLACK_URL}'}", ""},
		{"{kind: discord, url: 'https://${HOST}/hook'}", ""},
		{"{kind: email, host: smtp.example.org, from: '${MAIL_FROM}', to: ['${MAIL_TO}']}", ""},
		{"{kind: slack, url: hooks.slack.com}", "url is not an http(s) URL"},
		{"{kind: email, host: smtp.example.org, from: nobody, to: [a@example.org]}", `from "nobody"`},
	}
	for _, tc := range tests {
		dir := t.TempDir()
		if err := os.Mkdir(filepath.Join(dir, "checks"), 0o755); err != nil {
			t.Fatal(err)
		}
		cfg := "notifications:\n  channels:\n    - " + tc.channel + "\n"
		if err := os.WriteFile(filepath.Join(dir, "upchain.yml"), []byte(cfg), 0o644); err != nil {
			t.Fatal(err)
		}
		check := "checks:\n  - name: a\n    kind: http\n    url: https://a.example.org\n"
		if err := os.WriteFile(filepath.Join(dir, "checks", "a.yml"), []byte(check), 0o644); err != nil {
			t.Fatal(err)
		}
		_, err := Load(filepath.Join(dir, "upchain.yml"), testKinds{}, Options{AllowMissingSecrets: true, Lookup: func(string) (string, bool) { return "", false }})
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("%s: %v", tc.channel, err)
		case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
			t.Errorf("%s: got %v, want %q", tc.channel, err, tc.want)
		}
	}
}
