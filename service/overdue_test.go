package service_test

import (
	"testing"
	"time"

	"orderhub/config"
	"orderhub/model"
	"orderhub/service"
)

// TestOverdue: a ticket or transfer is overdue from the first level of its
// ladder on (at the level itself, as the scanner fires), by the clock it ran
// past; hand-computed with the default ladders (ack 17 min, resolve 4 h,
// transfer 4 h, dispatch 2 h).
func TestOverdue(t *testing.T) {
	o := service.NewOverdue(config.DefaultEscalation())
	t0 := time.Date(2026, 11, 24, 2, 0, 0, 0, time.UTC)
	sent := t0.Add(time.Hour)
	tickets := []struct {
		name  string
		state string
		kind  string
		age   time.Duration
		want  string
	}{
		{"open, 16:59", model.TicketOpen, model.TicketStaffProblem, 17*time.Minute - time.Second, ""},
		{"open, 17:00", model.TicketOpen, model.TicketStaffProblem, 17 * time.Minute, model.ClockAck},
		{"acknowledged, 3 h", model.TicketAcknowledged, model.TicketStaffProblem, 3 * time.Hour, ""},
		{"acknowledged, 4 h", model.TicketAcknowledged, model.TicketStaffProblem, 4 * time.Hour, model.ClockResolve},
		{"open, 5 h: resolve wins", model.TicketOpen, model.TicketCustomerProblem, 5 * time.Hour, model.ClockResolve},
		{"stalled order's ticket, 1 h: no ack clock of its own", model.TicketOpen, model.TicketStalled, time.Hour, ""},
		{"resolved long ago", model.TicketResolved, model.TicketStaffProblem, 48 * time.Hour, ""},
	}
	for _, tc := range tickets {
		t.Run("ticket "+tc.name, func(t *testing.T) {
			tk := model.Ticket{State: tc.state, Kind: tc.kind, CreatedAt: t0}
			if got := o.Ticket(tk, t0.Add(tc.age)); got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
	transfers := []struct {
		name       string
		status     string
		dispatched *time.Time
		age        time.Duration
		want       string
	}{
		{"not sent, 1:59", model.TransferPending, nil, 2*time.Hour - time.Second, ""},
		{"not sent, 2 h", model.TransferPending, nil, 2 * time.Hour, model.ClockDispatch},
		{"sent, 3 h", model.TransferPending, &sent, 3 * time.Hour, ""},
		{"sent, 4 h", model.TransferPending, &sent, 4 * time.Hour, model.ClockTransfer},
		{"not sent, 4 h: not received wins", model.TransferPending, nil, 4 * time.Hour, model.ClockTransfer},
		{"received", model.TransferReceived, &sent, 9 * time.Hour, ""},
	}
	for _, tc := range transfers {
		t.Run("transfer "+tc.name, func(t *testing.T) {
			tr := model.Transfer{Status: tc.status, DispatchedAt: tc.dispatched, CreatedAt: t0}
			if got := o.Transfer(tr, t0.Add(tc.age)); got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
	if got := service.NewOverdue(config.Escalation{}).Ticket(model.Ticket{State: model.TicketOpen, CreatedAt: t0}, t0.Add(99*time.Hour)); got != "" {
		t.Errorf("without ladders: %q", got)
	}
}
