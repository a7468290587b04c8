package importer

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/upchain-dev/upchain/prober"
	"github.com/upchain-dev/upchain/prober/config"
	"github.com/upchain-dev/upchain/prober/history"
	"gopkg.in/yaml.v3"
)

// HistoryDir is where the converted history is put in Result.Extra (and
// written when it cannot go into the history branch): a history directory
// in upchain's format.
const HistoryDir = "history-import"

// HistoryOptions control UpptimeHistory.
type HistoryOptions struct {
	// Interval between the samples written for a status (default the
	// import's defaults.interval, else 5m: Upptime's schedule).
	Interval time.Duration
	// Now is the time retention is applied at (default time.Now).
	Now func() time.Time
	// MaxSpan bounds how far back the history goes (default 400 days),
	// so that an old repository cannot make the import write for hours.
	MaxSpan time.Duration
}

// Bounds on what is read from the checkout: a status file is a few lines.
const (
	maxStatusFile = 64 << 10
	maxCommits    = 200_000
)

// upptimeStatus is a history/<slug>.yml file as Upptime's monitor writes it.
type upptimeStatus struct {
	Status       string `yaml:"status"`
	Code         int    `yaml:"code"`
	ResponseTime int64  `yaml:"responseTime"`
	LastUpdated  string `yaml:"lastUpdated"`
}

// statusChange is one version of a status file.
type statusChange struct {
	at      time.Time
	status  prober.Status
	code    int
	latency time.Duration
	gone    bool
}

