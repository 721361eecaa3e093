package config

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// Level is one rung of an escalation ladder.
type Level struct {
	// After is the time waited (in the stage; since the ticket opened; since
	// the transfer was created) before this level fires.
	After Duration `yaml:"after"`
	// Notify lists roles; every active staff member holding one is pushed.
	// "@lead" means the lead of the role that owns the order's stage.
	Notify []string `yaml:"notify"`
	// Webhook is the key of a WeCom group robot that is told too (optional).
	Webhook string `yaml:"webhook"`
	// Quiet is a local time window ("22:00-07:00") in which this level
	// waits; it fires when the window ends, never dropped.
	Quiet string `yaml:"quiet"`
}

// LeadToken in a level's notify list means the lead of the order's
// stage-owner role (keeper → keeper_lead).
const LeadToken = "@lead"

// HolderToken in a level's notify list means the person holding the work
// now: the order's owner, the ticket's assignee, the transfer's assignee.
// A level that notifies only the holder is a nudge, sent before the
// clock runs out with the one action to take: it opens no ticket, and the
// lead's level follows only if the work did not move.
const HolderToken = "@holder"

// Escalation tunes the escalation scanner.
type Escalation struct {
	// ScanEvery is how often due alerts are looked for.
	ScanEvery Duration `yaml:"scan_every" env:"SCAN_EVERY"`
	// Cards sends level pushes as interactive template cards (接单 / 已处理
	// buttons); it needs the app's callback URL. Off: text cards, acked by
	// chat command.
	Cards bool `yaml:"cards" env:"CARDS"`
	// GroupOver: a person who would get more than this many pushes in one
	// scan gets one grouped message instead.
	GroupOver int `yaml:"group_over" env:"GROUP_OVER"`
	// NudgeGap: a holder is nudged at most once in this long; what comes
	// due meanwhile waits and goes out together, as one message (or is
	// left to the next level when that comes first). 0: no gap.
	NudgeGap Duration `yaml:"nudge_gap" env:"NUDGE_GAP"`
	// Away: a holder who has sent the app nothing (a command, a tap) for
	// this long is taken as off shift or away: new work and new tickets go
	// to a holder of the same role who is at work, and work already
	// waiting on them is handed to one, before any lead is pushed. 0: off.
	Away Duration `yaml:"away" env:"AWAY"`
	// TicketAck and TicketResolve are every ticket's own ladders: not
	// acknowledged within…, not resolved within….
	TicketAck     []Level `yaml:"ticket_ack" env:"-"`
	TicketResolve []Level `yaml:"ticket_resolve" env:"-"`
	// Transfers is the ladder of a transfer not received in time.
	Transfers []Level `yaml:"transfers" env:"-"`
	// TransferDispatch is the ladder of a transfer the sending warehouse
	// has not dispatched (发出) in time: the first step's own clock.
	TransferDispatch []Level `yaml:"transfer_dispatch" env:"-"`
	// DelayCouponFen, when > 0, records a compensation coupon of this many
	// fen on an order that will miss its promised time (once per order).
	DelayCouponFen int64 `yaml:"delay_coupon_fen" env:"DELAY_COUPON_FEN"`
}

// DefaultEscalation is the business's rule of thumb: a ticket is
// acknowledged within 17 minutes or its lead hears of it (its holder is
// reminded at 10), and resolved within 4 hours or the director does (the
// holder reminded at 3); a transfer arrives within 4 hours or the keeper
// lead hears of it, then the supervisor. A person hears of work at risk
// at most once an hour (one card listing it all), and one person's pushes
// of a scan come as one message.
func DefaultEscalation() Escalation {
	return Escalation{
		ScanEvery: Duration(30 * time.Second),
		Cards:     true,
		GroupOver: 1,
		NudgeGap:  Duration(time.Hour),
		Away:      Duration(90 * time.Minute),
		TicketAck: []Level{{After: Duration(10 * time.Minute), Notify: []string{HolderToken}},
			{After: Duration(17 * time.Minute), Notify: []string{LeadToken}}},
		TicketResolve: []Level{{After: Duration(3 * time.Hour), Notify: []string{HolderToken}},
			{After: Duration(4 * time.Hour), Notify: []string{"director"}}},
		Transfers: []Level{
			{After: Duration(4 * time.Hour), Notify: []string{"keeper_lead"}},
			{After: Duration(8 * time.Hour), Notify: []string{"supervisor"}},
		},
		TransferDispatch: []Level{{After: Duration(2 * time.Hour), Notify: []string{"keeper_lead"}}},
		// The business compensates a delay with a ¥20 coupon (issue 28).
		DelayCouponFen: 2000,
	}
}

