package notify

import (
	"context"
	"crypto/hmac"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/upchain-dev/upchain/prober/testlog"

	"github.com/upchain-dev/upchain/prober/config"
	"github.com/upchain-dev/upchain/prober/internal/retry"
	"github.com/upchain-dev/upchain/prober/notify/channel"
)

type noKinds struct{}

func (noKinds) Lookup(string) (config.Kind, bool) { return nil, false }
func (noKinds) Names() []string                   { return nil }

// load writes upchain.yml with yml and loads it with env as the
// environment, the way the CLI does.
func load(t *testing.T, yml string, env map[string]string) *config.Loaded {
	t.Helper()
	dir := t.TempDir()
	if err := os.Mkdir(filepath.Join(dir, "checks"), 0o755); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "upchain.yml")
	if err := os.WriteFile(path, []byte(yml), 0o644); err != nil {
		t.Fatal(err)
	}
	l, err := config.Load(path, noKinds{}, config.Options{Lookup: func(k string) (string, bool) { v, ok := env[k]; return v, ok }})
	if err != nil {
		t.Fatalf("load: %v", err)
	}
	return l
}

func decode(t *testing.T, b []byte) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("body is not a JSON object: %v: %s", err, b)
	}
	return m
}

func str(m map[string]any, path ...string) string {
	var v any = m
	for _, p := range path {
		mm, ok := v.(map[string]any)
		if !ok {
			return ""
		}
		v = mm[p]
	}
	s, _ := v.(string)
	return s
}

const (
	rpcSecret   = "sk-live-0123456789abcdef" // a check's API key, registered like ${RPC_KEY}
	tgToken     = "123456:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"
	pdKey       = "R0UTINGKEY0123456789abcdef012345"
	hookSecret  = "whsec-signing-key-42"
	smtpPass    = "mail-password-77"
	slackSecret = "T000/B000/XXXXslacksecret"
)

type fixture struct {
	slack, discord, teams, telegram, pd, hook *service
	smtp                                      *smtpServer
	n                                         *Notifier
	logs                                      *testlog.Buffer
}

