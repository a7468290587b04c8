package demo

import (
	"sync"
	"time"
)

// clock is the story's simulated time: every probe, node and history
// record reads it, so a week passes in seconds.
type clock struct {
	start time.Time

	mu  sync.Mutex
	now time.Time
}

func newClock(start time.Time) *clock { return &clock{start: start, now: start} }

// Now is the simulated time.
func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) set(t time.Time) {
	c.mu.Lock()
	c.now = t
	c.mu.Unlock()
}
