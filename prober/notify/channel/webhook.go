package channel

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"time"
)

// SignatureHeader carries "sha256=" and the hex HMAC-SHA256 of the request
// body keyed with the channel's secret (the scheme of GitHub's
// X-Hub-Signature-256, so existing verifiers apply).
const SignatureHeader = "X-Upchain-Signature-256"

// Webhook is the generic, signed JSON webhook.
type Webhook struct {
	URL string `yaml:"url"`
	// Secret keys the HMAC-SHA256 signature.
	Secret string `yaml:"secret"`
}

// Validate needs an http(s) url and a secret.
func (c *Webhook) Validate() []Problem {
	out := checkURL("webhook", c.URL, true)
	if c.Secret == "" {
		out = append(out, need("webhook", "secret", "key of the HMAC-SHA256 signature header; write it as ${NAME}"))
	}
	return out
}

// WebhookPayload is the JSON body of the generic webhook, version 1.
type WebhookPayload struct {
	Version  int             `json:"version"`
	Event    string          `json:"event"`
	Delivery string          `json:"delivery"`
	Time     time.Time       `json:"time"`
	Text     string          `json:"text"`
	Incident WebhookIncident `json:"incident"`
}

// WebhookIncident describes the incident in a webhook payload.
type WebhookIncident struct {
	ID        string     `json:"id"`
	Title     string     `json:"title"`
	Check     string     `json:"check"`
	CheckName string     `json:"check_name"`
	Status    string     `json:"status"`
	Regions   []string   `json:"regions"`
	Started   time.Time  `json:"started"`
	Resolved  *time.Time `json:"resolved,omitempty"`
	DurationS int64      `json:"duration_s"`
	URL       string     `json:"url,omitempty"`
}

// Sign returns the signature header value of body under secret.
func Sign(secret string, body []byte) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write(body)
	return "sha256=" + hex.EncodeToString(m.Sum(nil))
}

// Send POSTs a WebhookPayload, signed, with the event and a delivery id
// in headers.
func (c *Webhook) Send(ctx context.Context, env Env, ev Event, text string) error {
	delivery := fmt.Sprintf("%s/%d", ev.ID, ev.Seq)
	if ev.Kind == Reminder {
		delivery = fmt.Sprintf("%s/reminder/%d", ev.ID, ev.Time.Unix())
	}
	p := WebhookPayload{
		Version: 1, Event: ev.Kind, Delivery: delivery, Time: ev.Time.UTC(), Text: text,
		Incident: WebhookIncident{
			ID: ev.ID, Title: ev.Title, Check: ev.Check, CheckName: ev.CheckName, Status: ev.Status,
			Regions: ev.Regions, Started: ev.Started.UTC(), DurationS: int64(ev.Duration().Seconds()), URL: ev.URL,
		},
	}
	if p.Incident.Regions == nil {
		p.Incident.Regions = []string{}
	}
	if !ev.Resolved.IsZero() {
		r := ev.Resolved.UTC()
		p.Incident.Resolved = &r
	}
	body, err := json.Marshal(p)
	if err != nil {
		return err
	}
	h := http.Header{}
	h.Set(SignatureHeader, Sign(c.Secret, body))
	h.Set("X-Upchain-Event", ev.Kind)
	h.Set("X-Upchain-Delivery", delivery)
	h.Set("X-Upchain-Timestamp", strconv.FormatInt(ev.Time.Unix(), 10))
	_, err = env.PostJSON(ctx, c.URL, body, h)
	return err
}
