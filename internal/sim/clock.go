package sim

import (
	"context"
	"sync"
	"time"

	"orderhub/config"
)

// Clock is the simulated business's time, which orderhub itself runs on
// (serve is given its Now): Scale business seconds pass per real second
// while the machine keeps up, and none while it does not. Every call the
// simulated people and buyers make into orderhub holds the clock (Hold)
// until it is answered; once the oldest call has been waiting longer than
// Grace of real time, the clock stands still until it is answered. A
// chat answer that takes two real seconds on a loaded machine therefore
// costs the business Grace×Scale (about a minute), not an hour: what the
// replay measures is orderhub's rules and the people's delays, not the
// machine's load. The time it stood still is reported (Held).
type Clock struct {
	Scale float64
	// Grace is how long (real time) a call may be outstanding before the
	// clock waits for it.
	Grace time.Duration

	mu      sync.Mutex
	biz     time.Time // business time at real time last
	origin  time.Time
	last    time.Time
	running bool
	holds   map[uint64]time.Time // outstanding calls: real time sent
	nextID  uint64
	held    time.Duration
	moved   chan struct{} // closed when a hold is released
}

// NewClock returns a clock for a day beginning at origin. Until Start it
// stands an hour before origin (the world is set up then: seeded, staff
// and customers registered); Start puts it at origin and sets it running.
func NewClock(origin time.Time, scale float64) *Clock {
	return &Clock{Scale: scale, Grace: graceFor(scale), biz: origin.Add(-time.Hour), origin: origin, last: time.Now(),
		holds: map[uint64]time.Time{}, moved: make(chan struct{})}
}

// graceFor: a call may take a business minute of real time, but at least
// 20 ms (what one answer takes on a quiet machine) before the clock waits.
func graceFor(scale float64) time.Duration {
	return max(20*time.Millisecond, time.Duration(float64(time.Minute)/scale))
}

// Start sets the clock running from now.
func (c *Clock) Start() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.advance(time.Now())
	if c.biz.Before(c.origin) {
		c.biz = c.origin
	}
	c.running = true
}

// advance moves the business time on to real time now: the real time
// since the last advance, less the part in which the oldest outstanding
// call was older than Grace, times Scale.
func (c *Clock) advance(now time.Time) {
	from := c.last
	c.last = now
	if !c.running || !now.After(from) {
		return
	}
	run := now.Sub(from)
	if len(c.holds) > 0 {
		var oldest time.Time
		for _, t := range c.holds {
			if oldest.IsZero() || t.Before(oldest) {
				oldest = t
			}
		}
		if stop := oldest.Add(c.Grace); stop.Before(now) {
			if stop.After(from) {
				run = stop.Sub(from)
			} else {
				run = 0
			}
			c.held += now.Sub(from) - run
		}
	}
	c.biz = c.biz.Add(time.Duration(float64(run) * c.Scale))
}

// Now is the business time now.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.advance(time.Now())
	return c.biz
}

// Held is how much real time the clock has stood still waiting for
// orderhub's answers.
func (c *Clock) Held() time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.advance(time.Now())
	return c.held
}

// Hold marks a call to orderhub as outstanding until the returned release
// is called (once; later calls do nothing).
func (c *Clock) Hold() (release func()) {
	c.mu.Lock()
	now := time.Now()
	c.advance(now)
	c.nextID++
	id := c.nextID
	c.holds[id] = now
	c.mu.Unlock()
	var once sync.Once
	return func() {
		once.Do(func() {
			c.mu.Lock()
			c.advance(time.Now())
			delete(c.holds, id)
			close(c.moved)
			c.moved = make(chan struct{})
			c.mu.Unlock()
		})
	}
}

// stalled tells whether the clock is standing still for a call, and a
// channel closed when a call is answered.
func (c *Clock) stalled() (bool, <-chan struct{}) {
	c.mu.Lock()
	defer c.mu.Unlock()
	now := time.Now()
	c.advance(now)
	for _, t := range c.holds {
		if now.Sub(t) >= c.Grace {
			return true, c.moved
		}
	}
	return !c.running, c.moved
}

// RealFor is about how long in real time business duration d takes while
// the clock runs (at least a millisecond).
func (c *Clock) RealFor(d time.Duration) time.Duration {
	return max(time.Millisecond, time.Duration(float64(d)/c.Scale))
}

// Until sleeps until business time t, or ctx ends (false).
func (c *Clock) Until(ctx context.Context, t time.Time) bool {
	for {
		if ctx.Err() != nil {
			return false
		}
		now := c.Now()
		if !now.Before(t) {
			return true
		}
		wait := c.RealFor(t.Sub(now))
		var moved <-chan struct{}
		if stalled, ch := c.stalled(); stalled {
			// Standing still: look again when a call is answered, or
			// shortly (a newer call may be what holds it now).
			wait, moved = 50*time.Millisecond, ch
		}
		tm := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			tm.Stop()
			return false
		case <-moved:
			tm.Stop()
		case <-tm.C:
		}
	}
}

// Sleep sleeps d of business time.
func (c *Clock) Sleep(ctx context.Context, d time.Duration) bool { return c.Until(ctx, c.Now().Add(d)) }

// Scaled returns cfg for a replay on a Clock of the given scale. orderhub
// runs on the business clock itself, so every business wait — stage SLAs,
// escalation levels and their quiet hours, the ticket and transfer
// ladders, the promise's transit — stays as configured; only the loops
// that tick in real time (the escalation scan, outbox polling and its
// backoff) are made fine enough for the compressed day. With escalation
// false every ladder is removed (the same day with nobody pushed). It
// changes configuration values only.
func Scaled(cfg config.Config, scale float64, escalation bool) config.Config {
	levels := func(ls []config.Level) []config.Level {
		if !escalation {
			return nil
		}
		out := make([]config.Level, len(ls))
		for i, l := range ls {
			l.Notify = append([]string(nil), l.Notify...)
			out[i] = l
		}
		return out
	}
	stages := make([]config.Stage, len(cfg.Stages))
	for i, s := range cfg.Stages {
		s.Escalation = levels(s.Escalation)
		s.Requires = append([]string(nil), s.Requires...)
		stages[i] = s
	}
	cfg.Stages = stages
	e := cfg.Escalation
	e.TicketAck = levels(e.TicketAck)
	e.TicketResolve = levels(e.TicketResolve)
	e.Transfers = levels(e.Transfers)
	e.TransferDispatch = levels(e.TransferDispatch)
	// Handing work from a holder away to one at work is the first rung of
	// every ladder: off with the ladders.
	if !escalation {
		e.Away = 0
	}
	// The scan runs every 5 business minutes, but no more often than every
	// 250 ms: a scan every 100 ms (orderhub's floor) kept SQLite's one
	// writer busy enough to slow every chat answer.
	e.ScanEvery = config.Duration(max(250*time.Millisecond, time.Duration(float64(5*time.Minute)/scale)))
	cfg.Escalation = e
	cfg.Outbox.Poll = config.Duration(20 * time.Millisecond)
	cfg.Outbox.BackoffBase = config.Duration(50 * time.Millisecond)
	cfg.Outbox.BackoffMax = config.Duration(time.Second)
	return cfg
}
