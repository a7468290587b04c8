package incident

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/google/go-github/v60/github"
	"github.com/upchain-dev/upchain/prober"
	"github.com/upchain-dev/upchain/prober/internal/retry"
	"github.com/upchain-dev/upchain/prober/maintenance"
	"github.com/upchain-dev/upchain/prober/redact"
)

// maxPages bounds one listing (100 issues a page); the sync cursor
// carries on from there next round.
const maxPages = 10

// ghClient calls the GitHub REST API through go-github with retries.
type ghClient struct {
	c           *github.Client
	owner, repo string
	policy      retry.Policy
	red         *redact.Redactor
	log         func(format string, args ...any)
	labelReady  bool
}

func parseBaseURL(s string) (*url.URL, error) {
	u, err := url.Parse(s)
	if err != nil {
		return nil, err
	}
	if u.Scheme != "http" && u.Scheme != "https" || u.Host == "" {
		return nil, errors.New("not an http(s) URL")
	}
	if !strings.HasSuffix(u.Path, "/") {
		u.Path += "/"
	}
	return u, nil
}

// classify turns go-github's errors into retry decisions: rate limits wait
// as GitHub asks (Retry-After, X-RateLimit-Reset), 5xx and network errors
// back off, other answers are final.
func classify(err error) error {
	if err == nil {
		return nil
	}
	var rle *github.RateLimitError
	var are *github.AbuseRateLimitError
	var er *github.ErrorResponse
	switch {
	case errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded):
		return retry.Permanent(err)
	case errors.As(err, &rle):
		return retry.After(err, time.Until(rle.Rate.Reset.Time))
	case errors.As(err, &are):
		if are.RetryAfter != nil {
			return retry.After(err, *are.RetryAfter)
		}
		return retry.After(err, time.Minute) // GitHub: wait at least a minute
	case errors.As(err, &er) && er.Response != nil:
		code := er.Response.StatusCode
		switch {
		case code == http.StatusTooManyRequests:
			if d, ok := retry.RetryAfter(er.Response.Header, time.Now()); ok {
				return retry.After(err, d)
			}
			return retry.After(err, time.Minute)
		case code >= 500:
			if d, ok := retry.RetryAfter(er.Response.Header, time.Now()); ok {
				return retry.After(err, d)
			}
			return err
		}
		return retry.Permanent(err)
	}
	return err // network errors, truncated bodies: worth another try
}

func rateLimited(err error) bool {
	var rle *github.RateLimitError
	var are *github.AbuseRateLimitError
	var er *github.ErrorResponse
	return errors.As(err, &rle) || errors.As(err, &are) ||
		errors.As(err, &er) && er.Response != nil && er.Response.StatusCode == http.StatusTooManyRequests
}

// call runs one API operation with retries. Operations that are not safe
// to repeat blindly (creating an issue or a comment: the first attempt may
// have worked) are retried only when GitHub refused them for rate limits;
// other failures go back to the caller, which looks before trying again.
func (g *ghClient) call(ctx context.Context, what string, safe bool, f func(context.Context) (*github.Response, error)) error {
	p := g.policy
	p.OnRetry = func(attempt int, wait time.Duration, err error) {
		g.log("github %s: attempt %d failed: %s; retrying in %s", what, attempt, g.red.Error(err), wait.Round(time.Millisecond))
	}
	err := p.Do(ctx, func(ctx context.Context) error {
		_, err := f(ctx)
		c := classify(err)
		if c != nil && !safe && !rateLimited(err) {
			return retry.Permanent(err)
		}
		return c
	})
	if err != nil {
		return &callError{msg: fmt.Sprintf("%s: %s", what, g.red.Error(err)), status: statusOf(err), limited: rateLimited(err)}
	}
	return nil
}

// callError is a failed API call, redacted, with what the caller needs to
// decide whether to look again.
type callError struct {
	msg     string
	status  int // HTTP status, 0 for network errors
	limited bool
}

func (e *callError) Error() string { return e.msg }

