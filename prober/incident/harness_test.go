package incident

import (
	"context"
	"fmt"
	"github.com/upchain-dev/upchain/prober/testlog"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/upchain-dev/upchain/prober"
	"github.com/upchain-dev/upchain/prober/config"
	"github.com/upchain-dev/upchain/prober/history"
	"github.com/upchain-dev/upchain/prober/internal/fakegithub"
	"github.com/upchain-dev/upchain/prober/internal/retry"
)

const (
	rpcSecret = "sk-live-rpc-0123456789" // the API key in the check's URL
	ghToken   = "ghp_testtoken0123456789"
	owner     = "example"
	repoName  = "status"
)

// chat records messages sent to a Slack incoming webhook (the request
// shape of https://api.slack.com/messaging/webhooks: JSON with "text").
type chat struct {
	srv  *httptest.Server
	mu   sync.Mutex
	msgs []string
}

func newChat(t *testing.T) *chat {
	c := &chat{}
	c.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		if !strings.Contains(string(b), `"text"`) {
			http.Error(w, "no_text", http.StatusBadRequest)
			return
		}
		c.mu.Lock()
		c.msgs = append(c.msgs, string(b))
		c.mu.Unlock()
		io.WriteString(w, "ok")
	}))
	t.Cleanup(c.srv.Close)
	return c
}

func (c *chat) messages() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]string(nil), c.msgs...)
}

// runner is one prober run: a history worktree with its state, and a
// Manager, against a shared fake GitHub and chat.
type runner struct {
	t    *testing.T
	dir  string
	st   *history.State
	l    *config.Loaded
	m    *Manager
	now  time.Time
	logs *testlog.Buffer
}

type env struct {
	t    *testing.T
	gh   *fakegithub.Server // nil: offline
	chat *chat
	cfg  string // upchain.yml
}

const checksYAML = `group: Ethereum
checks:
  - name: Ethereum RPC
    slug: eth-rpc
    kind: http
    url: https://rpc.example.invalid/v3/${RPC_KEY}
    tags: [ethereum, rpc]
    links:
      grafana: https://grafana.example.invalid/d/eth
      kibana: https://kibana.example.invalid/app/discover
    regions:
      - name: eu-west
        address: 127.0.0.2
      - name: us-east
        address: 127.0.0.3
  - name: Polkadot RPC
    slug: dot-rpc
    kind: http
    url: https://dot.example.invalid/
`

// newEnv prepares a config (extra is appended to upchain.yml) and, when
// github is set, a fake GitHub.
func newEnv(t *testing.T, github bool, extra string) *env {
	e := &env{t: t, chat: newChat(t)}
	if github {
		e.gh = fakegithub.New(owner, repoName, ghToken)
		t.Cleanup(e.gh.Close)
	}
	e.cfg = fmt.Sprintf(`site: {title: Test Status, base_url: "https://status.example.invalid/sub/"}
history: {branch: status-history}
incidents:
  assignees: [oncall]
  labels: [prod]
notifications:
  channels:
    - kind: slack
      url: %s/services/hook
%s`, e.chat.srv.URL, extra)
	return e
}

var epoch = time.Date(2025, 5, 1, 12, 0, 0, 0, time.UTC)

