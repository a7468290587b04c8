// Package fakegithub is a local stand-in for the parts of GitHub's REST
// API that upchain uses, for tests: GitHub's API cannot run locally. It
// follows the documented behaviour of
//
//	https://docs.github.com/en/rest/issues/issues   (list with labels, state, since, sort, direction, pagination; create; update)
//	https://docs.github.com/en/rest/issues/comments (list, create)
//	https://docs.github.com/en/rest/issues/labels   (get, create, add to an issue)
//	https://docs.github.com/en/rest/using-the-rest-api/rate-limits-for-the-rest-api (403/429 with Retry-After or x-ratelimit-reset)
//
// and records every request. Faults (5xx, rate limits) can be scripted.
package fakegithub

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Server is a fake GitHub API for one repository.
type Server struct {
	URL                string
	Owner, Repo, Token string
	// Now is the server's clock (timestamps have second precision).
	Now func() time.Time
	// BeforeCreate, if set, runs before an issue is created (outside the
	// lock), to hold creators at a barrier.
	BeforeCreate func()

	srv      *httptest.Server
	mu       sync.Mutex
	issues   []*Issue
	comments map[int][]*Comment
	labels   map[string]*Label
	nextID   int64
	requests []Request
	faults   []*Fault
}

// Issue is a stored issue.
type Issue struct {
	Number      int
	Title, Body string
	State       string // open, closed
	StateReason string
	Labels      []string
	Assignees   []string
	User        string
	Created     time.Time
	Updated     time.Time
	Closed      time.Time
}

// Comment is a stored issue comment.
type Comment struct {
	ID      int64
	Issue   int
	Body    string
	User    string
	Created time.Time
	Updated time.Time
}

// Label is a repository label.
type Label struct {
	ID          int64
	Name, Color string
	Description string
}

// Request is a recorded request.
type Request struct {
	Method, Path string
	Query        url.Values
	Header       http.Header
	Body         []byte
}

// Fault is a scripted failure: the next Times requests matching Method
// and a path ending in PathSuffix get Status, Header and Body.
type Fault struct {
	Method, PathSuffix string
	Times              int
	Status             int
	Header             map[string]string
	Body               string
}

// SecondaryRateLimit is GitHub's 403 for secondary rate limits, whose
// documentation_url go-github recognises.
func SecondaryRateLimit(method, pathSuffix string, header map[string]string) *Fault {
	return &Fault{Method: method, PathSuffix: pathSuffix, Times: 1, Status: http.StatusForbidden, Header: header,
		Body: `{"message":"You have exceeded a secondary rate limit. Please wait a few minutes before you try again.","documentation_url":"https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits"}`}
}

// New starts a fake for owner/repo that accepts token.
func New(owner, repo, token string) *Server {
	s := &Server{Owner: owner, Repo: repo, Token: token, Now: time.Now, comments: map[int][]*Comment{}, labels: map[string]*Label{}}
	s.srv = httptest.NewServer(http.HandlerFunc(s.serve))
	s.URL = s.srv.URL + "/"
	return s
}

// Close stops the server.
func (s *Server) Close() { s.srv.Close() }

// Fail scripts a fault.
func (s *Server) Fail(f *Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = append(s.faults, f)
}

func (s *Server) now() time.Time { return s.Now().UTC().Truncate(time.Second) }

// AddIssue stores an issue as if user opened it.
func (s *Server) AddIssue(user, title, body string, labels ...string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.create(user, title, body, labels, nil).Number
}

// AddComment stores a comment as if user wrote it.
func (s *Server) AddComment(number int, user, body string) int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.addComment(number, user, body).ID
}

// SetState closes or reopens an issue as a person would.
func (s *Server) SetState(number int, state string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	is := s.issues[number-1]
	is.State, is.Updated = state, s.now()
	if state == "closed" {
		is.Closed, is.StateReason = is.Updated, "completed"
	} else {
		is.Closed, is.StateReason = time.Time{}, "reopened"
	}
}

// Issues returns copies of all issues, by number.
func (s *Server) Issues() []Issue {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Issue, len(s.issues))
	for i, is := range s.issues {
		out[i] = *is
		out[i].Labels = append([]string(nil), is.Labels...)
	}
	return out
}

