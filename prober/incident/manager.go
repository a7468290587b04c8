package incident

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/google/go-github/v60/github"
	"github.com/upchain-dev/upchain/prober"
	"github.com/upchain-dev/upchain/prober/config"
	"github.com/upchain-dev/upchain/prober/history"
	"github.com/upchain-dev/upchain/prober/internal/frontmatter"
	"github.com/upchain-dev/upchain/prober/internal/httplimit"
	"github.com/upchain-dev/upchain/prober/internal/retry"
	"github.com/upchain-dev/upchain/prober/maintenance"
	"github.com/upchain-dev/upchain/prober/notify"
	"github.com/upchain-dev/upchain/prober/redact"
)

// Options tune a Manager; the zero value is what production uses.
type Options struct {
	// Env looks up GITHUB_TOKEN, GITHUB_REPOSITORY, GITHUB_API_URL and
	// GITHUB_SERVER_URL; default os.LookupEnv.
	Env func(string) (string, bool)
	// HTTPClient for the GitHub API; default 30s per request, 8 MiB per
	// response.
	HTTPClient *http.Client
	// Notifier for the channels; default notify.New on the same config.
	Notifier *notify.Notifier
	// Retry policy for GitHub calls; default 4 attempts from 1s.
	Retry retry.Policy
	// Log receives one line per problem (redacted); default discards.
	Log func(format string, args ...any)
	// NotifyExpiry drops notifications still undelivered after this long
	// (an alert two days late helps nobody), default 24h. Issue updates
	// never expire.
	NotifyExpiry time.Duration
	// ChainValues name the values that identify a chain, for chain-wide
	// incidents; default those of prober.Builtin().
	ChainValues []string
	// Subscribers are told of each update (personal subscriptions); nil: none.
	Subscribers Subscribers
}

// DefaultTimeout bounds Apply when its context has no deadline.
const DefaultTimeout = 2 * time.Minute

// Manager runs the incident lifecycle. It is safe to call Apply again for
// the same round (a history commit retried on another runner's tip): what
// it already delivered in this process is not delivered twice.
type Manager struct {
	// staleAfter: a location silent this long gets an incident.
	staleAfter time.Duration
	// chainValues name the values that identify a chain (chain_id, ...).
	chainValues []string
	cfg         config.Incidents
	maint       []config.Maintenance
	checks      map[string]*config.Check
	checkList   []*config.Check
	red         *redact.Redactor
	notifier    *notify.Notifier
	gh          *ghClient
	repo        string
	serverURL   string
	branch      string
	site        string
	siteURL     string // the status page's base URL, "" if not configured
	log         func(format string, args ...any)
	expiry      time.Duration
	subs        Subscribers

	applyMu sync.Mutex // one Apply at a time
	mu      sync.Mutex
	sent    map[string]bool // deliveries made by this process: "<id>#<seq>@<target>"
}

