package notify

import (
	"bufio"
	"encoding/base64"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
)

// request is what a fake service received.
type request struct {
	Path   string
	Header http.Header
	Body   []byte
}

// service plays a notification endpoint on 127.0.0.1. check validates the
// request shape the way the real service documents it (returning a status
// and body to reply with when it is wrong); reply scripts the answer to the
// n-th request (1-based) once the shape is right.
type service struct {
	srv   *httptest.Server
	mu    sync.Mutex
	got   []request
	check func(r request) (int, string)
	reply func(n int, w http.ResponseWriter)
}

func newService(t *testing.T, check func(request) (int, string), reply func(int, http.ResponseWriter)) *service {
	s := &service{check: check, reply: reply}
	s.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
		req := request{Path: r.URL.Path, Header: r.Header.Clone(), Body: body}
		s.mu.Lock()
		s.got = append(s.got, req)
		n := len(s.got)
		s.mu.Unlock()
		if r.Method != http.MethodPost || !strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
			http.Error(w, "POST application/json expected", http.StatusBadRequest)
			return
		}
		if s.check != nil {
			if code, msg := s.check(req); code != 0 {
				w.WriteHeader(code)
				io.WriteString(w, msg)
				return
			}
		}
		if s.reply != nil {
			s.reply(n, w)
			return
		}
		w.WriteHeader(http.StatusOK)
	}))
	t.Cleanup(s.srv.Close)
	return s
}

func (s *service) requests() []request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]request(nil), s.got...)
}

// smtpServer is a minimal SMTP server (RFC 5321 commands EHLO, AUTH PLAIN
// per RFC 4954, MAIL, RCPT, DATA, RSET, NOOP, QUIT) that records sessions.
// It offers no STARTTLS, so clients authenticate in the clear, which
// net/smtp allows only on loopback.
type smtpServer struct {
	ln       net.Listener
	mu       sync.Mutex
	mails    []sentMail
	auths    []string
	failData int // reply 451 to the first failData DATA commands
	wg       sync.WaitGroup
}

type sentMail struct {
	From string
	To   []string
	Data string
}

func newSMTPServer(t *testing.T) *smtpServer {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &smtpServer{ln: ln}
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			s.wg.Add(1)
			go func() {
				defer s.wg.Done()
				s.session(c)
			}()
		}
	}()
	t.Cleanup(func() { ln.Close(); s.wg.Wait() })
	return s
}

func (s *smtpServer) addr() (string, int) {
	a := s.ln.Addr().(*net.TCPAddr)
	return a.IP.String(), a.Port
}

func (s *smtpServer) session(c net.Conn) {
	defer c.Close()
	r := bufio.NewReader(c)
	say := func(line string) { io.WriteString(c, line+"\r\n") }
	say("220 fake.smtp.test ESMTP")
	var cur sentMail
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return
		}
		line = strings.TrimRight(line, "\r\n")
		verb := strings.ToUpper(strings.SplitN(line, " ", 2)[0])
		switch verb {
		case "EHLO", "HELO":
			say("250-fake.smtp.test")
			say("250-AUTH PLAIN")
			say("250 8BITMIME")
		case "AUTH":
			parts := strings.Fields(line)
			if len(parts) != 3 || strings.ToUpper(parts[1]) != "PLAIN" {
				say("504 5.5.4 only AUTH PLAIN with initial response")
				continue
			}
			dec, _ := base64.StdEncoding.DecodeString(parts[2])
			s.mu.Lock()
			s.auths = append(s.auths, string(dec))
			s.mu.Unlock()
			say("235 2.7.0 accepted")
		case "MAIL":
			cur = sentMail{From: between(line, "<", ">")}
			say("250 2.1.0 ok")
		case "RCPT":
			cur.To = append(cur.To, between(line, "<", ">"))
			say("250 2.1.5 ok")
		case "DATA":
			s.mu.Lock()
			fail := s.failData > 0
			if fail {
				s.failData--
			}
			s.mu.Unlock()
			if fail {
				say("451 4.3.0 try again later")
				continue
			}
			say("354 end with <CRLF>.<CRLF>")
			var data strings.Builder
			for {
				l, err := r.ReadString('\n')
				if err != nil {
					return
				}
				if l == ".\r\n" {
					break
				}
				data.WriteString(strings.TrimPrefix(l, "."))
			}
			cur.Data = data.String()
			s.mu.Lock()
			s.mails = append(s.mails, cur)
			s.mu.Unlock()
			say("250 2.0.0 queued")
		case "RSET", "NOOP":
			say("250 2.0.0 ok")
		case "QUIT":
			say("221 2.0.0 bye")
			return
		default:
			say("502 5.5.2 unknown command")
		}
	}
}

func (s *smtpServer) received() []sentMail {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]sentMail(nil), s.mails...)
}

func between(s, a, b string) string {
	i := strings.Index(s, a)
	j := strings.LastIndex(s, b)
	if i < 0 || j <= i {
		return ""
	}
	return s[i+1 : j]
}