// Comments returns copies of the comments of issue number.
func (s *Server) Comments(number int) []Comment {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Comment
	for _, c := range s.comments[number] {
		out = append(out, *c)
	}
	return out
}

// Requests returns every request received.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.requests...)
}

// Count counts requests with method whose path ends in suffix.
func (s *Server) Count(method, suffix string) int {
	n := 0
	for _, r := range s.Requests() {
		if r.Method == method && strings.HasSuffix(r.Path, suffix) {
			n++
		}
	}
	return n
}

func (s *Server) create(user, title, body string, labels, assignees []string) *Issue {
	now := s.now()
	is := &Issue{Number: len(s.issues) + 1, Title: title, Body: body, State: "open", User: user, Created: now, Updated: now, Assignees: assignees}
	for _, l := range labels {
		s.label(l)
		if !hasFold(is.Labels, l) {
			is.Labels = append(is.Labels, l)
		}
	}
	s.issues = append(s.issues, is)
	return is
}

func (s *Server) addComment(number int, user, body string) *Comment {
	s.nextID++
	now := s.now()
	c := &Comment{ID: 1000 + s.nextID, Issue: number, Body: body, User: user, Created: now, Updated: now}
	s.comments[number] = append(s.comments[number], c)
	s.issues[number-1].Updated = now
	return c
}

// label returns the label name, creating it as GitHub does on first use.
func (s *Server) label(name string) *Label {
	if l, ok := s.labels[strings.ToLower(name)]; ok {
		return l
	}
	s.nextID++
	l := &Label{ID: s.nextID, Name: name, Color: "ededed"}
	s.labels[strings.ToLower(name)] = l
	return l
}

func hasFold(list []string, s string) bool {
	for _, v := range list {
		if strings.EqualFold(v, s) {
			return true
		}
	}
	return false
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	path := strings.TrimPrefix(r.URL.Path, "/api/v3")
	s.mu.Lock()
	s.requests = append(s.requests, Request{Method: r.Method, Path: path, Query: r.URL.Query(), Header: r.Header.Clone(), Body: body})
	var fault *Fault
	for _, f := range s.faults {
		if f.Times > 0 && f.Method == r.Method && strings.HasSuffix(path, f.PathSuffix) {
			f.Times--
			fault = f
			break
		}
	}
	s.mu.Unlock()
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	if fault != nil {
		for k, v := range fault.Header {
			w.Header().Set(k, v)
		}
		w.WriteHeader(fault.Status)
		io.WriteString(w, fault.Body)
		return
	}
	if auth := r.Header.Get("Authorization"); auth != "Bearer "+s.Token && auth != "token "+s.Token {
		writeJSON(w, http.StatusUnauthorized, map[string]any{"message": "Bad credentials", "documentation_url": "https://docs.github.com/rest"})
		return
	}
	prefix := "/repos/" + s.Owner + "/" + s.Repo + "/"
	if !strings.HasPrefix(path, prefix) {
		notFound(w)
		return
	}
	parts := strings.Split(strings.TrimPrefix(path, prefix), "/")
	switch {
	case len(parts) == 1 && parts[0] == "issues" && r.Method == http.MethodGet:
		s.listIssues(w, r)
	case len(parts) == 1 && parts[0] == "issues" && r.Method == http.MethodPost:
		s.createIssue(w, body)
	case len(parts) == 2 && parts[0] == "issues" && r.Method == http.MethodPatch:
		s.withIssue(w, parts[1], func(is *Issue) { s.editIssue(w, is, body) })
	case len(parts) == 2 && parts[0] == "issues" && r.Method == http.MethodGet:
		s.withIssue(w, parts[1], func(is *Issue) { writeJSON(w, 200, s.issueJSON(is)) })
	case len(parts) == 3 && parts[0] == "issues" && parts[2] == "comments" && r.Method == http.MethodGet:
		s.withIssue(w, parts[1], func(is *Issue) { s.listComments(w, r, is) })
	case len(parts) == 3 && parts[0] == "issues" && parts[2] == "comments" && r.Method == http.MethodPost:
		s.withIssue(w, parts[1], func(is *Issue) { s.createComment(w, r, is, body) })
	case len(parts) == 3 && parts[0] == "issues" && parts[2] == "labels" && r.Method == http.MethodPost:
		s.withIssue(w, parts[1], func(is *Issue) { s.addLabels(w, is, body) })
	case len(parts) == 2 && parts[0] == "labels" && r.Method == http.MethodGet:
		s.getLabel(w, parts[1])
	case len(parts) == 1 && parts[0] == "labels" && r.Method == http.MethodPost:
		s.createLabel(w, body)
	default:
		notFound(w)
	}
}