func statusOf(err error) int {
	var er *github.ErrorResponse
	var rle *github.RateLimitError
	var are *github.AbuseRateLimitError
	switch {
	case errors.As(err, &er) && er.Response != nil:
		return er.Response.StatusCode
	case errors.As(err, &rle) && rle.Response != nil:
		return rle.Response.StatusCode
	case errors.As(err, &are) && are.Response != nil:
		return are.Response.StatusCode
	}
	return 0
}

func (g *ghClient) list(ctx context.Context, opts github.IssueListByRepoOptions) ([]*github.Issue, error) {
	opts.PerPage = 100
	var all []*github.Issue
	for page := 1; page <= maxPages; {
		opts.Page = page
		var batch []*github.Issue
		var resp *github.Response
		err := g.call(ctx, "list issues", true, func(ctx context.Context) (*github.Response, error) {
			var err error
			batch, resp, err = g.c.Issues.ListByRepo(ctx, g.owner, g.repo, &opts)
			return resp, err
		})
		if err != nil {
			return all, err
		}
		for _, is := range batch {
			if !is.IsPullRequest() {
				all = append(all, is)
			}
		}
		if resp == nil || resp.NextPage == 0 || resp.NextPage <= page {
			break
		}
		page = resp.NextPage
	}
	return all, nil
}

func (g *ghClient) comments(ctx context.Context, number int, since time.Time) ([]*github.IssueComment, error) {
	opts := &github.IssueListCommentsOptions{ListOptions: github.ListOptions{PerPage: 100}}
	if !since.IsZero() {
		opts.Since = &since
	}
	var all []*github.IssueComment
	for page := 1; page <= maxPages; {
		opts.Page = page
		var batch []*github.IssueComment
		var resp *github.Response
		err := g.call(ctx, fmt.Sprintf("list comments of #%d", number), true, func(ctx context.Context) (*github.Response, error) {
			var err error
			batch, resp, err = g.c.Issues.ListComments(ctx, g.owner, g.repo, number, opts)
			return resp, err
		})
		if err != nil {
			return all, err
		}
		all = append(all, batch...)
		if resp == nil || resp.NextPage == 0 || resp.NextPage <= page {
			break
		}
		page = resp.NextPage
	}
	return all, nil
}

func (g *ghClient) comment(ctx context.Context, number int, body string) (*github.IssueComment, error) {
	var out *github.IssueComment
	body = g.red.String(body)
	err := g.call(ctx, fmt.Sprintf("comment on #%d", number), false, func(ctx context.Context) (*github.Response, error) {
		var err error
		var resp *github.Response
		out, resp, err = g.c.Issues.CreateComment(ctx, g.owner, g.repo, number, &github.IssueComment{Body: &body})
		return resp, err
	})
	return out, err
}

func (g *ghClient) edit(ctx context.Context, number int, req *github.IssueRequest) error {
	return g.call(ctx, fmt.Sprintf("update #%d", number), true, func(ctx context.Context) (*github.Response, error) {
		_, resp, err := g.c.Issues.Edit(ctx, g.owner, g.repo, number, req)
		return resp, err
	})
}

// ensureLabel creates the incident label with a colour once; GitHub would
// create it grey on first use otherwise.
func (g *ghClient) ensureLabel(ctx context.Context, name string) {
	if g.labelReady {
		return
	}
	err := g.call(ctx, "get label", true, func(ctx context.Context) (*github.Response, error) {
		_, resp, err := g.c.Issues.GetLabel(ctx, g.owner, g.repo, name)
		return resp, err
	})
	if err != nil {
		color, desc := "d73a4a", "Incident on the status page (opened by upchain or by people)"
		err = g.call(ctx, "create label", true, func(ctx context.Context) (*github.Response, error) {
			_, resp, err := g.c.Issues.CreateLabel(ctx, g.owner, g.repo, &github.Label{Name: &name, Color: &color, Description: &desc})
			return resp, err
		})
	}
	g.labelReady = err == nil
}

// upchainIssue is an open issue carrying the incident marker.
type upchainIssue struct {
	id, check string
	issue     *github.Issue
}

