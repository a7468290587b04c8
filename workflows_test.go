package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// workflow is the part of a GitHub Actions workflow the policy reads.
type workflow struct {
	On          map[string]any    `yaml:"on"`
	Permissions any               `yaml:"permissions"`
	Concurrency map[string]any    `yaml:"concurrency"`
	Jobs        map[string]ghaJob `yaml:"jobs"`
}

type ghaJob struct {
	Permissions    any       `yaml:"permissions"`
	TimeoutMinutes int       `yaml:"timeout-minutes"`
	Steps          []ghaStep `yaml:"steps"`
}

type ghaStep struct {
	Name string            `yaml:"name"`
	Uses string            `yaml:"uses"`
	Run  string            `yaml:"run"`
	With map[string]any    `yaml:"with"`
	Env  map[string]string `yaml:"env"`
}

func readWorkflow(t *testing.T, name string) workflow {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(".github", "workflows", name))
	if err != nil {
		t.Fatal(err)
	}
	var w workflow
	if err := yaml.Unmarshal(data, &w); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return w
}

// The security policy of the workflows (actionlint checks their syntax):
// least privilege per job, secrets only as step environment variables,
// no expressions spliced into shell scripts, a time limit on every job.
func TestWorkflowPolicy(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join(".github", "workflows", "*.yml"))
	if len(files) < 3 {
		t.Fatalf("workflows: %v", files)
	}
	for _, f := range files {
		name := filepath.Base(f)
		w := readWorkflow(t, name)
		if w.Permissions == nil {
			t.Errorf("%s: no top-level permissions (the default token may write everything)", name)
		}
		for jn, j := range w.Jobs {
			if j.TimeoutMinutes <= 0 || j.TimeoutMinutes > 60 {
				t.Errorf("%s/%s: timeout-minutes %d", name, jn, j.TimeoutMinutes)
			}
			for _, s := range j.Steps {
				if strings.Contains(s.Run, "${{") {
					t.Errorf("%s/%s step %q splices an expression into its script: pass it through env", name, jn, s.Name)
				}
				for k, v := range s.With {
					if str, ok := v.(string); ok && strings.Contains(str, "secrets.") {
						t.Errorf("%s/%s step %q passes a secret as input %s: use env", name, jn, s.Name, k)
					}
				}
			}
		}
	}

	probe := readWorkflow(t, "probe.yml")
	if sched, _ := probe.On["schedule"].([]any); len(sched) != 1 || sched[0].(map[string]any)["cron"] != "*/5 * * * *" {
		t.Errorf("probe.yml schedule = %v, want every 5 minutes", probe.On["schedule"])
	}
	if _, ok := probe.On["workflow_dispatch"]; !ok {
		t.Error("probe.yml cannot be started by hand")
	}
	if probe.Concurrency["group"] == nil || probe.Concurrency["cancel-in-progress"] != false {
		t.Errorf("probe.yml concurrency = %v: runs must queue, not cancel each other", probe.Concurrency)
	}
	wantPerms := map[string]map[string]string{
		"probe.yml/probe": {"contents": "write", "issues": "write"},
		"site.yml/build":  {"contents": "read", "pages": "read"},
		"site.yml/deploy": {"pages": "write", "id-token": "write"},
	}
	for key, want := range wantPerms {
		file, job, _ := strings.Cut(key, "/")
		got, _ := readWorkflow(t, file).Jobs[job].Permissions.(map[string]any)
		if len(got) != len(want) {
			t.Errorf("%s permissions = %v, want %v", key, got, want)
		}
		for k, v := range want {
			if got[k] != v {
				t.Errorf("%s permission %s = %v, want %s", key, k, got[k], v)
			}
		}
	}
	// Secrets reach the probe step only, as environment variables.
	for jn, j := range probe.Jobs {
		for _, s := range j.Steps {
			for k, v := range s.Env {
				if strings.Contains(v, "secrets.") && s.Run != "./upchain probe" {
					t.Errorf("probe.yml/%s: secret %s given to step %q", jn, k, s.Name)
				}
			}
		}
	}
	ci := readWorkflow(t, "ci.yml")
	if p, _ := ci.Permissions.(map[string]any); len(p) != 1 || p["contents"] != "read" {
		t.Errorf("ci.yml permissions = %v, want contents: read", ci.Permissions)
	}
}
