package main

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
)

// quorumRunners sets up three runners (fra, iad, sgp), each with its own
// checkout of the config recording into one bare remote. Each probes the
// same check at its own region address: a local server per location that
// the test makes fail. It returns a function running one probe round at a
// location (or another command, given as args), the per-location failure
// switches, the heartbeat counter, the remote and each location's config.
func quorumRunners(t *testing.T, quorum string) (probe func(loc string, args ...string) string, fail map[string]*atomic.Bool, beats *atomic.Int32, bare string, cfgs map[string]string) {
	t.Helper()
	t.Setenv("GITHUB_TOKEN", "")
	t.Setenv("GITHUB_REPOSITORY", "")
	t.Setenv("UPCHAIN_LOCATION", "")
	beats = new(atomic.Int32)
	hb := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { beats.Add(1) }))
	t.Cleanup(hb.Close)
	bare = filepath.Join(t.TempDir(), "remote.git")
	if out, err := exec.Command("git", "init", "-q", "--bare", bare).CombinedOutput(); err != nil {
		t.Fatalf("%v %s", err, out)
	}
	fail = map[string]*atomic.Bool{}
	cfgs = map[string]string{}
	for _, loc := range []string{"fra", "iad", "sgp"} {
		f := new(atomic.Bool)
		fail[loc] = f
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if f.Load() {
				w.WriteHeader(http.StatusServiceUnavailable)
			}
		}))
		t.Cleanup(srv.Close)
		dir, git := configRepo(t,
			"site: {title: Q}\ndefaults: {timeout: 2s, retries: 0, quorum: "+quorum+"}\nheartbeat: "+hb.URL+"/ping\n",
			"group: Local\nchecks:\n  - name: API\n    kind: http\n    url: "+srv.URL+"/health\n    conditions: [status == 200]\n")
		git("remote", "add", "origin", bare)
		cfgs[loc] = filepath.Join(dir, "upchain.yml")
	}
	probe = func(loc string, args ...string) string {
		t.Helper()
		if len(args) == 0 {
			args = []string{"probe", "--location", loc}
		}
		var out, errb bytes.Buffer
		if code := run(context.Background(), append(args, "--config", cfgs[loc]), &out, &errb); code != exitOK {
			t.Fatalf("probe at %s: exit %d\n%s\n%s", loc, code, out.String(), errb.String())
		}
		return errb.String()
	}
	return probe, fail, beats, bare, cfgs
}

// incidentFiles lists the incident files on the remote's history branch.
func incidentFiles(t *testing.T, bare string) []string {
	t.Helper()
	out, err := exec.Command("git", "-C", bare, "ls-tree", "--name-only", "upchain-history", "incidents/").CombinedOutput()
	if err != nil {
		return nil // no branch or no incidents yet
	}
	var files []string
	for _, f := range strings.Fields(string(out)) {
		if strings.HasSuffix(f, ".md") {
			files = append(files, f)
		}
	}
	return files
}

func TestQuorumAcrossThreeLocations(t *testing.T) {
	probe, fail, beats, bare, _ := quorumRunners(t, "2")
	round := func() {
		for _, loc := range []string{"fra", "iad", "sgp"} {
			probe(loc)
		}
	}
	round()
	if n := beats.Load(); n != 3 {
		t.Errorf("heartbeat hit %d times after 3 recorded rounds, want 3", n)
	}
	// One location cannot reach its address: degraded, no incident.
	fail["sgp"].Store(true)
	round()
	round()
	if inc := incidentFiles(t, bare); len(inc) != 0 {
		t.Fatalf("quorum 2, one location failing: incidents %v, want none", inc)
	}
	// Two cannot: one incident.
	fail["iad"].Store(true)
	round()
	round()
	inc := incidentFiles(t, bare)
	if len(inc) != 1 {
		t.Fatalf("quorum 2, two locations failing: incidents %v, want one", inc)
	}
	body, err := exec.Command("git", "-C", bare, "show", "upchain-history:"+inc[0]).CombinedOutput()
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(body), "down from iad, sgp") {
		t.Errorf("incident does not say which locations saw what:\n%s", body)
	}
	// The check page has the location x region table.
	site := filepath.Join(t.TempDir(), "site")
	probe("fra", "build", "--out", site)
	page := readFile(t, filepath.Join(site, "checks", "api.html"))
	for _, want := range []string{"Status by location", ">fra</th>", ">iad</th>", ">sgp</th>"} {
		if !strings.Contains(page, want) {
			t.Errorf("check page lacks %q", want)
		}
	}
}

// TestHeartbeatOnlyAfterRecordedRounds: a round that could not be
// recorded (its push is refused) sends no heartbeat.
func TestHeartbeatOnlyAfterRecordedRounds(t *testing.T) {
	probe, _, beats, bare, cfgs := quorumRunners(t, "1")
	probe("fra")
	if n := beats.Load(); n != 1 {
		t.Fatalf("heartbeat hit %d times after one recorded round, want 1", n)
	}
	// The remote refuses every push from now on.
	hook := filepath.Join(bare, "hooks", "pre-receive")
	if err := os.WriteFile(hook, []byte("#!/bin/sh\necho refused >&2\nexit 1\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	var out, errb bytes.Buffer
	code := run(context.Background(), []string{"probe", "--location", "iad", "--config", cfgs["iad"]}, &out, &errb)
	if code == exitOK {
		t.Fatalf("probe with a refusing remote: exit 0\n%s", errb.String())
	}
	if n := beats.Load(); n != 1 {
		t.Errorf("heartbeat hit %d times, want still 1 after a round that failed to record", n)
	}
}
