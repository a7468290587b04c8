package demo

import (
	"context"
	"net"
	"os"
	"slices"
	"sync"
	"syscall"
)

// reach is the network trouble of the demo's locations: which endpoint
// (by its address) each location cannot reach. A location's probes dial
// through dialer, which refuses those addresses as a broken route on the
// runner's side would; the endpoint itself stays up for the others.
type reach struct {
	mu  sync.Mutex
	cut map[string][]string // address -> locations that cannot reach it
}

// cutOff sets the locations that cannot reach the endpoint at off (none
// for nil).
func (n *network) cutOff(off int, locs []string) {
	n.reach.mu.Lock()
	defer n.reach.mu.Unlock()
	if n.reach.cut == nil {
		n.reach.cut = map[string][]string{}
	}
	n.reach.cut[n.addrs[off]] = locs
}

func (r *reach) blocked(loc, addr string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Contains(r.cut[addr], loc)
}

// dialer is the Runner.Dial of location loc.
func (n *network) dialer(loc string) func(ctx context.Context, network, addr string) (net.Conn, error) {
	var d net.Dialer
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		if n.reach.blocked(loc, addr) {
			return nil, &net.OpError{Op: "dial", Net: network, Err: os.NewSyscallError("connect", syscall.ECONNREFUSED)}
		}
		return d.DialContext(ctx, network, addr)
	}
}
