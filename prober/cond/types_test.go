package cond

import (
	"strings"
	"testing"
	"time"
)

var testFields = Fields{
	"latency": Duration,
	"status":  Number,
	"region":  String,
	"result":  Dynamic,
	"headers": StringMap,
	"cert":    Fields{"expires_in": Duration, "subject": String, "verified": Bool, "dns_names": Strings},
	"head":    Fields{"height": Number, "age": Duration, "time": String},
	"validator": Fields{"missed": Number, "signed": Number, "jailed": Bool,
		"balance": Fields{"free": Number}},
}

func TestCompileTypedRejects(t *testing.T) {
	tests := []struct {
		cond string
		want string // in the error: what to write instead
	}{
		{`latency < 800`, "write latency < 800ms"},
		{`800 > latency`, "write 800ms > latency"},
		{`cert.expires_in > 14`, "write cert.expires_in > 14d"},
		{`head.age < 60`, "write head.age < 60s"},
		{`status == "200"`, "write status == 200"},
		{`region == 1`, `write region == "1"`},
		{`status == "ok"`, `can never equal the string "ok"`},
		{`validator.mised < 3`, `unknown name "validator.mised": validator has balance, jailed, missed, signed (did you mean validator.missed?)`},
		{`head.hieght > 0`, `did you mean head.height?`},
		{`validator.balance.fre > 0`, `did you mean validator.balance.free?`},
		{`lateny < 1s`, `did you mean latency?`},
		{`head.height.x > 0`, "head.height has no fields: it is a number"},
		{`validator.jailed == 1`, "write validator.jailed == true or validator.jailed == false"},
		{`latency + 5 > 1s`, "write latency + 5ms"},
	}
	for _, tt := range tests {
		_, err := CompileTyped(tt.cond, testFields)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("CompileTyped(%q) = %v, want an error with %q", tt.cond, err, tt.want)
		}
	}
}

func TestCompileTypedAccepts(t *testing.T) {
	for _, src := range []string{
		`latency < 800ms`,
		`status == 200 && region != "eu"`,
		`cert.expires_in > 14d && cert.verified`,
		`"a.example.org" in cert.dns_names`,
		`head.height > 0 && head.age < 1m`,
		`validator.missed < 3 && validator.jailed == false`,
		`validator.balance.free >= dot(10)`,
		`units(validator.balance.free, 10) > 1.5`,
		`result.anything.at.all == "x"`, // dynamic: the server's shape
		`result >= 10^18 && result < 20000000000000000000`,
		`headers["Content-Type"] contains "json"`,
		`headers.server == "nginx"`,
		`latency > 2 * 100ms`,
	} {
		if _, err := CompileTyped(src, testFields); err != nil {
			t.Errorf("CompileTyped(%q): %v", src, err)
		}
	}
}

func TestConforms(t *testing.T) {
	tests := []struct {
		env  map[string]any
		want string // "" = conforms
	}{
		{map[string]any{"latency": time.Second, "status": 200, "head": map[string]any{"height": uint64(5)}}, ""},
		{map[string]any{"cert": map[string]any{"dns_names": []string{"a"}}, "headers": map[string]any{"server": "x"}}, ""},
		{map[string]any{"latency": 5}, "latency is int, declared a duration"},
		{map[string]any{"status": "200"}, "status is string, declared a number"},
		{map[string]any{"head": map[string]any{"hieght": 1}}, "head.hieght is not declared"},
		{map[string]any{"peers": 1}, "peers is not declared"},
		{map[string]any{"head": 1}, "head is int, declared an object"},
	}
	for _, tt := range tests {
		err := Conforms(testFields, tt.env)
		if (tt.want == "") != (err == nil) || (err != nil && err.Error() != tt.want) {
			t.Errorf("Conforms(%v) = %v, want %q", tt.env, err, tt.want)
		}
	}
}
