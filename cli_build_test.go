package main

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

const testSecret = "sk_live_9f8e7d6c5b4a3210"

// writeSiteConfig writes a config whose check URL, link and description
// reference ${UPCHAIN_TEST_KEY}, plus a password typed into a URL.
func writeSiteConfig(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	files := map[string]string{
		"upchain.yml": `site:
  title: Test Status
  description: Probes of the test fleet.
  base_url: https://example.github.io/status/
  links:
    - name: Grafana
      url: https://grafana.example.org/d/x?auth=${UPCHAIN_TEST_KEY}
checks_dir: checks
`,
		"checks/rpc.yml": `group: Ethereum
checks:
  - name: Mainnet RPC
    kind: http
    url: https://rpc.example.org/v3/${UPCHAIN_TEST_KEY}
    description: Key ${UPCHAIN_TEST_KEY} must not show.
    links:
      grafana: https://grafana.example.org/d/rpc?token=${UPCHAIN_TEST_KEY}
    regions:
      - name: eu-west
        address: 127.0.0.1
  - name: Archive
    kind: http
    url: https://archive:pa55w0rd-typed-in@archive.example.org/
`,
	}
	for name, body := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return filepath.Join(dir, "upchain.yml")
}

func runCmd(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(context.Background(), args, &out, &errb)
	return code, out.String(), errb.String()
}

func TestBuildCommandKeepsSecretsOut(t *testing.T) {
	t.Setenv("UPCHAIN_TEST_KEY", testSecret)
	cfg := writeSiteConfig(t)
	out := filepath.Join(t.TempDir(), "site")
	code, stdout, stderr := runCmd(t, "build", "--config", cfg, "--out", out)
	if code != exitOK {
		t.Fatalf("exit %d: %s%s", code, stdout, stderr)
	}
	if !strings.Contains(stdout, "2 checks") {
		t.Errorf("stdout = %q", stdout)
	}
	n := 0
	err := filepath.WalkDir(out, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		n++
		b, err := os.ReadFile(p)
		for _, secret := range []string{testSecret, "pa55w0rd-typed-in"} {
			if bytes.Contains(b, []byte(secret)) {
				t.Errorf("%s contains the secret %q", p, secret)
			}
		}
		return err
	})
	if err != nil || n < 20 {
		t.Fatalf("walked %d files: %v", n, err)
	}
	page, err := os.ReadFile(filepath.Join(out, "checks", "mainnet-rpc.html"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"https://rpc.example.org/v3/${UPCHAIN_TEST_KEY}", "No data", "eu-west", "token=$%7bUPCHAIN_TEST_KEY%7d"} {
		if !strings.Contains(string(page), want) {
			t.Errorf("check page lacks %q", want)
		}
	}
}

func TestBuildCommandNeedsNoSecrets(t *testing.T) {
	cfg := writeSiteConfig(t) // UPCHAIN_TEST_KEY is not set
	out := filepath.Join(t.TempDir(), "public")
	if code, stdout, stderr := runCmd(t, "build", "--config", cfg, "--out", out); code != exitOK {
		t.Fatalf("exit %d: %s%s", code, stdout, stderr)
	}
	if _, err := os.Stat(filepath.Join(out, "index.html")); err != nil {
		t.Fatal(err)
	}
}

func TestBuildCommandDefaultOutputBesideConfig(t *testing.T) {
	cfg := writeSiteConfig(t)
	if code, stdout, stderr := runCmd(t, "build", "--config", cfg); code != exitOK {
		t.Fatalf("exit %d: %s%s", code, stdout, stderr)
	}
	if _, err := os.Stat(filepath.Join(filepath.Dir(cfg), "public", "api", "v2", "summary.json")); err != nil {
		t.Fatal(err)
	}
}

func TestBuildCommandReportsConfigErrors(t *testing.T) {
	cfg := writeSiteConfig(t)
	if err := os.WriteFile(filepath.Join(filepath.Dir(cfg), "checks", "bad.yml"), []byte("group: X\nchecks:\n  - name: Bad\n    kind: nope\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, _, stderr := runCmd(t, "build", "--config", cfg)
	if code != exitFailed || !strings.Contains(stderr, "bad.yml:4") {
		t.Errorf("exit %d, stderr %q: want the file and line of the problem", code, stderr)
	}
}

func TestLoopbackAddr(t *testing.T) {
	for in, want := range map[string]string{
		":8000": "127.0.0.1:8000", "localhost:1": "127.0.0.1:1", "127.0.0.2:80": "127.0.0.2:80", "[::1]:9": "[::1]:9",
		"0.0.0.0:80": "", "192.0.2.1:80": "", "example.org:80": "", "8000": "",
	} {
		got, err := loopbackAddr(in)
		if (err != nil) != (want == "") || got != want {
			t.Errorf("loopbackAddr(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
}

func TestBuildServeServesUnderBasePath(t *testing.T) {
	cfg := writeSiteConfig(t)
	out := filepath.Join(t.TempDir(), "public")
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	done := make(chan int, 1)
	go func() {
		var errb bytes.Buffer
		done <- run(ctx, []string{"build", "--config", cfg, "--out", out, "--serve", "127.0.0.1:0"}, pw, &errb)
		pw.Close()
	}()
	t.Cleanup(func() {
		cancel()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			t.Error("server did not stop")
		}
	})
	addr := regexp.MustCompile(`at (http://127\.0\.0\.1:\d+/status/)`)
	sc := bufio.NewScanner(pr)
	var base string
	for sc.Scan() {
		if m := addr.FindStringSubmatch(sc.Text()); m != nil {
			base = m[1]
			break
		}
	}
	if base == "" {
		t.Fatal("no serving address printed")
	}
	go func() { _, _ = io.Copy(io.Discard, pr) }()
	client := &http.Client{Timeout: 5 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	get := func(u string) (int, string, string) {
		resp, err := client.Get(u)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
		return resp.StatusCode, resp.Header.Get("Location"), string(b)
	}
	if code, body := func() (int, string) { c, _, b := get(base); return c, b }(); code != 200 || !strings.Contains(body, "<title>Test Status</title>") {
		t.Errorf("GET %s: %d", base, code)
	}
	if code, loc, _ := get(strings.TrimSuffix(base, "status/")); code != http.StatusFound || loc != "/status/" {
		t.Errorf("GET / = %d to %q, want a redirect to /status/", code, loc)
	}
	if code, _, body := get(base + "checks/missing.html"); code != 404 || !strings.Contains(body, "Page not found") || !strings.Contains(body, `href="/status/style.css`) {
		t.Errorf("missing page: %d", code)
	}
	if code, _, _ := get(base + "api/v2/summary.json"); code != 200 {
		t.Errorf("summary.json: %d", code)
	}
}
