package prober

import (
	"bufio"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/upchain-dev/upchain/prober/simnet"

	"github.com/upchain-dev/upchain/prober/config/configtest"

	"github.com/gorilla/websocket"
	"github.com/upchain-dev/upchain/prober/config"
)

// guard bounds every probe a test makes. Probes end by their check's
// timeout (a second or two in these tests); the guard only turns a hang
// into a test failure instead of a stuck test binary.
const guard = 60 * time.Second

// testConfig writes upchain.yml and checks/test.yml into a temp dir and
// loads them with the built-in kinds. env maps ${NAME} references.
func testConfig(t *testing.T, upchain, checks string, env map[string]string) *config.Loaded {
	t.Helper()
	l, err := loadConfig(t, Builtin(), upchain, checks, env)
	if err != nil {
		t.Fatalf("config: %v", err)
	}
	return l
}

func loadConfig(t *testing.T, kinds config.Kinds, upchain, checks string, env map[string]string) (*config.Loaded, error) {
	t.Helper()
	return configtest.Load(t, kinds, upchain, map[string]string{"checks/test.yml": checks}, env)
}

// oneCheck is the checks file of a single check; spec is its YAML body
// after `- name: c`, indented by four spaces.
func oneCheck(spec string) string {
	return "group: test\nchecks:\n  - name: c\n" + spec
}

// runRound runs a round with a guard against hangs.
func runRound(t *testing.T, r *Runner) []Result {
	t.Helper()
	if r.Backoff == 0 {
		r.Backoff = 5 * time.Millisecond
	}
	done := make(chan []Result, 1)
	go func() { done <- r.Round(context.Background(), nil) }()
	select {
	case res := <-done:
		assertDeclared(t, r.Kinds, res)
		return res
	case <-time.After(guard):
		t.Fatalf("round did not end within %s: a probe hangs", guard)
		return nil
	}
}

// assertDeclared fails the test when a result carries a value its kind
// does not declare: every recorded value has its declaration (ValueSpec).
func assertDeclared(t testing.TB, kinds *Registry, res []Result) {
	t.Helper()
	if kinds == nil {
		kinds = Builtin()
	}
	for _, r := range res {
		for name := range r.Values {
			if !kinds.Values().Declared(r.Kind, name) {
				t.Errorf("kind %s records value %q without declaring it in its Values()", r.Kind, name)
			}
		}
	}
}

// probe runs a round of the single check in spec and returns its result
// through the public name.
func probe(t *testing.T, spec string, env map[string]string) Result {
	t.Helper()
	l := testConfig(t, "", oneCheck(spec), env)
	res := runRound(t, &Runner{Config: l})
	if len(res) != 1 {
		t.Fatalf("got %d results, want 1: %+v", len(res), res)
	}
	return res[0]
}

// --- servers ---

// serveHTTP starts an HTTP server on 127.0.0.1 and returns its URL.
func serveHTTP(t *testing.T, h http.Handler) string {
	t.Helper()
	s := httptest.NewServer(h)
	t.Cleanup(s.Close)
	return s.URL
}

// listen opens a TCP listener on 127.0.0.1 and runs handle for each
// connection until the test ends.
func listen(t *testing.T, handle func(net.Conn)) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	var conns []net.Conn
	stop := make(chan struct{})
	t.Cleanup(func() {
		close(stop)
		ln.Close()
		mu.Lock()
		for _, c := range conns {
			c.Close()
		}
		mu.Unlock()
		wg.Wait()
	})
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer c.Close()
				handle(c)
			}()
		}
	}()
	return ln.Addr().String()
}

// silent accepts connections and never writes a byte.
func silent(c net.Conn) { _, _ = io.Copy(io.Discard, c) }

// dripper reads a request, then sends the response one byte a second.
func dripper(c net.Conn) {
	if _, err := http.ReadRequest(bufio.NewReader(c)); err != nil {
		return
	}
	go func() { _, _ = io.Copy(io.Discard, c) }()
	msg := "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"
	for i := 0; i < len(msg); i++ {
		if _, err := c.Write([]byte{msg[i]}); err != nil {
			return
		}
		time.Sleep(time.Second)
	}
}

// resetter reads the start of a request, then resets the connection.
func resetter(c net.Conn) {
	buf := make([]byte, 1)
	_, _ = c.Read(buf)
	if tc, ok := c.(*net.TCPConn); ok {
		_ = tc.SetLinger(0) // close sends RST
	}
}

// hugeBody streams n bytes (n up to 1 GB) without allocating them.
func hugeBody(n int64) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", fmt.Sprint(n))
		chunk := make([]byte, 32<<10)
		for sent := int64(0); sent < n; sent += int64(len(chunk)) {
			if _, err := w.Write(chunk); err != nil {
				return // the client gave up, as it should
			}
		}
	}
}

