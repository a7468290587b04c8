package simnet

import (
	"net"
	"sync"

	"golang.org/x/net/dns/dnsmessage"
)

// DNS is an authoritative DNS server over UDP (RFC 1035 message format):
// A questions for the names it knows are answered with their IPv4
// address, AAAA questions with no answer, any other name with NXDOMAIN
// (RCODE 3).
type DNS struct {
	pc   net.PacketConn
	done chan struct{}

	mu      sync.Mutex
	records map[string]string // name with trailing dot -> IPv4
}

// ListenDNS serves records (name with trailing dot -> IPv4) on addr, such
// as "127.0.0.1:0".
func ListenDNS(addr string, records map[string]string) (*DNS, error) {
	pc, err := net.ListenPacket("udp", addr)
	if err != nil {
		return nil, err
	}
	d := &DNS{pc: pc, done: make(chan struct{}), records: map[string]string{}}
	for k, v := range records {
		d.records[k] = v
	}
	go d.serve()
	return d, nil
}

// Addr is the host:port the server answers on.
func (d *DNS) Addr() string { return d.pc.LocalAddr().String() }

// Set changes (or, with ip "", removes) the record of name.
func (d *DNS) Set(name, ip string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if ip == "" {
		delete(d.records, name)
		return
	}
	d.records[name] = ip
}

// Close stops the server.
func (d *DNS) Close() error {
	err := d.pc.Close()
	<-d.done
	return err
}

func (d *DNS) serve() {
	defer close(d.done)
	buf := make([]byte, 512)
	for {
		n, addr, err := d.pc.ReadFrom(buf)
		if err != nil {
			return
		}
		var q dnsmessage.Message
		if q.Unpack(buf[:n]) != nil || len(q.Questions) != 1 {
			continue
		}
		question := q.Questions[0]
		resp := dnsmessage.Message{
			Header:    dnsmessage.Header{ID: q.ID, Response: true, Authoritative: true, RecursionDesired: q.RecursionDesired, RecursionAvailable: true},
			Questions: q.Questions,
		}
		d.mu.Lock()
		ip, known := d.records[question.Name.String()]
		d.mu.Unlock()
		switch {
		case !known:
			resp.RCode = dnsmessage.RCodeNameError
		case question.Type == dnsmessage.TypeA:
			var a [4]byte
			copy(a[:], net.ParseIP(ip).To4())
			resp.Answers = []dnsmessage.Resource{{
				Header: dnsmessage.ResourceHeader{Name: question.Name, Type: dnsmessage.TypeA, Class: dnsmessage.ClassINET, TTL: 60},
				Body:   &dnsmessage.AResource{A: a},
			}}
		}
		out, err := resp.Pack()
		if err == nil {
			_, _ = d.pc.WriteTo(out, addr)
		}
	}
}
