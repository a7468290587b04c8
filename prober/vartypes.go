package prober

import "github.com/upchain-dev/upchain/prober/cond"

// Declarations of condition variables that several kinds share (see
// config.TypedKind): the round adds latency and region to every kind's
// variables (and status, 0 unless the kind sets it, to those that list it).

// typedVars returns the round's variables plus a kind's own.
func typedVars(own cond.Fields) cond.Fields {
	out := cond.Fields{"latency": cond.Duration, "region": cond.String}
	for k, v := range own {
		out[k] = v
	}
	return out
}

// certFields and tlsFields are what certVars sets.
var (
	certFields = cond.Fields{
		"expires_in": cond.Duration, "not_after": cond.String, "subject": cond.String,
		"issuer": cond.String, "dns_names": cond.Strings, "verified": cond.Bool,
	}
	tlsFields = cond.Fields{"version": cond.String}
)

// headFields are what headVars sets, with extra fields of a kind.
func headFields(extra cond.Fields) cond.Fields {
	out := cond.Fields{"height": cond.Number, "age": cond.Duration, "time": cond.String}
	for k, v := range extra {
		out[k] = v
	}
	return out
}