// New builds a Manager for l. GitHub issues are used when incidents.github
// is not false and a token (incidents.token or GITHUB_TOKEN) and a
// repository (incidents.repository or GITHUB_REPOSITORY) are known;
// otherwise incidents are only recorded as files.
func New(l *config.Loaded, opts Options) (*Manager, error) {
	env := opts.Env
	if env == nil {
		env = os.LookupEnv
	}
	getenv := func(k string) string { v, _ := env(k); return strings.TrimSpace(v) }
	m := &Manager{
		cfg:         l.Incidents,
		maint:       l.Maintenance,
		checks:      map[string]*config.Check{},
		checkList:   l.Checks,
		red:         l.Redactor,
		site:        l.Site.Title,
		siteURL:     l.Site.BaseURL,
		log:         opts.Log,
		expiry:      opts.NotifyExpiry,
		subs:        opts.Subscribers,
		sent:        map[string]bool{},
		branch:      l.History.Branch,
		serverURL:   strings.TrimRight(getenv("GITHUB_SERVER_URL"), "/"),
		staleAfter:  staleAfter(l),
		chainValues: opts.ChainValues,
	}
	if m.red == nil {
		m.red = redact.New()
	}
	if m.chainValues == nil {
		m.chainValues = prober.Builtin().Values().ChainValues()
	}
	if m.log == nil {
		m.log = func(string, ...any) {}
	}
	if m.expiry <= 0 {
		m.expiry = 24 * time.Hour
	}
	if m.branch == "" {
		m.branch = "upchain-history"
	}
	if m.serverURL == "" {
		m.serverURL = "https://github.com"
	}
	// Sections are defaulted by config.Load; a hand-built config may not be.
	if m.cfg.FailureThreshold <= 0 {
		m.cfg.FailureThreshold = config.DefaultFailureThreshold
	}
	if m.cfg.SuccessThreshold <= 0 {
		m.cfg.SuccessThreshold = config.DefaultSuccessThreshold
	}
	if m.cfg.Label == "" {
		m.cfg.Label = config.DefaultIncidentLabel
	}
	if m.cfg.MaintenanceLabel == "" {
		m.cfg.MaintenanceLabel = config.DefaultMaintenanceLabel
	}
	for _, c := range l.Checks {
		m.checks[c.Slug] = c
	}
	m.notifier = opts.Notifier
	if m.notifier == nil {
		n, err := notify.New(l, notify.Options{Log: m.log})
		if err != nil {
			return nil, err
		}
		m.notifier = n
	}

	m.repo = m.cfg.Repository
	if m.repo == "" {
		m.repo = getenv("GITHUB_REPOSITORY")
	}
	token := m.cfg.Token
	if token == "" {
		token = getenv("GITHUB_TOKEN")
	}
	m.red.Add(token, "${GITHUB_TOKEN}")
	if (m.cfg.GitHub == nil || *m.cfg.GitHub) && token != "" && m.repo != "" {
		owner, name, ok := strings.Cut(m.repo, "/")
		if !ok || owner == "" || name == "" || strings.Contains(name, "/") {
			return nil, fmt.Errorf("incident repository %q: write owner/name", m.repo)
		}
		api := m.cfg.APIURL
		if api == "" {
			api = getenv("GITHUB_API_URL")
		}
		hc := opts.HTTPClient
		if hc == nil {
			hc = httplimit.Client(30*time.Second, 8<<20)
		}
		c := github.NewClient(hc).WithAuthToken(token)
		if api != "" {
			u, err := parseBaseURL(api)
			if err != nil {
				return nil, fmt.Errorf("GitHub API URL %q: %v", m.red.String(api), err)
			}
			c.BaseURL = u
		}
		policy := opts.Retry
		if policy.Attempts == 0 && policy.Base == 0 {
			policy = retry.Policy{Attempts: 4, Base: time.Second, Max: 30 * time.Second}
		}
		m.gh = &ghClient{c: c, owner: owner, repo: name, policy: policy, red: m.red, log: m.log}
	}
	return m, nil
}

// GitHub reports whether incidents are kept as GitHub issues too.
func (m *Manager) GitHub() bool { return m.gh != nil }

// Apply runs the incident stage for one round inside the history worktree
// dir: it mirrors GitHub issues (incidents opened by people, maintenance
// announcements, state changed on GitHub) into dir, opens, changes and
// resolves incidents from st, records them in dir/incidents, writes them
// to GitHub and tells the notification channels. st is the current state
// being committed; region states get their Incident field set. If st has
// not seen results yet, Apply folds them in first, so calling it before
// or after State.Apply is equally right. now is the round's time. Calls
// are serialised: the history hook runs one commit attempt at a time.
//
// It returns a one-line summary for the commit message ("" when nothing
// happened). Failed deliveries are not errors: they stay pending in the
// incident files and are retried next round. The error reports what could
// not be read or written locally; everything else has still been done.
func (m *Manager) Apply(ctx context.Context, dir string, st *history.State, results []prober.Result, now time.Time) (string, error) {
	if st == nil {
		return "", errors.New("incident: no state")
	}
	m.applyMu.Lock()
	defer m.applyMu.Unlock()
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, DefaultTimeout)
		defer cancel()
	}
	now = now.UTC()
	foldIn(st, results)
	list, loadErr := loadAll(dir)
	var errs []error
	if loadErr != nil {
		errs = append(errs, loadErr)
	}
	s := newSet(list)
	var notes []string

	cur := readCursor(dir)
	if m.gh != nil {
		if err := m.sync(ctx, dir, s, &cur); err != nil {
			m.log("github sync: %s", m.red.Error(err))
			notes = append(notes, "GitHub sync incomplete")
		}
	}
	if err := syncUpgrades(dir, results, now); err != nil {
		errs = append(errs, err)
	}
	windows, werr := maintenance.Windows(m.maint, dir, now)
	if werr != nil {
		errs = append(errs, werr)
	}
	in := round{now: now, st: st, results: groupResults(results), windows: windows}
	notes = append(notes, m.lifecycle(in, s)...)
	notes = append(notes, m.staleLocations(in, s)...)
	if m.gh != nil {
		m.deliverIssues(ctx, s)
		m.recordOrphans(ctx, s)
		// Incidents renamed when adopting another runner's issue.
		for _, regions := range st.Checks {
			for _, rs := range regions {
				if id, ok := s.renamed[rs.Incident]; ok {
					rs.Incident = id
				}
			}
		}
	}
	m.deliverNotifications(ctx, s, in)
	m.notifySubscribers(s, in)

	pending := 0
	for _, inc := range s.byID {
		pending += inc.PendingCount()
		if err := Save(dir, inc); err != nil {
			errs = append(errs, err)
		}
	}
	for id := range s.removed {
		if err := os.Remove(Path(dir, id)); err != nil && !errors.Is(err, os.ErrNotExist) {
			errs = append(errs, err)
		}
	}
	if m.gh != nil {
		if err := writeCursor(dir, cur); err != nil {
			errs = append(errs, err)
		}
	}
	m.forgetOld(s)
	if pending > 0 {
		notes = append(notes, fmt.Sprintf("%d deliveries pending", pending))
	}
	summary := ""
	if len(notes) > 0 {
		summary = "incidents: " + strings.Join(notes, "; ")
	}
	return m.red.String(summary), errors.Join(errs...)
}

