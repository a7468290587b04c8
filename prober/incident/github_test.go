package incident

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/upchain-dev/upchain/prober/internal/fakegithub"
)

// A history commit whose push is rejected is re-applied on the remote tip:
// the hook runs again from the state before. Nothing is done twice.
func TestRerunOfARoundIsIdempotent(t *testing.T) {
	e := newEnv(t, true, "")
	r := e.runner()
	r.round(down("eth-rpc/eu-west"))
	dir, st := r.snapshot()
	r.round(down("eth-rpc/eu-west"))
	if len(e.gh.Issues()) != 1 || len(e.chat.messages()) != 1 {
		t.Fatal("first attempt did not open the incident")
	}
	// Attempt two: the same round, from the same starting point.
	r.dir, r.st = dir, st
	r.apply(r.results(down("eth-rpc/eu-west")))
	if n := len(e.gh.Issues()); n != 1 {
		t.Fatalf("%d issues after a re-run", n)
	}
	if n := len(e.chat.messages()); n != 1 {
		t.Fatalf("%d messages after a re-run", n)
	}
	inc := r.only()
	if inc.Issue != 1 || inc.PendingCount() != 0 || r.st.Get("eth-rpc", "eu-west").Incident != inc.ID {
		t.Fatalf("re-run state: %+v", inc)
	}

	// The resolving round, re-run the same way, and by a new process.
	r.round(nil)
	dir, st = r.snapshot()
	dir2, st2 := r.snapshot()
	r.round(nil)
	r.dir, r.st = dir, st
	r.apply(r.results(nil))
	fresh := e.runner()
	fresh.dir, fresh.st, fresh.now = dir2, st2, r.now
	fresh.apply(fresh.results(nil))
	if cs := e.gh.Comments(1); len(cs) != 1 {
		t.Fatalf("%d comments after re-runs, want 1 resolve", len(cs))
	}
	if e.gh.Issues()[0].State != "closed" {
		t.Fatal("issue not closed")
	}
	if n := e.gh.Count(http.MethodPost, "/issues"); n != 1 {
		t.Fatalf("%d creates", n)
	}
	// The new process starts from a history without the resolve: it finds
	// upchain's resolve comment on the closed issue and records the
	// resolution instead of announcing it again.
	if n := len(e.chat.messages()); n != 2 {
		t.Fatalf("%d messages, want opened and resolved", n)
	}
	if inc := fresh.only(); inc.State != Resolved || inc.Updates[len(inc.Updates)-1].Kind != KindResolved || fresh.st.Get("eth-rpc", "eu-west").Incident != "" {
		t.Fatalf("new process: %+v", inc)
	}
}

// Two runners probing at once, each with its own copy of history, against
// the same repository: both decide to open the incident in the same round.
func TestTwoRunnersOpenOneIssue(t *testing.T) {
	e := newEnv(t, true, "")
	var arrived atomic.Int32
	release := make(chan struct{})
	// Hold the first creator until the second arrives, so that both have
	// searched and found nothing: the worst case.
	e.gh.BeforeCreate = func() {
		if arrived.Add(1) == 2 {
			close(release)
		}
		select {
		case <-release:
		case <-time.After(5 * time.Second):
		}
	}
	a, b := e.runner(), e.runner()
	b.now = a.now.Add(time.Minute) // runners start at different times
	a.round(down("eth-rpc/global"))
	b.round(down("eth-rpc/global"))
	var wg sync.WaitGroup
	for _, r := range []*runner{a, b} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r.now = r.now.Add(5 * time.Minute)
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			if _, err := r.m.Apply(ctx, r.dir, r.st, r.results(down("eth-rpc/global")), r.now); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if arrived.Load() != 2 {
		t.Fatalf("%d creates reached the server; the race was not provoked", arrived.Load())
	}
	open := openIssues(e.gh)
	if len(open) != 1 {
		t.Fatalf("%d open incident issues", len(open))
	}
	winner := open[0].Number
	for _, is := range e.gh.Issues() {
		if is.Number == winner {
			continue
		}
		cs := e.gh.Comments(is.Number)
		if is.StateReason != "not_planned" || !strings.Contains(strings.Join(is.Labels, ","), "duplicate") || len(cs) != 1 || !strings.Contains(cs[0].Body, "Duplicate of #"+strconv.Itoa(winner)) {
			t.Errorf("loser #%d: %s, labels %v, comments %+v", is.Number, is.StateReason, is.Labels, cs)
		}
	}
	ia, ib := a.only(), b.only()
	if ia.ID != ib.ID || ia.Issue != winner || ib.Issue != winner {
		t.Errorf("runners disagree: a %s #%d, b %s #%d", ia.ID, ia.Issue, ib.ID, ib.Issue)
	}
	if a.st.Get("eth-rpc", "global").Incident != ia.ID || b.st.Get("eth-rpc", "global").Incident != ib.ID {
		t.Error("states do not point at the shared incident")
	}
	if n := len(e.chat.messages()); n != 1 {
		t.Errorf("%d opened messages, want 1 (from the winner)", n)
	}
}