// --- JSON-RPC ---

type rpcRequest struct {
	ID     json.RawMessage `json:"id"`
	Method string          `json:"method"`
	Params json.RawMessage `json:"params"`
}

// rpcHandler answers a request with raw JSON: a whole reply (with "id"
// set to idPlaceholder where the request's id goes), or "" for no reply.
type rpcHandler func(req rpcRequest) string

const idPlaceholder = "ID"

// rpcResult answers every call with result (raw JSON).
func rpcResult(result string) rpcHandler {
	return func(rpcRequest) string {
		return `{"jsonrpc":"2.0","id":ID,"result":` + result + `}`
	}
}

func (h rpcHandler) reply(req rpcRequest) string {
	out := h(req)
	return strings.Replace(out, `"id":`+idPlaceholder, `"id":`+string(req.ID), 1)
}

// serveRPC serves JSON-RPC over HTTP POST and over websocket on one
// listener, following the JSON-RPC 2.0 specification (request/response
// objects, id echoed back). It returns the http:// URL; the ws:// URL is
// the same with the scheme changed.
func serveRPC(t *testing.T, h rpcHandler) string {
	t.Helper()
	up := websocket.Upgrader{}
	return serveHTTP(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if websocket.IsWebSocketUpgrade(r) {
			c, err := up.Upgrade(w, r, nil)
			if err != nil {
				return
			}
			defer c.Close()
			for {
				_, data, err := c.ReadMessage()
				if err != nil {
					return
				}
				var req rpcRequest
				if json.Unmarshal(data, &req) != nil {
					return
				}
				if out := h.reply(req); out != "" {
					if c.WriteMessage(websocket.TextMessage, []byte(out)) != nil {
						return
					}
				}
			}
		}
		var req rpcRequest
		if err := json.NewDecoder(io.LimitReader(r.Body, 1<<20)).Decode(&req); err != nil {
			http.Error(w, "bad request", http.StatusBadRequest)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, h.reply(req))
	}))
}

func wsURL(httpURL string) string { return "ws" + strings.TrimPrefix(httpURL, "http") }

// --- DNS ---

// serveDNS serves records (name with trailing dot -> IPv4) with the
// simulated DNS server and returns its host:port.
func serveDNS(t *testing.T, records map[string]string) string {
	t.Helper()
	d, err := simnet.ListenDNS("127.0.0.1:0", records)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	return d.Addr()
}

// --- certificates ---

// testCA issues certificates for tests; its pool is what probes trust.
type testCA struct {
	cert *x509.Certificate
	key  *ecdsa.PrivateKey
	pool *x509.CertPool
}

func newCA(t *testing.T) *testCA {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "upchain test CA"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(365 * 24 * time.Hour),
		IsCA:                  true,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
		BasicConstraintsValid: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return &testCA{cert: cert, key: key, pool: pool}
}

var serial = struct {
	sync.Mutex
	n int64
}{n: 100}

// leaf issues a certificate for names (DNS names or IPs) valid from
// notBefore to notAfter. A nil ca makes it self-signed.
func leaf(t *testing.T, ca *testCA, names []string, notBefore, notAfter time.Time) tls.Certificate {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	serial.Lock()
	serial.n++
	sn := serial.n
	serial.Unlock()
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(sn),
		Subject:      pkix.Name{CommonName: names[0]},
		NotBefore:    notBefore,
		NotAfter:     notAfter,
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	for _, n := range names {
		if ip := net.ParseIP(n); ip != nil {
			tmpl.IPAddresses = append(tmpl.IPAddresses, ip)
		} else {
			tmpl.DNSNames = append(tmpl.DNSNames, n)
		}
	}
	parent, signer := tmpl, key
	if ca != nil {
		parent, signer = ca.cert, ca.key
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, &key.PublicKey, signer)
	if err != nil {
		t.Fatal(err)
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
}

// serveTLS starts an HTTPS server with cert and returns its URL.
func serveTLS(t *testing.T, cert tls.Certificate, h http.Handler) string {
	t.Helper()
	s := httptest.NewUnstartedServer(h)
	s.TLS = &tls.Config{Certificates: []tls.Certificate{cert}}
	s.Config.ErrorLog = log.New(io.Discard, "", 0) // rejected handshakes are the point
	s.StartTLS()
	t.Cleanup(s.Close)
	return s.URL
}

func hostPort(rawURL string) string {
	return strings.TrimPrefix(strings.TrimPrefix(rawURL, "https://"), "http://")
}

func ok(w http.ResponseWriter, _ *http.Request) { _, _ = io.WriteString(w, "ok") }