// openIssuesOf lists the open upchain issues of check, lowest number first.
func (m *Manager) openIssuesOf(ctx context.Context, check string) ([]upchainIssue, error) {
	list, err := m.gh.list(ctx, github.IssueListByRepoOptions{State: "open", Labels: []string{m.cfg.Label, checkLabel(check)}})
	if err != nil {
		return nil, err
	}
	var out []upchainIssue
	for _, is := range list {
		id, c, ok := parseIssueMarker(is.GetBody())
		if ok && c == check {
			out = append(out, upchainIssue{id: id, check: c, issue: is})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].issue.GetNumber() < out[j].issue.GetNumber() })
	return out, nil
}

// ensureIssue gives inc its issue. The open issue of the check is looked
// up by label first (a re-run, a crash after creating, or another runner
// that got there first); the API has no conditional create, so after
// creating it looks again and, if two runners raced, the lowest number
// wins: the other closes its own as a duplicate and adopts the winner's
// (and leaves the "opened" notification to the winner).
func (m *Manager) ensureIssue(ctx context.Context, s *set, inc *Incident) error {
	slug := inc.Check()
	created := false
	for attempt := 0; attempt < 3; attempt++ {
		issues, err := m.openIssuesOf(ctx, slug)
		if err != nil {
			return err
		}
		var mine, winner *upchainIssue
		for i := range issues {
			ui := &issues[i]
			if other := s.byID[ui.id]; ui.id != inc.ID && other != nil && !other.IsOpen() {
				continue // ours, resolved here and waiting to be closed
			}
			if ui.id != inc.ID && !inc.IsOpen() {
				continue // a resolved incident never reached GitHub: record it, adopt nothing
			}
			if winner == nil {
				winner = ui
			}
			if ui.id == inc.ID && mine == nil {
				mine = ui
			}
		}
		if winner != nil && winner.id != inc.ID {
			for _, ui := range issues {
				if ui.id == inc.ID {
					if err := m.closeDuplicate(ctx, ui.issue.GetNumber(), winner.issue.GetNumber()); err != nil {
						return err
					}
				}
			}
			m.adopt(s, inc, winner)
			return nil
		}
		if mine != nil {
			inc.Issue, inc.IssueURL = mine.issue.GetNumber(), mine.issue.GetHTMLURL()
			for _, ui := range issues { // the same id twice: a create that was retried
				if ui.id == inc.ID && ui.issue.GetNumber() != inc.Issue {
					if err := m.closeDuplicate(ctx, ui.issue.GetNumber(), inc.Issue); err != nil {
						return err
					}
				}
			}
			return nil
		}
		if created {
			// Created but not listed yet: look again next round rather
			// than create another.
			return errors.New("created issue not listed yet")
		}
		m.gh.ensureLabel(ctx, m.cfg.Label)
		title, body := m.red.String(inc.Title), m.red.String(issueMarkerFor(inc.ID, slug)+"\n"+inc.Body)
		labels := inc.Labels
		if len(labels) == 0 {
			labels = []string{m.cfg.Label, checkLabel(slug)}
		}
		req := &github.IssueRequest{Title: &title, Body: &body, Labels: &labels}
		if len(m.cfg.Assignees) > 0 {
			assignees := append([]string(nil), m.cfg.Assignees...)
			req.Assignees = &assignees
		}
		err = m.gh.call(ctx, "create issue", false, func(ctx context.Context) (*github.Response, error) {
			_, resp, err := m.gh.c.Issues.Create(ctx, m.gh.owner, m.gh.repo, req)
			return resp, err
		})
		if err != nil && !retryable(err) {
			return err
		}
		// Whether or not the create reported success, list again: a
		// failed answer may hide a created issue.
		created = err == nil
	}
	return errors.New("could not create the issue")
}

// retryable reports whether a failed call may have worked, or may work on
// a new attempt within this round: network errors, 5xx, rate limits.
func retryable(err error) bool {
	var ce *callError
	if !errors.As(err, &ce) {
		return true
	}
	return ce.limited || ce.status == 0 || ce.status >= 500
}

