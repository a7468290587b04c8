package notify

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/upchain-dev/upchain/prober/config"
	"github.com/upchain-dev/upchain/prober/internal/retry"
)

// slackEscape escapes the three characters Slack gives meaning to, so
// that text from endpoints cannot inject links or <!channel> mentions.
// https://api.slack.com/reference/surfaces/formatting#escaping
var slackEscape = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;")

// Slack incoming webhook: POST {"text": ...} as JSON to the hook URL.
// https://api.slack.com/messaging/webhooks
func (n *Notifier) slack(ch config.Channel) func(context.Context, Event, string) error {
	return func(ctx context.Context, ev Event, text string) error {
		body, _ := json.Marshal(map[string]any{
			"text":         slackEscape.Replace(truncate(text, 3000)),
			"unfurl_links": false,
		})
		_, err := n.postJSON(ctx, ch.URL, body, nil)
		return err
	}
}

// Discord execute-webhook: POST {"content": ...} (at most 2000
// characters); allowed_mentions with an empty parse list keeps text from
// endpoints from pinging @everyone.
// https://discord.com/developers/docs/resources/webhook#execute-webhook
func (n *Notifier) discord(ch config.Channel) func(context.Context, Event, string) error {
	return func(ctx context.Context, ev Event, text string) error {
		body, _ := json.Marshal(map[string]any{
			"content":          truncate(text, 2000),
			"allowed_mentions": map[string]any{"parse": []string{}},
		})
		_, err := n.postJSON(ctx, ch.URL, body, nil)
		return err
	}
}

// Microsoft Teams workflow ("When a Teams webhook request is received",
// Power Automate): a message whose attachment is an Adaptive Card.
// https://learn.microsoft.com/en-us/microsoftteams/platform/webhooks-and-connectors/how-to/add-incoming-webhook
// https://adaptivecards.io/explorer/AdaptiveCard.html
func (n *Notifier) teams(ch config.Channel) func(context.Context, Event, string) error {
	return func(ctx context.Context, ev Event, text string) error {
		headline, rest, _ := strings.Cut(text, "\n")
		blocks := []map[string]any{
			{"type": "TextBlock", "text": headline, "weight": "Bolder", "size": "Medium", "wrap": true},
		}
		if rest = strings.TrimSpace(rest); rest != "" {
			blocks = append(blocks, map[string]any{"type": "TextBlock", "text": rest, "wrap": true})
		}
		card := map[string]any{
			"$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
			"type":    "AdaptiveCard",
			"version": "1.4",
			"body":    blocks,
		}
		if ev.URL != "" {
			card["actions"] = []map[string]any{{"type": "Action.OpenUrl", "title": "Open incident", "url": ev.URL}}
		}
		body, _ := json.Marshal(map[string]any{
			"type": "message",
			"attachments": []map[string]any{{
				"contentType": "application/vnd.microsoft.card.adaptive",
				"contentUrl":  nil,
				"content":     card,
			}},
		})
		_, err := n.postJSON(ctx, ch.URL, body, nil)
		return err
	}
}

// DefaultTelegramAPI is the Bot API's base address.
const DefaultTelegramAPI = "https://api.telegram.org"

// Telegram Bot API sendMessage: POST {base}/bot<token>/sendMessage with
// chat_id and text (at most 4096 characters); the reply is {"ok": ...},
// and a 429 carries parameters.retry_after in seconds.
// https://core.telegram.org/bots/api#sendmessage
func (n *Notifier) telegram(ch config.Channel, chat string) func(context.Context, Event, string) error {
	base := strings.TrimRight(ch.URL, "/")
	if base == "" {
		base = DefaultTelegramAPI
	}
	endpoint := base + "/bot" + ch.Token + "/sendMessage"
	return func(ctx context.Context, ev Event, text string) error {
		body, _ := json.Marshal(map[string]any{
			"chat_id":              chat,
			"text":                 truncate(text, 4096),
			"link_preview_options": map[string]any{"is_disabled": true},
		})
		data, err := n.postJSON(ctx, endpoint, body, nil)
		var reply struct {
			OK          bool   `json:"ok"`
			Description string `json:"description"`
			Parameters  struct {
				RetryAfter int `json:"retry_after"`
			} `json:"parameters"`
		}
		if jerr := json.Unmarshal(data, &reply); jerr == nil {
			if reply.Parameters.RetryAfter > 0 {
				return retry.After(fmt.Errorf("telegram: %s", reply.Description), secondsDuration(reply.Parameters.RetryAfter))
			}
			if err == nil && !reply.OK {
				return retry.Permanent(fmt.Errorf("telegram: %s", reply.Description))
			}
		} else if err == nil {
			return fmt.Errorf("telegram: unreadable reply: %v", jerr)
		}
		return err
	}
}
