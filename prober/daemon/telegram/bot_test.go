package telegram

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

const token = "123456:s3cr3t-token"

// botAPI is a local Bot API server in the shapes of
// https://core.telegram.org/bots/api: getUpdates (long polling with
// offset) and sendMessage, whose errors are {"ok":false,"error_code":N,
// "description":...,"parameters":{"retry_after":S}}.
type botAPI struct {
	mu      sync.Mutex
	updates []map[string]any
	nextID  int64
	sent    map[int64][]string
	blocked map[int64]bool
	limit   int // answer this many sendMessage calls with 429 first
	polls   int
	wake    chan struct{}
}

func newBotAPI(t *testing.T) (*botAPI, *httptest.Server) {
	a := &botAPI{sent: map[int64][]string{}, blocked: map[int64]bool{}, wake: make(chan struct{}, 1), nextID: 100}
	srv := httptest.NewServer(a)
	t.Cleanup(srv.Close)
	return a, srv
}

func (a *botAPI) say(chat int64, text string) {
	a.mu.Lock()
	a.updates = append(a.updates, map[string]any{"update_id": a.nextID, "message": map[string]any{"message_id": a.nextID, "chat": map[string]any{"id": chat, "type": "private"}, "text": text}})
	a.nextID++
	a.mu.Unlock()
	select {
	case a.wake <- struct{}{}:
	default:
	}
}

func (a *botAPI) messages(chat int64) []string {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]string(nil), a.sent[chat]...)
}

func reply(w http.ResponseWriter, v any) { _ = json.NewEncoder(w).Encode(v) }

func (a *botAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var p struct {
		Offset int64  `json:"offset"`
		ChatID int64  `json:"chat_id"`
		Text   string `json:"text"`
	}
	_ = json.NewDecoder(r.Body).Decode(&p)
	switch r.URL.Path {
	case "/bot" + token + "/getUpdates":
		for {
			a.mu.Lock()
			a.polls++
			var out []map[string]any
			for _, u := range a.updates {
				if u["update_id"].(int64) >= p.Offset {
					out = append(out, u)
				}
			}
			a.mu.Unlock()
			if len(out) > 0 {
				reply(w, map[string]any{"ok": true, "result": out})
				return
			}
			select {
			case <-a.wake:
			case <-r.Context().Done():
				return
			case <-time.After(200 * time.Millisecond):
				reply(w, map[string]any{"ok": true, "result": []any{}})
				return
			}
		}
	case "/bot" + token + "/sendMessage":
		a.mu.Lock()
		defer a.mu.Unlock()
		switch {
		case a.limit > 0:
			a.limit--
			w.WriteHeader(http.StatusTooManyRequests)
			reply(w, map[string]any{"ok": false, "error_code": 429, "description": "Too Many Requests: retry after 7", "parameters": map[string]any{"retry_after": 7}})
		case a.blocked[p.ChatID]:
			w.WriteHeader(http.StatusForbidden)
			reply(w, map[string]any{"ok": false, "error_code": 403, "description": "Forbidden: bot was blocked by the user"})
		default:
			a.sent[p.ChatID] = append(a.sent[p.ChatID], p.Text)
			reply(w, map[string]any{"ok": true, "result": map[string]any{"message_id": 1, "chat": map[string]any{"id": p.ChatID}, "text": p.Text}})
		}
	default:
		w.WriteHeader(http.StatusNotFound)
		reply(w, map[string]any{"ok": false, "error_code": 404, "description": "Not Found"})
	}
}

// waitFor polls cond (a condition on state, not a timing assertion).
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("never: %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func startBot(t *testing.T, srv *httptest.Server, b *Bot) (*Bot, *[]time.Duration) {
	st, err := OpenStore(filepath.Join(t.TempDir(), "state", "telegram.json"))
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	slept := &[]time.Duration{}
	b.API, b.Token, b.Store = srv.URL, token, st
	b.Sleep = func(ctx context.Context, d time.Duration) error {
		mu.Lock()
		*slept = append(*slept, d)
		mu.Unlock()
		return ctx.Err()
	}
	b.SetChecks([]Check{
		{Slug: "eth-rpc", Name: "Ethereum RPC", Group: "Ethereum"},
		{Slug: "eth-beacon", Name: "Beacon", Group: "Ethereum"},
		{Slug: "dot-rpc", Name: "Polkadot RPC", Group: "Polkadot"},
	})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); b.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })
	return b, slept
}