// newFixture starts one fake per channel kind. Each checks the request
// shape its service documents before answering as scripted.
func newFixture(t *testing.T, replies map[string]func(int, http.ResponseWriter)) *fixture {
	f := &fixture{logs: &testlog.Buffer{}}
	// https://api.slack.com/messaging/webhooks: JSON with "text"; errors
	// are 400 "invalid_payload" / "no_text"; success is 200 "ok".
	f.slack = newService(t, func(r request) (int, string) {
		if str(decode(t, r.Body), "text") == "" {
			return 400, "no_text"
		}
		return 0, ""
	}, replies["slack"])
	// https://discord.com/developers/docs/resources/webhook#execute-webhook:
	// content (at most 2000 characters) or embeds; success is 204.
	f.discord = newService(t, func(r request) (int, string) {
		c := str(decode(t, r.Body), "content")
		if c == "" || len([]rune(c)) > 2000 {
			return 400, `{"code": 50006, "message": "Cannot send an empty message"}`
		}
		return 0, ""
	}, orDefault(replies["discord"], func(_ int, w http.ResponseWriter) { w.WriteHeader(204) }))
	// Teams workflow webhook: a "message" with an Adaptive Card attachment;
	// the flow answers 202 Accepted.
	f.teams = newService(t, func(r request) (int, string) {
		m := decode(t, r.Body)
		atts, _ := m["attachments"].([]any)
		if m["type"] != "message" || len(atts) != 1 {
			return 400, "expected a message with one attachment"
		}
		a, _ := atts[0].(map[string]any)
		if str(a, "contentType") != "application/vnd.microsoft.card.adaptive" || str(a, "content", "type") != "AdaptiveCard" {
			return 400, "attachment is not an Adaptive Card"
		}
		return 0, ""
	}, orDefault(replies["teams"], func(_ int, w http.ResponseWriter) { w.WriteHeader(202) }))
	// https://core.telegram.org/bots/api#sendmessage: POST
	// /bot<token>/sendMessage with chat_id and text; replies {"ok": ...}.
	f.telegram = newService(t, func(r request) (int, string) {
		if r.Path != "/bot"+tgToken+"/sendMessage" {
			return 404, `{"ok":false,"error_code":404,"description":"Not Found"}`
		}
		m := decode(t, r.Body)
		if str(m, "chat_id") == "" || str(m, "text") == "" {
			return 400, `{"ok":false,"error_code":400,"description":"Bad Request: message text is empty"}`
		}
		return 0, ""
	}, orDefault(replies["telegram"], func(_ int, w http.ResponseWriter) { io.WriteString(w, `{"ok":true,"result":{"message_id":1}}`) }))
	// https://developer.pagerduty.com/docs/events-api-v2/trigger-events/:
	// routing_key, event_action, dedup_key; a trigger needs payload
	// summary, source and severity; success is 202.
	f.pd = newService(t, func(r request) (int, string) {
		m := decode(t, r.Body)
		bad := `{"status":"invalid event","message":"Event object is invalid"}`
		if str(m, "routing_key") != pdKey || str(m, "dedup_key") == "" || len(str(m, "dedup_key")) > 255 {
			return 400, bad
		}
		switch str(m, "event_action") {
		case "trigger":
			sev := str(m, "payload", "severity")
			if str(m, "payload", "summary") == "" || str(m, "payload", "source") == "" || !strings.Contains("critical error warning info", sev) || sev == "" {
				return 400, bad
			}
		case "resolve", "acknowledge":
		default:
			return 400, bad
		}
		return 0, ""
	}, orDefault(replies["pagerduty"], func(_ int, w http.ResponseWriter) {
		w.WriteHeader(202)
		io.WriteString(w, `{"status":"success","message":"Event processed"}`)
	}))
	// The generic webhook: a receiver that verifies the signature.
	f.hook = newService(t, func(r request) (int, string) {
		if !hmac.Equal([]byte(r.Header.Get(channel.SignatureHeader)), []byte(channel.Sign(hookSecret, r.Body))) {
			return 401, "bad signature"
		}
		return 0, ""
	}, replies["webhook"])
	f.smtp = newSMTPServer(t)
	host, port := f.smtp.addr()

	yml := fmt.Sprintf(`site: {title: Test Status}
notifications:
  timeout: 2s
  channels:
    - kind: slack
      url: ${SLACK_URL}
    - kind: discord
      url: %s/api/webhooks/1/tok
    - kind: teams
      url: %s/workflows/1
    - kind: telegram
      url: %s
      token: ${TG_TOKEN}
      chat_ids: ["-1001234", "42"]
    - kind: pagerduty
      url: %s/v2/enqueue
      routing_key: ${PD_KEY}
    - kind: webhook
      name: audit
      url: %s/hook
      secret: ${HOOK_SECRET}
    - kind: email
      host: %s
      port: %d
      username: upchain
      password: ${SMTP_PASSWORD}
      from: Status <status@example.org>
      to: [oncall@example.org, "Ops <ops@example.org>"]
`, f.discord.srv.URL, f.teams.srv.URL, f.telegram.srv.URL, f.pd.srv.URL, f.hook.srv.URL, host, port)
	l := load(t, yml, map[string]string{
		"SLACK_URL": f.slack.srv.URL + "/services/" + slackSecret, "TG_TOKEN": tgToken, "PD_KEY": pdKey,
		"HOOK_SECRET": hookSecret, "SMTP_PASSWORD": smtpPass,
	})
	l.Redactor.Add(rpcSecret, "${RPC_KEY}")
	n, err := New(l, Options{Retry: retry.Policy{Attempts: 3, Base: time.Millisecond, Max: 5 * time.Millisecond}, Log: f.logs.Logf})
	if err != nil {
		t.Fatal(err)
	}
	f.n = n
	return f
}

