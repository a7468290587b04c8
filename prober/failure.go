package prober

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strings"
	"syscall"
)

// ReasonCode is a short, stable classification of why a probe failed, kept
// in history and used by metrics and incidents.
type ReasonCode string

// Reason codes.
const (
	ReasonTimeout     ReasonCode = "timeout"
	ReasonRefused     ReasonCode = "refused"
	ReasonReset       ReasonCode = "reset"
	ReasonDNS         ReasonCode = "dns"
	ReasonTLS         ReasonCode = "tls"
	ReasonCert        ReasonCode = "cert"
	ReasonHTTPStatus  ReasonCode = "http_status"
	ReasonRedirects   ReasonCode = "redirects"
	ReasonTooLarge    ReasonCode = "too_large"
	ReasonBadResponse ReasonCode = "bad_response"
	ReasonRPCError    ReasonCode = "rpc_error"
	ReasonNoReply     ReasonCode = "no_reply"
	ReasonCondition   ReasonCode = "condition"
	ReasonNetwork     ReasonCode = "network"
	ReasonChain       ReasonCode = "chain"
	ReasonConfig      ReasonCode = "config"
	// ReasonInternal is a bug in upchain (a kind panicked), not in the
	// endpoint; the probe still ends as down so that nothing is hidden.
	ReasonInternal ReasonCode = "internal"
)

// Failure is a probe error with its classification. Kinds return it (via
// Fail) when they know why a probe failed; other errors are classified by
// Classify.
type Failure struct {
	Code ReasonCode
	Msg  string
	// Transient failures are retried within the check's budget.
	Transient bool
	// Observed lets a kind report observations made before it failed.
	Err error
}

func (f *Failure) Error() string { return f.Msg }
func (f *Failure) Unwrap() error { return f.Err }

// Fail builds a Failure.
func Fail(code ReasonCode, format string, args ...any) *Failure {
	return &Failure{Code: code, Msg: fmt.Sprintf(format, args...), Transient: transientCode(code)}
}

func transientCode(c ReasonCode) bool {
	switch c {
	case ReasonTimeout, ReasonRefused, ReasonReset, ReasonNetwork, ReasonNoReply:
		return true
	}
	return false
}

// Classify turns any error from a probe into a Failure with a reason code
// and a message a person can act on.
func Classify(err error) *Failure {
	if err == nil {
		return nil
	}
	var f *Failure
	if errors.As(err, &f) {
		return f
	}
	msg := err.Error()
	var (
		dnsErr  *net.DNSError
		certErr *tls.CertificateVerificationError
		unkAuth x509.UnknownAuthorityError
		invCert x509.CertificateInvalidError
		hostErr x509.HostnameError
		recErr  tls.RecordHeaderError
		alert   tls.AlertError
	)
	switch {
	case errors.Is(err, context.DeadlineExceeded) || errors.Is(err, os.ErrDeadlineExceeded) || isTimeout(err):
		return &Failure{Code: ReasonTimeout, Msg: "timed out: " + msg, Transient: true, Err: err}
	case errors.As(err, &dnsErr):
		code := ReasonDNS
		if dnsErr.IsNotFound {
			return &Failure{Code: code, Msg: "DNS name does not exist: " + dnsErr.Name, Err: err}
		}
		return &Failure{Code: code, Msg: msg, Transient: dnsErr.Temporary(), Err: err}
	case errors.As(err, &certErr), errors.As(err, &unkAuth), errors.As(err, &invCert), errors.As(err, &hostErr):
		return &Failure{Code: ReasonCert, Msg: "certificate not trusted: " + msg, Err: err}
	case errors.As(err, &recErr), errors.As(err, &alert):
		return &Failure{Code: ReasonTLS, Msg: "TLS handshake failed: " + msg, Err: err}
	case errors.Is(err, syscall.ECONNREFUSED):
		return &Failure{Code: ReasonRefused, Msg: "connection refused: " + msg, Transient: true, Err: err}
	case errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE):
		return &Failure{Code: ReasonReset, Msg: "connection reset: " + msg, Transient: true, Err: err}
	case errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF):
		return &Failure{Code: ReasonReset, Msg: "connection closed early: " + msg, Transient: true, Err: err}
	case strings.Contains(msg, "tls:") || strings.Contains(msg, "x509:"):
		return &Failure{Code: ReasonTLS, Msg: "TLS failed: " + msg, Err: err}
	case strings.Contains(msg, "server response headers exceeded"):
		return &Failure{Code: ReasonTooLarge, Msg: "response headers larger than 64 KiB", Err: err}
	case strings.Contains(msg, "readLoopPeekFailLocked"):
		// net/http's words for bytes that arrived before any request.
		return &Failure{Code: ReasonBadResponse, Msg: "the server sent data before any request was made: not an HTTP server?", Err: err}
	case strings.Contains(msg, "stopped after") && strings.Contains(msg, "redirects"):
		return &Failure{Code: ReasonRedirects, Msg: msg, Err: err}
	}
	var opErr *net.OpError
	if errors.As(err, &opErr) {
		return &Failure{Code: ReasonNetwork, Msg: msg, Transient: true, Err: err}
	}
	return &Failure{Code: ReasonBadResponse, Msg: msg, Err: err}
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}
