package prober

import (
	"context"
	"crypto/x509"
	"fmt"
	"github.com/upchain-dev/upchain/prober/internal/text"
	"math/rand/v2"
	"net"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/upchain-dev/upchain/prober/config"
)

// Runner probes checks. One Runner serves every round of a process.
type Runner struct {
	Config *config.Loaded
	// Kinds defaults to the built-in registry.
	Kinds *Registry
	// Now defaults to time.Now.
	Now func() time.Time
	// Prev returns the values recorded by the previous probe of a check in
	// a region (from history); nil means none.
	Prev func(check, region string) Values
	// Progress, if set, is called after each probe with the count done.
	Progress func(done, total int)
	// Backoff is the first retry delay, doubled per retry (default 250ms).
	Backoff time.Duration
	// Dial, when set, makes every connection of every probe (after a
	// region's address is applied), like an /etc/hosts of the process:
	// tests map public names such as status.test to loopback listeners
	// with it, so no probe depends on an outside resolver.
	Dial func(ctx context.Context, network, addr string) (net.Conn, error)
	// RootCAs, when set, replaces the system's trusted roots for every
	// probe (a private CA; tests trust their own test CA with it).
	RootCAs *x509.CertPool
}

func (r *Runner) now() time.Time {
	if r.Now != nil {
		return r.Now()
	}
	return time.Now()
}

type job struct {
	check  *config.Check
	region config.Region
	index  int
}

// Round probes every given check (all of the config's when checks is nil)
// in every region concurrently, bounded by the configured concurrency and
// the round timeout. Results are sorted by group, check and region (the
// public name first); there is exactly one per check and region.
func (r *Runner) Round(ctx context.Context, checks []*config.Check) []Result {
	if checks == nil {
		checks = r.Config.Checks
	}
	d := r.Config.Defaults
	ctx, cancel := context.WithTimeout(ctx, d.RoundTimeout.D())
	defer cancel()

	var jobs []job
	for _, c := range checks {
		for _, reg := range c.Targets() {
			jobs = append(jobs, job{check: c, region: reg, index: len(jobs)})
		}
	}
	results := make([]Result, len(jobs))
	limit := d.Concurrency
	if limit <= 0 {
		limit = config.DefaultConcurrency
	}
	// limit workers take the jobs in order: a goroutine per probe in
	// flight, not per job (10,000 parked goroutines cost ~80 MB of stacks),
	// and a worker's stack, grown by its first probe, serves the next.
	var wg sync.WaitGroup
	var next, done atomic.Int64
	for range min(limit, len(jobs)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= len(jobs) {
					return
				}
				j := jobs[i]
				// A probe that would start after the deadline is not started.
				if err := ctx.Err(); err != nil {
					results[j.index] = r.skipped(j.check, j.region, err)
				} else {
					results[j.index] = r.Probe(ctx, j.check, j.region)
				}
				if r.Progress != nil {
					r.Progress(int(done.Add(1)), len(jobs))
				}
			}
		}()
	}
	wg.Wait()
	SortResults(results)
	return results
}

// SortResults orders results by group, check name, slug and region (the
// public name first).
func SortResults(rs []Result) {
	sort.SliceStable(rs, func(i, j int) bool {
		a, b := rs[i], rs[j]
		if a.Group != b.Group {
			return a.Group < b.Group
		}
		if a.Name != b.Name {
			return a.Name < b.Name
		}
		if a.Check != b.Check {
			return a.Check < b.Check
		}
		if (a.Region == config.PublicRegion) != (b.Region == config.PublicRegion) {
			return a.Region == config.PublicRegion
		}
		return a.Region < b.Region
	})
}

func (r *Runner) base(c *config.Check, reg config.Region) Result {
	return Result{Check: c.Slug, Name: c.Name, Group: c.Group, Kind: c.Kind, Region: reg.Name, Time: r.now().UTC()}
}

func (r *Runner) skipped(c *config.Check, reg config.Region, err error) Result {
	res := r.base(c, reg)
	res.Status = Down
	res.ReasonCode = ReasonTimeout
	res.Reason = "not probed: the round deadline (defaults.round_timeout) passed before this probe could start (" + err.Error() + ")"
	return res
}