func orDefault(f, def func(int, http.ResponseWriter)) func(int, http.ResponseWriter) {
	if f != nil {
		return f
	}
	return def
}

func event(kind string) Event {
	start := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	ev := Event{
		Kind: kind, ID: "20250301-1200-eth-rpc", Seq: 1, Title: "Ethereum RPC is down in eu-west",
		Check: "eth-rpc", CheckName: "Ethereum RPC", Group: "Ethereum", Status: "down", Regions: []string{"eu-west"},
		Text:    "eu-west: Post \"https://mainnet.example/v3/" + rpcSecret + "\": connection refused",
		Started: start, Time: start.Add(10 * time.Minute),
		URL:   "https://github.com/example/status/issues/7",
		Links: []Link{{Name: "Grafana", URL: "https://grafana.example/d/x?key=" + rpcSecret}},
	}
	if kind == Resolved {
		ev.Seq, ev.Status, ev.Resolved, ev.Text = 2, "up", start.Add(65*time.Minute), "All regions passed 2 rounds in a row."
	}
	return ev
}

func TestEveryChannelGetsItsDocumentedShape(t *testing.T) {
	f := newFixture(t, nil)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	wantTargets := "slack discord teams telegram/-1001234 telegram/42 pagerduty audit email"
	if got := strings.Join(f.n.Targets(), " "); got != wantTargets {
		t.Fatalf("targets = %s, want %s", got, wantTargets)
	}
	if errs := f.n.SendAll(ctx, event(Opened)); len(errs) > 0 {
		t.Fatalf("send: %v\nlog:\n%s", errs, f.logs)
	}
	if errs := f.n.SendAll(ctx, event(Resolved)); len(errs) > 0 {
		t.Fatalf("send resolved: %v", errs)
	}

	one := func(s *service, name string) []request {
		got := s.requests()
		if len(got) != 2 {
			t.Fatalf("%s got %d requests, want 2 (opened, resolved)", name, len(got))
		}
		return got
	}
	if m := decode(t, one(f.slack, "slack")[0].Body); !strings.Contains(str(m, "text"), "🔴 Down: Ethereum RPC is down in eu-west") {
		t.Errorf("slack text = %q", str(m, "text"))
	}
	if m := decode(t, one(f.slack, "slack")[0].Body); !strings.Contains(str(m, "text"), "Post &quot;https://mainnet.example/v3/${RPC_KEY}&quot;") && !strings.Contains(str(m, "text"), `Post "https://mainnet.example/v3/${RPC_KEY}"`) {
		t.Errorf("slack text = %q", str(m, "text"))
	}
	if m := decode(t, one(f.discord, "discord")[0].Body); fmt.Sprint(m["allowed_mentions"]) != "map[parse:[]]" {
		t.Errorf("discord allowed_mentions = %v", m["allowed_mentions"])
	}
	if m := decode(t, one(f.teams, "teams")[1].Body); !strings.Contains(string(mustJSON(m)), "Resolved after 1 h 5 min") {
		t.Errorf("teams card lacks the resolution: %s", mustJSON(m))
	}
	tg := f.telegram.requests()
	if len(tg) != 4 {
		t.Fatalf("telegram got %d requests, want 2 chats × 2 events", len(tg))
	}
	chats := map[string]int{}
	for _, r := range tg {
		chats[str(decode(t, r.Body), "chat_id")]++
	}
	if chats["-1001234"] != 2 || chats["42"] != 2 {
		t.Errorf("telegram chats = %v", chats)
	}
	pd := one(f.pd, "pagerduty")
	trig, res := decode(t, pd[0].Body), decode(t, pd[1].Body)
	if str(trig, "event_action") != "trigger" || str(res, "event_action") != "resolve" {
		t.Errorf("pagerduty actions = %s, %s", str(trig, "event_action"), str(res, "event_action"))
	}
	if str(trig, "dedup_key") != "upchain/20250301-1200-eth-rpc" || str(res, "dedup_key") != str(trig, "dedup_key") {
		t.Errorf("dedup keys %q, %q: want the same stable key", str(trig, "dedup_key"), str(res, "dedup_key"))
	}
	if str(trig, "payload", "severity") != "critical" || str(trig, "payload", "component") != "eth-rpc" {
		t.Errorf("pagerduty payload = %v", trig["payload"])
	}
	hooks := one(f.hook, "webhook")
	var p channel.WebhookPayload
	if err := json.Unmarshal(hooks[1].Body, &p); err != nil {
		t.Fatal(err)
	}
	if p.Event != "resolved" || p.Incident.DurationS != 3900 || p.Delivery != "20250301-1200-eth-rpc/2" || hooks[1].Header.Get("X-Upchain-Delivery") != p.Delivery {
		t.Errorf("webhook payload = %+v", p)
	}
	mails := f.smtp.received()
	if len(mails) != 2 {
		t.Fatalf("smtp got %d mails, want 2", len(mails))
	}
	m := mails[0]
	if m.From != "status@example.org" || strings.Join(m.To, ",") != "oncall@example.org,ops@example.org" {
		t.Errorf("envelope = %s -> %v", m.From, m.To)
	}
	for _, want := range []string{"Subject: =?utf-8?q?", "Content-Type: text/plain; charset=utf-8", "Auto-Submitted: auto-generated", "Message-ID: <20250301-1200-eth-rpc.1."} {
		if !strings.Contains(m.Data, want) {
			t.Errorf("mail lacks %q:\n%s", want, m.Data)
		}
	}
	if auths := f.smtp.auths; len(auths) != 2 || auths[0] != "\x00upchain\x00"+smtpPass {
		t.Errorf("smtp auth = %q", auths)
	}

	// No secret of a check appears anywhere sent; channel credentials
	// appear only where their protocol puts them (Telegram's token in the
	// path, PagerDuty's key in routing_key, the SMTP password in AUTH).
	var sent []string
	for _, s := range []*service{f.slack, f.discord, f.teams, f.telegram, f.pd, f.hook} {
		for _, r := range s.requests() {
			sent = append(sent, fmt.Sprint(r.Header), string(r.Body))
			if strings.Contains(r.Path, rpcSecret) {
				t.Errorf("check secret in path %s", r.Path)
			}
		}
	}
	for _, m := range mails {
		sent = append(sent, m.Data)
	}
	all := strings.Join(sent, "\n")
	// The Slack URL is itself a secret (${SLACK_URL}): it is the address,
	// never part of a message.
	for _, secret := range []string{rpcSecret, hookSecret, smtpPass, slackSecret, tgToken} {
		if strings.Contains(all, secret) {
			t.Errorf("secret %q was sent in a message or header", secret)
		}
	}
	if !strings.Contains(all, "${RPC_KEY}") {
		t.Error("redaction placeholder missing: was the planted secret sent at all?")
	}
	for _, r := range f.telegram.requests() {
		if strings.Contains(string(r.Body), tgToken) {
			t.Error("telegram token in a message body")
		}
	}
	for _, r := range f.pd.requests() {
		if strings.Count(string(r.Body), pdKey) != 1 {
			t.Error("pagerduty routing key outside routing_key")
		}
	}
}

