// Package frontmatter reads and writes Markdown files that begin with a
// YAML header between two "---" lines, the format of incident and
// maintenance files in the history branch: readable on GitHub, diffable,
// and parsed without guesswork.
package frontmatter

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"gopkg.in/yaml.v3"
)

const fence = "---"

// ErrNoHeader means the data does not start with a "---" line.
var ErrNoHeader = errors.New("no front matter: the file must start with a line \"---\"")

// Split separates the YAML header from the Markdown body.
func Split(data []byte) (header, body []byte, err error) {
	data = bytes.TrimPrefix(data, []byte("\ufeff"))
	s := string(bytes.ReplaceAll(data, []byte("\r\n"), []byte("\n")))
	if !strings.HasPrefix(s, fence+"\n") {
		return nil, nil, ErrNoHeader
	}
	rest := s[len(fence)+1:]
	end := strings.Index(rest, "\n"+fence+"\n")
	switch {
	case strings.HasPrefix(rest, fence+"\n"):
		return nil, []byte(rest[len(fence)+1:]), nil
	case end < 0 && strings.HasSuffix(rest, "\n"+fence):
		return []byte(rest[:len(rest)-len(fence)]), nil, nil
	case end < 0:
		return nil, nil, errors.New("front matter is not closed by a line \"---\"")
	}
	return []byte(rest[:end+1]), []byte(rest[end+len(fence)+2:]), nil
}

// Unmarshal decodes the header of data into meta and returns the body.
func Unmarshal(data []byte, meta any) (body string, err error) {
	h, b, err := Split(data)
	if err != nil {
		return "", err
	}
	if err := yaml.Unmarshal(h, meta); err != nil {
		return "", fmt.Errorf("front matter: %v", err)
	}
	return strings.TrimLeft(string(b), "\n"), nil
}

// Read reads path into meta and returns the body; errors name the file.
func Read(path string, meta any) (string, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return "", err
	}
	body, err := Unmarshal(data, meta)
	if err != nil {
		return "", fmt.Errorf("%s: %v", path, err)
	}
	return body, nil
}

// Marshal renders meta and body as a front-matter document.
func Marshal(meta any, body string) ([]byte, error) {
	var buf bytes.Buffer
	buf.WriteString(fence + "\n")
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(meta); err != nil {
		return nil, err
	}
	if err := enc.Close(); err != nil {
		return nil, err
	}
	buf.WriteString(fence + "\n")
	if body = strings.TrimSpace(body); body != "" {
		buf.WriteString("\n" + body + "\n")
	}
	return buf.Bytes(), nil
}

// WriteFile writes meta and body to path atomically (a temporary file
// renamed over it), so that a crash never leaves half a file in history.
// It does not touch the file when the content is unchanged.
func WriteFile(path string, meta any, body string) error {
	data, err := Marshal(meta, body)
	if err != nil {
		return err
	}
	if old, err := os.ReadFile(path); err == nil && bytes.Equal(old, data) {
		return nil
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}
