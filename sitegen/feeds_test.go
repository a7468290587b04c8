package sitegen

import (
	"strings"
	"testing"
	"time"

	"github.com/mmcdole/gofeed"
)

func parseFeed(t *testing.T, files map[string][]byte, name string) *gofeed.Feed {
	t.Helper()
	b, ok := files[name]
	if !ok {
		t.Fatalf("%s not built", name)
	}
	f, err := gofeed.NewParser().ParseString(string(b))
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return f
}

func guids(f *gofeed.Feed) map[string]string {
	out := map[string]string{}
	for _, it := range f.Items {
		out[it.GUID] = it.Title
	}
	return out
}

func TestFeedsParseWithStableGUIDs(t *testing.T) {
	in := fixture(fixtureSize{checks: 4, days: 20})
	files := readTree(t, build(t, in))
	rss := parseFeed(t, files, "feeds/rss.xml")
	atom := parseFeed(t, files, "feeds/atom.xml")
	if rss.FeedType != "rss" || rss.FeedVersion != "2.0" || atom.FeedType != "atom" || atom.FeedVersion != "1.0" {
		t.Fatalf("feed types: %s %s, %s %s", rss.FeedType, rss.FeedVersion, atom.FeedType, atom.FeedVersion)
	}
	wantItems := len(in.Incidents) + len(in.Maintenance)
	for _, f := range []*gofeed.Feed{rss, atom} {
		if len(f.Items) != wantItems {
			t.Fatalf("%s feed has %d items, want %d", f.FeedType, len(f.Items), wantItems)
		}
		seen := map[string]bool{}
		for _, it := range f.Items {
			if !strings.HasPrefix(it.GUID, "urn:uuid:") || seen[it.GUID] {
				t.Errorf("%s item %q: GUID %q missing, malformed or repeated", f.FeedType, it.Title, it.GUID)
			}
			seen[it.GUID] = true
			if !strings.HasPrefix(it.Link, "https://example.github.io/status/") {
				t.Errorf("%s item %q: link %q is not absolute under the base URL", f.FeedType, it.Title, it.Link)
			}
			if it.PublishedParsed == nil {
				t.Errorf("%s item %q has no parseable date", f.FeedType, it.Title)
			}
		}
	}
	if rss.Items[0].Title != "Maintenance: Node upgrade to v19" {
		t.Errorf("newest item first: got %q", rss.Items[0].Title)
	}
	// Both formats name each item by the same GUID.
	if g1, g2 := guids(rss), guids(atom); len(g1) != len(g2) {
		t.Error("RSS and Atom items differ")
	} else {
		for g := range g1 {
			if _, ok := g2[g]; !ok {
				t.Errorf("GUID %s only in RSS", g)
			}
		}
	}

	// An incident that gets an update, is resolved and renamed keeps its
	// GUID, so readers update it rather than notify again.
	before := guids(rss)
	in.Incidents[0].Title = "Elevated RPC errors in eu-west"
	in.Incidents[0].Status = IncidentResolved
	in.Incidents[0].Resolved = fixtureNow
	in.Incidents[0].Updates = append(in.Incidents[0].Updates, Update{Time: fixtureNow, Status: "resolved", Body: "Fixed."})
	in.Now = fixtureNow.Add(time.Hour)
	after := guids(parseFeed(t, readTree(t, build(t, in)), "feeds/rss.xml"))
	if len(after) != len(before) {
		t.Fatalf("item count changed: %d -> %d", len(before), len(after))
	}
	for g := range before {
		if _, ok := after[g]; !ok {
			t.Errorf("GUID %s (%s) changed after an update", g, before[g])
		}
	}
}

func TestCheckFeedsHoldOnlyTheirItems(t *testing.T) {
	in := fixture(fixtureSize{checks: 4, days: 20})
	files := readTree(t, build(t, in))
	first := in.Groups[0].Checks[0].Slug
	f := parseFeed(t, files, "feeds/"+first+".atom.xml")
	var titles []string
	for _, it := range f.Items {
		titles = append(titles, it.Title)
	}
	want := []string{"Incident: Elevated RPC errors", "Maintenance: Database migration"}
	if strings.Join(titles, "|") != strings.Join(want, "|") {
		t.Errorf("feed of %s has %q, want %q", first, titles, want)
	}
	other := in.Groups[3].Checks[0].Slug
	if f := parseFeed(t, files, "feeds/"+other+".rss.xml"); len(f.Items) != 0 {
		t.Errorf("feed of %s has %d items, want none", other, len(f.Items))
	}
	if !strings.Contains(f.Items[0].Content, "The <strong>eu-west</strong> backend") {
		t.Errorf("item content lacks the rendered Markdown body: %q", f.Items[0].Content)
	}
}

func TestStableUUID(t *testing.T) {
	a, b := stableUUID("incident/x"), stableUUID("incident/x")
	if a != b || a == stableUUID("incident/y") {
		t.Fatal("stableUUID is not a function of its name")
	}
	// Version 5, RFC 4122 variant.
	if len(a) != len("urn:uuid:")+36 || a[9+14] != '5' || !strings.ContainsAny(a[9+19:9+20], "89ab") {
		t.Errorf("not a version 5 UUID URN: %s", a)
	}
}

// TestFeedUpdatedIsNewestItem: a feed says it changed when its newest item
// did (RSS lastBuildDate, Atom updated), so a new round of probes leaves a
// feed without open incidents byte for byte as it was.
func TestFeedUpdatedIsNewestItem(t *testing.T) {
	in := fixture(fixtureSize{checks: 4, days: 20})
	before := readTree(t, build(t, in))
	in.Now = in.Now.Add(5 * time.Minute)
	after := readTree(t, build(t, in))
	other := in.Groups[3].Checks[0].Slug // no incidents or maintenance
	for _, name := range []string{"feeds/" + other + ".rss.xml", "feeds/" + other + ".atom.xml"} {
		if string(before[name]) != string(after[name]) {
			t.Errorf("%s changed with the data time alone", name)
		}
	}
	var newest time.Time
	for _, inc := range in.Incidents {
		for _, t := range []time.Time{inc.Started, inc.Resolved} {
			newest = maxTime(newest, t)
		}
		for _, u := range inc.Updates {
			newest = maxTime(newest, u.Time)
		}
	}
	for _, mw := range in.Maintenance {
		newest = maxTime(newest, mw.Start)
	}
	rss := parseFeed(t, after, "feeds/rss.xml")
	atom := parseFeed(t, after, "feeds/atom.xml")
	for _, f := range []*gofeed.Feed{rss, atom} {
		if f.UpdatedParsed == nil || !f.UpdatedParsed.Equal(newest) {
			t.Errorf("%s feed updated %v, want the newest item's time %v (data time %v)", f.FeedType, f.UpdatedParsed, newest, in.Now)
		}
	}
}
