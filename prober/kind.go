// Package prober is the probe engine: check kinds (one file per kind),
// rounds that run every check in every region concurrently, and the
// conditions that decide up, degraded or down.
//
// Adding a kind is one file: a type implementing Kind, registered in an
// init function with Register, plus its tests.
package prober

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"net"
	"sort"
	"sync"
	"time"

	"github.com/upchain-dev/upchain/prober/config"
	"github.com/upchain-dev/upchain/prober/redact"
)

// Kind probes one kind of endpoint.
type Kind interface {
	config.Kind
	// Name is the value of `kind:` in check files.
	Name() string
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

// Registry holds the known kinds.
type Registry struct {
	mu    sync.RWMutex
	kinds map[string]Kind
}

// Kinds is the registry every built-in kind registers in.
var Kinds = &Registry{kinds: map[string]Kind{}}

// NewRegistry returns a registry holding the given kinds (tests and
// embedders that want kinds besides, or instead of, the built-in ones).
func NewRegistry(kinds ...Kind) *Registry {
	r := &Registry{kinds: map[string]Kind{}}
	for _, k := range kinds {
		r.kinds[k.Name()] = k
	}
	return r
}

// All returns the registered kinds sorted by name.
func (r *Registry) All() []Kind {
	r.mu.RLock()
	defer r.mu.RUnlock()
	out := make([]Kind, 0, len(r.kinds))
	for _, k := range r.kinds {
		out = append(out, k)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name() < out[j].Name() })
	return out
}

// Register adds k to the default registry; it panics on a duplicate name,
// which is a programming error.
func Register(k Kind) {
	Kinds.mu.Lock()
	defer Kinds.mu.Unlock()
	if _, dup := Kinds.kinds[k.Name()]; dup {
		panic("prober: kind registered twice: " + k.Name())
	}
	Kinds.kinds[k.Name()] = k
}

// Lookup implements config.Kinds.
func (r *Registry) Lookup(name string) (config.Kind, bool) {
	k, ok := r.Get(name)
	return k, ok
}

// Get returns the kind named name.
func (r *Registry) Get(name string) (Kind, bool) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	k, ok := r.kinds[name]
	return k, ok
}

// Names implements config.Kinds.
func (r *Registry) Names() []string {
	r.mu.RLock()
	defer r.mu.RUnlock()
	out := make([]string, 0, len(r.kinds))
	for n := range r.kinds {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// Load reads the config at path with the registered kinds.
func Load(path string, opts config.Options) (*config.Loaded, error) {
	return config.Load(path, Kinds, opts)
}
