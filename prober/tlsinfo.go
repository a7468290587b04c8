package prober

import (
	"crypto/tls"
	"strconv"
	"time"
)

// certVars describes the peer's certificates for conditions
// (cert.expires_in, cert.subject, ...) and records the earliest expiry as
// the value cert_expiry (unix seconds), which metrics export.
// certValues are what certVars records.
var certValues = []ValueSpec{{
	Name: "cert_expiry", Label: "Certificate expires", Unit: UnitUnixTime,
	Metric: "probe_ssl_earliest_cert_expiry", Help: "Earliest expiry of the TLS certificates the endpoint presented, in unix seconds.",
}}

func certVars(state *tls.ConnectionState, now time.Time, obs *Observation) {
	if state == nil || len(state.PeerCertificates) == 0 {
		return
	}
	leaf := state.PeerCertificates[0]
	earliest := leaf.NotAfter
	for _, c := range state.PeerCertificates {
		if c.NotAfter.Before(earliest) {
			earliest = c.NotAfter
		}
	}
	obs.Vars["cert"] = map[string]any{
		"expires_in": earliest.Sub(now),
		"not_after":  earliest.UTC().Format(time.RFC3339),
		"subject":    leaf.Subject.CommonName,
		"issuer":     leaf.Issuer.CommonName,
		"dns_names":  leaf.DNSNames,
		"verified":   len(state.VerifiedChains) > 0,
	}
	obs.Values["cert_expiry"] = strconv.FormatInt(earliest.Unix(), 10)
	obs.Vars["tls"] = map[string]any{"version": tls.VersionName(state.Version)}
}
