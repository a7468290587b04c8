package demo

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/upchain-dev/upchain/prober"
	"github.com/upchain-dev/upchain/prober/config"
	"github.com/upchain-dev/upchain/prober/incident"
)

// runShortDemo plays a two-day story (48 rounds) on free ports in a fresh git
// repository.
func runShortDemo(t *testing.T) *Result {
	t.Helper()
	t.Setenv("GIT_CONFIG_GLOBAL", os.DevNull)
	t.Setenv("GIT_CONFIG_NOSYSTEM", "1")
	t.Setenv("GITHUB_TOKEN", "must-not-be-used")
	dir := t.TempDir()
	if out, err := exec.Command("git", "-C", dir, "init", "-q").CombinedOutput(); err != nil {
		t.Fatalf("git init: %v %s", err, out)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	var said []string
	res, err := Run(ctx, Options{Dir: dir, Days: 2, Interval: time.Hour, PortBase: -1, Say: func(s string) { said = append(said, s) }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(res.Close)
	return res
}

// TestDemoStory plays the short story once and checks what it made.
func TestDemoStory(t *testing.T) {
	res := runShortDemo(t)
	t.Run("episodes", func(t *testing.T) { checkEpisodes(t, res) })
	t.Run("locations", func(t *testing.T) { checkLocations(t, res) })
}

// checkEpisodes: every episode opens its incident (and it resolves), the
// restart inside the maintenance window opens none, every check has a
// page, and history is real git commits.
func checkEpisodes(t *testing.T, res *Result) {
	want := []string{
		"API (geo-routed) is down in us-east",
		"Conflux node and PoS validator is down",
		"Cosmos node 2 is down",
		"Cosmos validator is degraded",
		"Probes from ap-actions stopped",
		"Status website is degraded",
		cosmosChainID + " stopped producing blocks",
	}
	got := slices.Clone(res.Incidents)
	slices.Sort(got)
	if !slices.Equal(got, want) {
		t.Errorf("incidents %q, want %q", got, want)
	}
	for _, title := range res.Incidents {
		if strings.Contains(title, "EVM") || strings.Contains(title, "eth_blockNumber") {
			t.Errorf("the planned restart inside its maintenance window opened %q", title)
		}
	}
	// opened and resolved for each, plus changes.
	if res.Notifications < 2*len(want) {
		t.Errorf("%d notifications reached the webhook sink, want at least %d", res.Notifications, 2*len(want))
	}

	l, err := prober.Load(filepath.Join(res.Dir, "upchain.yml"), config.Options{Lookup: demoEnv})
	if err != nil {
		t.Fatalf("the demo's written config does not load: %v", err)
	}
	for _, c := range l.Checks {
		if _, err := os.Stat(filepath.Join(res.Site, "checks", c.Slug+".html")); err != nil {
			t.Errorf("no page for check %s: %v", c.Slug, err)
		}
	}
	home, err := os.ReadFile(filepath.Join(res.Site, "index.html"))
	if err != nil || !strings.Contains(string(home), "This is a demo") {
		t.Errorf("the home page does not say it is a demo (%v)", err)
	}
	git := func(args ...string) string {
		out, err := exec.Command("git", append([]string{"-C", res.History}, args...)...).CombinedOutput()
		if err != nil {
			t.Fatalf("git %v: %v %s", args, err, out)
		}
		return string(out)
	}
	if log := git("log", "--format=%s"); strings.Count(log, "\n") < res.Rounds {
		t.Errorf("history commits for %d rounds:\n%s", res.Rounds, log)
	}
	if files := git("ls-files", "incidents"); strings.Count(files, ".md") != len(want) {
		t.Errorf("incident files committed:\n%s", files)
	}
	// The chain's planned upgrade is an upcoming maintenance window, on the
	// site with its name and height.
	if files := git("ls-files", "maintenance"); !strings.Contains(files, "maintenance/upgrade-"+cosmosChainID+"-") {
		t.Error("no upgrade window in history")
	}
	if !strings.Contains(string(home), "Planned upgrade v2.0.0 at height") {
		t.Error("the home page does not show the planned upgrade")
	}
}

// demoIncidents loads the incidents the demo wrote, by title.
func demoIncidents(t *testing.T, res *Result) map[string]*incident.Incident {
	t.Helper()
	incs, err := incident.LoadAll(res.History)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]*incident.Incident{}
	for i := range incs {
		inc := &incs[i]
		if out[inc.Title] != nil {
			t.Errorf("incident %q opened twice", inc.Title)
		}
		out[inc.Title] = inc
	}
	return out
}

// checkLocations: three locations record every round into one history
// with quorum 2. One location cut off from the Conflux node opens nothing;
// two open one incident saying who saw what; a silent location opens
// "Probes from ap-actions stopped" until it records again; the chain halt
// opens one chain-wide incident (none per check) with one notification
// per channel for each of its updates.
func checkLocations(t *testing.T, res *Result) {
	incs := demoIncidents(t, res)
	at := func(round int) time.Time { return res.start.Add(time.Duration(round) * time.Hour) }
	st := res.story

	cut := incs["Conflux node and PoS validator is down"]
	switch {
	case cut == nil:
		t.Error("two locations cut off from the Conflux node opened no incident")
	case cut.Started.Before(at(st.cutTwo.From)):
		t.Errorf("the Conflux incident started at %s, while only one location was cut off (two from %s)", cut.Started, at(st.cutTwo.From))
	case !strings.Contains(cut.Body, "down from ap-actions, us-actions; up from eu-daemon"):
		t.Errorf("the Conflux incident does not say which locations saw what:\n%s", cut.Body)
	case cut.State != "resolved":
		t.Errorf("the Conflux incident is %s after the cut ended", cut.State)
	}

	stale := incs["Probes from "+staleLocation+" stopped"]
	switch {
	case stale == nil:
		t.Error("a location silent for longer than stale_after opened no incident")
	case stale.Location != staleLocation || stale.State != "resolved":
		t.Errorf("stale-location incident: location %q, state %s; want %s, resolved", stale.Location, stale.State, staleLocation)
	case stale.Resolved.Before(at(st.silent.To)):
		t.Errorf("resolved at %s, before %s records again at %s", stale.Resolved, staleLocation, at(st.silent.To))
	}

	halt := incs[cosmosChainID+" stopped producing blocks"]
	if halt == nil {
		t.Fatal("the chain halt opened no chain-wide incident")
	}
	if want := []string{"cosmos-node-1", "cosmos-node-2", "cosmos-validator"}; !slices.Equal(slices.Sorted(slices.Values(halt.Checks)), want) || halt.State != "resolved" {
		t.Errorf("chain-wide incident lists %v (%s), want %v, resolved", halt.Checks, halt.State, want)
	}
	if halt.Started.Before(at(st.halt.From)) || halt.Resolved.Before(at(st.halt.To)) {
		t.Errorf("chain-wide incident from %s to %s, the halt from %s to %s", halt.Started, halt.Resolved, at(st.halt.From), at(st.halt.To))
	}
	events := map[string]int{}
	for _, n := range res.network.sink.all() {
		if n.Title == halt.Title {
			events[n.Event]++
		}
	}
	if events["opened"] != 1 || events["resolved"] != 1 || len(events) != 2 {
		t.Errorf("notifications for the chain halt on the one channel: %v, want one opened and one resolved", events)
	}

	// Each location recorded its own rounds: every one is on the round
	// lines of the raw files, and on the check page's location table.
	out, err := exec.Command("git", "-C", res.History, "grep", "-h", "^# round", "HEAD", "--", "raw").CombinedOutput()
	if err != nil {
		t.Fatalf("git grep: %v %s", err, out)
	}
	page, err := os.ReadFile(filepath.Join(res.Site, "checks", cutCheck+".html"))
	if err != nil {
		t.Fatal(err)
	}
	// The home page maps the three runners and the API's two backends,
	// and says the chain halted.
	home, err := os.ReadFile(filepath.Join(res.Site, "index.html"))
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(string(home), `class="map-dot `); n != len(demoLocations)+2 {
		t.Errorf("the home page's map has %d dots, want %d", n, len(demoLocations)+2)
	}
	incPage, err := os.ReadFile(filepath.Join(res.Site, "incidents.html"))
	if err != nil || !strings.Contains(string(incPage), halt.Title) {
		t.Errorf("the incidents page does not say %q (%v)", halt.Title, err)
	}
	for _, loc := range demoLocations {
		if !strings.Contains(string(out), " "+loc+"\n") {
			t.Errorf("no round recorded from %s", loc)
		}
		if !strings.Contains(string(page), ">"+loc+"</th>") {
			t.Errorf("the check page's location table lacks %s", loc)
		}
	}
}

// TestWriteConfigValidates: --write-config writes a config that loads,
// and never overwrites without force.
func TestWriteConfigValidates(t *testing.T) {
	dir := t.TempDir()
	if err := WriteConfig(dir, 0, false); err != nil {
		t.Fatal(err)
	}
	l, err := prober.Load(filepath.Join(dir, "upchain.yml"), config.Options{Lookup: demoEnv})
	if err != nil {
		t.Fatalf("written config does not load: %v", err)
	}
	kinds := map[string]bool{}
	for _, c := range l.Checks {
		kinds[c.Kind] = true
		if !strings.Contains(c.URL, "127.0.0.1:") && c.Kind != "dns" {
			t.Errorf("%s points at %s, not at the demo's loopback endpoints", c.Slug, c.URL)
		}
	}
	for _, k := range prober.Builtin().Names() {
		if k == "tls" {
			continue // the demo serves no TLS: it would need a CA the user trusts
		}
		if !kinds[k] {
			t.Errorf("the worked example has no check of kind %s", k)
		}
	}
	if err := WriteConfig(dir, 0, false); err == nil || !strings.Contains(err.Error(), "exists") {
		t.Errorf("second write without force: %v", err)
	}
	if err := WriteConfig(dir, 0, true); err != nil {
		t.Errorf("with force: %v", err)
	}
}
