package main

import (
	"flag"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"

	"github.com/upchain-dev/upchain/prober"
	"github.com/upchain-dev/upchain/prober/config"
	"github.com/upchain-dev/upchain/prober/daemon/telegram"
	"github.com/upchain-dev/upchain/prober/notify"
	"github.com/upchain-dev/upchain/prober/pipeline"
)

// Environment of the Telegram bot: secrets stay out of flags (ps shows
// those).
const (
	envTelegramToken    = "UPCHAIN_TELEGRAM_TOKEN"
	envTelegramJoinCode = "UPCHAIN_TELEGRAM_JOIN_CODE"
)

type telegramFlags struct {
	state, allow, api *string
}

func addTelegramFlags(fs *flag.FlagSet) *telegramFlags {
	return &telegramFlags{
		state: fs.String("telegram-state", "", "subscriptions file of the Telegram bot (default .upchain/telegram.json beside the config; never in history)"),
		allow: fs.String("telegram-allow", "", "comma-separated chat ids that may subscribe (default: anyone, or those with $"+envTelegramJoinCode+")"),
		api:   fs.String("telegram-api", "", "Bot API base URL (default "+telegram.DefaultAPI+")"),
	}
}

// serveTelegram is the bot with the config it renders and lists from.
type serveTelegram struct {
	bot *telegram.Bot
	cfg atomic.Pointer[config.Loaded]
}

// newTelegram builds the bot when $UPCHAIN_TELEGRAM_TOKEN is set (nil
// otherwise).
func newTelegram(f *telegramFlags, cfgPath string, getenv func(string) string, logf func(string, ...any)) (*serveTelegram, error) {
	token := strings.TrimSpace(getenv(envTelegramToken))
	if token == "" {
		return nil, nil
	}
	path := *f.state
	if path == "" {
		path = filepath.Join(filepath.Dir(cfgPath), ".upchain", "telegram.json")
	}
	st, err := telegram.OpenStore(path)
	if err != nil {
		return nil, fmt.Errorf("telegram state: %v", err)
	}
	allow := map[int64]bool{}
	for _, s := range strings.Split(*f.allow, ",") {
		if s = strings.TrimSpace(s); s == "" {
			continue
		}
		id, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return nil, fmt.Errorf("--telegram-allow: %q is not a chat id", s)
		}
		allow[id] = true
	}
	b := &telegram.Bot{API: *f.api, Token: token, Store: st, Allow: allow, JoinCode: strings.TrimSpace(getenv(envTelegramJoinCode)), Log: logf}
	return &serveTelegram{bot: b}, nil
}

// follow gives the bot a (re)loaded config's checks.
func (t *serveTelegram) follow(l *config.Loaded) {
	t.cfg.Store(l)
	list := make([]telegram.Check, 0, len(l.Checks))
	for _, c := range l.Checks {
		list = append(list, telegram.Check{Slug: c.Slug, Name: c.Name, Group: c.Group})
	}
	t.bot.SetChecks(list)
}

// Deliver renders an incident update with the notification template and
// queues it for the check's subscribers (incident.Subscribers).
func (t *serveTelegram) Deliver(ev notify.Event) {
	l := t.cfg.Load()
	if l == nil {
		return
	}
	text, err := notify.Render(l, ev)
	if err != nil {
		text = l.Redactor.String(ev.Headline())
	}
	t.bot.Deliver(telegram.Event{Check: ev.Check, Group: ev.Group, Text: text})
}

// statusPipeline tells the bot each run's statuses, for /status.
type statusPipeline struct {
	*pipeline.Pipeline
	tg *serveTelegram
}

func (p statusPipeline) Finish(results []prober.Result) {
	p.Pipeline.Finish(results)
	for _, r := range results {
		p.tg.bot.SetStatus(r.Check, string(r.Status)+" in "+r.Region, r.Reason)
	}
}
