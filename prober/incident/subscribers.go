package incident

import (
	"strconv"

	"github.com/upchain-dev/upchain/prober/notify"
)

// Subscribers takes the incident updates for people who chose checks
// themselves (the Telegram bot of upchain serve). Who they are is kept
// by the subscriber service, never in history: updates carry no pending
// target for them. Deliver must not block.
type Subscribers interface {
	Deliver(ev notify.Event)
}

// notifySubscribers hands the updates made in this round (opened, changed,
// resolved) to Options.Subscribers, once per process even when the round
// is applied again.
func (m *Manager) notifySubscribers(s *set, in round) {
	if m.subs == nil {
		return
	}
	for _, inc := range s.sorted() {
		for i := range inc.Updates {
			u := &inc.Updates[i]
			if !u.Time.Equal(in.now) || (u.Kind != KindOpened && u.Kind != KindChanged && u.Kind != KindResolved) {
				continue
			}
			key := inc.ID + "#" + strconv.Itoa(u.Seq) + "@subscribers"
			m.mu.Lock()
			done := m.sent[key]
			m.sent[key] = true
			m.mu.Unlock()
			if !done {
				m.subs.Deliver(m.event(inc, u))
			}
		}
	}
}