func notFound(w http.ResponseWriter) {
	writeJSON(w, http.StatusNotFound, map[string]any{"message": "Not Found", "documentation_url": "https://docs.github.com/rest"})
}

func unprocessable(w http.ResponseWriter, msg string) {
	writeJSON(w, http.StatusUnprocessableEntity, map[string]any{"message": "Validation Failed", "errors": []any{map[string]any{"message": msg, "code": "invalid"}}})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func (s *Server) withIssue(w http.ResponseWriter, num string, f func(*Issue)) {
	n, err := strconv.Atoi(num)
	s.mu.Lock()
	ok := err == nil && n >= 1 && n <= len(s.issues)
	var is *Issue
	if ok {
		is = s.issues[n-1]
	}
	s.mu.Unlock()
	if !ok {
		notFound(w)
		return
	}
	f(is)
}

func ts(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UTC().Format(time.RFC3339)
}

func (s *Server) issueURL(n int) string {
	return fmt.Sprintf("https://github.com/%s/%s/issues/%d", s.Owner, s.Repo, n)
}

// issueJSON renders an issue as the API does (the fields upchain reads,
// plus the usual identifiers). Callers hold no lock; s.mu is taken here.
func (s *Server) issueJSON(is *Issue) map[string]any {
	s.mu.Lock()
	defer s.mu.Unlock()
	var labels []any
	for _, name := range is.Labels {
		l := s.label(name)
		labels = append(labels, map[string]any{"id": l.ID, "name": l.Name, "color": l.Color, "description": l.Description})
	}
	var assignees []any
	for _, a := range is.Assignees {
		assignees = append(assignees, map[string]any{"login": a})
	}
	out := map[string]any{
		"id": 5000 + is.Number, "node_id": fmt.Sprintf("I_%d", is.Number), "number": is.Number,
		"url":      fmt.Sprintf("%srepos/%s/%s/issues/%d", s.URL, s.Owner, s.Repo, is.Number),
		"html_url": s.issueURL(is.Number), "title": is.Title, "body": is.Body, "state": is.State,
		"labels": labels, "assignees": assignees, "user": map[string]any{"login": is.User},
		"comments": len(s.comments[is.Number]), "created_at": ts(is.Created), "updated_at": ts(is.Updated), "closed_at": ts(is.Closed),
	}
	if is.StateReason != "" {
		out["state_reason"] = is.StateReason
	}
	if labels == nil {
		out["labels"] = []any{}
	}
	if assignees == nil {
		out["assignees"] = []any{}
	}
	return out
}

func pageParams(r *http.Request) (page, per int) {
	page, per = 1, 30
	if v, err := strconv.Atoi(r.URL.Query().Get("page")); err == nil && v > 0 {
		page = v
	}
	if v, err := strconv.Atoi(r.URL.Query().Get("per_page")); err == nil && v > 0 {
		per = min(v, 100)
	}
	return page, per
}

// paginate slices n items and sets the Link header (rel="next", "last").
func paginate(w http.ResponseWriter, r *http.Request, n int) (lo, hi int) {
	page, per := pageParams(r)
	lo, hi = min((page-1)*per, n), min(page*per, n)
	last := max((n+per-1)/per, 1)
	link := func(p int, rel string) string {
		u := *r.URL
		q := u.Query()
		q.Set("page", strconv.Itoa(p))
		q.Set("per_page", strconv.Itoa(per))
		u.RawQuery = q.Encode()
		return fmt.Sprintf(`<http://%s%s>; rel="%s"`, r.Host, u.RequestURI(), rel)
	}
	var links []string
	if page < last {
		links = append(links, link(page+1, "next"), link(last, "last"))
	}
	if page > 1 {
		links = append(links, link(1, "first"), link(page-1, "prev"))
	}
	if len(links) > 0 {
		w.Header().Set("Link", strings.Join(links, ", "))
	}
	return lo, hi
}

func (s *Server) listIssues(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	state := q.Get("state")
	if state == "" {
		state = "open"
	}
	var want []string
	if l := q.Get("labels"); l != "" {
		want = strings.Split(l, ",")
	}
	var since time.Time
	if v := q.Get("since"); v != "" {
		t, err := time.Parse(time.RFC3339, v)
		if err != nil {
			unprocessable(w, "since is not ISO 8601")
			return
		}
		since = t
	}
	s.mu.Lock()
	var match []*Issue
	for _, is := range s.issues {
		if state != "all" && is.State != state {
			continue
		}
		if is.Updated.Before(since) {
			continue
		}
		ok := true
		for _, l := range want {
			if !hasFold(is.Labels, strings.TrimSpace(l)) {
				ok = false
			}
		}
		if ok {
			match = append(match, is)
		}
	}
	s.mu.Unlock()
	key := func(is *Issue) time.Time { return is.Created }
	if q.Get("sort") == "updated" {
		key = func(is *Issue) time.Time { return is.Updated }
	}
	asc := q.Get("direction") == "asc"
	sort.SliceStable(match, func(i, j int) bool {
		a, b := key(match[i]), key(match[j])
		if a.Equal(b) {
			if asc {
				return match[i].Number < match[j].Number
			}
			return match[i].Number > match[j].Number
		}
		if asc {
			return a.Before(b)
		}
		return a.After(b)
	})
	lo, hi := paginate(w, r, len(match))
	out := []any{}
	for _, is := range match[lo:hi] {
		out = append(out, s.issueJSON(is))
	}
	writeJSON(w, http.StatusOK, out)
}

type issueRequest struct {
	Title       *string   `json:"title"`
	Body        *string   `json:"body"`
	State       *string   `json:"state"`
	StateReason *string   `json:"state_reason"`
	Labels      *[]string `json:"labels"`
	Assignees   *[]string `json:"assignees"`
}

func (s *Server) createIssue(w http.ResponseWriter, body []byte) {
	var req issueRequest
	if err := json.Unmarshal(body, &req); err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]any{"message": "Problems parsing JSON"})
		return
	}
	if req.Title == nil || strings.TrimSpace(*req.Title) == "" {
		unprocessable(w, "title is missing")
		return
	}
	if s.BeforeCreate != nil {
		s.BeforeCreate()
	}
	var labels, assignees []string
	if req.Labels != nil {
		labels = *req.Labels
	}
	if req.Assignees != nil {
		assignees = *req.Assignees
	}
	b := ""
	if req.Body != nil {
		b = *req.Body
	}
	s.mu.Lock()
	is := s.create("upchain-bot", *req.Title, b, labels, assignees)
	s.mu.Unlock()
	writeJSON(w, http.StatusCreated, s.issueJSON(is))
}

