package channel

import (
	"context"
	"encoding/json"
	"strings"
)

// Slack is an incoming webhook.
type Slack struct {
	URL string `yaml:"url"`
}

// Validate needs an http(s) url.
func (c *Slack) Validate() []Problem { return checkURL("slack", c.URL, true) }

// slackEscape escapes the three characters Slack gives meaning to, so
// that text from endpoints cannot inject links or <!channel> mentions.
// https://api.slack.com/reference/surfaces/formatting#escaping
var slackEscape = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;")

// Send POSTs {"text": ...} as JSON to the hook URL.
// https://api.slack.com/messaging/webhooks
func (c *Slack) Send(ctx context.Context, env Env, ev Event, text string) error {
	body, _ := json.Marshal(map[string]any{
		"text":         slackEscape.Replace(truncate(text, 3000)),
		"unfurl_links": false,
	})
	_, err := env.PostJSON(ctx, c.URL, body, nil)
	return err
}
