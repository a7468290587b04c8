package importer

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/upchain-dev/upchain/prober"
	"github.com/upchain-dev/upchain/prober/history"
)

// upptimeRepo makes a real git repository shaped like an Upptime checkout:
// each commit writes history/<slug>.yml as Upptime's monitor does (status,
// code, responseTime, lastUpdated; see the history/ folder of any Upptime
// repository) at the commit's time.
type upptimeRepo struct {
	t   testing.TB
	dir string
}

func newUpptimeRepo(t testing.TB) *upptimeRepo {
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git not installed")
	}
	r := &upptimeRepo{t: t, dir: t.TempDir()}
	r.git(time.Now(), "init", "-q")
	return r
}

func (r *upptimeRepo) git(at time.Time, args ...string) {
	r.t.Helper()
	cmd := exec.Command("git", append([]string{"-C", r.dir, "-c", "user.name=Upptime Bot", "-c", "user.email=bot@example.org", "-c", "commit.gpgsign=false"}, args...)...)
	date := at.UTC().Format(time.RFC3339)
	cmd.Env = append(os.Environ(), "GIT_AUTHOR_DATE="+date, "GIT_COMMITTER_DATE="+date)
	if out, err := cmd.CombinedOutput(); err != nil {
		r.t.Fatalf("git %v: %v\n%s", args, err, out)
	}
}

func (r *upptimeRepo) status(at time.Time, slug, status string, code, ms int) {
	r.t.Helper()
	p := filepath.Join(r.dir, "history", slug+".yml")
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		r.t.Fatal(err)
	}
	body := fmt.Sprintf("url: https://%s.example.org\nstatus: %s\ncode: %d\nresponseTime: %d\nlastUpdated: %s\nstartTime: 2020-01-01T00:00:00.000Z\ngenerator: Upptime <https://github.com/upptime/upptime>\n",
		slug, status, code, ms, at.UTC().Format("2006-01-02T15:04:05.000Z"))
	if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
		r.t.Fatal(err)
	}
	r.git(at, "add", "-A")
	r.git(at, "commit", "-q", "-m", fmt.Sprintf("%s is %s (%d in %d ms) [skip ci] [upptime]", slug, status, code, ms))
}

func (r *upptimeRepo) touch(at time.Time) {
	r.t.Helper()
	if err := os.WriteFile(filepath.Join(r.dir, "README.md"), []byte(at.String()), 0o644); err != nil {
		r.t.Fatal(err)
	}
	r.git(at, "add", "-A")
	r.git(at, "commit", "-q", "-m", "Update summary in README")
}

func TestUpptimeHistory(t *testing.T) {
	repo := newUpptimeRepo(t)
	t0 := fixedNow.Add(-3 * 24 * time.Hour).Truncate(time.Hour)
	repo.status(t0, "google", "up", 200, 100)
	repo.status(t0, "git-hub-api", "up", 200, 50) // Upptime's slug of "GitHub API"
	repo.status(t0, "gone-site", "up", 200, 50)
	repo.status(t0.Add(2*time.Hour), "google", "down", 500, 0)
	repo.status(t0.Add(2*time.Hour+10*time.Minute), "google", "down", 503, 0) // same status: no change
	repo.status(t0.Add(3*time.Hour), "google", "up", 200, 120)
	repo.status(t0.Add(4*time.Hour), "git-hub-api", "degraded", 200, 9000)
	end := t0.Add(24 * time.Hour)
	repo.touch(end)

	src := "sites:\n  - name: Google\n    url: https://www.google.com\n  - name: GitHub API\n    url: https://api.github.com\n"
	res, err := Upptime([]byte(src), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := UpptimeHistory(context.Background(), repo.dir, res, HistoryOptions{Interval: 5 * time.Minute, Now: func() time.Time { return fixedNow }}); err != nil {
		t.Fatal(err)
	}
	dir := writeResult(t, res)
	st, err := history.Open(filepath.Join(dir, HistoryDir))
	if err != nil {
		t.Fatal(err)
	}
	count := map[string]map[prober.Status]int{}
	var first, last time.Time
	err = st.Samples(time.Time{}, time.Time{}, func(s history.Sample) error {
		if count[s.Check] == nil {
			count[s.Check] = map[prober.Status]int{}
		}
		count[s.Check][s.Status]++
		if first.IsZero() {
			first = s.Time
		}
		last = s.Time
		if s.Check == "google" && s.Status == prober.Down && (s.Time.Before(t0.Add(2*time.Hour)) || !s.Time.Before(t0.Add(3*time.Hour))) {
			t.Errorf("google down at %s, outside the recorded outage", s.Time)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	total := int(end.Sub(t0)/(5*time.Minute)) + 1
	want := map[string]map[prober.Status]int{
		"google":     {prober.Down: 12, prober.Up: total - 12},
		"github-api": {prober.Up: 48, prober.Degraded: total - 48},
	}
	if fmt.Sprint(count) != fmt.Sprint(want) {
		t.Errorf("samples by status:\n%v\nwant\n%v", count, want)
	}
	if !first.Equal(t0) || !last.Equal(end) {
		t.Errorf("samples from %s to %s, want %s to %s", first, last, t0, end)
	}
	if !skippedAt(res, 0, `no imported site has slug "gone-site"`) {
		t.Errorf("an unmatched history file should be reported: %v", res.Skipped)
	}
}

// TestUpptimeHistoryRollsUp: history older than the raw retention arrives
// as roll-ups with the same downtime.
func TestUpptimeHistoryRollsUp(t *testing.T) {
	repo := newUpptimeRepo(t)
	t0 := time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC)
	repo.status(t0, "google", "up", 200, 100)
	repo.status(t0.Add(6*time.Hour), "google", "down", 0, 0)
	repo.status(t0.Add(7*time.Hour+30*time.Minute), "google", "up", 200, 100)
	repo.touch(t0.Add(3 * 24 * time.Hour))
	res, err := Upptime([]byte("sites:\n  - name: Google\n    url: https://www.google.com\n"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := UpptimeHistory(context.Background(), repo.dir, res, HistoryOptions{Now: func() time.Time { return fixedNow }}); err != nil {
		t.Fatal(err)
	}
	st, err := history.Open(filepath.Join(writeResult(t, res), HistoryDir))
	if err != nil {
		t.Fatal(err)
	}
	days, err := st.Daily(t0, t0.Add(4*24*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	var down time.Duration
	for _, d := range days {
		down += d.DownTime
	}
	if len(days) != 4 || down != 90*time.Minute {
		t.Errorf("%d daily roll-ups with %s down, want 4 with 1h30m0s", len(days), down)
	}
}

func TestUpptimeHistoryNotARepository(t *testing.T) {
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git not installed")
	}
	res, _ := Upptime([]byte("sites:\n  - name: A\n    url: https://a.example\n"), Options{})
	err := UpptimeHistory(context.Background(), t.TempDir(), res, HistoryOptions{})
	if err == nil {
		t.Fatal("want an error for a directory that is not a git checkout")
	}
}
