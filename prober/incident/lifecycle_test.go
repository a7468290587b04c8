package incident

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/upchain-dev/upchain/prober"
	"github.com/upchain-dev/upchain/prober/config"
)

func TestLifecycleOnGitHub(t *testing.T) {
	e := newEnv(t, true, "")
	r := e.runner()

	if sum := r.round(down("eth-rpc/eu-west")); sum != "" || len(e.gh.Issues()) != 0 {
		t.Fatalf("one failed round opened something: %q", sum)
	}
	sum := r.round(down("eth-rpc/eu-west"))
	if !strings.Contains(sum, "opened eth-rpc (Ethereum RPC is down in eu-west)") {
		t.Fatalf("summary = %q", sum)
	}
	issues := e.gh.Issues()
	if len(issues) != 1 {
		t.Fatalf("%d issues", len(issues))
	}
	is := issues[0]
	if is.Title != "Ethereum RPC is down in eu-west" {
		t.Errorf("title = %q", is.Title)
	}
	if got := strings.Join(is.Labels, ","); got != "incident,eth-rpc,ethereum,rpc,prod" {
		t.Errorf("labels = %s", got)
	}
	if strings.Join(is.Assignees, ",") != "oncall" {
		t.Errorf("assignees = %v", is.Assignees)
	}
	inc := r.only()
	for _, want := range []string{
		"<!-- upchain:incident id=" + inc.ID + " check=eth-rpc -->",
		"since 2025-05-01 12:05 UTC (first failed round)",
		"| `eu-west` | down | 2025-05-01 12:05 UTC |",
		"`status == 200` — observed `503` in eu-west",
		"[Grafana](https://grafana.example.invalid/d/eth) · [Kibana](https://kibana.example.invalid/app/discover) · [Status page](https://status.example.invalid/sub/incidents/" + inc.ID + ".html) · [History](https://github.com/example/status/blob/status-history/incidents/" + inc.ID + ".md)",
		"`https://rpc.example.invalid/v3/${RPC_KEY}`",
	} {
		if !strings.Contains(is.Body, want) {
			t.Errorf("issue body lacks %q:\n%s", want, is.Body)
		}
	}
	if !strings.Contains(is.Body, "`GET \"https://rpc.example.invalid/v3/${RPC_KEY}\": HTTP 503 <script>alert(1)</script>`") {
		t.Error("endpoint text in the issue body is not a code span")
	}
	if inc.ID != "20250501-1210-eth-rpc" || inc.Issue != 1 || inc.State != Open || inc.Severity != "degraded" || inc.PendingCount() != 0 {
		t.Errorf("incident = %+v", inc)
	}
	if rs := r.st.Get("eth-rpc", "eu-west"); rs.Incident != inc.ID {
		t.Errorf("state incident = %q", rs.Incident)
	}
	if n := len(e.chat.messages()); n != 1 {
		t.Fatalf("%d chat messages after opening", n)
	}
	if !strings.Contains(e.chat.messages()[0], "https://github.com/example/status/issues/1") {
		t.Errorf("notification lacks the issue link: %s", e.chat.messages()[0])
	}

	// Same failure: no comment, no message.
	r.round(down("eth-rpc/eu-west"))
	// Degraded once: not yet a change.
	r.round(map[string]prober.Status{"eth-rpc/eu-west": prober.Degraded})
	if n := len(e.gh.Comments(1)); n != 0 {
		t.Fatalf("%d comments without a confirmed change", n)
	}
	// Degraded twice: a change.
	r.round(map[string]prober.Status{"eth-rpc/eu-west": prober.Degraded})
	cs := e.gh.Comments(1)
	if len(cs) != 1 || !strings.Contains(cs[0].Body, "Now **degraded** in eu-west (was down).") {
		t.Fatalf("comments = %+v", cs)
	}
	if e.gh.Issues()[0].Title != "Ethereum RPC is degraded in eu-west" {
		t.Errorf("title not updated: %q", e.gh.Issues()[0].Title)
	}
	// us-east joins.
	st := map[string]prober.Status{"eth-rpc/eu-west": prober.Degraded, "eth-rpc/us-east": prober.Down}
	r.round(st)
	r.round(st)
	cs = e.gh.Comments(1)
	if len(cs) != 2 || !strings.Contains(cs[1].Body, "Also failing in us-east: down — GET \"https://rpc.example.invalid/v3/${RPC_KEY}\": HTTP 503 &lt;script&gt;") {
		t.Fatalf("comments = %+v", cs)
	}
	if got := e.gh.Issues()[0].Title; got != "Ethereum RPC is down in eu-west, us-east" {
		t.Errorf("title = %q", got)
	}
	// eu-west recovers (two good rounds), us-east still down.
	r.round(down("eth-rpc/us-east"))
	r.round(down("eth-rpc/us-east"))
	cs = e.gh.Comments(1)
	if len(cs) != 3 || !strings.Contains(cs[2].Body, "Recovered in eu-west (2 good rounds in a row).") {
		t.Fatalf("comments = %+v", cs)
	}
	// Everything up: one good round is not enough.
	r.round(nil)
	if e.gh.Issues()[0].State != "open" {
		t.Fatal("closed after one good round")
	}
	sum = r.round(nil)
	if !strings.Contains(sum, "resolved eth-rpc after 50 min") {
		t.Errorf("summary = %q", sum)
	}
	is = e.gh.Issues()[0]
	cs = e.gh.Comments(1)
	if is.State != "closed" || is.StateReason != "completed" || len(cs) != 4 || !strings.Contains(cs[3].Body, "**Resolved** after 50 min") {
		t.Fatalf("issue %s/%s, comments %+v", is.State, is.StateReason, cs)
	}
	inc = r.only()
	if inc.State != Resolved || !inc.Resolved.Equal(epoch.Add(55*time.Minute)) || strings.Join(inc.Regions, ",") != "eu-west,us-east" || len(inc.Updates) != 5 {
		t.Errorf("incident = %+v", inc)
	}
	for _, rs := range r.st.Checks["eth-rpc"] {
		if rs.Incident != "" {
			t.Errorf("state still points at %q", rs.Incident)
		}
	}
	msgs := e.chat.messages()
	if len(msgs) != 5 || !strings.Contains(msgs[4], "Resolved after 50 min") {
		t.Fatalf("messages = %v", msgs)
	}
	// Quiet afterwards.
	r.round(nil)
	if len(e.gh.Comments(1)) != 4 || len(e.chat.messages()) != 5 || len(e.gh.Issues()) != 1 {
		t.Error("activity after resolution")
	}
}