// adopt makes inc the local record of another runner's incident.
func (m *Manager) adopt(s *set, inc *Incident, winner *upchainIssue) {
	old := inc.ID
	s.rename(inc, winner.id)
	inc.Issue, inc.IssueURL = winner.issue.GetNumber(), winner.issue.GetHTMLURL()
	if t := winner.issue.GetCreatedAt().Time; !t.IsZero() && t.Before(inc.Started) {
		inc.Started = t
	}
	for i := range inc.Updates {
		u := &inc.Updates[i]
		if u.Kind == KindOpened {
			// The winner announced it; this runner stays quiet.
			u.Pending = nil
			if hasString(inc.Updates[i].Pending, TargetGitHub) {
				u.Pending = []string{TargetGitHub}
			}
		}
	}
	m.log("incident %s: adopted issue #%d of incident %s opened by another runner", old, inc.Issue, inc.ID)
}

func (m *Manager) closeDuplicate(ctx context.Context, number, of int) error {
	if _, err := m.gh.comment(ctx, number, fmt.Sprintf("<!-- upchain:duplicate of=%d -->\nDuplicate of #%d (opened by another runner at the same time).", of, of)); err != nil {
		return err
	}
	_ = m.gh.call(ctx, fmt.Sprintf("label #%d", number), true, func(ctx context.Context) (*github.Response, error) {
		_, resp, err := m.gh.c.Issues.AddLabelsToIssue(ctx, m.gh.owner, m.gh.repo, number, []string{"duplicate"})
		return resp, err
	})
	closed, reason := "closed", "not_planned"
	return m.gh.edit(ctx, number, &github.IssueRequest{State: &closed, StateReason: &reason})
}

// deliverIssues writes pending updates of automatic incidents to GitHub,
// in order, stopping at an incident's first failure.
func (m *Manager) deliverIssues(ctx context.Context, s *set) {
	for _, inc := range s.sorted() {
		if !inc.pending(TargetGitHub) || inc.Source != FromProber {
			continue
		}
		if err := m.deliverIssue(ctx, s, inc); err != nil {
			m.log("incident %s: %s", inc.ID, m.red.Error(err))
			for i := range inc.Updates {
				if hasString(inc.Updates[i].Pending, TargetGitHub) {
					inc.Updates[i].Error = m.red.String("github: " + err.Error())
					break
				}
			}
		}
	}
}

func (m *Manager) deliverIssue(ctx context.Context, s *set, inc *Incident) error {
	if inc.Issue == 0 {
		if err := m.ensureIssue(ctx, s, inc); err != nil {
			return err
		}
	}
	var posted map[int]int64 // seq -> comment id, listed once when needed
	for i := range inc.Updates {
		u := &inc.Updates[i]
		if !hasString(u.Pending, TargetGitHub) {
			continue
		}
		if u.Kind == KindChanged || u.Kind == KindResolved {
			if posted == nil {
				posted = map[int]int64{}
				cs, err := m.gh.comments(ctx, inc.Issue, time.Time{})
				if err != nil {
					return err
				}
				for _, c := range cs {
					if mm := commentMarker.FindStringSubmatch(c.GetBody()); mm != nil && mm[1] == inc.ID {
						n, _ := strconv.Atoi(mm[2])
						posted[n] = c.GetID()
					}
				}
			}
			if id, ok := posted[u.Seq]; ok {
				u.Comment = id
			} else {
				c, err := m.gh.comment(ctx, inc.Issue, updateMarker(inc.ID, u.Seq, u.Kind)+"\n"+u.Text)
				if err != nil {
					return err
				}
				u.Comment = c.GetID()
			}
		}
		switch u.Kind {
		case KindChanged:
			t := m.red.String(inc.Title)
			if err := m.gh.edit(ctx, inc.Issue, &github.IssueRequest{Title: &t}); err != nil {
				return err
			}
		case KindResolved:
			closed, reason := "closed", "completed"
			if err := m.gh.edit(ctx, inc.Issue, &github.IssueRequest{State: &closed, StateReason: &reason}); err != nil {
				return err
			}
		}
		u.Pending = without(u.Pending, TargetGitHub)
		if len(u.Pending) == 0 {
			u.Error = ""
		}
	}
	return nil
}

