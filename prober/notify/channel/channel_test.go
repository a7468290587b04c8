package channel

import (
	"reflect"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// Every listed kind has a typed config that decodes its own keys and
// validates itself: an empty one names each missing field.
func TestEveryKindValidatesItsOwnFields(t *testing.T) {
	required := map[string][]string{
		"slack": {"url"}, "discord": {"url"}, "teams": {"url"}, "webhook": {"url", "secret"},
		"telegram": {"token", "chat_ids"}, "pagerduty": {"routing_key"}, "email": {"host", "from", "to"},
	}
	if got := strings.Join(Kinds(), ","); got != "slack,discord,telegram,pagerduty,teams,email,webhook" {
		t.Fatalf("Kinds() = %s", got)
	}
	for _, kind := range Kinds() {
		c, ok := New(kind)
		if !ok || c == nil || reflect.TypeOf(c).Kind() != reflect.Pointer {
			t.Fatalf("New(%q) = %v, %v", kind, c, ok)
		}
		var fields []string
		for _, p := range c.Validate() {
			if !strings.Contains(p.Msg, "`"+p.Field+":`") {
				t.Errorf("%s: problem %q does not name its field %q", kind, p.Msg, p.Field)
			}
			fields = append(fields, p.Field)
		}
		if strings.Join(fields, ",") != strings.Join(required[kind], ",") {
			t.Errorf("%s: empty config misses %v, want %v", kind, fields, required[kind])
		}
	}
	if _, ok := New("pagerdutyy"); ok {
		t.Error("New accepted an unknown kind")
	}
}

func TestTypedConfigDecodesAndChecksValues(t *testing.T) {
	c, _ := New("email")
	src := "kind: email\nhost: smtp.example.org\nport: 70000\nfrom: not an address\nto: [a@example.org, bad]\ntls: ssl\n"
	if err := yaml.Unmarshal([]byte(src), c); err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, p := range c.Validate() {
		got = append(got, p.Field+": "+p.Msg)
	}
	all := strings.Join(got, "\n")
	for _, want := range []string{`from: from "not an address"`, `to: to "bad"`, "port: port 70000 out of range", `tls: tls "ssl": use starttls, tls or none`} {
		if !strings.Contains(all, want) {
			t.Errorf("no problem %q in:\n%s", want, all)
		}
	}

	w, _ := New("webhook")
	if err := yaml.Unmarshal([]byte("url: ftp://x\nsecret: s\n"), w); err != nil {
		t.Fatal(err)
	}
	if ps := w.Validate(); len(ps) != 1 || ps[0].Field != "url" || ps[0].Msg != "url is not an http(s) URL" {
		t.Errorf("webhook problems = %+v", ps)
	}
}

// An unexpanded ${NAME} (validate --allow-missing-secrets) is not judged
// as a URL: its value is unknown.
func TestUnexpandedURLIsNotJudged(t *testing.T) {
	if ps := (&Slack{URL: "${SLACK_WEBHOOK_URL}"}).Validate(); len(ps) != 0 {
		t.Errorf("problems = %+v", ps)
	}
}

func TestTelegramFansOutPerChatAndPagerDutyTakesNoReminders(t *testing.T) {
	tg := &Telegram{Token: "t", ChatIDs: []string{"1", "-2"}}
	parts := tg.Parts()
	if len(parts) != 2 || parts[0].Suffix != "1" || parts[1].Suffix != "-2" {
		t.Fatalf("parts = %+v", parts)
	}
	if one := parts[1].Channel.(*Telegram); len(one.ChatIDs) != 1 || one.ChatIDs[0] != "-2" || len(tg.ChatIDs) != 2 {
		t.Errorf("part config = %+v, original %+v", one, tg)
	}
	var pd Channel = &PagerDuty{RoutingKey: "k"}
	f, ok := pd.(EventFilter)
	if !ok || f.Takes(Reminder) || !f.Takes(Opened) || !f.Takes(Resolved) {
		t.Error("pagerduty must take every event but reminders")
	}
	for _, kind := range Kinds() {
		c, _ := New(kind)
		if _, ok := c.(EventFilter); ok != (kind == "pagerduty") {
			t.Errorf("%s: EventFilter = %v", kind, ok)
		}
		if _, ok := c.(Fanout); ok != (kind == "telegram") {
			t.Errorf("%s: Fanout = %v", kind, ok)
		}
	}
}