func TestFlappingOpensNothing(t *testing.T) {
	e := newEnv(t, true, "")
	r := e.runner()
	for i := 0; i < 6; i++ {
		if i%2 == 0 {
			r.round(down("eth-rpc/global", "dot-rpc/global"))
		} else {
			r.round(nil)
		}
	}
	if n := len(e.gh.Issues()); n != 0 {
		t.Errorf("%d issues for a flapping endpoint", n)
	}
	if n := len(e.chat.messages()); n != 0 {
		t.Errorf("%d messages for a flapping endpoint", n)
	}
	if list := r.incidents(); len(list) != 0 {
		t.Errorf("incident files: %+v", list)
	}
}

func TestWholeCheckDownIsDown(t *testing.T) {
	e := newEnv(t, false, "")
	r := e.runner()
	all := down("eth-rpc/global", "eth-rpc/eu-west", "eth-rpc/us-east")
	r.round(all)
	r.round(all)
	inc := r.only()
	if inc.Title != "Ethereum RPC is down" || inc.Severity != "down" {
		t.Errorf("title %q severity %s", inc.Title, inc.Severity)
	}
}

func TestOfflineRecordsFilesAndNotifies(t *testing.T) {
	e := newEnv(t, false, "")
	r := e.runner()
	if r.m.GitHub() {
		t.Fatal("GitHub used without a token")
	}
	r.round(down("dot-rpc/global"))
	r.round(down("dot-rpc/global"))
	inc := r.only()
	if inc.Title != "Polkadot RPC is down" || inc.Issue != 0 || inc.PendingCount() != 0 || inc.Body == "" {
		t.Fatalf("incident = %+v", inc)
	}
	r.round(nil)
	r.round(nil)
	inc = r.only()
	if inc.State != Resolved || len(inc.Updates) != 2 || inc.Updates[1].Kind != KindResolved {
		t.Fatalf("incident = %+v", inc)
	}
	if n := len(e.chat.messages()); n != 2 {
		t.Errorf("%d messages, want opened and resolved", n)
	}
}