// sync mirrors GitHub into the incident and maintenance files: issues
// people opened with the incident label, their comments, automatic
// incidents closed or reopened on GitHub, and maintenance announcements.
func (m *Manager) sync(ctx context.Context, dir string, s *set, cur *cursor) error {
	var errs []error
	since := func(t time.Time) time.Time {
		if t.IsZero() {
			return t
		}
		return t.Add(-time.Minute) // overlap: listing lag
	}
	issues, err := m.gh.list(ctx, github.IssueListByRepoOptions{State: "all", Labels: []string{m.cfg.Label}, Since: since(cur.Issues), Sort: "updated", Direction: "asc"})
	if err != nil {
		errs = append(errs, err)
	}
	for _, is := range issues {
		if hasLabel(is, m.cfg.MaintenanceLabel) {
			continue
		}
		if err := m.mirrorIssue(ctx, s, is); err != nil {
			errs = append(errs, err)
			break // keep the cursor before this issue
		}
		if t := is.GetUpdatedAt().Time; t.After(cur.Issues) {
			cur.Issues = t
		}
	}
	mlist, err := m.gh.list(ctx, github.IssueListByRepoOptions{State: "all", Labels: []string{m.cfg.MaintenanceLabel}, Since: since(cur.Maintenance), Sort: "updated", Direction: "asc"})
	if err != nil {
		errs = append(errs, err)
	}
	for _, is := range mlist {
		if err := m.mirrorMaintenance(ctx, dir, is); err != nil {
			errs = append(errs, err)
			break
		}
		if t := is.GetUpdatedAt().Time; t.After(cur.Maintenance) {
			cur.Maintenance = t
		}
	}
	return errors.Join(errs...)
}

func hasLabel(is *github.Issue, name string) bool {
	for _, l := range is.Labels {
		if strings.EqualFold(l.GetName(), name) {
			return true
		}
	}
	return false
}

func labelNames(is *github.Issue) []string {
	var out []string
	for _, l := range is.Labels {
		out = append(out, l.GetName())
	}
	return out
}

func (m *Manager) mirrorIssue(ctx context.Context, s *set, is *github.Issue) error {
	number := is.GetNumber()
	open := is.GetState() == "open"
	if id, check, ok := parseIssueMarker(is.GetBody()); ok {
		local := s.byID[id]
		if local == nil {
			// Decided after this round's lifecycle: a re-run of the round
			// that opened it, or a runner that raced this one, finds it
			// as its own and records it with full detail.
			s.orphans = append(s.orphans, orphan{issue: is, id: id, check: check})
			return nil
		}
		if local.Issue == 0 {
			local.Issue, local.IssueURL = number, is.GetHTMLURL()
		}
		if local.Issue != number {
			return nil // a duplicate closed in favour of local's own issue
		}
		switch {
		case !open && local.IsOpen() && !local.pending(TargetGitHub):
			local.State = Resolved
			local.Resolved = is.GetClosedAt().Time
			if local.Resolved.IsZero() {
				local.Resolved = is.GetUpdatedAt().Time
			}
			byUs, err := m.resolvedByUpchain(ctx, local, is)
			if err != nil {
				local.State, local.Resolved = Open, time.Time{}
				return err
			}
			local.Tracking = nil
			if byUs {
				// Closed by a run of upchain whose history did not land.
				local.addUpdate(Update{Time: local.Resolved, Kind: KindResolved, Status: string(prober.Up), Text: "**Resolved**: every affected region recovered."})
			} else {
				local.addUpdate(Update{Time: local.Resolved, Kind: KindClosed, Status: string(prober.Up), Text: "Closed on GitHub. The prober leaves the affected regions alone until they recover."})
			}
		case open && !local.IsOpen() && !local.pending(TargetGitHub):
			local.State, local.Resolved, local.Handover, local.Tracking = Open, time.Time{}, true, nil
			local.addUpdate(Update{Time: is.GetUpdatedAt().Time, Kind: KindReopened, Text: "Reopened on GitHub: people manage this incident from here."})
		}
		if local.Handover {
			local.Title = m.red.String(is.GetTitle())
		}
		return m.mirrorComments(ctx, local, is)
	}

	// An issue opened by a person.
	id := fmt.Sprintf("gh-%d", number)
	local := s.byID[id]
	if local == nil {
		local = &Incident{ID: id, Source: FromGitHub}
		s.byID[id] = local
	}
	local.Title = m.red.String(is.GetTitle())
	local.Body = m.red.String(strings.TrimSpace(is.GetBody()))
	local.Issue, local.IssueURL = number, is.GetHTMLURL()
	local.Author = is.GetUser().GetLogin()
	local.Started = is.GetCreatedAt().Time.UTC()
	local.Labels = labelNames(is)
	local.Checks, local.Severity = nil, Notice
	for _, l := range local.Labels {
		switch strings.ToLower(l) {
		case "down", "outage", "major", "major-outage":
			local.Severity = string(prober.Down)
		case "degraded", "partial", "minor", "partial-outage", "degraded-performance":
			if local.Severity == Notice {
				local.Severity = string(prober.Degraded)
			}
		}
		if m.checks[l] != nil {
			local.Checks = append(local.Checks, l)
		}
	}
	if open {
		local.State, local.Resolved = Open, time.Time{}
	} else {
		local.State = Resolved
		local.Resolved = is.GetClosedAt().Time.UTC()
	}
	return m.mirrorComments(ctx, local, is)
}