func (c *Config) validateEscalation() error {
	e := c.Escalation
	switch {
	case e.ScanEvery.D() < 100*time.Millisecond:
		return errors.New("config: escalation.scan_every (ORDERHUB_ESCALATION_SCAN_EVERY): must be at least 100ms")
	case e.Away < 0:
		return fmt.Errorf("config: escalation.away (ORDERHUB_ESCALATION_AWAY): must be >= 0")
	case e.NudgeGap < 0:
		return errors.New("config: escalation.nudge_gap (ORDERHUB_ESCALATION_NUDGE_GAP): must be >= 0")
	case e.GroupOver < 1:
		return errors.New("config: escalation.group_over (ORDERHUB_ESCALATION_GROUP_OVER): must be >= 1")
	case e.DelayCouponFen < 0:
		return errors.New("config: escalation.delay_coupon_fen (ORDERHUB_ESCALATION_DELAY_COUPON_FEN): must be >= 0")
	}
	roles := map[string]bool{LeadToken: true, HolderToken: true}
	for _, r := range c.Roles {
		roles[r] = true
	}
	for i, s := range c.Stages {
		if err := validateLadder(fmt.Sprintf("stages[%d].escalation", i), s.Escalation, roles); err != nil {
			return err
		}
	}
	for key, l := range map[string][]Level{"escalation.ticket_ack": e.TicketAck, "escalation.ticket_resolve": e.TicketResolve, "escalation.transfers": e.Transfers, "escalation.transfer_dispatch": e.TransferDispatch} {
		if err := validateLadder(key, l, roles); err != nil {
			return err
		}
	}
	return nil
}

// validateLadder checks one ladder: each level waits longer than the one
// before, notifies known roles, and has a readable quiet window.
func validateLadder(key string, levels []Level, roles map[string]bool) error {
	var prev time.Duration
	for i, l := range levels {
		k := fmt.Sprintf("config: %s[%d]", key, i)
		if l.After.D() <= 0 {
			return fmt.Errorf("%s.after: must be > 0", k)
		}
		if l.After.D() <= prev {
			return fmt.Errorf("%s.after: must be longer than the level before (%s)", k, prev)
		}
		prev = l.After.D()
		if len(l.Notify) == 0 && l.Webhook == "" {
			return fmt.Errorf("%s.notify: name at least one role (or a webhook)", k)
		}
		for j, r := range l.Notify {
			if !roles[r] {
				return fmt.Errorf("%s.notify[%d]: unknown role %q", k, j, r)
			}
		}
		if l.Quiet != "" {
			if _, _, err := ParseQuiet(l.Quiet); err != nil {
				return fmt.Errorf("%s.quiet: %v", k, err)
			}
		}
	}
	return nil
}

// ParseQuiet reads a quiet window "22:00-07:00" as minutes after local
// midnight; a window may wrap past midnight.
func ParseQuiet(s string) (from, to int, err error) {
	a, b, ok := strings.Cut(strings.TrimSpace(s), "-")
	if !ok {
		return 0, 0, fmt.Errorf("%q is not a window like 22:00-07:00", s)
	}
	parse := func(v string) (int, error) {
		t, err := time.Parse("15:04", strings.TrimSpace(v))
		if err != nil {
			return 0, fmt.Errorf("%q is not a window like 22:00-07:00", s)
		}
		return t.Hour()*60 + t.Minute(), nil
	}
	if from, err = parse(a); err != nil {
		return 0, 0, err
	}
	if to, err = parse(b); err != nil {
		return 0, 0, err
	}
	if from == to {
		return 0, 0, fmt.Errorf("%q is an empty window", s)
	}
	return from, to, nil
}
