package main

import (
	"flag"
	"io"
	"path/filepath"
	"strings"
	"testing"

	"github.com/upchain-dev/upchain/prober"
	"github.com/upchain-dev/upchain/prober/config/configtest"
	"github.com/upchain-dev/upchain/prober/notify"
)

func TestServeTelegramWiring(t *testing.T) {
	env := func(m map[string]string) func(string) string { return func(k string) string { return m[k] } }
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	f := addTelegramFlags(fs)
	cfg := filepath.Join(t.TempDir(), "upchain.yml")
	if tg, err := newTelegram(f, cfg, env(nil), nil); tg != nil || err != nil {
		t.Fatalf("no token: %v %v", tg, err)
	}
	if err := fs.Parse([]string{"--telegram-allow", "12, x"}); err != nil {
		t.Fatal(err)
	}
	if _, err := newTelegram(f, cfg, env(map[string]string{envTelegramToken: "1:t"}), nil); err == nil || !strings.Contains(err.Error(), `"x" is not a chat id`) {
		t.Fatalf("bad allow-list: %v", err)
	}

	// An update is rendered with the notification template and redacted.
	l, err := configtest.Load(t, prober.Builtin(), "notifications:\n  template: \"{{.Headline}} / {{.Text}}\"\n",
		map[string]string{"checks/c.yml": "checks:\n  - name: RPC\n    kind: http\n    url: https://rpc.example.invalid/${KEY}\n"}, map[string]string{"KEY": "s3cr3t-key"})
	if err != nil {
		t.Fatal(err)
	}
	got := notify.Event{Kind: notify.Opened, Check: "rpc", Title: "RPC is down", Status: "down", Text: "GET /s3cr3t-key failed"}
	text, err := notify.Render(l, got)
	if err != nil || text != "🔴 Down: RPC is down / GET /${KEY} failed" {
		t.Fatalf("rendered %q %v", text, err)
	}
}
