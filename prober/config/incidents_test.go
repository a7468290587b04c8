package config

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

type testKind struct{}

func (testKind) NewOptions() any                                  { return nil }
func (testKind) Vars() []string                                   { return []string{"status"} }
func (testKind) Validate(*Check) []FieldProblem                   { return nil }
func (testKind) DefaultConditions(*Check) (up, degraded []string) { return nil, nil }

type testKinds struct{}

func (testKinds) Lookup(name string) (Kind, bool) { return testKind{}, name == "http" }
func (testKinds) Names() []string                 { return []string{"http"} }

func loadYAML(t *testing.T, yml string) (*Loaded, error) {
	t.Helper()
	dir := t.TempDir()
	os.Mkdir(filepath.Join(dir, "checks"), 0o755)
	os.WriteFile(filepath.Join(dir, "checks", "a.yml"), []byte("checks:\n  - name: Eth RPC\n    slug: eth-rpc\n    kind: http\n    url: https://x.example/\n"), 0o644)
	path := filepath.Join(dir, "upchain.yml")
	os.WriteFile(path, []byte(yml), 0o644)
	return Load(path, testKinds{}, Options{Lookup: func(k string) (string, bool) { return "https://hooks.example/secret-" + k, true }})
}

func TestIncidentSectionsValid(t *testing.T) {
	l, err := loadYAML(t, `incidents:
  repository: example/status
  reminder: 4h
maintenance:
  - title: Upgrade
    checks: [eth-rpc]
    start: 2025-06-01 22:00
    duration: 3h
    every: 7d
notifications:
  template: "{{.Headline}} {{join .Regions \",\"}}"
  channels:
    - kind: slack
      url: ${SLACK_URL}
    - kind: telegram
      token: ${TG}
      chat_ids: ["1"]
    - kind: telegram
      token: ${TG}
      chat_ids: ["2"]
    - kind: email
      host: smtp.example.org
      from: Status <s@example.org>
      to: [a@example.org]
`)
	if err != nil {
		t.Fatal(err)
	}
	inc := l.Incidents
	if inc.FailureThreshold != 2 || inc.SuccessThreshold != 2 || inc.Label != "incident" || inc.MaintenanceLabel != "maintenance" || inc.Reminder.D() != 4*time.Hour {
		t.Errorf("incidents = %+v", inc)
	}
	var names []string
	for _, c := range l.Notifications.Channels {
		names = append(names, c.Name)
	}
	if strings.Join(names, ",") != "slack,telegram-1,telegram-2,email" {
		t.Errorf("names = %v", names)
	}
	if l.Maintenance[0].Line != 5 || l.Notifications.Channels[1].Line != 15 {
		t.Errorf("lines: maintenance %d, channel %d", l.Maintenance[0].Line, l.Notifications.Channels[1].Line)
	}
	s, e, err := l.Maintenance[0].Span()
	if err != nil || e.Sub(s) != 3*time.Hour {
		t.Errorf("span %s..%s %v", s, e, err)
	}
}

func TestIncidentSectionsProblems(t *testing.T) {
	_, err := loadYAML(t, `incidents:
  failure_threshold: -1
  repository: not a repo
maintenance:
  - title: Bad
    checks: [eth-prc]
    start: tomorrow
    end: 2025-01-01
  - title: Overlap
    start: 2025-01-01 00:00
    end: 2025-01-02 00:00
    every: 1h
notifications:
  template: "{{.Broken"
  channels:
    - kind: slack
    - kind: pagerdutyy
      routing_key: x
    - kind: webhook
      url: ftp://x
    - kind: email
      host: smtp.example.org
      from: not an address
      to: [a@example.org]
      tls: ssl
      events: [opened, exploded]
    - kind: slack
      name: github
      url: https://hooks.example/x
`)
	var errs Errors
	if !errors.As(err, &errs) {
		t.Fatalf("err = %v", err)
	}
	want := []struct {
		line int
		msg  string
	}{
		{2, "failure_threshold must be 1 or more"},
		{3, `incidents.repository "not a repo"`},
		{5, `no check with slug "eth-prc"; did you mean "eth-rpc"?`},
		{5, "start: bad time"},
		{9, "occurrences would overlap"},
		{14, "notifications.template"},
		{16, "kind slack needs `url:`"},
		{17, "unknown kind \"pagerdutyy\"; did you mean \"pagerduty\"?"},
		{19, "url is not an http(s) URL"},
		{19, "kind webhook needs `secret:`"},
		{21, `from "not an address"`},
		{21, `tls "ssl"`},
		{21, `unknown event "exploded"`},
		{27, "reserved for incident issues"},
	}
	for _, w := range want {
		found := false
		for _, p := range errs {
			if p.Line == w.line && strings.Contains(p.Msg, w.msg) {
				found = true
			}
		}
		if !found {
			t.Errorf("no problem at line %d containing %q; got:\n%v", w.line, w.msg, err)
		}
	}
}

// A channel takes the keys every channel has and its own kind's: keys of
// another kind, misspelt keys and wrongly typed values are reported at
// their lines.
func TestChannelKeysAreTheKinds(t *testing.T) {
	_, err := loadYAML(t, `notifications:
  channels:
    - kind: slack
      url: https://hooks.example/x
      token: x
    - kind: email
      host: smtp.example.org
      port: many
      from: s@example.org
      to: [a@example.org]
      evnets: [opened]
`)
	var errs Errors
	if !errors.As(err, &errs) {
		t.Fatalf("err = %v", err)
	}
	want := []struct {
		line int
		msg  string
	}{
		{5, `unknown key "token" in a channel of kind slack`},
		{8, "wrong type"},
		{11, `unknown key "evnets" in a channel of kind email; did you mean "events"?`},
	}
	for _, w := range want {
		found := false
		for _, p := range errs {
			if p.Line == w.line && strings.Contains(p.Msg, w.msg) {
				found = true
			}
		}
		if !found {
			t.Errorf("no problem at line %d containing %q; got:\n%v", w.line, w.msg, err)
		}
	}
	if len(errs) != len(want) {
		t.Errorf("%d problems, want %d:\n%v", len(errs), len(want), err)
	}
}

func TestParseTime(t *testing.T) {
	want := time.Date(2025, 6, 1, 22, 0, 0, 0, time.UTC)
	for _, s := range []string{"2025-06-01T22:00:00Z", "2025-06-02T00:00:00+02:00", "2025-06-01 22:00", "2025-06-01 22:00 UTC", "2025-06-01T22:00"} {
		got, err := ParseTime(s)
		if err != nil || !got.Equal(want) {
			t.Errorf("ParseTime(%q) = %s, %v", s, got, err)
		}
	}
	if _, err := ParseTime("next tuesday"); err == nil {
		t.Error("accepted nonsense")
	}
}
