package prober

import (
	"context"
	"net"
	"sync"
	"sync/atomic"
)

// MaxHandshakeBytes bounds what a websocket handshake may read before the
// connection is established: gorilla/websocket reads the response headers
// without a limit of its own, so a hostile server could stream header
// lines until memory runs out. Real handshakes are well under 4 KiB; the
// rest of the budget covers frames read ahead into the dialer's buffer.
const MaxHandshakeBytes = 256 << 10

// capHandshake wraps a dial function so that every connection it makes reads at
// most MaxHandshakeBytes until lift is called, once the handshake is done.
func capHandshake(base func(ctx context.Context, network, addr string) (net.Conn, error)) (dial func(ctx context.Context, network, addr string) (net.Conn, error), lift func()) {
	var mu sync.Mutex
	var conns []*cappedConn
	dial = func(ctx context.Context, network, addr string) (net.Conn, error) {
		c, err := base(ctx, network, addr)
		if err != nil {
			return nil, err
		}
		cc := &cappedConn{Conn: c}
		cc.left.Store(MaxHandshakeBytes)
		mu.Lock()
		conns = append(conns, cc)
		mu.Unlock()
		return cc, nil
	}
	lift = func() {
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			c.left.Store(-1)
		}
	}
	return dial, lift
}

// cappedConn fails reads past its budget; a negative budget is no limit.
type cappedConn struct {
	net.Conn
	left atomic.Int64
}

func (c *cappedConn) Read(p []byte) (int, error) {
	left := c.left.Load()
	if left < 0 {
		return c.Conn.Read(p)
	}
	if left == 0 {
		return 0, Fail(ReasonTooLarge, "websocket handshake response larger than %d bytes", MaxHandshakeBytes)
	}
	if int64(len(p)) > left {
		p = p[:left]
	}
	n, err := c.Conn.Read(p)
	c.left.Add(-int64(n))
	return n, err
}
