// Package telegram is the Telegram bot of `upchain serve`: people
// subscribe in a chat to the checks or groups they care about and are sent
// the incidents (opened, changed, resolved) of those checks.
//
// It speaks the Bot API (https://core.telegram.org/bots/api): getUpdates
// long polling for commands, sendMessage for replies and notifications. A
// 429 answer's parameters.retry_after is honoured; a 403 (the user blocked
// the bot) drops that subscriber. Subscriptions live in a local state
// file (Store), never in history.
package telegram

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strings"
	"sync"
	"time"
	"unicode/utf8"
)

// DefaultAPI is the Bot API's base address.
const DefaultAPI = "https://api.telegram.org"

// Limits of the bot's network work.
const (
	pollSeconds   = 30               // getUpdates long-poll timeout
	requestSlack  = 10 * time.Second // on top of the poll for the HTTP deadline
	maxReply      = 1 << 20          // bytes read of one API answer
	maxRetryAfter = 5 * time.Minute  // a longer retry_after is capped
	maxSendTries  = 3
	queueSize     = 1000
	maxText       = 4096 // sendMessage's limit in characters
)

// Check is what the bot knows of a check.
type Check struct {
	Slug, Name, Group string
	// Status and Reason are the latest result's (any region), "" before one.
	Status, Reason string
}

// Event is one incident update to deliver: the checks' slug and group
// select the subscribers; Text is already rendered and redacted with the
// notification templates.
type Event struct {
	Check, Group, Text string
}

// Bot answers commands and delivers events. Set the fields, then Run.
type Bot struct {
	API   string // default DefaultAPI
	Token string
	Store *Store
	// Allow, when not empty, lists the chat ids that may subscribe.
	Allow map[int64]bool
	// JoinCode, when set, must follow /start (`/start <code>`) before a
	// chat not in Allow may subscribe.
	JoinCode string
	Client   *http.Client // default: a client without its own timeout (each request has a deadline)
	Log      func(format string, args ...any)
	// Sleep waits (tests replace it); default a timer bound to ctx.
	Sleep func(ctx context.Context, d time.Duration) error

	mu     sync.Mutex
	checks map[string]Check
	groups map[string]bool
	queue  chan Event
	once   sync.Once
}

func (b *Bot) init() {
	b.once.Do(func() {
		b.queue = make(chan Event, queueSize)
		if b.checks == nil {
			b.checks = map[string]Check{}
			b.groups = map[string]bool{}
		}
		if b.Client == nil {
			b.Client = &http.Client{}
		}
		if b.Log == nil {
			b.Log = func(string, ...any) {}
		}
		if b.Sleep == nil {
			b.Sleep = func(ctx context.Context, d time.Duration) error {
				t := time.NewTimer(d)
				defer t.Stop()
				select {
				case <-t.C:
					return nil
				case <-ctx.Done():
					return ctx.Err()
				}
			}
		}
	})
}

// SetChecks replaces the known checks (at start and on reload), keeping
// the statuses of those that stay.
func (b *Bot) SetChecks(list []Check) {
	b.init()
	b.mu.Lock()
	defer b.mu.Unlock()
	m, g := map[string]Check{}, map[string]bool{}
	for _, c := range list {
		if old, ok := b.checks[c.Slug]; ok && c.Status == "" {
			c.Status, c.Reason = old.Status, old.Reason
		}
		m[c.Slug] = c
		if c.Group != "" {
			g[c.Group] = true
		}
	}
	b.checks, b.groups = m, g
}

// SetStatus records a check's latest status for /status.
func (b *Bot) SetStatus(slug, status, reason string) {
	b.init()
	b.mu.Lock()
	defer b.mu.Unlock()
	if c, ok := b.checks[slug]; ok {
		c.Status, c.Reason = status, reason
		b.checks[slug] = c
	}
}

// Deliver queues ev for the subscribers of its check; it never blocks (a
// full queue drops the event, logged).
func (b *Bot) Deliver(ev Event) {
	b.init()
	select {
	case b.queue <- ev:
	default:
		b.Log("telegram: queue full, dropping a notification for %s", ev.Check)
	}
}

// Run polls for commands and sends queued events until ctx ends.
func (b *Bot) Run(ctx context.Context) {
	b.init()
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			select {
			case <-ctx.Done():
				return
			case ev := <-b.queue:
				b.fanOut(ctx, ev)
			}
		}
	}()
	b.poll(ctx)
	wg.Wait()
}