func (s *Server) editIssue(w http.ResponseWriter, is *Issue, body []byte) {
	var req issueRequest
	if err := json.Unmarshal(body, &req); err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]any{"message": "Problems parsing JSON"})
		return
	}
	s.mu.Lock()
	now := s.now()
	if req.Title != nil {
		is.Title = *req.Title
	}
	if req.Body != nil {
		is.Body = *req.Body
	}
	if req.State != nil {
		switch *req.State {
		case "closed":
			if is.State != "closed" {
				is.Closed = now
			}
			is.State, is.StateReason = "closed", "completed"
		case "open":
			is.State, is.Closed, is.StateReason = "open", time.Time{}, "reopened"
		default:
			s.mu.Unlock()
			unprocessable(w, "state must be open or closed")
			return
		}
	}
	if req.StateReason != nil {
		is.StateReason = *req.StateReason
	}
	if req.Labels != nil {
		is.Labels = nil
		for _, l := range *req.Labels {
			s.label(l)
			is.Labels = append(is.Labels, l)
		}
	}
	if req.Assignees != nil {
		is.Assignees = *req.Assignees
	}
	is.Updated = now
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, s.issueJSON(is))
}

func (s *Server) commentJSON(c *Comment) map[string]any {
	return map[string]any{
		"id": c.ID, "node_id": fmt.Sprintf("IC_%d", c.ID), "body": c.Body, "user": map[string]any{"login": c.User},
		"html_url":   fmt.Sprintf("%s#issuecomment-%d", s.issueURL(c.Issue), c.ID),
		"created_at": ts(c.Created), "updated_at": ts(c.Updated),
	}
}

