package prober

import (
	"context"
	"crypto/tls"
	"net/url"
	"time"

	"github.com/upchain-dev/upchain/prober/cond"
	"github.com/upchain-dev/upchain/prober/config"
)

// TLSOptions are the `tls:` options of a check.
type TLSOptions struct {
	// ServerName overrides the SNI and verified name (default: url host).
	ServerName string `yaml:"server_name"`
}

type tlsKind struct{ Base }

func (tlsKind) Name() string    { return "tls" }
func (tlsKind) NewOptions() any { return &TLSOptions{} }
func (tlsKind) Vars() []string  { return []string{"latency", "region", "cert", "tls"} }
func (tlsKind) VarTypes() cond.Fields {
	return typedVars(cond.Fields{"cert": certFields, "tls": tlsFields})
}
func (tlsKind) Values() []ValueSpec { return certValues }

func (tlsKind) Validate(c *config.Check) []config.FieldProblem {
	return hostPortProblems(c, "tls")
}

// DefaultConditions warn (degraded) two weeks before a certificate expires;
// an expired or untrusted one already fails verification.
func (tlsKind) DefaultConditions(*config.Check) ([]string, []string) {
	return nil, []string{"cert.expires_in > 14d"}
}

func (tlsKind) Probe(ctx context.Context, t *Target) (*Observation, error) {
	o, _ := t.Options().(*TLSOptions)
	u, err := url.Parse(t.Check.URL)
	if err != nil {
		return nil, Fail(ReasonConfig, "bad url: %v", err)
	}
	name := u.Hostname()
	if o != nil && o.ServerName != "" {
		name = o.ServerName
	}
	obs := NewObservation()
	raw, err := dialTimed(ctx, t, u.Host, obs)
	if err != nil {
		return obs, err
	}
	defer raw.Close()
	stop := context.AfterFunc(ctx, func() { raw.Close() })
	defer stop()
	conn := tls.Client(raw, t.TLSConfig(name, false))
	start := time.Now()
	if err := conn.HandshakeContext(ctx); err != nil {
		return obs, err
	}
	obs.Phases.TLS = time.Since(start)
	st := conn.ConnectionState()
	certVars(&st, t.Now(), obs)
	return obs, nil
}
