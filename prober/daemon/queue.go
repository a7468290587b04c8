package daemon

import (
	"sync"

	"github.com/upchain-dev/upchain/prober"
)

type incidentBatch struct {
	sink    ResultSink
	results []prober.Result
}

// queue is an unbounded FIFO between the probe jobs (which must never wait
// for incidents) and the single incident worker. Its length is bounded in
// practice by the probe rate times the incident stage's delay.
type queue struct {
	mu     sync.Mutex
	cond   *sync.Cond
	items  []incidentBatch
	closed bool
}

func newQueue() *queue {
	q := &queue{}
	q.cond = sync.NewCond(&q.mu)
	return q
}

// push adds b; after close it is dropped (no run finishes after close).
func (q *queue) push(b incidentBatch) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.closed {
		return
	}
	q.items = append(q.items, b)
	q.cond.Signal()
}

// pop waits for the next batch; ok is false once the queue is closed and
// empty.
func (q *queue) pop() (b incidentBatch, ok bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	for len(q.items) == 0 && !q.closed {
		q.cond.Wait()
	}
	if len(q.items) == 0 {
		return incidentBatch{}, false
	}
	b = q.items[0]
	q.items[0] = incidentBatch{}
	q.items = q.items[1:]
	return b, true
}

func (q *queue) len() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return len(q.items)
}

func (q *queue) close() {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.closed = true
	q.cond.Broadcast()
}
