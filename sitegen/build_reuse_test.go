package sitegen

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"syscall"
	"testing"
	"time"
)

func inode(t *testing.T, path string) uint64 {
	t.Helper()
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return st.Sys().(*syscall.Stat_t).Ino
}

// TestBuildLinksUnchangedFiles: building into a previous build keeps the
// files whose bytes are unchanged (the same inode, linked, not written),
// writes the changed ones, drops stale ones, and gives exactly the files
// of a build into an empty directory.
func TestBuildLinksUnchangedFiles(t *testing.T) {
	in := fixture(fixtureSize{checks: 8, days: 20})
	out := filepath.Join(t.TempDir(), "public")
	if err := Build(in, out); err != nil {
		t.Fatal(err)
	}
	changed := in.Groups[0].Checks[0].Slug
	removed := in.Groups[3].Checks[len(in.Groups[3].Checks)-1].Slug
	kept := in.Groups[1].Checks[0].Slug
	before := map[string]uint64{}
	for _, p := range []string{"style.css", "checks/" + kept + ".html", "checks/" + changed + ".html"} {
		before[p] = inode(t, filepath.Join(out, p))
	}
	in.Groups[0].Checks[0].Uptime[0].Ratio -= 0.01
	in.Groups[3].Checks = in.Groups[3].Checks[:len(in.Groups[3].Checks)-1]
	if err := Build(in, out); err != nil {
		t.Fatal(err)
	}
	for p, want := range map[string]bool{"style.css": true, "checks/" + kept + ".html": true, "checks/" + changed + ".html": false} {
		if got := inode(t, filepath.Join(out, p)) == before[p]; got != want {
			t.Errorf("%s kept: %v, want %v", p, got, want)
		}
	}
	if _, err := os.Stat(filepath.Join(out, "checks", removed+".html")); !os.IsNotExist(err) {
		t.Errorf("removed check's page: %v", err)
	}
	got, want := readTree(t, out), readTree(t, build(t, in))
	if !slices.Equal(sortedKeys(got), sortedKeys(want)) {
		t.Fatalf("files differ from a fresh build: extra %v, missing %v", extra(got, sortedKeys(want)), extra(want, sortedKeys(got)))
	}
	for p, w := range want {
		if !bytes.Equal(got[p], w) {
			t.Errorf("%s differs from a fresh build", p)
		}
	}
	// A new day changes every page; nothing may be linked wrongly.
	in.Now = in.Now.Add(24 * time.Hour)
	if err := Build(in, out); err != nil {
		t.Fatal(err)
	}
	got, want = readTree(t, out), readTree(t, build(t, in))
	for p, w := range want {
		if !bytes.Equal(got[p], w) {
			t.Errorf("after a new day: %s differs from a fresh build", p)
		}
	}
}
