package main

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/upchain-dev/upchain/prober/incident"
)

func TestNotifyTestAndIncidentsCommands(t *testing.T) {
	var got atomic.Int32
	var body atomic.Value
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		body.Store(string(b))
		got.Add(1)
		io.WriteString(w, "ok")
	}))
	defer hook.Close()
	dir := t.TempDir()
	os.Mkdir(filepath.Join(dir, "checks"), 0o755)
	cfg := "site: {title: T}\nhistory: {dir: hist}\nnotifications:\n  channels:\n    - kind: slack\n      url: " + hook.URL + "/x\n"
	os.WriteFile(filepath.Join(dir, "upchain.yml"), []byte(cfg), 0o644)
	var out, errb bytes.Buffer
	if code := run(context.Background(), []string{"notify", "--test", "--config", filepath.Join(dir, "upchain.yml")}, &out, &errb); code != exitOK {
		t.Fatalf("exit %d: %s %s", code, out.String(), errb.String())
	}
	if got.Load() != 1 || !strings.Contains(body.Load().(string), "Test message from upchain") || !strings.Contains(out.String(), "slack: ok") {
		t.Fatalf("sent %d: %v; output %s", got.Load(), body.Load(), out.String())
	}

	if err := incident.Save(filepath.Join(dir, "hist"), &incident.Incident{ID: "20250501-1200-x", Title: "X is down", State: incident.Open, Severity: "down", Started: time.Now().Add(-time.Hour)}); err != nil {
		t.Fatal(err)
	}
	out.Reset()
	if code := run(context.Background(), []string{"incidents", "--config", filepath.Join(dir, "upchain.yml")}, &out, &errb); code != exitOK {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	if !strings.Contains(out.String(), "open   down      ") || !strings.Contains(out.String(), "X is down") {
		t.Fatalf("output:\n%s", out.String())
	}
}
