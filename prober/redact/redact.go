// Package redact removes secret values from any text that leaves the prober:
// results, errors, logs, history, issues, notifications and the site.
//
// Secrets are redacted by value, not by position: whatever library produced a
// message (net/http quoting a URL, a server echoing a header) the value is
// replaced wherever it appears, in its raw and URL-escaped forms.
package redact

import (
	"net/url"
	"sort"
	"strings"
	"sync"
)

// MinLen is the shortest value treated as a secret. Shorter values would
// redact ordinary text ("1", "ok") all over the output.
const MinLen = 4

// Redactor replaces registered secret values with a placeholder naming the
// variable they came from (the name is not secret, and tells the reader what
// was removed).
type Redactor struct {
	mu       sync.RWMutex
	secrets  map[string]string // value -> placeholder
	replacer *strings.Replacer
}

// New returns an empty Redactor. A nil *Redactor is valid and redacts nothing.
func New() *Redactor { return &Redactor{secrets: map[string]string{}} }

// Add registers value as secret, shown as placeholder. Values shorter than
// MinLen are ignored.
func (r *Redactor) Add(value, placeholder string) {
	if r == nil || len(value) < MinLen {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, v := range []string{value, url.QueryEscape(value), url.PathEscape(value)} {
		if len(v) >= MinLen {
			r.secrets[v] = placeholder
		}
	}
	r.replacer = nil
}

// Len reports how many distinct values (including escaped forms) are registered.
func (r *Redactor) Len() int {
	if r == nil {
		return 0
	}
	r.mu.RLock()
	defer r.mu.RUnlock()
	return len(r.secrets)
}

// String redacts s.
func (r *Redactor) String(s string) string {
	if r == nil || s == "" {
		return s
	}
	r.mu.RLock()
	rep := r.replacer
	n := len(r.secrets)
	r.mu.RUnlock()
	if n == 0 {
		return s
	}
	if rep == nil {
		rep = r.build()
	}
	return rep.Replace(s)
}

func (r *Redactor) build() *strings.Replacer {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.replacer != nil {
		return r.replacer
	}
	// Longest first, so a secret containing another is replaced whole.
	vals := make([]string, 0, len(r.secrets))
	for v := range r.secrets {
		vals = append(vals, v)
	}
	sort.Slice(vals, func(i, j int) bool {
		if len(vals[i]) != len(vals[j]) {
			return len(vals[i]) > len(vals[j])
		}
		return vals[i] < vals[j]
	})
	args := make([]string, 0, 2*len(vals))
	for _, v := range vals {
		args = append(args, v, r.secrets[v])
	}
	r.replacer = strings.NewReplacer(args...)
	return r.replacer
}

// Error redacts an error's message; nil stays nil.
func (r *Redactor) Error(err error) string {
	if err == nil {
		return ""
	}
	return r.String(err.Error())
}

// URL returns rawURL with registered secrets and any userinfo password removed.
func (r *Redactor) URL(rawURL string) string {
	s := r.String(rawURL)
	if u, err := url.Parse(s); err == nil && u.User != nil {
		if _, has := u.User.Password(); has {
			return u.Redacted()
		}
	}
	return s
}