func (e *env) runner() *runner {
	t := e.t
	cfgDir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(cfgDir, "checks"), 0o755); err != nil {
		t.Fatal(err)
	}
	write := func(name, data string) {
		if err := os.WriteFile(filepath.Join(cfgDir, name), []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("upchain.yml", e.cfg)
	write("checks/eth.yml", checksYAML)
	l, err := prober.Load(filepath.Join(cfgDir, "upchain.yml"), config.Options{Lookup: func(k string) (string, bool) {
		if k == "RPC_KEY" {
			return rpcSecret, true
		}
		return "", false
	}})
	if err != nil {
		t.Fatalf("config: %v", err)
	}
	r := &runner{t: t, dir: t.TempDir(), st: &history.State{}, l: l, now: epoch, logs: &testlog.Buffer{}}
	envVars := map[string]string{}
	if e.gh != nil {
		envVars = map[string]string{"GITHUB_TOKEN": ghToken, "GITHUB_REPOSITORY": owner + "/" + repoName, "GITHUB_API_URL": e.gh.URL}
	}
	r.m, err = New(l, Options{
		Env:   func(k string) (string, bool) { v, ok := envVars[k]; return v, ok },
		Retry: retry.Policy{Attempts: 4, Base: time.Millisecond, Max: 10 * time.Millisecond},
		Log:   r.logs.Logf,
	})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// results builds a round at r.now: every region of every check is up
// unless statuses says otherwise ("eth-rpc/eu-west": down).
func (r *runner) results(statuses map[string]prober.Status) []prober.Result {
	var out []prober.Result
	for _, c := range r.l.Checks {
		for _, reg := range c.Targets() {
			st := statuses[c.Slug+"/"+reg.Name]
			if st == "" {
				st = prober.Up
			}
			res := prober.Result{Check: c.Slug, Name: c.Name, Group: c.Group, Kind: c.Kind, Region: reg.Name, Time: r.now, Status: st, Code: 200, Values: prober.Values{"height": "1234"}}
			if st != prober.Up {
				res.Code = 503
				// A raw secret in a reason: results are redacted by the
				// prober already; the incident stage must not rely on it.
				res.Reason = `GET "https://rpc.example.invalid/v3/` + rpcSecret + `": HTTP 503 <script>alert(1)</script>`
				res.Failed = []prober.FailedCondition{{Condition: "status == 200", Observed: "503"}}
			}
			out = append(out, res)
		}
	}
	return out
}

// round probes once (5 minutes after the previous) and applies the
// incident stage; it returns the summary.
func (r *runner) round(statuses map[string]prober.Status) string {
	r.t.Helper()
	r.now = r.now.Add(5 * time.Minute)
	return r.apply(r.results(statuses))
}

func (r *runner) apply(results []prober.Result) string {
	r.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	sum, err := r.m.Apply(ctx, r.dir, r.st, results, r.now)
	if err != nil {
		r.t.Fatalf("apply: %v\nlog:\n%s", err, r.logs)
	}
	return sum
}

func (r *runner) incidents() []Incident {
	r.t.Helper()
	list, err := LoadAll(r.dir)
	if err != nil {
		r.t.Fatal(err)
	}
	return list
}

func (r *runner) only() Incident {
	r.t.Helper()
	list := r.incidents()
	if len(list) != 1 {
		r.t.Fatalf("%d incidents, want 1: %+v", len(list), list)
	}
	return list[0]
}

// snapshot copies the worktree and state, as a history commit attempt
// that may be retried on another tip would start from.
func (r *runner) snapshot() (dir string, st *history.State) {
	r.t.Helper()
	dir = r.t.TempDir()
	if err := os.CopyFS(dir, os.DirFS(r.dir)); err != nil {
		r.t.Fatal(err)
	}
	st = &history.State{Updated: r.st.Updated, Checks: map[string]map[string]*history.RegionState{}}
	for c, regions := range r.st.Checks {
		st.Checks[c] = map[string]*history.RegionState{}
		for n, rs := range regions {
			cp := *rs
			st.Checks[c][n] = &cp
		}
	}
	return dir, st
}

// allFiles concatenates every file of the worktree.
func (r *runner) allFiles() string {
	var b strings.Builder
	filepath.WalkDir(r.dir, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			data, _ := os.ReadFile(p)
			b.Write(data)
		}
		return nil
	})
	return b.String()
}

func down(keys ...string) map[string]prober.Status {
	m := map[string]prober.Status{}
	for _, k := range keys {
		m[k] = prober.Down
	}
	return m
}

func openIssues(gh *fakegithub.Server) []fakegithub.Issue {
	var out []fakegithub.Issue
	for _, is := range gh.Issues() {
		if is.State == "open" {
			out = append(out, is)
		}
	}
	return out
}