func TestRateLimitsAreWaitedOut(t *testing.T) {
	e := newEnv(t, true, "")
	r := e.runner()
	// Secondary rate limit with Retry-After on the create, 429 with
	// x-ratelimit-reset on a listing, and a 502 on a listing.
	e.gh.Fail(fakegithub.SecondaryRateLimit(http.MethodPost, "/issues", map[string]string{"Retry-After": "1"}))
	reset := time.Now().Add(1500 * time.Millisecond).Unix()
	e.gh.Fail(&fakegithub.Fault{Method: http.MethodGet, PathSuffix: "/issues", Times: 1, Status: http.StatusTooManyRequests,
		Header: map[string]string{"X-RateLimit-Reset": strconv.FormatInt(reset, 10), "X-RateLimit-Remaining": "0"}, Body: `{"message":"API rate limit exceeded"}`})
	e.gh.Fail(&fakegithub.Fault{Method: http.MethodGet, PathSuffix: "/issues", Times: 1, Status: http.StatusBadGateway, Body: `{"message":"Server Error"}`})
	r.round(down("dot-rpc/global"))
	r.round(down("dot-rpc/global"))
	if n := len(e.gh.Issues()); n != 1 {
		t.Fatalf("%d issues\nlog:\n%s", n, r.logs)
	}
	if n := e.gh.Count(http.MethodPost, "/issues"); n != 2 {
		t.Errorf("%d create requests, want 2 (rate limited, then created)", n)
	}
	logs := r.logs.String()
	for _, want := range []string{"github create issue: attempt 1 failed", "exceeded a secondary rate limit", "retrying in 1s", "429 API rate limit exceeded", "502 Server Error"} {
		if !strings.Contains(logs, want) {
			t.Errorf("log lacks %q:\n%s", want, logs)
		}
	}
	if inc := r.only(); inc.PendingCount() != 0 || inc.Issue != 1 {
		t.Errorf("incident = %+v", inc)
	}
}

// GitHub down for a whole round leaves the work pending in the file; the
// next round does it.
func TestGitHubOutageLeavesWorkPending(t *testing.T) {
	e := newEnv(t, true, "")
	r := e.runner()
	r.round(down("dot-rpc/global"))
	e.gh.Fail(&fakegithub.Fault{Method: http.MethodGet, PathSuffix: "/issues", Times: 1000, Status: http.StatusServiceUnavailable, Body: `{"message":"unavailable"}`})
	sum := r.round(down("dot-rpc/global"))
	if !strings.Contains(sum, "deliveries pending") {
		t.Errorf("summary = %q", sum)
	}
	inc := r.only()
	if inc.Issue != 0 || len(inc.Updates) != 1 || strings.Join(inc.Updates[0].Pending, ",") != TargetGitHub || !strings.Contains(inc.Updates[0].Error, "503") {
		t.Fatalf("incident = %+v", inc)
	}
	// The channels were told regardless, with the history link.
	msgs := e.chat.messages()
	if len(msgs) != 1 || !strings.Contains(msgs[0], "/blob/status-history/incidents/"+inc.ID+".md") {
		t.Fatalf("messages = %v", msgs)
	}
	e.gh.ClearFaults()
	r.round(down("dot-rpc/global"))
	inc = r.only()
	if inc.Issue != 1 || inc.PendingCount() != 0 || inc.Updates[0].Error != "" {
		t.Fatalf("incident = %+v\nlog:\n%s", inc, r.logs)
	}
	if len(e.chat.messages()) != 1 {
		t.Error("channels told twice")
	}
}

