// Package simnet is a simulated blockchain infrastructure: in-process
// servers that speak the real wire formats of the endpoints upchain
// probes (a website, JSON-RPC nodes, beacon, Lotus, Nexus, exporters,
// ...). The chain kinds' tests and `upchain demo` both use them.
//
// Every server is an http.Handler (or a listener) whose chain advances
// with the clock it is given (a Now func, time.Now when nil), computed
// lazily on each request, so a simulated clock makes a week pass in
// seconds. Scenario state (a stalled node, a validator that misses
// blocks) is changed through each type's mutex-protected methods. Each
// type's doc comment names the specification its replies follow.
package simnet