// Probe probes one check in one region with retries and returns its
// redacted result. It never panics and returns within the round's deadline.
func (r *Runner) Probe(ctx context.Context, c *config.Check, reg config.Region) (res Result) {
	res = r.base(c, reg)
	red := r.Config.Redactor
	defer func() {
		if p := recover(); p != nil {
			res.Status = Down
			res.ReasonCode = ReasonInternal
			res.Reason = fmt.Sprintf("internal error in kind %s: %v", c.Kind, p)
		}
		// Redact before shortening: a cut through a secret would leave a
		// prefix of it that no longer matches.
		res.Reason = shorten(red.String(res.Reason))
		for i := range res.Failed {
			res.Failed[i].Observed = red.String(res.Failed[i].Observed)
			res.Failed[i].Condition = red.String(res.Failed[i].Condition)
		}
		for k, v := range res.Values {
			res.Values[k] = red.String(v)
		}
	}()
	kinds := r.Kinds
	if kinds == nil {
		kinds = Builtin()
	}
	if len(c.MissingEnv) > 0 {
		res.Status, res.ReasonCode, res.Reason = Down, ReasonConfig, missingEnvReason(c)
		return res
	}
	k, ok := kinds.Get(c.Kind)
	if !ok {
		res.Status, res.ReasonCode, res.Reason = Down, ReasonConfig, "unknown kind "+c.Kind
		return res
	}
	var prev Values
	if r.Prev != nil {
		prev = r.Prev(c.Slug, reg.Name)
	}
	t := &Target{Check: c, Region: reg, MaxBody: r.Config.Defaults.MaxBodyBytes, Prev: prev, Redactor: red, Now: r.now, Dialer: r.Dial, RootCAs: r.RootCAs}
	retries := 0
	if c.Retries != nil {
		retries = *c.Retries
	}
	backoff := r.Backoff
	if backoff <= 0 {
		backoff = 250 * time.Millisecond
	}
	for attempt := 0; ; attempt++ {
		res.Attempts = attempt + 1
		res.Time = r.now().UTC()
		retry := r.attempt(ctx, k, t, &res)
		if !retry || attempt >= retries || ctx.Err() != nil {
			return res
		}
		// Full jitter keeps retries of many checks from arriving together.
		wait := backoff<<attempt/2 + rand.N(backoff<<attempt/2+1)
		if dl, ok := ctx.Deadline(); ok && time.Until(dl) < wait+c.Timeout.D()/4 {
			return res // not enough time left for a meaningful retry
		}
		select {
		case <-time.After(wait):
		case <-ctx.Done():
			return res
		}
	}
}