// UpptimeHistory reads the git log of history/*.yml in an Upptime
// checkout and adds, as r.Extra under HistoryDir, upchain history holding
// the same statuses: every version of a status file holds from its
// commit until the next, sampled every interval.
func UpptimeHistory(ctx context.Context, checkout string, r *Result, opts HistoryOptions) error {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Interval <= 0 {
		opts.Interval = 5 * time.Minute
		if r.Main.Defaults != nil {
			if d, err := config.ParseDuration(r.Main.Defaults.Interval); err == nil && d > 0 {
				opts.Interval = d
			}
		}
	}
	if opts.MaxSpan <= 0 {
		opts.MaxSpan = 400 * 24 * time.Hour
	}
	changes, end, err := upptimeChanges(ctx, checkout)
	if err != nil {
		return err
	}
	slugs := map[string]string{}
	for _, f := range r.Files {
		for _, c := range f.Checks {
			slugs[slugOf(c)] = slugOf(c)
			slugs[upptimeSlug(c.Name)] = slugOf(c)
		}
	}
	series := map[string][]statusChange{}
	var files []string
	for file, cs := range changes {
		slug, ok := slugs[file]
		if !ok {
			r.skip(filepath.Join(checkout, "history", file+".yml"), 0, "no imported site has slug %q: its history is not converted", file)
			continue
		}
		series[slug] = cs
		files = append(files, slug)
	}
	sort.Strings(files)
	if len(series) == 0 {
		r.skip(checkout, 0, "no status changes of imported sites found in the git log of history/*.yml")
		return nil
	}
	tmp, err := os.MkdirTemp("", "upchain-import-history-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	n, from, err := writeSeries(tmp, series, end, opts)
	if err != nil {
		return err
	}
	if err := readInto(tmp, r.Extra); err != nil {
		return err
	}
	r.note("history: %d status sample(s) of %d site(s) from %s to %s, one every %s",
		n, len(files), from.Format("2006-01-02"), end.Format("2006-01-02"), opts.Interval)
	r.note("history: statuses are exact to Upptime's schedule (a change is seen when its workflow ran, often minutes late) and latencies are those measured at each change; time when Upptime did not run counts as the last status, not as a gap")
	return nil
}

// upptimeChanges returns, per status file (by slug), its versions in time
// order, and the time of the checkout's newest commit.
func upptimeChanges(ctx context.Context, dir string) (map[string][]statusChange, time.Time, error) {
	gitOut := func(stdin io.Reader, args ...string) ([]byte, error) {
		cmd := exec.CommandContext(ctx, "git", append([]string{"-C", dir, "-c", "core.quotepath=off"}, args...)...)
		cmd.Stdin = stdin
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		if err != nil {
			return nil, fmt.Errorf("%s: git %s: %v: %s", dir, args[0], err, strings.TrimSpace(stderr.String()))
		}
		return out, nil
	}
	head, err := gitOut(nil, "log", "-1", "--format=%ct")
	if err != nil {
		return nil, time.Time{}, fmt.Errorf("--history needs a git checkout of the Upptime repository: %w", err)
	}
	endUnix, _ := strconv.ParseInt(strings.TrimSpace(string(head)), 10, 64)
	end := time.Unix(endUnix, 0).UTC()
	log, err := gitOut(nil, "log", "--reverse", "--format=%x01%H %ct", "--name-status", "--no-renames", "-n", strconv.Itoa(maxCommits), "--", "history/*.yml")
	if err != nil {
		return nil, end, err
	}
	type ver struct {
		commit, path string
		at           time.Time
		deleted      bool
	}
	var vers []ver
	for _, rec := range bytes.Split(log, []byte{1}) {
		lines := strings.Split(strings.TrimSpace(string(rec)), "\n")
		if len(lines) < 1 || lines[0] == "" {
			continue
		}
		commit, ts, _ := strings.Cut(lines[0], " ")
		sec, _ := strconv.ParseInt(ts, 10, 64)
		for _, l := range lines[1:] {
			st, p, ok := strings.Cut(strings.TrimSpace(l), "\t")
			if !ok || path.Dir(p) != "history" || !strings.HasSuffix(p, ".yml") {
				continue
			}
			vers = append(vers, ver{commit: commit, path: p, at: time.Unix(sec, 0).UTC(), deleted: st == "D"})
		}
	}
	// One git process reads every version.
	var in bytes.Buffer
	for _, v := range vers {
		if !v.deleted {
			fmt.Fprintf(&in, "%s:%s\n", v.commit, v.path)
		}
	}
	blobs, err := gitOut(&in, "cat-file", "--batch")
	if err != nil {
		return nil, end, err
	}
	br := bufio.NewReader(bytes.NewReader(blobs))
	out := map[string][]statusChange{}
	for _, v := range vers {
		slug := strings.TrimSuffix(path.Base(v.path), ".yml")
		if v.deleted {
			out[slug] = append(out[slug], statusChange{at: v.at, gone: true})
			continue
		}
		hdr, err := br.ReadString('\n')
		if err != nil {
			return nil, end, fmt.Errorf("%s: reading %s at %s: %v", dir, v.path, v.commit, err)
		}
		f := strings.Fields(hdr)
		if len(f) != 3 || f[1] != "blob" {
			continue // missing: nothing to read
		}
		size, _ := strconv.ParseInt(f[2], 10, 64)
		body := make([]byte, size+1) // content and its newline
		if _, err := io.ReadFull(br, body); err != nil {
			return nil, end, err
		}
		if size > maxStatusFile {
			continue
		}
		var s upptimeStatus
		if yaml.Unmarshal(body[:size], &s) != nil {
			continue
		}
		c := statusChange{at: v.at, code: s.Code, latency: time.Duration(s.ResponseTime) * time.Millisecond}
		switch s.Status {
		case "up":
			c.status = prober.Up
		case "degraded":
			c.status = prober.Degraded
		case "down":
			c.status = prober.Down
		default:
			continue
		}
		if t, err := time.Parse(time.RFC3339, s.LastUpdated); err == nil && !t.After(v.at) && v.at.Sub(t) < time.Hour {
			c.at = t.UTC() // when the workflow measured it, before its commit
		}
		if n := len(out[slug]); n > 0 && !out[slug][n-1].gone && out[slug][n-1].status == c.status {
			continue // a commit that changed only the response time
		}
		out[slug] = append(out[slug], c)
	}
	return out, end, nil
}

// flushEvery is how much history is appended before rolling up: a month
// keeps at most a month and a half of raw samples on disk, and rolls up
// 4x less often than a week (BenchmarkUpptimeHistory).
const flushEvery = 30 * 24 * time.Hour

// writeSeries writes the statuses as samples into dir, a month at a time,
// rolling up as it goes so that a long history never sits raw on disk.
func writeSeries(dir string, series map[string][]statusChange, end time.Time, opts HistoryOptions) (int, time.Time, error) {
	start := end
	for _, cs := range series {
		if len(cs) > 0 && cs[0].at.Before(start) {
			start = cs[0].at
		}
	}
	if lim := end.Add(-opts.MaxSpan); start.Before(lim) {
		start = lim
	}
	start = start.Truncate(opts.Interval)
	ret := history.Retention{Raw: history.DefaultRawRetention, Hourly: history.DefaultHourlyRetention}
	capOf := func(string) time.Duration { return 2 * opts.Interval }
	idx := map[string]int{}
	slugs := make([]string, 0, len(series))
	for s := range series {
		slugs = append(slugs, s)
	}
	sort.Strings(slugs)
	total := 0
	var rounds [][]history.Sample
	flush := func(now time.Time) error {
		if err := history.AppendRounds(dir, rounds); err != nil {
			return err
		}
		rounds = rounds[:0]
		return history.Maintain(dir, now, ret, capOf)
	}
	week := start.Add(flushEvery)
	for t := start; !t.After(end); t = t.Add(opts.Interval) {
		var round []history.Sample
		for _, s := range slugs {
			cs := series[s]
			i := idx[s]
			for i+1 < len(cs) && !cs[i+1].at.After(t) {
				i++
			}
			idx[s] = i
			c := cs[i]
			if c.at.After(t) || c.gone {
				continue // before the first status, or after the site was removed
			}
			sm := history.Sample{Time: t, Check: s, Region: config.PublicRegion, Status: c.status, Code: c.code, Latency: c.latency}
			if c.status == prober.Down {
				sm.Reason = prober.ReasonNetwork
				if c.code >= 400 {
					sm.Reason = prober.ReasonHTTPStatus
				}
			}
			round = append(round, sm)
		}
		if len(round) > 0 {
			rounds = append(rounds, round)
			total += len(round)
		}
		if t.After(week) {
			if err := flush(t); err != nil {
				return 0, start, err
			}
			week = t.Add(flushEvery)
		}
	}
	if err := flush(opts.Now()); err != nil {
		return 0, start, err
	}
	return total, start, nil
}

// readInto adds every file under dir to files, by path under HistoryDir.
func readInto(dir string, files map[string][]byte) error {
	return filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, err := filepath.Rel(dir, p)
		if err != nil {
			return err
		}
		if strings.HasPrefix(d.Name(), ".") {
			return nil
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		files[filepath.Join(HistoryDir, rel)] = b
		return nil
	})
}

var camel = regexp.MustCompile(`([a-z0-9])([A-Z])`)

// upptimeSlug approximates the slug Upptime gives a site without `slug:`
// (slugify with camel case split: "GitHub API" -> "git-hub-api").
func upptimeSlug(name string) string {
	return config.Slugify(camel.ReplaceAllString(name, "$1-$2"))
}