// fanOut sends ev to each chat that follows its check or group.
func (b *Bot) fanOut(ctx context.Context, ev Event) {
	for _, chat := range b.Store.Following(ev.Check, ev.Group) {
		if err := b.send(ctx, chat, ev.Text); err != nil {
			b.Log("telegram: notifying a subscriber of %s: %v", ev.Check, err)
		}
	}
}

// apiError is a Bot API answer with ok=false.
type apiError struct {
	Code        int    `json:"error_code"`
	Description string `json:"description"`
	Parameters  struct {
		RetryAfter int `json:"retry_after"`
	} `json:"parameters"`
}

func (e *apiError) Error() string { return fmt.Sprintf("Bot API %d: %s", e.Code, e.Description) }

// call POSTs params as JSON to method and decodes the result into out.
// The token is in the URL only, and never in an error: url errors are
// reduced to their cause.
func (b *Bot) call(ctx context.Context, method string, params any, out any, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	body, _ := json.Marshal(params)
	api := strings.TrimRight(b.API, "/")
	if api == "" {
		api = DefaultAPI
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, api+"/bot"+b.Token+"/"+method, bytes.NewReader(body))
	if err != nil {
		return errors.New("telegram: bad API address")
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := b.Client.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return fmt.Errorf("%s: %w", method, ctx.Err())
		}
		return fmt.Errorf("%s: request failed", method)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxReply+1))
	if err != nil || len(data) > maxReply {
		return fmt.Errorf("%s: answer unreadable or larger than %d bytes", method, maxReply)
	}
	var reply struct {
		OK     bool            `json:"ok"`
		Result json.RawMessage `json:"result"`
		apiError
	}
	if err := json.Unmarshal(data, &reply); err != nil {
		return fmt.Errorf("%s: HTTP %d, not a Bot API answer", method, resp.StatusCode)
	}
	if !reply.OK {
		if reply.Code == 0 {
			reply.Code = resp.StatusCode
		}
		e := reply.apiError
		return &e
	}
	if out != nil {
		if err := json.Unmarshal(reply.Result, out); err != nil {
			return fmt.Errorf("%s: unexpected result: %v", method, err)
		}
	}
	return nil
}

// send delivers text to chat: a 429 waits retry_after (capped) and tries
// again, a 403 drops the chat's subscriptions.
func (b *Bot) send(ctx context.Context, chat int64, text string) error {
	if utf8.RuneCountInString(text) > maxText {
		text = string([]rune(text)[:maxText-1]) + "…"
	}
	params := map[string]any{"chat_id": chat, "text": text, "link_preview_options": map[string]any{"is_disabled": true}}
	var err error
	for try := 0; try < maxSendTries; try++ {
		err = b.call(ctx, "sendMessage", params, nil, requestSlack)
		var ae *apiError
		if !errors.As(err, &ae) {
			return err
		}
		switch {
		case ae.Code == http.StatusForbidden:
			b.Log("telegram: a chat blocked the bot; dropping its subscriptions")
			return errors.Join(err, b.Store.Drop(chat))
		case ae.Code == http.StatusTooManyRequests:
			wait := min(time.Duration(max(ae.Parameters.RetryAfter, 1))*time.Second, maxRetryAfter)
			if serr := b.Sleep(ctx, wait); serr != nil {
				return serr
			}
		default:
			return err
		}
	}
	return err
}

// update is the part of a Bot API Update the bot reads.
type update struct {
	ID      int64 `json:"update_id"`
	Message *struct {
		Chat struct {
			ID int64 `json:"id"`
		} `json:"chat"`
		Text string `json:"text"`
	} `json:"message"`
}

// poll long-polls getUpdates, acknowledging each batch by its offset.
func (b *Bot) poll(ctx context.Context) {
	var offset int64
	backoff := time.Second
	for ctx.Err() == nil {
		var ups []update
		err := b.call(ctx, "getUpdates", map[string]any{"offset": offset, "timeout": pollSeconds, "allowed_updates": []string{"message"}}, &ups, pollSeconds*time.Second+requestSlack)
		if err != nil {
			if ctx.Err() != nil {
				return
			}
			wait := backoff
			var ae *apiError
			if errors.As(err, &ae) && ae.Parameters.RetryAfter > 0 {
				wait = min(time.Duration(ae.Parameters.RetryAfter)*time.Second, maxRetryAfter)
			}
			b.Log("telegram: getUpdates: %v; retrying in %s", err, wait)
			if b.Sleep(ctx, wait) != nil {
				return
			}
			backoff = min(backoff*2, time.Minute)
			continue
		}
		backoff = time.Second
		for _, u := range ups {
			offset = max(offset, u.ID+1)
			if u.Message == nil || !strings.HasPrefix(u.Message.Text, "/") {
				continue
			}
			reply := b.command(u.Message.Chat.ID, u.Message.Text)
			if err := b.send(ctx, u.Message.Chat.ID, reply); err != nil {
				b.Log("telegram: replying: %v", err)
			}
		}
	}
}