// A wait GitHub asks for that does not fit the round's deadline is not
// taken: the work is left for the next round (the next process).
func TestWaitPastDeadlineIsLeftForNextRound(t *testing.T) {
	e := newEnv(t, true, "")
	r := e.runner()
	r.round(down("dot-rpc/global"))
	e.gh.Fail(fakegithub.SecondaryRateLimit(http.MethodPost, "/issues", map[string]string{"Retry-After": "3600"}))
	r.round(down("dot-rpc/global"))
	inc := r.only()
	if inc.Issue != 0 || !strings.Contains(inc.Updates[0].Error, "left for the next round") {
		t.Fatalf("incident = %+v", inc)
	}
	next := e.runner() // the next scheduled run
	next.dir, next.st, next.now = r.dir, r.st, r.now
	next.round(down("dot-rpc/global"))
	if inc := next.only(); inc.Issue != 1 || inc.PendingCount() != 0 {
		t.Fatalf("incident = %+v\nlog:\n%s", inc, next.logs)
	}
	if n := len(e.gh.Issues()); n != 1 {
		t.Fatalf("%d issues", n)
	}
}

func TestGitHubCanBeTurnedOff(t *testing.T) {
	e := newEnv(t, true, "")
	e.cfg = strings.Replace(e.cfg, "incidents:\n", "incidents:\n  github: false\n", 1)
	r := e.runner()
	if r.m.GitHub() {
		t.Fatal("GitHub used although incidents.github is false")
	}
	r.round(down("dot-rpc/global"))
	r.round(down("dot-rpc/global"))
	if len(e.gh.Requests()) != 0 || len(r.incidents()) != 1 {
		t.Fatalf("%d requests, %d incidents", len(e.gh.Requests()), len(r.incidents()))
	}
}

// An incident that opened and resolved while GitHub was unreachable is
// still recorded as an issue afterwards, opened then closed.
func TestIncidentMissedByGitHubIsRecordedLater(t *testing.T) {
	e := newEnv(t, true, "")
	r := e.runner()
	e.gh.Fail(&fakegithub.Fault{Method: http.MethodGet, PathSuffix: "/issues", Times: 1000, Status: http.StatusBadGateway})
	r.round(down("dot-rpc/global"))
	r.round(down("dot-rpc/global"))
	r.round(nil)
	r.round(nil)
	if inc := r.only(); inc.State != Resolved || inc.PendingCount() != 2 {
		t.Fatalf("incident = %+v", inc)
	}
	e.gh.ClearFaults()
	r.round(nil)
	is := e.gh.Issues()
	if len(is) != 1 || is[0].State != "closed" || len(e.gh.Comments(1)) != 1 {
		t.Fatalf("issues = %+v", is)
	}
	if inc := r.only(); inc.PendingCount() != 0 || inc.Issue != 1 {
		t.Fatalf("incident = %+v", inc)
	}
}

func TestHumanIncidentsAreMirrored(t *testing.T) {
	e := newEnv(t, true, "")
	r := e.runner()
	n := e.gh.AddIssue("alice", "Planned degradation of the Ethereum RPC", "We move the nodes; expect slow answers.\n\nAPI key: "+rpcSecret, "incident", "eth-rpc", "degraded")
	e.gh.AddComment(n, "bob", "Half of the nodes are moved.")
	r.round(nil)
	inc := r.only()
	if inc.ID != "gh-1" || inc.Source != FromGitHub || inc.State != Open || inc.Severity != "degraded" || strings.Join(inc.Checks, ",") != "eth-rpc" || inc.Author != "alice" {
		t.Fatalf("incident = %+v", inc)
	}
	if strings.Contains(inc.Body, rpcSecret) || !strings.Contains(inc.Body, "expect slow answers") {
		t.Errorf("body = %q", inc.Body)
	}
	if len(inc.Updates) != 1 || inc.Updates[0].Author != "bob" || inc.Updates[0].Kind != KindComment {
		t.Fatalf("updates = %+v", inc.Updates)
	}
	e.gh.AddComment(n, "bob", "All nodes moved.")
	e.gh.SetState(n, "closed")
	r.round(nil)
	inc = r.only()
	if inc.State != Resolved || inc.Resolved.IsZero() || len(inc.Updates) != 2 {
		t.Fatalf("incident = %+v", inc)
	}
	if len(e.chat.messages()) != 0 {
		t.Error("a human incident sent notifications")
	}
	if len(e.gh.Comments(n)) != 2 {
		t.Error("the prober commented on a human incident")
	}
}

