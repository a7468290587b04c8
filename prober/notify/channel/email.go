package channel

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"mime"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"net/smtp"
	"net/textproto"
	"strconv"
	"strings"
	"time"

	"github.com/upchain-dev/upchain/prober/internal/retry"
)

// Email sends over SMTP to one or more recipients.
type Email struct {
	Host string `yaml:"host"`
	// Port defaults to 587, or 465 with tls: tls.
	Port     int      `yaml:"port"`
	Username string   `yaml:"username"`
	Password string   `yaml:"password"`
	From     string   `yaml:"from"`
	To       []string `yaml:"to"`
	// TLS is "starttls" (default: used when the server offers it,
	// required unless the host is loopback), "tls" (implicit, port 465)
	// or "none".
	TLS string `yaml:"tls"`
}

// Validate needs a host, a sender and recipients that parse as
// addresses, a port in range and a known tls mode.
func (ch *Email) Validate() []Problem {
	var out []Problem
	if ch.Host == "" {
		out = append(out, need("email", "host", "the SMTP server"))
	}
	if ch.From == "" {
		out = append(out, need("email", "from", "the sender address"))
	}
	if len(ch.To) == 0 {
		out = append(out, need("email", "to", "one or more recipients"))
	}
	// An unset ${NAME} (validate --allow-missing-secrets) has no shape yet.
	if ch.From != "" && !strings.Contains(ch.From, "${") {
		if _, err := mail.ParseAddress(ch.From); err != nil {
			out = append(out, Problem{Field: "from", Msg: fmt.Sprintf("from %q: %v", ch.From, err)})
		}
	}
	for _, to := range ch.To {
		if _, err := mail.ParseAddress(to); err != nil && !strings.Contains(to, "${") {
			out = append(out, Problem{Field: "to", Msg: fmt.Sprintf("to %q: %v", to, err)})
		}
	}
	if ch.Port < 0 || ch.Port > 65535 {
		out = append(out, Problem{Field: "port", Msg: fmt.Sprintf("port %d out of range", ch.Port)})
	}
	switch ch.TLS {
	case "", "starttls", "tls", "none":
	default:
		out = append(out, Problem{Field: "tls", Msg: fmt.Sprintf("tls %q: use starttls, tls or none", ch.TLS)})
	}
	return out
}

// Send sends one message to all recipients over SMTP (RFC 5321) with
// net/smtp: STARTTLS when offered (required with a password unless the
// server is on loopback, which net/smtp's PLAIN auth enforces), or
// implicit TLS with tls: tls. The connection has a deadline; 4xx replies
// are retried, 5xx are not.
func (ch *Email) Send(ctx context.Context, env Env, ev Event, text string) error {
	port := ch.Port
	if port == 0 {
		port = 587
		if ch.TLS == "tls" {
			port = 465
		}
	}
	addr := net.JoinHostPort(ch.Host, strconv.Itoa(port))
	from, err := mail.ParseAddress(ch.From)
	if err != nil {
		return retry.Permanent(fmt.Errorf("from: %v", err))
	}
	var to []*mail.Address
	for _, s := range ch.To {
		a, err := mail.ParseAddress(s)
		if err != nil {
			return retry.Permanent(fmt.Errorf("to: %v", err))
		}
		to = append(to, a)
	}
	now := time.Now
	if env.Now != nil {
		now = env.Now
	}
	msg, err := message(from, to, ev, text, now())
	if err != nil {
		return retry.Permanent(err)
	}
	return smtpErr(sendSMTP(ctx, ch, addr, from.Address, to, msg))
}

func sendSMTP(ctx context.Context, ch *Email, addr, from string, to []*mail.Address, msg []byte) error {
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return err
	}
	defer conn.Close()
	if dl, ok := ctx.Deadline(); ok {
		conn.SetDeadline(dl)
	}
	// Closing the connection unblocks any pending read when ctx ends.
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	defer stop()
	tlsConf := &tls.Config{ServerName: ch.Host, MinVersion: tls.VersionTLS12}
	if ch.TLS == "tls" {
		conn = tls.Client(conn, tlsConf)
	}
	c, err := smtp.NewClient(conn, ch.Host)
	if err != nil {
		return err
	}
	defer c.Close()
	if ch.TLS != "tls" && ch.TLS != "none" {
		if ok, _ := c.Extension("STARTTLS"); ok {
			if err := c.StartTLS(tlsConf); err != nil {
				return err
			}
		} else if ch.TLS == "starttls" {
			return retry.Permanent(errors.New("the SMTP server does not offer STARTTLS (set tls: none to send in the clear)"))
		}
	}
	if ch.Username != "" {
		if ok, _ := c.Extension("AUTH"); !ok {
			return retry.Permanent(errors.New("the SMTP server offers no AUTH but a username is configured"))
		}
		if err := c.Auth(smtp.PlainAuth("", ch.Username, ch.Password, ch.Host)); err != nil {
			return err
		}
	}
	if err := c.Mail(from); err != nil {
		return err
	}
	for _, a := range to {
		if err := c.Rcpt(a.Address); err != nil {
			return err
		}
	}
	w, err := c.Data()
	if err != nil {
		return err
	}
	if _, err := w.Write(msg); err != nil {
		return err
	}
	if err := w.Close(); err != nil {
		return err
	}
	return c.Quit()
}

// smtpErr makes permanent SMTP replies (5xx) permanent for retry.
func smtpErr(err error) error {
	var te *textproto.Error
	if errors.As(err, &te) && te.Code >= 500 {
		return retry.Permanent(err)
	}
	return err
}

// message renders an RFC 5322 message: UTF-8 text, quoted-printable, a
// subject encoded per RFC 2047, and headers that mark it automatic.
func message(from *mail.Address, to []*mail.Address, ev Event, text string, now time.Time) ([]byte, error) {
	var b bytes.Buffer
	subject := strings.Join(strings.Fields(ev.Headline()), " ") // no CR/LF: no header injection
	if ev.Site != "" {
		subject = "[" + strings.Join(strings.Fields(ev.Site), " ") + "] " + subject
	}
	rcpts := make([]string, len(to))
	for i, a := range to {
		rcpts[i] = a.String()
	}
	if !ev.Time.IsZero() {
		now = ev.Time
	}
	domain := "upchain.invalid"
	if at := strings.LastIndex(from.Address, "@"); at >= 0 {
		domain = from.Address[at+1:]
	}
	hdr := [][2]string{
		{"From", from.String()},
		{"To", strings.Join(rcpts, ", ")},
		{"Subject", mime.QEncoding.Encode("utf-8", subject)},
		{"Date", now.UTC().Format(time.RFC1123Z)},
		{"Message-ID", fmt.Sprintf("<%s.%d.%d@%s>", ev.ID, ev.Seq, now.Unix(), domain)},
		{"MIME-Version", "1.0"},
		{"Content-Type", "text/plain; charset=utf-8"},
		{"Content-Transfer-Encoding", "quoted-printable"},
		{"Auto-Submitted", "auto-generated"},
	}
	for _, h := range hdr {
		fmt.Fprintf(&b, "%s: %s\r\n", h[0], h[1])
	}
	b.WriteString("\r\n")
	qp := quotedprintable.NewWriter(&b)
	if _, err := qp.Write([]byte(strings.ReplaceAll(text, "\n", "\r\n"))); err != nil {
		return nil, err
	}
	if err := qp.Close(); err != nil {
		return nil, err
	}
	b.WriteString("\r\n")
	return b.Bytes(), nil
}
