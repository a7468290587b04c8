package channel

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/upchain-dev/upchain/prober/internal/retry"
)

// DefaultTelegramAPI is the Bot API's base address.
const DefaultTelegramAPI = "https://api.telegram.org"

// Telegram is a bot and the chats it posts to; each chat is its own
// target (Parts).
type Telegram struct {
	// URL is the Bot API base, default DefaultTelegramAPI.
	URL     string   `yaml:"url"`
	Token   string   `yaml:"token"`
	ChatIDs []string `yaml:"chat_ids"`
}

// Validate needs a token and chat ids; url is optional.
func (c *Telegram) Validate() []Problem {
	out := checkURL("telegram", c.URL, false)
	if c.Token == "" {
		out = append(out, need("telegram", "token", "the bot token from @BotFather, as ${NAME}"))
	}
	if len(c.ChatIDs) == 0 {
		out = append(out, need("telegram", "chat_ids", "one or more chat ids"))
	}
	return out
}

// Parts is one target per chat, so that a failing chat is retried alone.
func (c *Telegram) Parts() []Part {
	out := make([]Part, len(c.ChatIDs))
	for i, chat := range c.ChatIDs {
		one := *c
		one.ChatIDs = []string{chat}
		out[i] = Part{Suffix: chat, Channel: &one}
	}
	return out
}

// Send calls sendMessage for each chat: POST {base}/bot<token>/sendMessage
// with chat_id and text (at most 4096 characters); the reply is
// {"ok": ...}, and a 429 carries parameters.retry_after in seconds.
// https://core.telegram.org/bots/api#sendmessage
func (c *Telegram) Send(ctx context.Context, env Env, ev Event, text string) error {
	var errs []error
	for _, chat := range c.ChatIDs {
		if err := c.sendTo(ctx, env, chat, text); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

func (c *Telegram) sendTo(ctx context.Context, env Env, chat, text string) error {
	base := strings.TrimRight(c.URL, "/")
	if base == "" {
		base = DefaultTelegramAPI
	}
	endpoint := base + "/bot" + c.Token + "/sendMessage"
	body, _ := json.Marshal(map[string]any{
		"chat_id":              chat,
		"text":                 truncate(text, 4096),
		"link_preview_options": map[string]any{"is_disabled": true},
	})
	data, err := env.PostJSON(ctx, endpoint, body, nil)
	var reply struct {
		OK          bool   `json:"ok"`
		Description string `json:"description"`
		Parameters  struct {
			RetryAfter int `json:"retry_after"`
		} `json:"parameters"`
	}
	if jerr := json.Unmarshal(data, &reply); jerr == nil {
		if reply.Parameters.RetryAfter > 0 {
			return retry.After(fmt.Errorf("telegram: %s", reply.Description), time.Duration(reply.Parameters.RetryAfter)*time.Second)
		}
		if err == nil && !reply.OK {
			return retry.Permanent(fmt.Errorf("telegram: %s", reply.Description))
		}
	} else if err == nil {
		return fmt.Errorf("telegram: unreadable reply: %v", jerr)
	}
	return err
}