func (s *Server) listComments(w http.ResponseWriter, r *http.Request, is *Issue) {
	var since time.Time
	if v := r.URL.Query().Get("since"); v != "" {
		since, _ = time.Parse(time.RFC3339, v)
	}
	s.mu.Lock()
	var match []*Comment
	for _, c := range s.comments[is.Number] {
		if !c.Updated.Before(since) {
			match = append(match, c)
		}
	}
	s.mu.Unlock()
	lo, hi := paginate(w, r, len(match))
	out := []any{}
	for _, c := range match[lo:hi] {
		out = append(out, s.commentJSON(c))
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) createComment(w http.ResponseWriter, r *http.Request, is *Issue, body []byte) {
	var req struct {
		Body *string `json:"body"`
	}
	if err := json.Unmarshal(body, &req); err != nil || req.Body == nil || *req.Body == "" {
		unprocessable(w, "body is missing")
		return
	}
	s.mu.Lock()
	c := s.addComment(is.Number, "upchain-bot", *req.Body)
	s.mu.Unlock()
	writeJSON(w, http.StatusCreated, s.commentJSON(c))
}

// addLabels takes {"labels": [...]} or a bare array, as documented.
func (s *Server) addLabels(w http.ResponseWriter, is *Issue, body []byte) {
	var req struct {
		Labels []string `json:"labels"`
	}
	if json.Unmarshal(body, &req.Labels) != nil {
		_ = json.Unmarshal(body, &req)
	}
	if len(req.Labels) == 0 {
		unprocessable(w, "labels are missing")
		return
	}
	s.mu.Lock()
	for _, l := range req.Labels {
		s.label(l)
		if !hasFold(is.Labels, l) {
			is.Labels = append(is.Labels, l)
		}
	}
	is.Updated = s.now()
	var out []any
	for _, name := range is.Labels {
		l := s.label(name)
		out = append(out, map[string]any{"id": l.ID, "name": l.Name, "color": l.Color})
	}
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) getLabel(w http.ResponseWriter, name string) {
	name, _ = url.PathUnescape(name)
	s.mu.Lock()
	l, ok := s.labels[strings.ToLower(name)]
	s.mu.Unlock()
	if !ok {
		notFound(w)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"id": l.ID, "name": l.Name, "color": l.Color, "description": l.Description})
}

func (s *Server) createLabel(w http.ResponseWriter, body []byte) {
	var req struct {
		Name, Color, Description string
	}
	if err := json.Unmarshal(body, &req); err != nil || req.Name == "" {
		unprocessable(w, "name is missing")
		return
	}
	s.mu.Lock()
	if _, ok := s.labels[strings.ToLower(req.Name)]; ok {
		s.mu.Unlock()
		writeJSON(w, http.StatusUnprocessableEntity, map[string]any{"message": "Validation Failed", "errors": []any{map[string]any{"resource": "Label", "code": "already_exists", "field": "name"}}})
		return
	}
	l := s.label(req.Name)
	l.Color, l.Description = req.Color, req.Description
	s.mu.Unlock()
	writeJSON(w, http.StatusCreated, map[string]any{"id": l.ID, "name": l.Name, "color": l.Color, "description": l.Description})
}

// ClearFaults removes every scripted fault.
func (s *Server) ClearFaults() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = nil
}
