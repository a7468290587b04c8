package beacon

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/upchain-dev/upchain/prober/internal/runlength"
)

// Mark is what one epoch's liveness said about a validator.
type Mark byte

// Marks of an attestation window.
const (
	Live     Mark = 'L'
	Missed   Mark = 'M'
	Inactive Mark = 'N' // not active in that epoch: not counted
	Unknown  Mark = 'U' // not checked (no probe in that epoch, or the call failed)
)

func (m Mark) valid() bool { return m == Live || m == Missed || m == Inactive || m == Unknown }

// Window is one mark per epoch, oldest first, ending at the last checked
// epoch.
type Window []Mark

// Push appends m and keeps at most max marks.
func (w Window) Push(m Mark, max int) Window {
	w = append(w, m)
	if len(w) > max {
		w = append(Window(nil), w[len(w)-max:]...)
	}
	return w
}

// Stats summarise a window.
type Stats struct {
	Live, Missed int
	// Consecutive counts misses at the newest end; inactive epochs are
	// skipped, an unknown one ends the run.
	Consecutive int
}

// Counted is the number of epochs with a known outcome.
func (s Stats) Counted() int { return s.Live + s.Missed }

// MissedPercent is the missed share of counted epochs, 0 if none.
func (s Stats) MissedPercent() float64 {
	if s.Counted() == 0 {
		return 0
	}
	return float64(s.Missed) * 100 / float64(s.Counted())
}

// Stats counts the window's marks.
func (w Window) Stats() Stats {
	var s Stats
	for _, m := range w {
		switch m {
		case Live:
			s.Live++
		case Missed:
			s.Missed++
		}
	}
	for i := len(w) - 1; i >= 0; i-- {
		if w[i] == Inactive {
			continue
		}
		if w[i] != Missed {
			break
		}
		s.Consecutive++
	}
	return s
}

func (w Window) String() string {
	return runlength.Encode(w)
}

// EncodeWindows writes one window per validator, run-length encoded, and
// equal neighbours once with a count ("32L*999,31L1M"): a check watching
// a thousand healthy validators keeps a few bytes of state, not one
// window each, although it is written to history every probe.
func EncodeWindows(ws []Window) string {
	var b strings.Builder
	for i := 0; i < len(ws); {
		s := ws[i].String()
		j := i + 1
		for j < len(ws) && ws[j].String() == s {
			j++
		}
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(s)
		if j-i > 1 {
			b.WriteByte('*')
			b.WriteString(strconv.Itoa(j - i))
		}
		i = j
	}
	return b.String()
}

// DecodeWindows reads EncodeWindows' form; it wants exactly n windows of
// at most max marks each, so a state written for another validator list
// or window is refused rather than misread.
func DecodeWindows(s string, n, max int) ([]Window, error) {
	bad := func() ([]Window, error) { return nil, fmt.Errorf("bad attestation state %q", truncate(s, 40)) }
	if s == "" {
		if n == 0 {
			return nil, nil
		}
		return bad()
	}
	out := make([]Window, 0, n)
	for _, part := range strings.Split(s, ",") {
		run, count := part, 1
		if i := strings.IndexByte(part, '*'); i >= 0 {
			c, err := strconv.Atoi(part[i+1:])
			if err != nil || c < 1 || c > n {
				return bad()
			}
			run, count = part[:i], c
		}
		w, err := parseWindow(run, max)
		if err != nil || len(out)+count > n {
			return bad()
		}
		for range count {
			out = append(out, append(Window(nil), w...))
		}
	}
	if len(out) != n {
		return bad()
	}
	return out, nil
}

func parseWindow(s string, max int) (Window, error) {
	w, err := runlength.Decode(s, max, Mark.valid)
	if err != nil {
		return nil, fmt.Errorf("bad window")
	}
	return w, nil
}