func TestSubscribersGetOnlyTheirChecks(t *testing.T) {
	api, srv := newBotAPI(t)
	b, _ := startBot(t, srv, &Bot{})
	api.say(1, "/start")
	api.say(1, "/subscribe eth-rpc")
	api.say(2, "/subscribe Polkadot")
	api.say(2, "/subscribe nothing-such")
	api.say(2, "/status dot-rpc")
	waitFor(t, "replies", func() bool { return len(api.messages(1)) == 2 && len(api.messages(2)) == 3 })
	if m := api.messages(2); m[0] != "Subscribed to Polkadot." || !strings.Contains(m[1], `No check or group "nothing-such"`) || m[2] != "Polkadot RPC: not probed yet." {
		t.Errorf("replies to 2: %q", m)
	}
	b.SetStatus("dot-rpc", "down", "HTTP 503")
	b.Deliver(Event{Check: "eth-rpc", Group: "Ethereum", Text: "🔴 Down: Ethereum RPC"})
	b.Deliver(Event{Check: "eth-beacon", Group: "Ethereum", Text: "🔴 Down: Beacon"})
	b.Deliver(Event{Check: "dot-rpc", Group: "Polkadot", Text: "🔴 Down: Polkadot RPC"})
	api.say(2, "/mine")
	api.say(2, "/status dot-rpc")
	waitFor(t, "notifications", func() bool { return len(api.messages(1)) == 3 && len(api.messages(2)) == 6 })
	if m := api.messages(1); m[2] != "🔴 Down: Ethereum RPC" {
		t.Errorf("chat 1: %q", m)
	}
	m2 := strings.Join(api.messages(2), "\n")
	if strings.Contains(m2, "Ethereum") || !strings.Contains(m2, "🔴 Down: Polkadot RPC") || !strings.Contains(m2, "You follow: Polkadot") || !strings.Contains(m2, "Polkadot RPC (dot-rpc): down\nHTTP 503") {
		t.Errorf("chat 2: %q", m2)
	}
}

func TestRateLimitAndBlockedBot(t *testing.T) {
	api, srv := newBotAPI(t)
	b, slept := startBot(t, srv, &Bot{})
	api.say(1, "/subscribe eth-rpc")
	api.say(2, "/subscribe eth-rpc")
	waitFor(t, "subscribed", func() bool { return len(api.messages(1)) == 1 && len(api.messages(2)) == 1 })
	api.mu.Lock()
	api.limit = 1 // the next message is refused with retry_after 7
	api.blocked[2] = true
	api.mu.Unlock()
	b.Deliver(Event{Check: "eth-rpc", Text: "opened"})
	waitFor(t, "chat 2 dropped", func() bool { return len(b.Store.Following("eth-rpc", "")) == 1 })
	if m := api.messages(1); len(m) != 2 || m[1] != "opened" {
		t.Errorf("chat 1: %q", m)
	}
	if len(*slept) != 1 || (*slept)[0] != 7*time.Second {
		t.Errorf("waits %v, want the 7s retry_after", *slept)
	}
	// The state file holds the remaining subscriber only, privately.
	data, err := os.ReadFile(b.Store.path)
	if err != nil || strings.Contains(string(data), `"2"`) || !strings.Contains(string(data), `"1"`) {
		t.Errorf("state %s %v", data, err)
	}
	if fi, _ := os.Stat(b.Store.path); fi.Mode().Perm() != 0o600 {
		t.Errorf("state mode %v", fi.Mode())
	}
}

func TestWhoMaySubscribe(t *testing.T) {
	for _, tc := range []struct {
		name  string
		allow map[int64]bool
		code  string
		chat  int64
		start string
		want  string
	}{
		{"open", nil, "", 5, "/start", "Subscribed to eth-rpc."},
		{"allow-list, listed", map[int64]bool{5: true}, "", 5, "/start", "Subscribed to eth-rpc."},
		{"allow-list, not listed", map[int64]bool{6: true}, "", 5, "/start", "You may not subscribe here. Ask the operator for access."},
		{"join code", nil, "opensesame", 5, "/start opensesame", "Subscribed to eth-rpc."},
		{"wrong join code", nil, "opensesame", 5, "/start guess", "You may not subscribe here. Ask the operator for access."},
	} {
		t.Run(tc.name, func(t *testing.T) {
			api, srv := newBotAPI(t)
			startBot(t, srv, &Bot{Allow: tc.allow, JoinCode: tc.code})
			api.say(tc.chat, tc.start)
			api.say(tc.chat, "/subscribe eth-rpc")
			waitFor(t, "replies", func() bool { return len(api.messages(tc.chat)) == 2 })
			if got := api.messages(tc.chat)[1]; got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}