// forgetOld bounds the memory of deliveries in a long-running daemon: it
// only matters for a round re-applied right away, so only incidents still
// open or resolved in the last day are remembered.
func (m *Manager) forgetOld(s *set) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if len(m.sent) < 10000 {
		return
	}
	keep := map[string]bool{}
	for _, inc := range s.byID {
		if inc.IsOpen() || time.Since(inc.Resolved) < 24*time.Hour {
			keep[inc.ID] = true
		}
	}
	for k := range m.sent {
		if id, _, _ := strings.Cut(k, "#"); !keep[id] {
			delete(m.sent, k)
		}
	}
}

// foldIn applies results to st unless st already holds them.
func foldIn(st *history.State, results []prober.Result) {
	var newest time.Time
	for _, r := range results {
		if r.Time.After(newest) {
			newest = r.Time
		}
	}
	if len(results) > 0 && newest.After(st.Updated) {
		st.Apply(results)
	}
}

// cursor remembers up to when GitHub issues were mirrored.
type cursor struct {
	Issues      time.Time `yaml:"issues,omitempty"`
	Maintenance time.Time `yaml:"maintenance,omitempty"`
}

func cursorPath(dir string) string { return filepath.Join(dir, Dir, ".github-sync.md") }

func readCursor(dir string) cursor {
	var c cursor
	_, _ = frontmatter.Read(cursorPath(dir), &c)
	return c
}

func writeCursor(dir string, c cursor) error {
	return frontmatter.WriteFile(cursorPath(dir), c, "Up to when GitHub issues were mirrored into this directory (kept by upchain).")
}

var mdUnescape = regexp.MustCompile(`\\([\\*_` + "`" + `\[\]|#])`)

// plain turns update Markdown into text for chat messages.
func plain(md string) string {
	s := strings.ReplaceAll(md, "**", "")
	s = mdUnescape.ReplaceAllString(s, "$1")
	return strings.NewReplacer("&lt;", "<", "&gt;", ">").Replace(s)
}

// event builds the notification of update u of inc.
func (m *Manager) event(inc *Incident, u *Update) notify.Event {
	slug := inc.Check()
	chk := m.checks[slug]
	ev := notify.Event{
		Kind: u.Kind, ID: inc.ID, Seq: u.Seq, Title: inc.Title, Check: slug, CheckName: checkName(chk, slug),
		Status: u.Status, Regions: u.Regions, Text: plain(u.Text), Started: inc.Started, Resolved: inc.Resolved,
		URL: inc.IssueURL, Links: m.links(inc, chk), Time: u.Time, Site: m.site,
	}
	if ev.URL == "" {
		ev.URL = m.historyURL(inc.ID)
	}
	if chk != nil {
		ev.Group = chk.Group
	}
	switch {
	case inc.Chain != "":
		ev.CheckName = chainName(inc.Chain) + " (" + strings.Join(inc.Checks, ", ") + ")"
	case inc.Location != "":
		ev.CheckName = "location " + inc.Location
	}
	return ev
}

type delivery struct {
	inc    *Incident
	seq    int // 0 for a reminder
	ev     notify.Event
	target string
	err    error
}