const help = `Commands:
/list: the checks and groups
/subscribe <check or group>: be told of its incidents
/unsubscribe [<check or group>]: stop (all without an argument)
/mine: what you follow
/status <check>: its latest status`

// command answers one command from chat.
func (b *Bot) command(chat int64, text string) string {
	fields := strings.Fields(text)
	cmd, _, _ := strings.Cut(strings.ToLower(fields[0]), "@") // /cmd@BotName in groups
	arg := ""
	if len(fields) > 1 {
		arg = fields[1]
	}
	allowed := b.allowed(chat)
	switch cmd {
	case "/start":
		if !allowed && b.JoinCode != "" && arg == b.JoinCode {
			if err := b.Store.Join(chat); err != nil {
				return "Sorry: " + err.Error()
			}
			allowed = true
		}
		if !allowed {
			return "This status bot is private. Ask its operator for access (a join code: /start <code>)."
		}
		return "Welcome. " + help
	case "/list":
		return b.list()
	case "/status":
		b.mu.Lock()
		c, ok := b.checks[arg]
		b.mu.Unlock()
		if !ok {
			return "No check " + quote(arg) + ". /list shows them."
		}
		if c.Status == "" {
			return c.Name + ": not probed yet."
		}
		s := fmt.Sprintf("%s (%s): %s", c.Name, c.Slug, c.Status)
		if c.Reason != "" {
			s += "\n" + c.Reason
		}
		return s
	case "/subscribe", "/unsubscribe", "/mine":
	default:
		return help
	}
	if !allowed {
		return "You may not subscribe here. Ask the operator for access."
	}
	switch cmd {
	case "/subscribe":
		if !b.exists(arg) {
			return "No check or group " + quote(arg) + ". /list shows them."
		}
		if err := b.Store.Subscribe(chat, arg); err != nil {
			return "Sorry: " + err.Error()
		}
		return "Subscribed to " + arg + "."
	case "/unsubscribe":
		if err := b.Store.Unsubscribe(chat, arg); err != nil {
			return "Sorry: " + err.Error()
		}
		if arg == "" {
			return "Unsubscribed from everything."
		}
		return "Unsubscribed from " + arg + "."
	default: // /mine
		mine := b.Store.Mine(chat)
		if len(mine) == 0 {
			return "You follow nothing yet: /subscribe <check or group>."
		}
		return "You follow: " + strings.Join(mine, ", ")
	}
}

// allowed: everyone when neither an allow-list nor a join code is set;
// else the listed chats, or those that joined with the code.
func (b *Bot) allowed(chat int64) bool {
	if len(b.Allow) == 0 && b.JoinCode == "" {
		return true
	}
	return b.Allow[chat] || b.JoinCode != "" && b.Store.Known(chat)
}

func (b *Bot) exists(name string) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	_, ok := b.checks[name]
	return ok || b.groups[name]
}

func (b *Bot) list() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	byGroup := map[string][]string{}
	for _, c := range b.checks {
		line := c.Slug + " (" + c.Name + ")"
		if c.Status != "" {
			line += ": " + c.Status
		}
		byGroup[c.Group] = append(byGroup[c.Group], line)
	}
	groups := make([]string, 0, len(byGroup))
	for g := range byGroup {
		groups = append(groups, g)
	}
	sort.Strings(groups)
	var sb strings.Builder
	for _, g := range groups {
		sort.Strings(byGroup[g])
		if g != "" {
			sb.WriteString("Group " + g + ":\n")
		}
		for _, l := range byGroup[g] {
			sb.WriteString("  " + l + "\n")
		}
	}
	if sb.Len() == 0 {
		return "No checks."
	}
	return strings.TrimSpace(sb.String())
}

func quote(s string) string {
	if len(s) > 64 {
		s = s[:64]
	}
	return fmt.Sprintf("%q", s)
}
