package frontmatter

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

type meta struct {
	ID    string   `yaml:"id"`
	Title string   `yaml:"title"`
	Tags  []string `yaml:"tags,omitempty"`
}

func TestRoundTrip(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sub", "x.md")
	in := meta{ID: "a-1", Title: "colon: and --- dashes", Tags: []string{"x"}}
	body := "# Heading\n\n---\n\nafter a rule"
	if err := WriteFile(path, in, body); err != nil {
		t.Fatal(err)
	}
	var out meta
	got, err := Read(path, &out)
	if err != nil {
		t.Fatal(err)
	}
	if out.ID != in.ID || out.Title != in.Title || len(out.Tags) != 1 {
		t.Fatalf("meta = %+v", out)
	}
	if strings.TrimSpace(got) != body {
		t.Fatalf("body = %q", got)
	}
	entries, _ := os.ReadDir(filepath.Dir(path))
	if len(entries) != 1 {
		t.Fatalf("temporary files left: %v", entries)
	}
}

func TestSplit(t *testing.T) {
	tests := []struct {
		name, in   string
		head, body string
		err        bool
	}{
		{"plain", "---\na: 1\n---\nbody\n", "a: 1\n", "body\n", false},
		{"crlf", "---\r\na: 1\r\n---\r\nbody", "a: 1\n", "body", false},
		{"empty header", "---\n---\nbody", "", "body", false},
		{"no body", "---\na: 1\n---", "a: 1\n", "", false},
		{"no header", "body only", "", "", true},
		{"unclosed", "---\na: 1\n", "", "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h, b, err := Split([]byte(tt.in))
			if (err != nil) != tt.err {
				t.Fatalf("err = %v", err)
			}
			if string(h) != tt.head || string(b) != tt.body {
				t.Fatalf("head %q body %q", h, b)
			}
		})
	}
}
