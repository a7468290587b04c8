package config_test

import (
	"strings"
	"testing"
)

// Checks of one kind with the same condition share its compiled program;
// a condition that does not compile is still reported for every check
// that has it, each at its own line.
func TestConditionsCompileOncePerKindAndSource(t *testing.T) {
	path := write(t, "", map[string]string{"a.yml": `group: A
checks:
  - {name: one, kind: http, url: "http://127.0.0.1:1/", conditions: [status == 200]}
  - {name: two, kind: http, url: "http://127.0.0.1:2/", conditions: [status == 200]}
  - {name: three, kind: tcp, url: "tcp://127.0.0.1:3", conditions: [latency < 1s]}
  - {name: bad1, kind: http, url: "http://127.0.0.1:4/", conditions: [statsu == 200]}
  - {name: bad2, kind: http, url: "http://127.0.0.1:5/", conditions: [statsu == 200]}
`})
	_, errs := load(t, path, nil)
	got := problems(path, errs)
	if len(got) != 2 || !strings.HasPrefix(got[0], "checks/a.yml:6:") || !strings.HasPrefix(got[1], "checks/a.yml:7:") {
		t.Fatalf("problems %q, want the bad condition at lines 6 and 7", got)
	}
	path = write(t, "", map[string]string{"a.yml": `group: A
checks:
  - {name: one, kind: http, url: "http://127.0.0.1:1/", conditions: [status == 200]}
  - {name: two, kind: http, url: "http://127.0.0.1:2/", conditions: [status == 200]}
`})
	l, errs := load(t, path, nil)
	if errs != nil {
		t.Fatal(errs)
	}
	one, two := l.Conditions["one"].Up, l.Conditions["two"].Up
	if len(one) != 1 || len(two) != 1 || one[0] != two[0] {
		t.Errorf("conditions %v and %v, want one shared compiled condition", one, two)
	}
}
