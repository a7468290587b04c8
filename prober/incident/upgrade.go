package incident

import (
	"errors"
	"fmt"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/upchain-dev/upchain/prober"
	"github.com/upchain-dev/upchain/prober/config"
	"github.com/upchain-dev/upchain/prober/internal/frontmatter"
	"github.com/upchain-dev/upchain/prober/maintenance"
)

// upgradePrefix names the automatic windows of planned upgrades in
// dir/maintenance, beside the mirrored issues.
const upgradePrefix = "upgrade-"

// upgradeFile is a planned upgrade's window: a maintenance file (read by
// maintenance.Windows like any other) plus what is needed to move and end
// it.
type upgradeFile struct {
	maintenance.IssueFile `yaml:",inline"`
	Chain                 string   `yaml:"chain"`
	Height                int64    `yaml:"height"`
	Plan                  string   `yaml:"plan"`
	ReportedBy            []string `yaml:"reported_by"`
}

// maxUpgradeChecks bounds the checks one window lists.
const maxUpgradeChecks = 200

// syncUpgrades turns the upgrade plans that chain kinds record
// (prober.ValUpgrade*) into maintenance windows for every check of that
// chain (same chain_id value). Until it starts, a window follows the
// estimate; it ends when a check of the chain reports a height past the
// plan (the chain produces blocks again), and is cancelled when the check
// that reported the plan no longer sees it below the height.
func syncUpgrades(dir string, results []prober.Result, now time.Time) error {
	if dir == "" {
		return nil
	}
	files, err := loadUpgrades(dir)
	chains := map[string][]string{}
	sorted := append([]prober.Result(nil), results...)
	sort.SliceStable(sorted, func(i, j int) bool {
		return sorted[i].Check+"/"+sorted[i].Region < sorted[j].Check+"/"+sorted[j].Region
	})
	for _, r := range sorted {
		if c := r.Values["chain_id"]; c != "" {
			chains[c] = appendNew(chains[c], r.Check)
		}
	}
	changed := map[string]bool{}
	seen := map[string]bool{}
	for _, r := range sorted {
		chain, name := r.Values["chain_id"], r.Values[prober.ValUpgradeName]
		h, herr := strconv.ParseInt(r.Values[prober.ValUpgradeHeight], 10, 64)
		start, serr := time.Parse(time.RFC3339, r.Values[prober.ValUpgradeStart])
		end, eerr := time.Parse(time.RFC3339, r.Values[prober.ValUpgradeEnd])
		if chain == "" || herr != nil || serr != nil || eerr != nil || !end.After(start) {
			continue
		}
		id := upgradePrefix + config.Slugify(chain) + "-" + strconv.FormatInt(h, 10)
		f := files[id]
		if f == nil {
			f = &upgradeFile{IssueFile: maintenance.IssueFile{ID: id, State: "open", Source: "upgrade"}, Chain: chain, Height: h, Plan: name}
			files[id] = f
		}
		if f.State == "closed" || seen[id] {
			continue
		}
		seen[id] = true
		if f.Start.IsZero() || now.Before(f.Start) {
			// Not begun: follow the estimate.
			f.Start, f.End = start, end
		} else if end.After(f.End) {
			f.End = end // begun: it may only grow
		}
		f.ReportedBy = appendNew(f.ReportedBy, r.Check)
		for _, c := range chains[chain] {
			if len(f.Checks) < maxUpgradeChecks {
				f.Checks = appendNew(f.Checks, c)
			}
		}
		changed[id] = true
	}
	for id, f := range files {
		if f.State == "closed" {
			continue
		}
		if passed, cancelled := upgradeOver(f, sorted); passed || cancelled {
			f.State, f.Closed = "closed", now
			if cancelled && now.Before(f.Start) {
				f.Closed = f.Start // never began: no window at all
			}
			changed[id] = true
		}
	}
	var errs []error
	if err != nil {
		errs = append(errs, err)
	}
	for id := range changed {
		f := files[id]
		f.Title = fmt.Sprintf("Planned upgrade %s at height %d", f.Plan, f.Height)
		f.Body = fmt.Sprintf("Chain %s halts at height %d for the upgrade %s (the chain's upgrade plan). "+
			"The start is estimated from the average block time the checks measured and moves with the estimate until it begins; "+
			"the window ends when the chain produces blocks past the height, or at its end.", f.Chain, f.Height, f.Plan)
		f.Updated = now
		if err := frontmatter.WriteFile(filepath.Join(dir, maintenance.Dir, id+".md"), f, f.Body); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// upgradeOver tells whether the chain passed the plan's height, or the
// plan is gone (cancelled) while the chain is still below it.
func upgradeOver(f *upgradeFile, results []prober.Result) (passed, cancelled bool) {
	for _, r := range results {
		if r.Values["chain_id"] != f.Chain {
			continue
		}
		h, err := strconv.ParseInt(r.Values["height"], 10, 64)
		if err != nil {
			continue
		}
		if h > f.Height {
			return true, false
		}
		if hasString(f.ReportedBy, r.Check) && r.Values[prober.ValUpgradeHeight] != strconv.FormatInt(f.Height, 10) {
			cancelled = true
		}
	}
	return false, cancelled
}

func loadUpgrades(dir string) (map[string]*upgradeFile, error) {
	out := map[string]*upgradeFile{}
	files, err := maintenance.LoadIssues(dir)
	for _, is := range files {
		if !strings.HasPrefix(is.ID, upgradePrefix) {
			continue
		}
		var f upgradeFile
		if _, rerr := frontmatter.Read(filepath.Join(dir, maintenance.Dir, is.ID+".md"), &f); rerr != nil {
			err = errors.Join(err, rerr)
			continue
		}
		out[is.ID] = &f
	}
	return out, err
}

func appendNew(list []string, s string) []string {
	if hasString(list, s) {
		return list
	}
	return append(list, s)
}
