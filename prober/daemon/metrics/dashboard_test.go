package metrics

import (
	"encoding/json"
	"errors"
	"os"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/upchain-dev/upchain/prober"
)

// exportedNames gathers every sample name the code exports once every
// value, counter and histogram has been touched.
func exportedNames(t *testing.T) map[string]bool {
	t.Helper()
	m := New(nil)
	r := httpUp()
	r.Values = prober.Values{}
	for _, vm := range prober.Builtin().Values().Metrics() {
		if vm.Unit == prober.UnitBool {
			r.Values[vm.Name] = "true"
		} else {
			r.Values[vm.Name] = "1"
		}
	}
	m.Observe([]prober.Result{r})
	m.ObserveRound(time.Second)
	m.ConfigLoaded(true, time.Now())
	m.HistoryFlushed(nil)
	m.SiteBuilt(errors.New("x"))
	mfs, err := m.Gatherer().Gather()
	if err != nil {
		t.Fatal(err)
	}
	names := map[string]bool{}
	for _, mf := range mfs {
		names[mf.GetName()] = true
		if mf.GetType() == dto.MetricType_HISTOGRAM {
			for _, suffix := range []string{"_bucket", "_sum", "_count"} {
				names[mf.GetName()+suffix] = true
			}
		}
	}
	return names
}

// dashboard is the part of Grafana's dashboard model the test reads.
type dashboard struct {
	Title      string  `json:"title"`
	UID        string  `json:"uid"`
	Panels     []panel `json:"panels"`
	Templating struct {
		List []struct {
			Name  string          `json:"name"`
			Type  string          `json:"type"`
			Query json.RawMessage `json:"query"`
		} `json:"list"`
	} `json:"templating"`
}

type panel struct {
	ID         int    `json:"id"`
	Type       string `json:"type"`
	Title      string `json:"title"`
	Datasource *struct {
		Type string `json:"type"`
		UID  string `json:"uid"`
	} `json:"datasource"`
	Targets []struct {
		Expr string `json:"expr"`
	} `json:"targets"`
	Panels []panel `json:"panels"`
}

var metricRef = regexp.MustCompile(`\b(?:probe|upchain)_[a-zA-Z0-9_:]+`)

func TestGrafanaDashboardQueriesOnlyExportedMetrics(t *testing.T) {
	data, err := os.ReadFile("grafana-dashboard.json")
	if err != nil {
		t.Fatal(err)
	}
	var d dashboard
	if err := json.Unmarshal(data, &d); err != nil {
		t.Fatalf("grafana-dashboard.json is not valid JSON: %v", err)
	}
	if d.Title == "" || d.UID == "" || len(d.Panels) == 0 {
		t.Fatalf("dashboard without title, uid or panels")
	}
	exported := exportedNames(t)
	queried := map[string]bool{}
	ids := map[int]string{}
	var walk func([]panel)
	walk = func(ps []panel) {
		for _, p := range ps {
			if prev, dup := ids[p.ID]; dup {
				t.Errorf("panels %q and %q share id %d", prev, p.Title, p.ID)
			}
			ids[p.ID] = p.Title
			if p.Title == "" {
				t.Errorf("panel %d has no title", p.ID)
			}
			if p.Type != "row" {
				if p.Datasource == nil || p.Datasource.UID != "${datasource}" {
					t.Errorf("panel %q does not use the dashboard's data source variable", p.Title)
				}
				if len(p.Targets) == 0 {
					t.Errorf("panel %q has no query", p.Title)
				}
			}
			for _, tg := range p.Targets {
				for _, name := range metricRef.FindAllString(tg.Expr, -1) {
					queried[name] = true
					if !exported[name] {
						t.Errorf("panel %q queries %s, which upchain does not export", p.Title, name)
					}
				}
			}
			walk(p.Panels)
		}
	}
	walk(d.Panels)
	for _, v := range d.Templating.List {
		for _, name := range metricRef.FindAllString(string(v.Query), -1) {
			if !exported[name] {
				t.Errorf("variable %q queries %s, which upchain does not export", v.Name, name)
			}
		}
	}
	// The panels the dashboard exists for.
	for _, name := range []string{"probe_success", "probe_duration_seconds", "probe_ssl_earliest_cert_expiry", "upchain_head_height", "upchain_head_age_seconds", "upchain_peers", "upchain_validator_missed_blocks"} {
		if !queried[name] {
			t.Errorf("no panel shows %s", name)
		}
	}
	var unused []string
	for name := range exported {
		if !queried[name] && !strings.HasPrefix(name, NameRoundDuration) {
			unused = append(unused, name)
		}
	}
	sort.Strings(unused)
	t.Logf("exported but not on the dashboard: %v", unused)
}