// attempt makes one attempt and fills res. It reports whether a failure
// looks transient and is worth retrying.
func (r *Runner) attempt(ctx context.Context, k Kind, t *Target, res *Result) (retry bool) {
	c := t.Check
	actx, cancel := context.WithTimeout(ctx, c.Timeout.D())
	defer cancel()
	start := time.Now()
	obs, err := r.safeProbe(actx, k, t)
	res.Latency = time.Since(start)
	res.Failed = nil
	res.Reason, res.ReasonCode = "", ""
	if obs != nil {
		res.Code = obs.Code
		res.Phases = obs.Phases
		if len(obs.Values) > 0 {
			res.Values = obs.Values
		}
	}
	if err != nil {
		f := Classify(err)
		switch {
		case ctx.Err() != nil:
			// The round's deadline, not the check's, cut this probe short.
			f = &Failure{Code: ReasonTimeout, Msg: fmt.Sprintf("round deadline (defaults.round_timeout %s) reached during the probe: %v", r.Config.Defaults.RoundTimeout, cause(f)), Err: err}
		case attemptExpired(actx) && deadlineSymptom(f.Code):
			// Libraries report a deadline as many different errors (a
			// closed connection, a read timeout); the cause is the deadline.
			f = &Failure{Code: ReasonTimeout, Msg: fmt.Sprintf("no complete answer within %s: %v", c.Timeout, cause(f)), Transient: true, Err: err}
		}
		res.Status, res.ReasonCode, res.Reason = Down, f.Code, f.Msg
		// An attempt that ran into its deadline has spent the check's
		// timeout: retrying it would double the time to detect a dead
		// endpoint (and the round), while quick transient failures
		// (refused, reset, 5xx) are retried.
		return f.Transient && !attemptExpired(actx)
	}
	env := obs.Vars
	if env == nil {
		env = map[string]any{}
	}
	env["latency"] = res.Latency
	env["region"] = t.Region.Name
	if _, has := env["status"]; !has {
		env["status"] = obs.Code
	}
	conds := r.Config.Conditions[c.Slug]
	res.Status = Up
	if conds == nil {
		return false
	}
	clean := t.Redactor.String
	for _, cnd := range conds.Up {
		ok, observed, evalErr := cnd.EvalClean(env, clean)
		if !ok {
			if evalErr != nil && !strings.Contains(observed, "<missing>") {
				observed = strings.TrimSpace(observed + " (" + firstLine(evalErr.Error()) + ")")
			}
			res.Failed = append(res.Failed, FailedCondition{Condition: cnd.Source, Observed: observed})
		}
	}
	if len(res.Failed) > 0 {
		res.Status, res.ReasonCode = Down, ReasonCondition
		res.Reason = describeFailed(res.Failed)
		return obs.Retry
	}
	for _, cnd := range conds.Degraded {
		ok, observed, evalErr := cnd.EvalClean(env, clean)
		if !ok {
			if evalErr != nil && !strings.Contains(observed, "<missing>") {
				observed = strings.TrimSpace(observed + " (" + firstLine(evalErr.Error()) + ")")
			}
			res.Failed = append(res.Failed, FailedCondition{Condition: cnd.Source, Observed: observed, Degraded: true})
		}
	}
	if len(res.Failed) > 0 {
		res.Status, res.ReasonCode = Degraded, ReasonCondition
		res.Reason = describeFailed(res.Failed)
	}
	return false
}

func missingEnvReason(c *config.Check) string {
	refs := make([]string, len(c.MissingEnv))
	for i, n := range c.MissingEnv {
		refs[i] = "${" + n + "}"
	}
	verb := "is"
	if len(refs) > 1 {
		verb = "are"
	}
	return fmt.Sprintf("not probed: environment variable %s %s not set (referenced as %s in %s:%d); export it, or add it as a repository secret for the workflow",
		strings.Join(c.MissingEnv, ", "), verb, strings.Join(refs, ", "), c.File, c.Line)
}

// attemptExpired reports whether the attempt's deadline has passed. A
// socket deadline set from it can fire a moment before the context itself
// reports the deadline, so the clock is asked too.
func attemptExpired(ctx context.Context) bool {
	if ctx.Err() != nil {
		return true
	}
	dl, ok := ctx.Deadline()
	return ok && !time.Now().Before(dl)
}

// deadlineSymptom tells the reason codes that an attempt's deadline shows
// up as, from those that say something more precise (no_reply, too_large).
func deadlineSymptom(c ReasonCode) bool {
	switch c {
	case ReasonTimeout, ReasonReset, ReasonNetwork, ReasonBadResponse, ReasonTLS:
		return true
	}
	return false
}

// cause is the message of the error underneath a classification.
func cause(f *Failure) string {
	if f.Err != nil {
		return f.Err.Error()
	}
	return f.Msg
}

func (r *Runner) safeProbe(ctx context.Context, k Kind, t *Target) (obs *Observation, err error) {
	defer func() {
		if p := recover(); p != nil {
			obs, err = nil, Fail(ReasonInternal, "internal error in kind %s: %v", k.Name(), p)
		}
	}()
	return k.Probe(ctx, t)
}

func describeFailed(fs []FailedCondition) string {
	parts := make([]string, len(fs))
	for i, f := range fs {
		parts[i] = "failed: " + f.Condition
		if f.Observed != "" {
			parts[i] += " (" + f.Observed + ")"
		}
	}
	return strings.Join(parts, "; ")
}

// MaxReason bounds the length of a result's reason.
const MaxReason = 300

func shorten(s string) string {
	return text.Truncate(strings.Join(strings.Fields(s), " "), MaxReason)
}

func firstLine(s string) string {
	l, _, _ := strings.Cut(s, "\n")
	return l
}