func (m *Manager) sentKey(d *delivery) string {
	if d.seq == 0 {
		return fmt.Sprintf("%s#reminder-%d@%s", d.inc.ID, d.ev.Time.Unix(), d.target)
	}
	return fmt.Sprintf("%s#%d@%s", d.inc.ID, d.seq, d.target)
}

// deliverNotifications sends pending updates (and due reminders) to each
// target: targets run concurrently, each in update order, and a failure
// stops that target for that incident until the next round.
func (m *Manager) deliverNotifications(ctx context.Context, s *set, in round) {
	known := map[string]bool{}
	for _, t := range m.notifier.Targets() {
		known[t] = true
	}
	jobs := map[string][]*delivery{}
	for _, inc := range s.sorted() {
		for i := range inc.Updates {
			u := &inc.Updates[i]
			for _, t := range u.Pending {
				switch {
				case t == TargetGitHub:
				case !known[t]:
					m.log("incident %s: dropping notification to %q: no such channel any more", inc.ID, t)
					u.Pending = without(u.Pending, t)
				case in.now.Sub(u.Time) > m.expiry:
					m.log("incident %s: dropping notification to %s of update %d: undelivered for %s", inc.ID, t, u.Seq, notify.HumanDuration(in.now.Sub(u.Time)))
					u.Pending = without(u.Pending, t)
				default:
					jobs[t] = append(jobs[t], &delivery{inc: inc, seq: u.Seq, ev: m.event(inc, u), target: t})
				}
			}
		}
		if ev, due := m.reminderDue(inc, in); due {
			inc.Reminded = in.now
			for t := range known {
				if m.notifier.Wants(t, ev) {
					jobs[t] = append(jobs[t], &delivery{inc: inc, ev: ev, target: t})
				}
			}
		}
	}
	var wg sync.WaitGroup
	for _, list := range jobs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			failed := map[*Incident]bool{}
			for _, d := range list {
				if failed[d.inc] {
					d.err = errors.New("waiting for an earlier update")
					continue
				}
				key := m.sentKey(d)
				m.mu.Lock()
				done := m.sent[key]
				m.mu.Unlock()
				if done {
					continue
				}
				if d.err = m.notifier.Send(ctx, d.target, d.ev); d.err != nil {
					failed[d.inc] = d.seq != 0
					continue
				}
				m.mu.Lock()
				m.sent[key] = true
				m.mu.Unlock()
			}
		}()
	}
	wg.Wait()
	targets := make([]string, 0, len(jobs))
	for t := range jobs {
		targets = append(targets, t)
	}
	sort.Strings(targets)
	for _, t := range targets {
		for _, d := range jobs[t] {
			if d.seq == 0 {
				if d.err != nil {
					m.log("incident %s: reminder to %s: %s", d.inc.ID, t, m.red.Error(d.err))
				}
				continue
			}
			u := d.inc.update(d.seq)
			if u == nil {
				continue
			}
			if d.err != nil {
				u.Error = m.red.String(fmt.Sprintf("%s: %v", t, d.err))
				m.log("incident %s: %s", d.inc.ID, u.Error)
				continue
			}
			u.Pending = without(u.Pending, t)
			if len(u.Pending) == 0 {
				u.Error = ""
			}
		}
	}
}

func (inc *Incident) update(seq int) *Update {
	for i := range inc.Updates {
		if inc.Updates[i].Seq == seq {
			return &inc.Updates[i]
		}
	}
	return nil
}

// reminderDue returns the reminder event for an open incident that has
// been quiet for the reminder interval.
func (m *Manager) reminderDue(inc *Incident, in round) (notify.Event, bool) {
	if m.cfg.Reminder <= 0 || !inc.automatic() || !inc.IsOpen() {
		return notify.Event{}, false
	}
	if maintenance.Covering(in.windows, inc.Check(), in.now) != nil {
		return notify.Event{}, false
	}
	last := inc.Reminded
	for _, u := range inc.Updates {
		if (u.Kind == KindOpened || u.Kind == KindChanged) && u.Time.After(last) {
			last = u.Time
		}
	}
	if last.IsZero() || in.now.Sub(last) < m.cfg.Reminder.D() {
		return notify.Event{}, false
	}
	u := &Update{Kind: notify.Reminder, Time: in.now, Status: string(worst(inc.Tracking)), Regions: trackedNames(m.checks[inc.Check()], inc.Tracking),
		Text: fmt.Sprintf("Still open after %s.", notify.HumanDuration(inc.Duration(in.now)))}
	return m.event(inc, u), true
}
