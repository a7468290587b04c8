package prober

import (
	"context"
	"fmt"
	"net"
	"net/url"
	"time"

	"github.com/upchain-dev/upchain/prober/cond"
	"github.com/upchain-dev/upchain/prober/config"
)

type tcpKind struct{ Base }

func (tcpKind) Name() string          { return "tcp" }
func (tcpKind) Vars() []string        { return []string{"latency", "region"} }
func (tcpKind) VarTypes() cond.Fields { return typedVars(nil) }
func (tcpKind) Values() []ValueSpec   { return nil }

func (tcpKind) Validate(c *config.Check) []config.FieldProblem {
	return hostPortProblems(c, "tcp")
}

// hostPortProblems requires scheme://host:port, e.g. tcp://node:30333.
func hostPortProblems(c *config.Check, scheme string) []config.FieldProblem {
	u, err := url.Parse(c.URL)
	if err != nil {
		return nil
	}
	if u.Scheme != scheme || u.Port() == "" {
		return []config.FieldProblem{{Field: "url", Msg: fmt.Sprintf("kind %s needs a url like %s://host:port", c.Kind, scheme)}}
	}
	return nil
}

func (tcpKind) Probe(ctx context.Context, t *Target) (*Observation, error) {
	u, err := url.Parse(t.Check.URL)
	if err != nil {
		return nil, Fail(ReasonConfig, "bad url: %v", err)
	}
	obs := NewObservation()
	start := time.Now()
	conn, err := t.Dial(ctx, "tcp", u.Host)
	if err != nil {
		return obs, err
	}
	obs.Phases.Connect = time.Since(start)
	conn.Close()
	return obs, nil
}

// dialTimed dials and records the connect phase.
func dialTimed(ctx context.Context, t *Target, addr string, obs *Observation) (net.Conn, error) {
	start := time.Now()
	conn, err := t.Dial(ctx, "tcp", addr)
	if err != nil {
		return nil, err
	}
	obs.Phases.Connect = time.Since(start)
	return conn, nil
}
