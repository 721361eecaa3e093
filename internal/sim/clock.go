package sim

import (
	"context"
	"time"

	"orderhub/config"
)

// Clock maps the simulated business's time onto real time: Scale business
// seconds pass per real second. orderhub itself runs on real time with a
// config whose waits are divided by the same scale (Scaled), so nothing in
// production code knows it is being simulated.
type Clock struct {
	Start  time.Time // real time at which the business day began
	Origin time.Time // business time at Start
	Scale  float64
}

// Now is the business time now.
func (c Clock) Now() time.Time { return c.Biz(time.Now()) }

// Biz converts a real time (e.g. one recorded by orderhub) to business time.
func (c Clock) Biz(real time.Time) time.Time {
	return c.Origin.Add(time.Duration(float64(real.Sub(c.Start)) * c.Scale))
}

// Real converts a business time to real time.
func (c Clock) Real(biz time.Time) time.Time {
	return c.Start.Add(time.Duration(float64(biz.Sub(c.Origin)) / c.Scale))
}

// Until sleeps until business time t, or ctx ends (false).
func (c Clock) Until(ctx context.Context, t time.Time) bool {
	d := time.Until(c.Real(t))
	if d <= 0 {
		return ctx.Err() == nil
	}
	tm := time.NewTimer(d)
	defer tm.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-tm.C:
		return true
	}
}

// Sleep sleeps d of business time.
func (c Clock) Sleep(ctx context.Context, d time.Duration) bool { return c.Until(ctx, c.Now().Add(d)) }

// Scaled returns cfg with every business wait — stage SLAs, escalation
// levels, the ticket and transfer ladders — divided by scale, the
// escalation scan and outbox polling made fine enough for the compressed
// day, and, with escalation false, every ladder removed (the same day with
// nobody pushed). It changes configuration values only.
func Scaled(cfg config.Config, scale float64, escalation bool) config.Config {
	div := func(d config.Duration) config.Duration {
		if d <= 0 {
			return d
		}
		v := time.Duration(float64(d) / scale)
		if v < time.Millisecond {
			v = time.Millisecond
		}
		return config.Duration(v)
	}
	levels := func(ls []config.Level) []config.Level {
		if !escalation {
			return nil
		}
		out := make([]config.Level, len(ls))
		for i, l := range ls {
			l.After = div(l.After)
			l.Quiet = "" // a window of the real clock means nothing in a compressed day
			l.Notify = append([]string(nil), l.Notify...)
			out[i] = l
		}
		return out
	}
	stages := make([]config.Stage, len(cfg.Stages))
	for i, s := range cfg.Stages {
		s.SLA = div(s.SLA)
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
	e.NudgeGap = div(e.NudgeGap)
	// Handing work from a holder away to one at work is the first rung of
	// every ladder: off with the ladders.
	e.Away = div(e.Away)
	if !escalation {
		e.Away = 0
	}
	// The scan runs every 5 business minutes, but no more often than every
	// 250 ms: a scan every 100 ms (orderhub's floor) kept SQLite's one
	// writer busy enough to slow every chat answer.
	e.ScanEvery = config.Duration(max(250*time.Millisecond, time.Duration(float64(5*time.Minute)/scale)))
	cfg.Escalation = e
	// The promise's business durations: the carrier's transit table, how
	// long measured history is reused, the delivery slot.
	pr := cfg.Promise
	transit := make(map[string]config.Duration, len(pr.Transit))
	for k, d := range pr.Transit {
		transit[k] = div(d)
	}
	pr.Transit, pr.TransitDefault, pr.Refresh, pr.Slot = transit, div(pr.TransitDefault), div(pr.Refresh), div(pr.Slot)
	cfg.Promise = pr
	cfg.Outbox.Poll = config.Duration(20 * time.Millisecond)
	cfg.Outbox.BackoffBase = config.Duration(50 * time.Millisecond)
	cfg.Outbox.BackoffMax = config.Duration(time.Second)
	return cfg
}
