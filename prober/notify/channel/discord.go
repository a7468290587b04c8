package channel

import (
	"context"
	"encoding/json"
)

// Discord is an execute-webhook address.
type Discord struct {
	URL string `yaml:"url"`
}

// Validate needs an http(s) url.
func (c *Discord) Validate() []Problem { return checkURL("discord", c.URL, true) }

// Send POSTs {"content": ...} (at most 2000 characters); allowed_mentions
// with an empty parse list keeps text from endpoints from pinging
// @everyone.
// https://discord.com/developers/docs/resources/webhook#execute-webhook
func (c *Discord) Send(ctx context.Context, env Env, ev Event, text string) error {
	body, _ := json.Marshal(map[string]any{
		"content":          truncate(text, 2000),
		"allowed_mentions": map[string]any{"parse": []string{}},
	})
	_, err := env.PostJSON(ctx, c.URL, body, nil)
	return err
}
