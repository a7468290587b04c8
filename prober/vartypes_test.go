package prober

import (
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/upchain-dev/upchain/prober/config"
)

// Every kind is typed, and its declaration names exactly its Vars: a name
// missing from either would reject valid conditions or let typos through.
func TestVarTypesMatchVars(t *testing.T) {
	for _, k := range Builtin().All() {
		tk, ok := k.(config.TypedKind)
		if !ok {
			t.Errorf("%s declares no VarTypes: its conditions are not type-checked", k.Name())
			continue
		}
		vars := append([]string(nil), k.Vars()...)
		sort.Strings(vars)
		if got := tk.VarTypes().Names(); !reflect.DeepEqual(got, vars) {
			t.Errorf("%s: VarTypes names %v, Vars %v", k.Name(), got, vars)
		}
	}
}

// The conditions that used to load and then fail on every probe are load
// errors naming the file, the line and what to write instead.
func TestTypedConditionsRejectedAtLoad(t *testing.T) {
	tests := []struct {
		kind, url, cond, want string
	}{
		{"http", "http://127.0.0.1:1/", `latency < 800`, "write latency < 800ms"},
		{"tls", "127.0.0.1:1", `cert.expires_in > 14`, "write cert.expires_in > 14d"},
		{"http", "http://127.0.0.1:1/", `status == "200"`, "write status == 200"},
		{"cometbft", "http://127.0.0.1:1/", `validator.mised < 3`, "did you mean validator.missed?"},
		{"evm", "http://127.0.0.1:1/", `head.hieght > 0`, "did you mean head.height?"},
		{"substrate", "ws://127.0.0.1:1/", `head.bset > 0`, "did you mean head.best?"},
		{"substrate", "ws://127.0.0.1:1/", `finality_lag < "3"`, "write finality_lag < 3"},
		{"beacon", "http://127.0.0.1:1/", `validators.mised < 3`, "did you mean validators.missed?"},
		{"beacon", "http://127.0.0.1:1/", `head.age < 60`, "write head.age < 60s"},
		{"prometheus", "http://127.0.0.1:1/metrics", `sereis > 10`, "did you mean series?"},
		{"prometheus", "http://127.0.0.1:1/metrics", `bytes < "1000"`, "write bytes < 1000"},
	}
	for _, tt := range tests {
		spec := "    kind: " + tt.kind + "\n    url: " + tt.url + "\n    conditions:\n      - '" + tt.cond + "'\n"
		_, err := loadConfig(t, Builtin(), "", oneCheck(spec), nil)
		if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), "test.yml:7") {
			t.Errorf("%s %q: err = %v, want test.yml:7 and %q", tt.kind, tt.cond, err, tt.want)
		}
	}
}
