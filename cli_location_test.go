package main

import (
	"fmt"
	"testing"

	"github.com/upchain-dev/upchain/prober/config"
)

func TestParseShard(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want shard
		ok   bool
	}{
		{"", shard{1, 1}, true},
		{"1/1", shard{1, 1}, true},
		{"2/3", shard{2, 3}, true},
		{"0/3", shard{}, false},
		{"4/3", shard{}, false},
		{"3", shard{}, false},
		{"a/b", shard{}, false},
		{"1/0", shard{}, false},
	} {
		got, err := parseShard(tt.in)
		if (err == nil) != tt.ok || got != tt.want {
			t.Errorf("%q: %v, %v; want %v (ok %v)", tt.in, got, err, tt.want, tt.ok)
		}
	}
}

// TestShardsSplitChecks: the N shards together probe every check exactly
// once, and a check keeps its shard when others are added.
func TestShardsSplitChecks(t *testing.T) {
	var checks []*config.Check
	for i := 0; i < 300; i++ {
		checks = append(checks, &config.Check{Slug: fmt.Sprintf("check-%d", i)})
	}
	const n = 4
	seen := map[string]int{}
	where := map[string]int{}
	for k := 1; k <= n; k++ {
		part := shard{k, n}.filter(checks)
		if len(part) < 300/n/2 {
			t.Errorf("shard %d/%d has only %d of 300 checks", k, n, len(part))
		}
		for _, c := range part {
			seen[c.Slug]++
			where[c.Slug] = k
		}
	}
	for _, c := range checks {
		if seen[c.Slug] != 1 {
			t.Errorf("%s probed by %d shards", c.Slug, seen[c.Slug])
		}
	}
	more := append(checks, &config.Check{Slug: "new-one"}, &config.Check{Slug: "another"})
	for k := 1; k <= n; k++ {
		for _, c := range (shard{k, n}).filter(more) {
			if w, ok := where[c.Slug]; ok && w != k {
				t.Errorf("%s moved from shard %d to %d", c.Slug, w, k)
			}
		}
	}
}

func TestApplyLocation(t *testing.T) {
	for _, tt := range []struct {
		flag, env, config, want string
		ok                      bool
	}{
		{"", "", "", "", true},
		{"", "", "cfg", "cfg", true},
		{"", "env", "cfg", "env", true},
		{"flag", "env", "cfg", "flag", true},
		{"bad name", "", "", "", false},
	} {
		t.Setenv(locationEnv, tt.env)
		l := &config.Loaded{Config: &config.Config{History: config.History{Location: tt.config}}}
		err := applyLocation(l, tt.flag)
		if (err == nil) != tt.ok || (tt.ok && l.History.Location != tt.want) {
			t.Errorf("%+v: got %q, %v", tt, l.History.Location, err)
		}
	}
}
