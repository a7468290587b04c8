package prober

import (
	"context"
	"fmt"
	"net"
	"net/url"
	"strings"

	"github.com/upchain-dev/upchain/prober/cond"
	"github.com/upchain-dev/upchain/prober/config"
)

// DNSOptions are the `dns:` options of a check.
type DNSOptions struct {
	// Type of record: A (IPv4 and IPv6 addresses, default), CNAME, TXT, MX, NS.
	Type string `yaml:"type"`
	// Server to ask instead of the system resolver, "host:port".
	Server string `yaml:"server"`
}

type dnsKind struct{ Base }

func (dnsKind) Name() string    { return "dns" }
func (dnsKind) NewOptions() any { return &DNSOptions{} }
func (dnsKind) Vars() []string  { return []string{"latency", "region", "answers"} }
func (dnsKind) VarTypes() cond.Fields {
	return typedVars(cond.Fields{"answers": cond.Strings})
}
func (dnsKind) Values() []ValueSpec { return nil }

func (dnsKind) Validate(c *config.Check) []config.FieldProblem {
	var out []config.FieldProblem
	if u, err := url.Parse(c.URL); err == nil && (u.Scheme != "dns" || u.Hostname() == "") {
		out = append(out, config.FieldProblem{Field: "url", Msg: "kind dns needs a url like dns://name.example.org"})
	}
	if o, _ := c.Options.(*DNSOptions); o != nil {
		switch strings.ToUpper(o.Type) {
		case "", "A", "CNAME", "TXT", "MX", "NS":
		default:
			out = append(out, config.FieldProblem{Field: "dns.type", Msg: fmt.Sprintf("dns.type %q: use A, CNAME, TXT, MX or NS", o.Type)})
		}
	}
	return out
}

// DefaultConditions: a name that resolves to nothing is down.
func (dnsKind) DefaultConditions(*config.Check) ([]string, []string) {
	return []string{"len(answers) > 0"}, nil
}

func (dnsKind) Probe(ctx context.Context, t *Target) (*Observation, error) {
	o, _ := t.Options().(*DNSOptions)
	if o == nil {
		o = &DNSOptions{}
	}
	u, err := url.Parse(t.Check.URL)
	if err != nil {
		return nil, Fail(ReasonConfig, "bad url: %v", err)
	}
	r := &net.Resolver{}
	server := o.Server
	if server == "" && t.Region.Address != "" {
		server = t.DialAddr(net.JoinHostPort("resolver", "53"))
	}
	if server != "" {
		r.PreferGo = true
		r.Dial = func(ctx context.Context, network, _ string) (net.Conn, error) {
			if t.Dialer != nil {
				return t.Dialer(ctx, network, server)
			}
			var d net.Dialer
			return d.DialContext(ctx, network, server)
		}
	}
	name := u.Hostname()
	var answers []string
	switch strings.ToUpper(o.Type) {
	case "", "A":
		answers, err = r.LookupHost(ctx, name)
	case "CNAME":
		var c string
		c, err = r.LookupCNAME(ctx, name)
		answers = []string{c}
	case "TXT":
		answers, err = r.LookupTXT(ctx, name)
	case "MX":
		var mx []*net.MX
		mx, err = r.LookupMX(ctx, name)
		for _, m := range mx {
			answers = append(answers, m.Host)
		}
	case "NS":
		var ns []*net.NS
		ns, err = r.LookupNS(ctx, name)
		for _, n := range ns {
			answers = append(answers, n.Host)
		}
	}
	obs := NewObservation()
	if err != nil {
		return obs, err
	}
	list := make([]any, len(answers))
	for i, a := range answers {
		list[i] = a
	}
	obs.Vars["answers"] = list
	return obs, nil
}
