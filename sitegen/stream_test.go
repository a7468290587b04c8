package sitegen

import (
	"crypto/sha256"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestWriterStream: a streamed file gets the bytes render wrote and the
// digest write would give it; into a directory that already holds those
// bytes it is not written again, a changed one replaces the old file, and
// a failed render leaves neither the file nor its temporary copy.
func TestWriterStream(t *testing.T) {
	root := t.TempDir()
	page := strings.Repeat("<p>home</p>\n", 20000) // beyond the 64 kB buffer
	render := func(s string) func(io.Writer) error {
		return func(w io.Writer) error { _, err := io.WriteString(w, s); return err }
	}
	full := filepath.Join(root, "sub", "index.html")

	w := newWriter(root, true, nil)
	if err := w.stream("sub/index.html", render(page)); err != nil {
		t.Fatal(err)
	}
	if got, err := os.ReadFile(full); err != nil || string(got) != page {
		t.Fatalf("streamed file: %d bytes, %v; want %d bytes", len(got), err, len(page))
	}
	if w.made["sub/index.html"] != fileSum(sha256.Sum256([]byte(page))) {
		t.Error("streamed file's digest is not its bytes' SHA-256")
	}
	ino := inode(t, full)

	for _, tt := range []struct {
		name        string
		content     string
		wantWritten int64
	}{{"same bytes", page, 0}, {"changed bytes", page + "<p>new</p>\n", 1}} {
		w2 := newWriter(root, true, w.made)
		if err := w2.stream("sub/index.html", render(tt.content)); err != nil {
			t.Fatal(err)
		}
		if got := w2.written.Load(); got != tt.wantWritten {
			t.Errorf("%s: %d files written, want %d", tt.name, got, tt.wantWritten)
		}
		if got, _ := os.ReadFile(full); string(got) != tt.content {
			t.Errorf("%s: file holds %d bytes, want %d", tt.name, len(got), len(tt.content))
		}
		if kept := inode(t, full) == ino; kept != (tt.wantWritten == 0) {
			t.Errorf("%s: old file kept: %v", tt.name, kept)
		}
	}

	boom := errors.New("boom")
	w3 := newWriter(root, true, nil)
	err := w3.stream("other.html", func(w io.Writer) error {
		_, _ = io.WriteString(w, page)
		return boom
	})
	if !errors.Is(err, boom) || !strings.Contains(err.Error(), "other.html") {
		t.Errorf("failed render: %v, want boom naming the file", err)
	}
	entries, _ := os.ReadDir(root)
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), "other.html") {
			t.Errorf("failed render left %s", e.Name())
		}
	}
}
