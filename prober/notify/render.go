package notify

import (
	"bytes"
	"strings"
	"text/template"

	"github.com/upchain-dev/upchain/prober/config"
	"github.com/upchain-dev/upchain/prober/notify/channel"
)

// Render writes ev for a person who subscribed (the Telegram bot): with
// notifications.template, else DefaultTemplate, and redacted like any
// channel's message.
func Render(l *config.Loaded, ev Event) (string, error) {
	src := DefaultTemplate
	if l.Notifications.Template != "" {
		src = l.Notifications.Template
	}
	tmpl, err := template.New("subscribers").Funcs(channel.Funcs()).Option("missingkey=error").Parse(src)
	if err != nil {
		return "", err
	}
	n := &Notifier{red: l.Redactor}
	ev = n.redactEvent(ev)
	if ev.Site == "" {
		ev.Site = l.Site.Title
	}
	var buf bytes.Buffer
	if err := tmpl.Execute(&buf, ev); err != nil {
		return "", err
	}
	return l.Redactor.String(strings.TrimSpace(buf.String())), nil
}