func mustJSON(v any) []byte {
	b, _ := json.Marshal(v)
	return b
}

func TestRetriesHonourRetryAfterAndFailuresStayIsolated(t *testing.T) {
	hang := make(chan struct{})
	f := newFixture(t, map[string]func(int, http.ResponseWriter){
		// Rate limited once, with Retry-After of 1 s.
		"slack": func(n int, w http.ResponseWriter) {
			if n == 1 {
				w.Header().Set("Retry-After", "1")
				w.WriteHeader(429)
				io.WriteString(w, "rate_limited")
				return
			}
			io.WriteString(w, "ok")
		},
		// Always failing.
		"discord": func(_ int, w http.ResponseWriter) { w.WriteHeader(502) },
		// Telegram's own flood control: retry_after in the JSON reply.
		"telegram": func(n int, w http.ResponseWriter) {
			if n <= 2 { // one per chat
				w.WriteHeader(429)
				io.WriteString(w, `{"ok":false,"error_code":429,"description":"Too Many Requests: retry after 1","parameters":{"retry_after":1}}`)
				return
			}
			io.WriteString(w, `{"ok":true,"result":{}}`)
		},
		// Asks for a wait that cannot fit the deadline.
		"pagerduty": func(_ int, w http.ResponseWriter) {
			w.Header().Set("Retry-After", "3600")
			w.WriteHeader(503)
		},
		// Never answers: the request timeout (2s) ends it.
		"teams": func(_ int, w http.ResponseWriter) { <-hang },
		// A client error: not retried.
		"webhook": func(_ int, w http.ResponseWriter) { w.WriteHeader(410) },
	})
	f.n.timeout = 300 * time.Millisecond // for the hanging Teams flow
	// Registered after the servers' cleanups, so it runs before them and
	// releases the hanging handler.
	t.Cleanup(func() { close(hang) })
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	errs := f.n.SendAll(ctx, event(Opened))

	for _, ok := range []string{"slack", "telegram/-1001234", "telegram/42", "email"} {
		if errs[ok] != nil {
			t.Errorf("%s failed: %v", ok, errs[ok])
		}
	}
	for _, bad := range []string{"discord", "pagerduty", "teams", "audit"} {
		if errs[bad] == nil {
			t.Errorf("%s: no error", bad)
		}
	}
	if n := len(f.slack.requests()); n != 2 {
		t.Errorf("slack requests = %d, want 2 (429, then ok)", n)
	}
	if n := len(f.discord.requests()); n != 3 {
		t.Errorf("discord requests = %d, want 3 attempts", n)
	}
	if n := len(f.hook.requests()); n != 1 {
		t.Errorf("webhook requests = %d: a 410 must not be retried", n)
	}
	if n := len(f.pd.requests()); n != 1 {
		t.Errorf("pagerduty requests = %d: a wait past the deadline must not be taken", n)
	}
	if !strings.Contains(errs["pagerduty"].Error(), "left for the next round") {
		t.Errorf("pagerduty error = %v", errs["pagerduty"])
	}
	logs := f.logs.String()
	for _, want := range []string{"notify slack: attempt 1 failed: HTTP 429 Too Many Requests: rate_limited; retrying in 1s", "notify telegram/42: attempt 1 failed: telegram: Too Many Requests: retry after 1; retrying in 1s"} {
		if !strings.Contains(logs, want) {
			t.Errorf("log lacks %q:\n%s", want, logs)
		}
	}
	if len(f.smtp.received()) != 1 {
		t.Error("email not delivered while other channels failed")
	}
}

