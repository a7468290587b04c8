// Package prober is the probe engine: check kinds (one file per kind),
// rounds that run every check in every region concurrently, and the
// conditions that decide up, degraded or down.
//
// Adding a kind is its own file(s): a type implementing Kind, named in
// the list in builtin.go, plus its tests.
package prober

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"net"
	"sort"
	"time"

	"github.com/upchain-dev/upchain/prober/config"
	"github.com/upchain-dev/upchain/prober/redact"
)

// Kind probes one kind of endpoint.
type Kind interface {
	config.Kind
	// Name is the value of `kind:` in check files.
	Name() string
	// Values declares every value the kind records (see ValueSpec).
	ValueDeclarer
	// Probe makes one attempt against t within ctx's deadline. A returned
	// error makes the result down with that error as reason; otherwise the
	// observation's Vars are given to the check's conditions.
	Probe(ctx context.Context, t *Target) (*Observation, error)
}

// Target is what a kind probes: a check in one region.
type Target struct {
	Check  *config.Check
	Region config.Region
	// MaxBody bounds every read of a response body or message.
	MaxBody int64
	// Prev holds the values recorded by the previous probe of this check
	// and region (empty on the first), for kinds that work incrementally:
	// blocks since the last probe, reward points growing between probes.
	Prev Values
	// Redactor removes secrets from anything a kind puts in messages.
	Redactor *redact.Redactor
	// Now is the clock used for ages (head age, certificate expiry).
	Now func() time.Time
	// Dialer, when set, makes every connection instead of net.Dialer, after
	// the region's address has been applied (see Runner.Dial).
	Dialer func(ctx context.Context, network, addr string) (net.Conn, error)
	// RootCAs, when set, replaces the system's trusted roots (see
	// Runner.RootCAs).
	RootCAs *x509.CertPool
}

// Options returns the check's kind options (decoded by config.Load).
func (t *Target) Options() any { return t.Check.Options }

// Dial connects like net.Dialer.DialContext, but to the region's address
// instead of what DNS returns for addr's host, when the region has one.
// The port of addr is kept unless the region's address names its own.
func (t *Target) Dial(ctx context.Context, network, addr string) (net.Conn, error) {
	if t.Dialer != nil {
		return t.Dialer(ctx, network, t.DialAddr(addr))
	}
	var d net.Dialer
	return d.DialContext(ctx, network, t.DialAddr(addr))
}

// DialAddr is the address actually dialed for addr.
func (t *Target) DialAddr(addr string) string {
	if t.Region.Address == "" {
		return addr
	}
	_, port, err := net.SplitHostPort(addr)
	if h, p, err2 := net.SplitHostPort(t.Region.Address); err2 == nil {
		return net.JoinHostPort(h, p)
	}
	if err != nil {
		return t.Region.Address
	}
	return net.JoinHostPort(t.Region.Address, port)
}

// TLSConfig is the TLS configuration for serverName: verification on, the
// public name as SNI (also when dialing a regional backend).
func (t *Target) TLSConfig(serverName string, insecure bool) *tls.Config {
	return &tls.Config{ServerName: serverName, InsecureSkipVerify: insecure, MinVersion: tls.VersionTLS12, RootCAs: t.RootCAs}
}

// Observation is what one successful attempt saw.
type Observation struct {
	// Code is the protocol status (HTTP status), 0 if none.
	Code   int
	Phases Phases
	// Vars are the condition variables (status, body, result, head, ...).
	Vars map[string]any
	// Values are recorded in history and shown on the site.
	Values Values
	// Retry marks an answer that is likely to be transient (HTTP 5xx or
	// 429): if conditions fail, the attempt is retried.
	Retry bool
}

// NewObservation returns an Observation with empty maps.
func NewObservation() *Observation {
	return &Observation{Vars: map[string]any{}, Values: Values{}}
}

// Base gives a kind the default answers of config.Kind; embed it and
// override what differs.
type Base struct{}

// NewOptions implements config.Kind: no options.
func (Base) NewOptions() any { return nil }

// Validate implements config.Kind: nothing more to check.
func (Base) Validate(*config.Check) []config.FieldProblem { return nil }

// DefaultConditions implements config.Kind: none.
func (Base) DefaultConditions(*config.Check) (up, degraded []string) { return nil, nil }

// Registry holds a fixed set of kinds. It is built once and never
// changed, so it is safe for concurrent use.
type Registry struct {
	kinds  map[string]Kind
	sorted []Kind
	values *ValueCatalog
}

// NewRegistry returns a registry of the given kinds (tests and embedders
// that want kinds besides, or instead of, the built-in ones). It panics on
// a duplicate name or conflicting value declarations: programming errors
// that any test using the registry catches.
func NewRegistry(kinds ...Kind) *Registry {
	r := &Registry{kinds: map[string]Kind{}}
	for _, k := range kinds {
		if _, dup := r.kinds[k.Name()]; dup {
			panic("prober: kind listed twice: " + k.Name())
		}
		r.kinds[k.Name()] = k
		r.sorted = append(r.sorted, k)
	}
	sort.Slice(r.sorted, func(i, j int) bool { return r.sorted[i].Name() < r.sorted[j].Name() })
	cat, err := NewValueCatalog(r.sorted, roundSteps()...)
	if err != nil {
		panic("prober: " + err.Error())
	}
	r.values = cat
	return r
}

// All returns the kinds sorted by name.
func (r *Registry) All() []Kind { return append([]Kind(nil), r.sorted...) }

// Lookup implements config.Kinds.
func (r *Registry) Lookup(name string) (config.Kind, bool) {
	k, ok := r.Get(name)
	return k, ok
}

// Get returns the kind named name.
func (r *Registry) Get(name string) (Kind, bool) {
	k, ok := r.kinds[name]
	return k, ok
}

// Names implements config.Kinds.
func (r *Registry) Names() []string {
	out := make([]string, len(r.sorted))
	for i, k := range r.sorted {
		out[i] = k.Name()
	}
	return out
}

// Values is the catalog of every value the kinds and the round's steps
// record.
func (r *Registry) Values() *ValueCatalog { return r.values }

// Load reads the config at path with the built-in kinds.
func Load(path string, opts config.Options) (*config.Loaded, error) {
	return config.Load(path, Builtin(), opts)
}
