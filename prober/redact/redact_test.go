package redact

import (
	"errors"
	"strings"
	"testing"
)

func TestRedactor(t *testing.T) {
	r := New()
	r.Add("s3cr3t-key/with+chars", "${API_KEY}")
	r.Add("abc", "${SHORT}") // below MinLen: ignored
	r.Add("s3cr3t", "${PREFIX}")

	tests := []struct {
		name, in, want string
	}{
		{"plain", "https://x/v3/s3cr3t-key/with+chars", "https://x/v3/${API_KEY}"},
		{"query escaped", "https://x/?k=s3cr3t-key%2Fwith%2Bchars", "https://x/?k=${API_KEY}"},
		{"path escaped", "https://x/s3cr3t-key%2Fwith+chars", "https://x/${API_KEY}"},
		{"longest wins", "s3cr3t and s3cr3t-key/with+chars", "${PREFIX} and ${API_KEY}"},
		{"short ignored", "abc", "abc"},
		{"in error text", `Get "https://x/v3/s3cr3t-key/with+chars": dial tcp: refused`, `Get "https://x/v3/${API_KEY}": dial tcp: refused`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := r.String(tt.in); got != tt.want {
				t.Fatalf("String(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
	if got := r.Error(errors.New("token s3cr3t leaked")); strings.Contains(got, "s3cr3t") {
		t.Fatalf("Error kept secret: %q", got)
	}
}

func TestURLPassword(t *testing.T) {
	var r *Redactor // nil redactor still strips userinfo passwords
	got := r.URL("https://user:hunter22@example.com/rpc")
	if strings.Contains(got, "hunter22") {
		t.Fatalf("password kept: %s", got)
	}
}

func TestAddAfterUse(t *testing.T) {
	r := New()
	r.Add("first-secret", "${A}")
	_ = r.String("warm the replacer cache")
	r.Add("second-secret", "${B}")
	if got := r.String("second-secret"); got != "${B}" {
		t.Fatalf("secret added after first use not redacted: %q", got)
	}
}
