package service

import (
	"time"

	"orderhub/config"
	"orderhub/model"
)

// Overdue says which open tickets and pending transfers are overdue: past
// the first level of their escalation ladder after the holder's nudge (config escalation.ticket_ack,
// ticket_resolve, transfers, transfer_dispatch), the moment the scanner
// pushes someone about them. The board's tickets and transfers panes mark
// and count by it, so the board and the pushes agree on what is late.
type Overdue struct {
	ack, resolve, transfer, dispatch time.Duration
}

// NewOverdue reads the first level of each ladder; a ladder left empty
// never makes anything overdue.
func NewOverdue(e config.Escalation) Overdue {
	first := func(l []config.Level) time.Duration {
		// A nudge to the holder comes before the clock runs out: the
		// work is overdue at the first level past it.
		for _, lv := range l {
			if !isNudge(lv) {
				return lv.After.D()
			}
		}
		return 0
	}
	return Overdue{ack: first(e.TicketAck), resolve: first(e.TicketResolve), transfer: first(e.Transfers), dispatch: first(e.TransferDispatch)}
}

// past says whether limit has passed since since — at the limit itself,
// as the scanner fires (created_at <= now − after) — never for a zero limit.
func past(now, since time.Time, limit time.Duration) bool {
	return limit > 0 && now.Sub(since) >= limit
}

// Ticket returns the clock an open ticket has run past at now —
// model.ClockResolve (not resolved in time; it wins, being the later
// level) or model.ClockAck (not acknowledged in time) — or "" when it is
// not overdue. As the scanner does, a ticket the escalation itself opened
// (stalled order, overdue transfer) has no acknowledgement clock of its
// own: it climbs its order's or transfer's ladder.
func (o Overdue) Ticket(t model.Ticket, now time.Time) string {
	if t.State != model.TicketOpen && t.State != model.TicketAcknowledged {
		return ""
	}
	if past(now, t.CreatedAt, o.resolve) {
		return model.ClockResolve
	}
	if t.State == model.TicketOpen && t.Kind != model.TicketStalled && t.Kind != model.TicketTransferOverdue && past(now, t.CreatedAt, o.ack) {
		return model.ClockAck
	}
	return ""
}

// Transfer returns the clock a pending transfer has run past at now —
// model.ClockTransfer (not received in time) or model.ClockDispatch (not
// yet sent out by its source warehouse in time) — or "".
func (o Overdue) Transfer(t model.Transfer, now time.Time) string {
	if t.Status != model.TransferPending {
		return ""
	}
	if past(now, t.CreatedAt, o.transfer) {
		return model.ClockTransfer
	}
	if t.DispatchedAt == nil && past(now, t.CreatedAt, o.dispatch) {
		return model.ClockDispatch
	}
	return ""
}
