package channel

import (
	"context"
	"encoding/json"
	"strings"
)

// Teams is a Microsoft Teams workflow ("When a Teams webhook request is
// received", Power Automate).
type Teams struct {
	URL string `yaml:"url"`
}

// Validate needs an http(s) url.
func (c *Teams) Validate() []Problem { return checkURL("teams", c.URL, true) }

// Send POSTs a message whose attachment is an Adaptive Card.
// https://learn.microsoft.com/en-us/microsoftteams/platform/webhooks-and-connectors/how-to/add-incoming-webhook
// https://adaptivecards.io/explorer/AdaptiveCard.html
func (c *Teams) Send(ctx context.Context, env Env, ev Event, text string) error {
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
	_, err := env.PostJSON(ctx, c.URL, body, nil)
	return err
}