// resolvedByUpchain reports whether upchain's own resolve comment closed
// the issue.
func (m *Manager) resolvedByUpchain(ctx context.Context, inc *Incident, is *github.Issue) (bool, error) {
	cs, err := m.gh.comments(ctx, is.GetNumber(), time.Time{})
	if err != nil {
		return false, err
	}
	for _, c := range cs {
		if mm := commentMarker.FindStringSubmatch(c.GetBody()); mm != nil && mm[1] == inc.ID && mm[3] == KindResolved {
			return true, nil
		}
	}
	return false, nil
}

// orphan is an upchain issue that this history does not know.
type orphan struct {
	issue     *github.Issue
	id, check string
}

// recordOrphans records upchain issues this history did not know and
// this round did not adopt: opened by a run whose history was lost (the
// lifecycle then resolves it once the check is healthy), or the loser of
// a race, closed as a duplicate of the incident this history keeps.
func (m *Manager) recordOrphans(ctx context.Context, s *set) {
	for _, o := range s.orphans {
		if s.byID[o.id] != nil {
			continue
		}
		if err := m.importAuto(ctx, s, o.issue, o.id, o.check); err != nil {
			m.log("github sync: %s", m.red.Error(err))
		}
	}
	s.orphans = nil
}

// importAuto records an upchain issue this history does not know.
func (m *Manager) importAuto(ctx context.Context, s *set, is *github.Issue, id, check string) error {
	number := is.GetNumber()
	if is.GetState() != "open" {
		if is.GetStateReason() == "not_planned" || hasLabel(is, "duplicate") {
			return nil
		}
	} else if own := s.openAuto(check); own != nil && own.Issue != 0 && own.Issue != number {
		// Two runners raced and this history kept the other issue.
		return m.closeDuplicate(ctx, number, own.Issue)
	} else if own != nil {
		return nil // own has no issue yet: ensureIssue will adopt this one
	}
	inc := &Incident{
		ID: id, Source: FromProber, Checks: []string{check}, Title: m.red.String(is.GetTitle()),
		Body: m.red.String(stripMarkers(is.GetBody())), Issue: number, IssueURL: is.GetHTMLURL(),
		Started: is.GetCreatedAt().Time.UTC(), Labels: labelNames(is), Severity: string(prober.Degraded),
	}
	if is.GetState() == "open" {
		inc.State = Open
	} else {
		inc.State, inc.Resolved = Resolved, is.GetClosedAt().Time.UTC()
	}
	inc.addUpdate(Update{Time: inc.Started, Kind: KindOpened, Text: fmt.Sprintf("Recorded from GitHub issue #%d.", number)})
	s.byID[id] = inc
	return m.mirrorComments(ctx, inc, is)
}