func TestCommentsAndClosingOnAnAutomaticIssue(t *testing.T) {
	e := newEnv(t, true, "")
	r := e.runner()
	r.round(down("dot-rpc/global"))
	r.round(down("dot-rpc/global"))
	e.gh.AddComment(1, "carol", "Looking into it: the provider has an outage.")
	r.round(down("dot-rpc/global"))
	inc := r.only()
	if len(inc.Updates) != 2 || inc.Updates[1].Author != "carol" {
		t.Fatalf("updates = %+v", inc.Updates)
	}
	// On-call closes the issue while the endpoint still fails: the prober
	// does not reopen it or open another until the check recovers.
	e.gh.SetState(1, "closed")
	r.round(down("dot-rpc/global"))
	r.round(down("dot-rpc/global"))
	if n := len(e.gh.Issues()); n != 1 {
		t.Fatalf("%d issues after a manual close", n)
	}
	if inc := r.only(); inc.State != Resolved || inc.Updates[len(inc.Updates)-1].Kind != KindClosed {
		t.Fatalf("incident = %+v", inc)
	}
	r.round(nil)
	r.round(nil)
	r.round(down("dot-rpc/global"))
	r.round(down("dot-rpc/global"))
	if n := len(e.gh.Issues()); n != 2 {
		t.Fatalf("%d issues: a new failure after recovery must open a new incident", n)
	}
}

func TestMaintenanceIssue(t *testing.T) {
	e := newEnv(t, true, "")
	r := e.runner()
	e.gh.AddIssue("alice", "Node upgrade", "Upgrading.\n\n- **Start:** 2025-05-01 12:00\n- **End:** 2025-05-01 14:00\n- **Checks:** dot-rpc", "maintenance")
	bad := e.gh.AddIssue("alice", "Broken window", "start: soon", "maintenance")
	for i := 0; i < 4; i++ {
		r.round(down("dot-rpc/global"))
	}
	if n := len(e.gh.Issues()); n != 2 {
		t.Fatalf("%d issues: an incident opened during maintenance", n)
	}
	if n := len(e.chat.messages()); n != 0 {
		t.Fatalf("%d messages during maintenance", n)
	}
	cs := e.gh.Comments(bad)
	if len(cs) != 1 || !strings.Contains(cs[0].Body, "upchain cannot read this maintenance window: start: bad time") {
		t.Fatalf("comments on the unreadable window: %+v", cs)
	}
}

func TestReminders(t *testing.T) {
	e := newEnv(t, false, "")
	e.cfg = strings.Replace(e.cfg, "  labels: [prod]\n", "  labels: [prod]\n  reminder: 1h\n", 1)
	r := e.runner()
	r.round(down("dot-rpc/global"))
	r.round(down("dot-rpc/global")) // opened at 12:10
	count := func() int { return len(e.chat.messages()) }
	for r.now.Before(epoch.Add(70 * time.Minute)) {
		r.round(down("dot-rpc/global"))
	}
	if count() != 2 || !strings.Contains(e.chat.messages()[1], "Still open after 1 h") {
		t.Fatalf("messages after 1 h: %v", e.chat.messages())
	}
	for r.now.Before(epoch.Add(135 * time.Minute)) {
		r.round(down("dot-rpc/global"))
	}
	if count() != 3 {
		t.Fatalf("%d messages after 2 h", count())
	}
}

// A run whose history was lost finds the open issue on GitHub: a check
// still failing adopts it; a healthy check has it resolved and closed.
func TestLostHistoryAdoptsOpenIssues(t *testing.T) {
	e := newEnv(t, true, "")
	r := e.runner()
	r.round(down("dot-rpc/global", "eth-rpc/global"))
	r.round(down("dot-rpc/global", "eth-rpc/global"))
	if len(openIssues(e.gh)) != 2 || len(e.chat.messages()) != 2 {
		t.Fatal("setup: two incidents expected")
	}
	lost := e.runner()
	lost.now = r.now.Add(time.Hour)
	lost.round(down("dot-rpc/global"))
	lost.round(down("dot-rpc/global"))
	if n := len(e.gh.Issues()); n != 2 {
		t.Fatalf("%d issues: a duplicate was opened", n)
	}
	// The lost run's incidents: Polkadot is adopted quietly; Ethereum,
	// healthy again, is resolved and that is announced.
	msgs := e.chat.messages()
	if len(msgs) != 3 || strings.Contains(msgs[2], "Polkadot") || !strings.Contains(msgs[2], "Resolved") || !strings.Contains(msgs[2], "Ethereum RPC") {
		t.Fatalf("messages = %v", msgs)
	}
	byCheck := map[string]Incident{}
	for _, inc := range lost.incidents() {
		byCheck[inc.Check()] = inc
	}
	if dot := byCheck["dot-rpc"]; dot.Issue == 0 || dot.State != Open || lost.st.Get("dot-rpc", "global").Incident != dot.ID {
		t.Errorf("dot-rpc = %+v", dot)
	}
	lost.round(nil)
	lost.round(nil)
	for _, is := range e.gh.Issues() {
		if is.State != "closed" {
			t.Errorf("issue #%d (%s) still open", is.Number, is.Title)
		}
	}
}
