package demo

import (
	"time"

	"github.com/upchain-dev/upchain/prober/cometbft/cometbfttest"
	"github.com/upchain-dev/upchain/prober/simnet"
)

// event is one scripted episode of the story: it runs from round From up
// to (not including) round To.
type event struct {
	Name     string
	From, To int
	// Check is the check whose incident the episode causes ("" for none:
	// the maintenance window's restart).
	Check string
}

// story is the script: what breaks when, over rounds rounds. Episodes sit
// at fixed shares of the story and last at least minRounds, so a short
// story (a test's) still has every one, and each lasts long enough to
// open an incident (failure_threshold 2) and resolve it.
type story struct {
	rounds      int
	interval    time.Duration
	missBlocks  event // a validator misses blocks, then recovers
	stall       event // a node stalls, then catches up
	regionDown  event // one region of a geo-routed endpoint goes down
	slow        event // a website slows down past its latency condition
	maintenance event // a planned restart inside a maintenance window
	// Several locations (quorum 2): one location stops recording; one,
	// then two, cannot reach an endpoint; the Cosmos chain halts.
	silent event // staleLocation records nothing for longer than stale_after
	cutOne event // cutOneFrom cannot reach the cut endpoint: quorum holds
	cutTwo event // cutTwoFrom cannot reach it: down, an incident
	halt   event // the Cosmos chain stops producing blocks
}

// The locations the story's network trouble is about (see demoLocations).
const (
	staleLocation = "ap-actions"
	cutCheck      = "conflux-node-and-pos-validator"
)

var (
	cutOneFrom = []string{"ap-actions"}
	cutTwoFrom = []string{"ap-actions", "us-actions"}
)

const minRounds = 4

func newStory(rounds int, interval time.Duration) *story {
	length := max(minRounds, rounds/24)
	at := func(name, check string, share float64) event {
		from := int(float64(rounds) * share)
		return event{Name: name, From: from, To: min(from+length, rounds-3), Check: check}
	}
	return &story{
		rounds: rounds, interval: interval,
		missBlocks:  at("validator misses blocks", "cosmos-validator", 0.15),
		stall:       at("node stalls", "cosmos-node-2", 0.32),
		regionDown:  at("region us-east down", "api-geo-routed", 0.48),
		slow:        at("website slow", "status-website", 0.64),
		maintenance: at("planned restart", "", 0.80),
		silent:      at("ap-actions stops recording", "", 0.05),
		cutOne:      at("ap-actions cannot reach the Conflux node", "", 0.56),
		cutTwo:      at("ap-actions and us-actions cannot reach the Conflux node", cutCheck, 0.72),
		halt:        at("the Cosmos chain halts", "", 0.88),
	}
}

func (e event) active(round int) bool { return round >= e.From && round < e.To }

// maintenanceWindow is the configured window around the planned restart:
// from a round before it to a round after.
func (s *story) maintenanceWindow(start time.Time) (from, to time.Time) {
	return start.Add(time.Duration(s.maintenance.From-1) * s.interval),
		start.Add(time.Duration(s.maintenance.To+1) * s.interval)
}

// apply sets every simulated endpoint to what the story says for round,
// at time now.
func (s *story) apply(n *network, round int, now time.Time) {
	// Cosmos: one block a minute since genesis; node 2 freezes while it
	// stalls and is caught up again afterwards.
	genesis := n.clock.start.Add(-30 * 24 * time.Hour)
	height := int64(now.Sub(genesis)/cosmosBlock) + 1
	stallHeight := int64(n.clock.start.Add(time.Duration(s.stall.From)*s.interval).Sub(genesis)/cosmosBlock) + 1
	missFrom := int64(n.clock.start.Add(time.Duration(s.missBlocks.From)*s.interval).Sub(genesis)/cosmosBlock) + 1
	missTo := int64(n.clock.start.Add(time.Duration(s.missBlocks.To)*s.interval).Sub(genesis)/cosmosBlock) + 1
	// The halt: no block while it lasts; afterwards the chain goes on
	// from where it stopped, its heights that many blocks lower.
	haltHeight := int64(n.clock.start.Add(time.Duration(s.halt.From)*s.interval).Sub(genesis)/cosmosBlock) + 1
	for i, c := range n.cosmos {
		h := height
		latest := genesis.Add(time.Duration(h-1) * cosmosBlock)
		if i == 1 && s.stall.active(round) {
			h = stallHeight
			latest = genesis.Add(time.Duration(h-1) * cosmosBlock)
		}
		switch {
		case s.halt.active(round):
			h, latest = haltHeight, genesis.Add(time.Duration(haltHeight-1)*cosmosBlock)
		case round >= s.halt.To:
			h -= int64(time.Duration(s.halt.To-s.halt.From) * s.interval / cosmosBlock)
		}
		c.Update(func(c *cometbfttest.Chain) {
			c.Latest = h
			c.LatestTime = latest
			c.Absent = func(height int64, addr string) bool {
				return addr == watchedValidator && height >= missFrom && height < missTo
			}
		})
	}
	// A chain upgrade is planned for a day after the story ends: its
	// window shows as upcoming maintenance.
	planHeight := int64(n.clock.start.Add(time.Duration(s.rounds)*s.interval+24*time.Hour).Sub(genesis)/cosmosBlock) + 1
	n.cosmosLCD.Update(func(l *simnet.CosmosLCD) { l.Plan = &simnet.CosmosPlan{Name: "v2.0.0", Height: planHeight} })
	// The geo-routed API: us-east answers 503 during its outage.
	status := 0
	if s.regionDown.active(round) {
		status = 503
	}
	n.apiRegions["us-east"].Set(status, 0)
	// The website answers slowly, past its latency condition.
	var delay time.Duration
	if s.slow.active(round) {
		delay = slowDelay
	}
	n.web.Set(0, delay)
	// The EVM node restarts inside its maintenance window.
	n.evmSwitch.Off(s.maintenance.active(round))
	// Network trouble of some locations: they cannot reach the Conflux
	// node, which the others still reach.
	var cut []string
	switch {
	case s.cutTwo.active(round):
		cut = cutTwoFrom
	case s.cutOne.active(round):
		cut = cutOneFrom
	}
	n.cutOff(offConflux, cut)
}

// records reports whether loc probes and records in round (the silent
// location's runner is stopped while its episode lasts).
func (s *story) records(loc string, round int) bool {
	return loc != staleLocation || !s.silent.active(round)
}

// slowDelay is how slowly the website answers when it is slow; its
// degraded condition is latency < slowLimit, far enough above a probe's
// latency on a busy machine that three locations at once see no blip.
const (
	slowDelay = 1400 * time.Millisecond
	slowLimit = "1s"
)