func TestSecretsNeverLeave(t *testing.T) {
	e := newEnv(t, true, "")
	r := e.runner()
	r.round(down("eth-rpc/global", "eth-rpc/eu-west"))
	r.round(down("eth-rpc/global", "eth-rpc/eu-west"))
	r.round(down("eth-rpc/global", "eth-rpc/eu-west", "eth-rpc/us-east"))
	sum := r.round(down("eth-rpc/global", "eth-rpc/eu-west", "eth-rpc/us-east"))
	r.round(nil)
	r.round(nil)
	var sent []string
	for _, req := range e.gh.Requests() {
		sent = append(sent, req.Path, req.Query.Encode(), string(req.Body))
	}
	sent = append(sent, e.chat.messages()...)
	sent = append(sent, r.allFiles(), sum, r.logs.String())
	all := strings.Join(sent, "\n")
	for _, secret := range []string{rpcSecret, ghToken} {
		if strings.Contains(all, secret) {
			t.Errorf("secret %q left the prober", secret)
		}
	}
	if !strings.Contains(all, "${RPC_KEY}") {
		t.Error("no redaction placeholder: was the secret ever in the input?")
	}
}

func TestConfigMaintenanceSuppresses(t *testing.T) {
	e := newEnv(t, true, `maintenance:
  - title: Polkadot node upgrade
    checks: [dot-rpc]
    start: "2025-05-01 12:00"
    end: "2025-05-01 12:30"
`)
	r := e.runner()
	// 12:05 ... 12:25: inside the window, failing: nothing.
	for i := 0; i < 5; i++ {
		r.round(down("dot-rpc/global"))
	}
	if len(e.gh.Issues()) != 0 || len(e.chat.messages()) != 0 || len(r.incidents()) != 0 {
		t.Fatal("an incident or alert during maintenance")
	}
	// 12:30: the window is over and the check still fails: it opens at once.
	if sum := r.round(down("dot-rpc/global")); !strings.Contains(sum, "opened dot-rpc") {
		t.Fatalf("summary = %q", sum)
	}
	if len(e.gh.Issues()) != 1 || len(e.chat.messages()) != 1 {
		t.Fatal("no incident after the window")
	}
}

func TestMaintenanceQuietsAnOpenIncident(t *testing.T) {
	e := newEnv(t, false, `maintenance:
  - title: Ethereum window
    checks: [eth-rpc]
    start: "2025-05-01 12:15"
    duration: 1h
`)
	r := e.runner()
	r.round(down("eth-rpc/global"))
	r.round(down("eth-rpc/global")) // 12:10: opened
	// In the window: us-east fails too, global flips to degraded: no noise.
	st := map[string]prober.Status{"eth-rpc/global": prober.Degraded, "eth-rpc/us-east": prober.Down}
	for i := 0; i < 4; i++ {
		r.round(st)
	}
	if inc := r.only(); len(inc.Updates) != 1 {
		t.Fatalf("updates during maintenance: %+v", inc.Updates)
	}
	// Recovery is still recorded.
	r.round(nil)
	r.round(nil)
	if inc := r.only(); inc.State != Resolved {
		t.Fatalf("not resolved in the window: %+v", inc)
	}
}

func TestCheckRemovedFromConfigResolves(t *testing.T) {
	e := newEnv(t, false, "")
	r := e.runner()
	r.round(down("dot-rpc/global"))
	r.round(down("dot-rpc/global"))
	// The next process runs with dot-rpc gone from checks/.
	var kept []*config.Check
	for _, c := range r.l.Checks {
		if c.Slug != "dot-rpc" {
			kept = append(kept, c)
		}
	}
	r.l.Checks = kept
	next, err := New(r.l, Options{Env: func(string) (string, bool) { return "", false }})
	if err != nil {
		t.Fatal(err)
	}
	r.m = next
	r.round(nil)
	inc := r.only()
	if inc.State != Resolved || !strings.Contains(inc.Updates[len(inc.Updates)-1].Text, "removed from the configuration") {
		t.Fatalf("incident = %+v", inc)
	}
}

func TestLoadAllOrderAndErrors(t *testing.T) {
	dir := t.TempDir()
	for i, id := range []string{"a", "b", "c"} {
		if err := Save(dir, &Incident{ID: id, Title: id, State: Resolved, Started: epoch.Add(time.Duration(i) * time.Hour)}); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(dir, Dir, "broken.md"), []byte("no header"), 0o644); err != nil {
		t.Fatal(err)
	}
	list, err := LoadAll(dir)
	if err == nil || !strings.Contains(err.Error(), "broken.md") {
		t.Errorf("err = %v", err)
	}
	var ids []string
	for _, inc := range list {
		ids = append(ids, inc.ID)
	}
	if strings.Join(ids, ",") != "c,b,a" {
		t.Errorf("order = %v", ids)
	}
	if list, err := LoadAll(t.TempDir()); err != nil || len(list) != 0 {
		t.Errorf("empty history: %v %v", list, err)
	}
	if err := Save(dir, &Incident{ID: "../escape"}); err == nil {
		t.Error("saved an id with a path")
	}
}