func TestSMTPTemporaryFailureRetried(t *testing.T) {
	f := newFixture(t, nil)
	f.smtp.failData = 1
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := f.n.Send(ctx, "email", event(Opened)); err != nil {
		t.Fatal(err)
	}
	if n := len(f.smtp.received()); n != 1 {
		t.Fatalf("mails = %d, want 1 after a 451", n)
	}
}

func TestFiltersAndTemplates(t *testing.T) {
	s := newService(t, nil, nil)
	l := load(t, fmt.Sprintf(`notifications:
  template: "{{.Kind}}|{{.Title}}|{{join .Regions \",\"}}"
  channels:
    - kind: slack
      name: resolved-only
      url: %[1]s/a
      events: [resolved]
    - kind: slack
      name: custom
      url: %[1]s/b
      template: "{{upper .Status}} {{.CheckName}} since {{utc .Started}}"
`, s.srv.URL), nil)
	n, err := New(l, Options{})
	if err != nil {
		t.Fatal(err)
	}
	ev := event(Opened)
	ev.Text = "line with \"quotes\" & <tags>"
	if n.Wants("resolved-only", ev) || !n.Wants("custom", ev) {
		t.Fatal("events filter not applied")
	}
	if errs := n.SendAll(context.Background(), ev); len(errs) > 0 {
		t.Fatal(errs)
	}
	got := s.requests()
	if len(got) != 1 || str(decode(t, got[0].Body), "text") != "DOWN Ethereum RPC since 2025-03-01 12:00 UTC" {
		t.Fatalf("got %d requests: %s", len(got), got[0].Body)
	}
}

