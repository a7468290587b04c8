package prober

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
)

// The secrets of these tests; each has a distinctive prefix so that a
// partly cut secret is found too.
var testSecrets = map[string]string{
	"API_KEY":     "sk_live_AAAA1111BBBB2222CCCC3333DDDD",
	"TOKEN":       "tok_BBBB2222CCCC3333DDDD4444EEEE",
	"BODY_SECRET": "bod_CCCC3333DDDD4444EEEE5555FFFF",
}

// assertNoSecret fails if text holds any secret or an 8-byte piece of one.
func assertNoSecret(t *testing.T, where, text string) {
	t.Helper()
	for name, v := range testSecrets {
		for i := 0; i+8 <= len(v); i += 4 {
			if strings.Contains(text, v[i:i+8]) {
				t.Errorf("%s leaks (part of) ${%s}: %s", where, name, text)
				break
			}
		}
	}
}

// echo answers with everything secret the request carried: the path, the
// Authorization header and the body, padded so that cutting the text for
// a reason or an observed value would cut through a secret.
func echo(w http.ResponseWriter, r *http.Request) {
	b, _ := io.ReadAll(r.Body)
	pad := strings.Repeat(".", 100)
	text := pad + r.URL.Path + " " + r.Header.Get("Authorization") + " " + string(b)
	switch {
	case strings.HasSuffix(r.URL.Path, "/rpc-error"):
		w.Header().Set("Content-Type", "application/json")
		msg, _ := json.Marshal(strings.Repeat(".", 158) + text)
		fmt.Fprintf(w, `{"jsonrpc":"2.0","id":1,"error":{"code":-32000,"message":%s}}`, msg)
	case strings.HasSuffix(r.URL.Path, "/rpc-scalar"):
		msg, _ := json.Marshal(r.URL.Path)
		fmt.Fprintf(w, `{"jsonrpc":"2.0","id":1,"result":%s}`, msg)
	case strings.HasSuffix(r.URL.Path, "/rpc-garbage"):
		_, _ = io.WriteString(w, text[30:])
	case strings.HasSuffix(r.URL.Path, "/500"):
		http.Error(w, text, 500)
	default:
		_, _ = io.WriteString(w, text)
	}
}

func TestSecretsNeverInResults(t *testing.T) {
	srv := serveHTTP(t, http.HandlerFunc(echo))
	common := "    headers: {Authorization: 'Bearer ${TOKEN}'}\n    body: '{\"key\":\"${BODY_SECRET}\"}'\n    retries: 0\n"
	tests := []struct {
		name, spec  string
		code        ReasonCode
		placeholder bool // the secret's place shows as ${NAME}
	}{
		{"failed condition on an echoed body", "    kind: http\n    url: " + srv + "/v3/${API_KEY}\n    conditions: ['body contains \"nothing\"', 'headers[\"content-type\"] == \"x\"']\n", ReasonCondition, true},
		{"degraded condition on an echoed body", "    kind: http\n    url: " + srv + "/v3/${API_KEY}\n    degraded: ['body == \"x\"', 'len(body) < 10']\n", ReasonCondition, true},
		{"error status with an echoed body", "    kind: http\n    url: " + srv + "/v3/${API_KEY}/500\n    conditions: ['status == 200', 'body contains \"x\"']\n", ReasonCondition, true},
		{"JSON-RPC error message echoing secrets", "    kind: jsonrpc\n    url: " + srv + "/v3/${API_KEY}/rpc-error\n    jsonrpc: {method: m}\n", ReasonRPCError, true},
		{"JSON-RPC garbage echoing secrets", "    kind: jsonrpc\n    url: " + srv + "/v3/${API_KEY}/rpc-garbage\n    jsonrpc: {method: m}\n", ReasonBadResponse, true},
		{"JSON-RPC result recorded as a value", "    kind: jsonrpc\n    url: " + srv + "/v3/${API_KEY}/rpc-scalar\n    jsonrpc: {method: m}\n    conditions: ['result == \"x\"']\n", ReasonCondition, true},
		{"refused connection to a secret URL", "    kind: http\n    url: http://" + closedPort(t) + "/v3/${API_KEY}\n", ReasonRefused, false},
		{"websocket handshake to a secret URL", "    kind: websocket\n    url: " + wsURL(srv) + "/v3/${API_KEY}\n    websocket: {send: '${BODY_SECRET}'}\n", ReasonHTTPStatus, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := testConfig(t, "", oneCheck(tt.spec+common), testSecrets)
			res := runRound(t, &Runner{Config: l})
			r := res[0]
			if r.ReasonCode != tt.code {
				t.Fatalf("reason_code %q, want %q (%s)", r.ReasonCode, tt.code, r.Reason)
			}
			b, err := json.Marshal(r)
			if err != nil {
				t.Fatal(err)
			}
			assertNoSecret(t, "result", string(b))
			if tt.placeholder && !strings.Contains(string(b), "${") {
				t.Errorf("result shows no placeholder, so the test shows nothing: %s", b)
			}
		})
	}
	// The check itself keeps the expanded URL for probing, and the
	// placeholder for display.
	l := testConfig(t, "", oneCheck("    kind: http\n    url: "+srv+"/v3/${API_KEY}\n"), testSecrets)
	c := l.Checks[0]
	if !strings.HasSuffix(c.URL, testSecrets["API_KEY"]) || !strings.HasSuffix(c.DisplayURL, "/v3/${API_KEY}") {
		t.Fatalf("URL %q DisplayURL %q", c.URL, c.DisplayURL)
	}
}