// mirrorComments records comments people wrote on the issue as updates.
func (m *Manager) mirrorComments(ctx context.Context, inc *Incident, is *github.Issue) error {
	// updated_at has a resolution of one second: an update in the same
	// second as the last sync shows no later time, so equal means look.
	updated := is.GetUpdatedAt().Time
	if updated.Before(inc.IssueUpdated) {
		return nil
	}
	if is.GetComments() > 0 {
		cs, err := m.gh.comments(ctx, is.GetNumber(), time.Time{})
		if err != nil {
			return err
		}
		known := map[int64]int{}
		for i, u := range inc.Updates {
			if u.Comment != 0 {
				known[u.Comment] = i
			}
		}
		for _, c := range cs {
			body := c.GetBody()
			if commentMarker.MatchString(body) {
				continue // written by upchain: already an update
			}
			text := m.red.String(strings.TrimSpace(body))
			if i, ok := known[c.GetID()]; ok {
				inc.Updates[i].Text = text // edited on GitHub
				continue
			}
			inc.addUpdate(Update{Time: c.GetCreatedAt().Time.UTC(), Kind: KindComment, Author: c.GetUser().GetLogin(), Text: text, Comment: c.GetID()})
		}
	}
	inc.IssueUpdated = updated.UTC()
	return nil
}

// mirrorMaintenance records a maintenance issue; when its window cannot
// be read, it says so on the issue once.
func (m *Manager) mirrorMaintenance(ctx context.Context, dir string, is *github.Issue) error {
	spec, rest, perr := maintenance.ParseIssue(is.GetBody())
	f := maintenance.IssueFile{
		ID: maintenance.IssueID(is.GetNumber()), Title: m.red.String(is.GetTitle()), Issue: is.GetNumber(), URL: is.GetHTMLURL(),
		Author: is.GetUser().GetLogin(), State: is.GetState(), Closed: is.GetClosedAt().Time.UTC(),
		Start: spec.Start, End: spec.End, Body: m.red.String(rest), Updated: is.GetUpdatedAt().Time.UTC(),
	}
	if spec.Every > 0 {
		f.Every = spec.Every.String()
	}
	var unknown []string
	for _, c := range spec.Checks {
		if m.checks[c] == nil {
			unknown = append(unknown, c)
		} else {
			f.Checks = append(f.Checks, c)
		}
	}
	for _, l := range labelNames(is) {
		if m.checks[l] != nil && !hasString(f.Checks, l) {
			f.Checks = append(f.Checks, l)
		}
	}
	switch {
	case perr != nil:
		f.Problem = perr.Error()
	case len(unknown) > 0:
		f.Problem = fmt.Sprintf("no check with slug %s (see `upchain validate` for the slugs)", strings.Join(unknown, ", "))
	case spec.Every > 0 && spec.Every < spec.End.Sub(spec.Start):
		f.Problem = "every is shorter than the window"
	}
	old := maintenance.IssueFile{}
	if prev, err := maintenance.LoadIssues(dir); err == nil {
		for _, p := range prev {
			if p.Issue == f.Issue {
				old = p
			}
		}
	}
	if f.Problem != "" && f.Problem != old.Problem && f.State == "open" {
		msg := fmt.Sprintf("<!-- upchain:maintenance-problem -->\nupchain cannot read this maintenance window: %s.\n\nWrite it as lines like:\n\n```\nstart: 2025-06-01 22:00\nend: 2025-06-02 01:00\nchecks: slug-one, slug-two\n```\n\n(times in UTC, or RFC 3339 with a zone; `duration: 3h` may replace `end`; without `checks` every check is covered).", f.Problem)
		if _, err := m.gh.comment(ctx, f.Issue, msg); err != nil {
			m.log("maintenance #%d: %s", f.Issue, m.red.Error(err))
		}
	}
	return maintenance.SaveIssue(dir, f)
}