func TestTemplateErrorNamesItsLine(t *testing.T) {
	l := load(t, `notifications:
  channels:
    - kind: slack
      url: https://hooks.example/x
    - kind: slack
      name: broken
      url: https://hooks.example/y
      template: "{{.Nope}}"
`, nil)
	_, err := New(l, Options{})
	var errs config.Errors
	if !errors.As(err, &errs) || len(errs) != 1 || errs[0].Line != 5 || !strings.Contains(errs[0].Msg, "Nope") {
		t.Fatalf("err = %v", err)
	}
}

func TestMailHeaderInjection(t *testing.T) {
	f := newFixture(t, nil)
	ev := event(Opened)
	ev.Title = "evil\r\nBcc: attacker@example.com"
	if err := f.n.Send(context.Background(), "email", ev); err != nil {
		t.Fatal(err)
	}
	data := f.smtp.received()[0].Data
	head, _, _ := strings.Cut(data, "\r\n\r\n")
	if strings.Contains(strings.ToLower(head), "\r\nbcc:") {
		t.Fatalf("header injected:\n%s", head)
	}
}

// Templates are checked by config and run by notify with the same
// functions (channel.Funcs): a template that uses each of them loads and
// renders.
func TestTemplateFuncsAcceptedByConfigAndNotify(t *testing.T) {
	var uses []string
	for name := range channel.Funcs() {
		switch name {
		case "join":
			uses = append(uses, `{{join .Regions ","}}`)
		case "duration":
			uses = append(uses, `{{duration .Duration}}`)
		case "utc":
			uses = append(uses, `{{utc .Time}}`)
		default:
			uses = append(uses, "{{"+name+" .Title}}")
		}
	}
	l := load(t, fmt.Sprintf("notifications:\n  channels:\n    - kind: slack\n      url: https://hooks.example/x\n      template: %q\n", strings.Join(uses, " ")), nil)
	if _, err := New(l, Options{}); err != nil {
		t.Fatal(err)
	}
}

func TestHumanDuration(t *testing.T) {
	for d, want := range map[time.Duration]string{
		42 * time.Second: "42 s", 5 * time.Minute: "5 min", 65 * time.Minute: "1 h 5 min",
		3 * time.Hour: "3 h", 50 * time.Hour: "2 d 2 h", 72 * time.Hour: "3 d",
	} {
		if got := HumanDuration(d); got != want {
			t.Errorf("HumanDuration(%s) = %q, want %q", d, got, want)
		}
	}
}

func TestSlackTextIsEscaped(t *testing.T) {
	s := newService(t, nil, nil)
	l := load(t, fmt.Sprintf("notifications:\n  channels:\n    - kind: slack\n      url: %s/x\n", s.srv.URL), nil)
	n, err := New(l, Options{})
	if err != nil {
		t.Fatal(err)
	}
	ev := event(Opened)
	ev.Text = "<!channel> & <https://evil.example|click>"
	if err := n.Send(context.Background(), "slack", ev); err != nil {
		t.Fatal(err)
	}
	text := str(decode(t, s.requests()[0].Body), "text")
	if strings.Contains(text, "<!channel>") || !strings.Contains(text, "&lt;!channel&gt; &amp; &lt;https://evil.example|click&gt;") {
		t.Fatalf("text = %q", text)
	}
}
