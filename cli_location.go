package main

import (
	"fmt"
	"hash/fnv"
	"os"
	"strconv"
	"strings"

	"github.com/upchain-dev/upchain/prober/config"
)

// locationEnv names the runner when --location is not given.
const locationEnv = "UPCHAIN_LOCATION"

// applyLocation sets the runner's location on the loaded config:
// --location, else UPCHAIN_LOCATION, else history.location (the recorder
// falls back to history.DefaultLocation).
func applyLocation(l *config.Loaded, flagValue string) error {
	loc := strings.TrimSpace(flagValue)
	if loc == "" {
		loc = strings.TrimSpace(os.Getenv(locationEnv))
	}
	if loc == "" {
		return nil
	}
	if strings.ContainsAny(loc, " \t\r\n#=%") || len(loc) > 64 {
		return fmt.Errorf("location %q: use at most 64 characters without spaces, #, = or %%", loc)
	}
	l.History.Location = loc
	return nil
}

// shard is K/N of `upchain probe --shard`: this runner probes the checks
// whose slug hashes to K-1 modulo N. The hash of the slug (not the order
// in the config) keeps a check on its shard when others are added.
type shard struct{ k, n int }

func parseShard(s string) (shard, error) {
	if s == "" {
		return shard{1, 1}, nil
	}
	ks, ns, ok := strings.Cut(s, "/")
	k, err1 := strconv.Atoi(ks)
	n, err2 := strconv.Atoi(ns)
	if !ok || err1 != nil || err2 != nil || n < 1 || k < 1 || k > n {
		return shard{}, fmt.Errorf("--shard %q: want K/N with 1 <= K <= N, e.g. 2/3", s)
	}
	return shard{k, n}, nil
}

func (s shard) has(slug string) bool {
	if s.n <= 1 {
		return true
	}
	h := fnv.New32a()
	h.Write([]byte(slug))
	return int(h.Sum32()%uint32(s.n)) == s.k-1
}

func (s shard) filter(checks []*config.Check) []*config.Check {
	if s.n <= 1 {
		return checks
	}
	var out []*config.Check
	for _, c := range checks {
		if s.has(c.Slug) {
			out = append(out, c)
		}
	}
	return out
}
