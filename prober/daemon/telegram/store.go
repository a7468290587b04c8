package telegram

import (
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"sync"
)

// Bounds of the subscription state: a flood of chats or of /subscribe
// commands cannot grow the file without limit.
const (
	MaxChats         = 10000
	MaxSubscriptions = 100
)

// Store is the subscriptions, kept in a local state file of the daemon
// (mode 0600): chat ids are personal data and never go to the history
// branch, which may be public.
type Store struct {
	path string
	mu   sync.Mutex
	// Chats maps a chat id to the checks and groups it follows; a chat
	// present with none has joined (join code) but follows nothing.
	chats map[int64][]string
}

type storeFile struct {
	Chats map[int64][]string `json:"chats"`
}

// OpenStore reads path; a missing file is an empty store.
func OpenStore(path string) (*Store, error) {
	s := &Store{path: path, chats: map[int64][]string{}}
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return s, nil
	}
	if err != nil {
		return nil, err
	}
	var f storeFile
	if err := json.Unmarshal(data, &f); err != nil {
		return nil, err
	}
	for id, subs := range f.Chats {
		if len(s.chats) >= MaxChats {
			break
		}
		if len(subs) > MaxSubscriptions {
			subs = subs[:MaxSubscriptions]
		}
		s.chats[id] = subs
	}
	return s, nil
}

// save writes the file atomically; called with mu held.
func (s *Store) save() error {
	data, err := json.MarshalIndent(storeFile{Chats: s.chats}, "", "  ")
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(s.path), 0o700); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(s.path), ".telegram-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), s.path)
}

// Known reports whether chat has joined.
func (s *Store) Known(chat int64) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, ok := s.chats[chat]
	return ok
}

// Join records chat with no subscriptions.
func (s *Store) Join(chat int64) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.chats[chat]; ok {
		return nil
	}
	if len(s.chats) >= MaxChats {
		return errors.New("too many subscribers")
	}
	s.chats[chat] = []string{}
	return s.save()
}

// Subscribe adds target (a check slug or group) to chat's list.
func (s *Store) Subscribe(chat int64, target string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	subs, ok := s.chats[chat]
	if !ok && len(s.chats) >= MaxChats {
		return errors.New("too many subscribers")
	}
	for _, x := range subs {
		if x == target {
			return nil
		}
	}
	if len(subs) >= MaxSubscriptions {
		return errors.New("too many subscriptions: unsubscribe from some first")
	}
	s.chats[chat] = append(subs, target)
	return s.save()
}

// Unsubscribe removes target from chat's list ("": all of them).
func (s *Store) Unsubscribe(chat int64, target string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	subs, ok := s.chats[chat]
	if !ok {
		return nil
	}
	out := []string{}
	for _, x := range subs {
		if target != "" && x != target {
			out = append(out, x)
		}
	}
	s.chats[chat] = out
	return s.save()
}

// Drop forgets chat (it blocked the bot).
func (s *Store) Drop(chat int64) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.chats[chat]; !ok {
		return nil
	}
	delete(s.chats, chat)
	return s.save()
}

// Mine is chat's list, sorted.
func (s *Store) Mine(chat int64) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := append([]string(nil), s.chats[chat]...)
	sort.Strings(out)
	return out
}

// Following lists the chats that follow check or group, in id order.
func (s *Store) Following(check, group string) []int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []int64
	for id, subs := range s.chats {
		for _, x := range subs {
			if x == check || group != "" && x == group {
				out = append(out, id)
				break
			}
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}
