package service_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"gorm.io/gorm"

	"orderhub/config"
	"orderhub/model"
	"orderhub/model/modeltest"
	"orderhub/service"
)

// seen records that user sent the app a message at.
func seen(t *testing.T, db *gorm.DB, user string, at time.Time) {
	t.Helper()
	if err := db.Create(&model.Inbound{MsgKey: fmt.Sprintf("msg:%s:%d", user, at.UnixNano()), FromUser: user, MsgType: "text", Content: "待办",
		State: model.InboundDone, LeaseUntil: at, SentAt: at, CreatedAt: at}).Error; err != nil {
		t.Fatal(err)
	}
}

// A stage advance goes to a holder who is at work (sent the app anything
// within escalation.away), not to one who has been silent longer; with
// nobody of the role at work it goes to the least loaded of them all.
func TestNewWorkGoesToWhoIsAtWork(t *testing.T) {
	modeltest.Each(t, func(t *testing.T, db *gorm.DB) {
		x := newEscEnv(t, db, func(c *config.Config) { c.Escalation.Away = config.Duration(90 * time.Minute) })
		ctx := context.Background()
		must(x.catalog.CreateStaff(ctx, service.StaffInput{UserID: "picker2", Name: "吴配货", Roles: []string{"picker"}, Warehouse: "A"}))
		confirm := func() string {
			t.Helper()
			no := x.order(t)
			if _, err := x.orders.Advance(ctx, service.Move{No: no, To: "confirmed", Actor: service.Admin, Fields: map[string]string{"promised_at": "2026-12-30 18:00"}}); err != nil {
				t.Fatal(err)
			}
			if _, err := x.orders.Advance(ctx, service.Move{No: no, To: "picking", Actor: service.Admin}); err != nil {
				t.Fatal(err)
			}
			o := must(x.orders.Get(ctx, no))
			if o.Owner == nil {
				t.Fatalf("%s has no owner", no)
			}
			return o.Owner.UserID
		}
		// Nobody seen: spread as before.
		if a, b := confirm(), confirm(); a == b {
			t.Fatalf("with nobody at work two orders went to %s and %s, want one each", a, b)
		}
		// picker2 at work, picker silent for two hours: both go to picker2.
		now := x.clock.Now()
		seen(t, db, "picker", now.Add(-2*time.Hour))
		seen(t, db, "picker2", now.Add(-10*time.Minute))
		x.clock.Add(3 * time.Second) // past the snapshot's refresh
		for i := 0; i < 2; i++ {
			if got := confirm(); got != "picker2" {
				t.Fatalf("order %d went to %s, want picker2 (picker has sent nothing for two hours)", i, got)
			}
		}
	})
}

// Work waiting on a holder who is away is handed to a colleague at work
// by the scan, who is told as of new work; nothing moves while nobody of
// the role is at work; a problem ticket moves the same way.
func TestWorkOfSomeoneAwayIsHandedOver(t *testing.T) {
	modeltest.Each(t, func(t *testing.T, db *gorm.DB) {
		x := newEscEnv(t, db, func(c *config.Config) { c.Escalation.Away = config.Duration(90 * time.Minute) })
		ctx := context.Background()
		must(x.catalog.CreateStaff(ctx, service.StaffInput{UserID: "picker2", Name: "吴配货", Roles: []string{"picker"}, Warehouse: "A"}))
		no := x.order(t)
		if _, err := x.orders.Advance(ctx, service.Move{No: no, To: "confirmed", Actor: service.Admin, Fields: map[string]string{"promised_at": "2026-12-30 18:00"}}); err != nil {
			t.Fatal(err)
		}
		if _, err := x.orders.Advance(ctx, service.Move{No: no, To: "picking", Actor: service.Admin}); err != nil {
			t.Fatal(err)
		}
		owner := must(x.orders.Get(ctx, no)).Owner.UserID
		other := map[string]string{"picker": "picker2", "picker2": "picker"}[owner]
		tk := must(x.tickets.Open(ctx, service.NewTicket{OrderNo: no, Kind: model.TicketCustomerProblem, Description: "少了一盒", Actor: service.Actor{Kind: service.ActorCustomer, CustomerID: must(x.orders.Get(ctx, no)).Order.CustomerID, Name: "买家"}}))
		if tk.Assignee == nil || tk.Assignee.UserID != owner {
			t.Fatalf("ticket went to %v, want the order's owner %s", tk.Assignee, owner)
		}
		// Two hours on, nobody has said anything: nothing moves.
		x.clock.Add(2 * time.Hour)
		if r := x.scan(t); r.Handed != 0 {
			t.Fatalf("with nobody at work the scan handed %d over, want 0", r.Handed)
		}
		// The colleague is at work, the owner is not: the order and the
		// ticket go to the colleague, who is told of each.
		seen(t, db, other, x.clock.Now().Add(-5*time.Minute))
		x.clock.Add(3 * time.Second)
		if r := x.scan(t); r.Handed != 2 {
			t.Fatalf("scan handed %d over, want the order and the ticket", r.Handed)
		}
		if got := must(x.orders.Get(ctx, no)).Owner.UserID; got != other {
			t.Errorf("order now held by %s, want %s", got, other)
		}
		if got := must(x.tickets.Get(ctx, tk.No)).Assignee.UserID; got != other {
			t.Errorf("ticket now assigned to %s, want %s", got, other)
		}
		var told []model.Outbox
		if err := db.Where("to_user = ? AND msg_type IN ?", other, []string{service.MsgTypeNewWork, service.MsgTypeNewTicket}).Find(&told).Error; err != nil {
			t.Fatal(err)
		}
		if len(told) != 2 {
			t.Errorf("%s was told %d times, want a 新待办 and a 新工单", other, len(told))
		}
		// Handed once: the next scan leaves it.
		x.clock.Add(3 * time.Second)
		if r := x.scan(t); r.Handed != 0 {
			t.Errorf("a second scan handed %d over, want 0", r.Handed)
		}
		d := must(x.orders.Get(ctx, no))
		var note bool
		for _, ev := range d.Events {
			note = note || (ev.Kind == "reassigned" && strings.Contains(ev.Note, "不在岗"))
		}
		if !note {
			t.Error("the timeline does not say why the order changed hands")
		}
	})
}

// A lead told of one stalled order is not pushed again within the nudge
// gap: what comes due meanwhile waits and goes out together, in one
// message, when the gap ends.
func TestClimbsKeepTheGap(t *testing.T) {
	modeltest.Each(t, func(t *testing.T, db *gorm.DB) {
		x := newEscEnv(t, db, func(c *config.Config) {
			c.Stages[0].Escalation = []config.Level{{After: config.Duration(2 * time.Second), Notify: []string{"cs_lead"}}}
			c.Escalation.NudgeGap = config.Duration(time.Minute)
		})
		x.order(t)
		x.clock.Add(3 * time.Second)
		x.scan(t)
		if n := len(pushes(t, db)); n != 1 {
			t.Fatalf("first stall: %d pushes, want 1", n)
		}
		second := x.order(t)
		x.clock.Add(3 * time.Second)
		third := x.order(t)
		x.clock.Add(3 * time.Second)
		x.scan(t)
		if n := len(pushes(t, db)); n != 1 {
			t.Fatalf("within the gap: %d pushes, want still 1", n)
		}
		x.clock.Add(time.Minute)
		x.scan(t)
		rows := pushes(t, db)
		if len(rows) != 2 {
			t.Fatalf("after the gap: %d pushes, want 2 (the two waiting orders in one)", len(rows))
		}
		if !strings.Contains(rows[1].Body, "催办汇总") || !strings.Contains(rows[1].Body, second) || !strings.Contains(rows[1].Body, third) {
			t.Errorf("the second push is %s, want one digest of %s and %s", rows[1].Body, second, third)
		}
	})
}

// A buyer asking after an order on its way (已发货) asks customer service,
// not the dispatcher who sent it.
func TestBuyerAskingAfterAParcelGoesToCustomerService(t *testing.T) {
	modeltest.Each(t, func(t *testing.T, db *gorm.DB) {
		x := newEscEnv(t, db, nil)
		ctx := context.Background()
		no := x.order(t)
		for _, mv := range []service.Move{
			{To: "confirmed", Fields: map[string]string{"promised_at": "2026-12-30 18:00"}}, {To: "picking"},
			{To: "qc", Fields: map[string]string{"qc_inspector": "刘质检"}}, {To: "packed"},
			{To: "shipped", Fields: map[string]string{"carrier": "顺丰", "tracking_no": "SF1234567890", "waybill_photo": attachWaybill(t, x.orders, no)}},
		} {
			mv.No, mv.Actor = no, service.Admin
			if _, err := x.orders.Advance(ctx, mv); err != nil {
				t.Fatalf("%s: %v", mv.To, err)
			}
		}
		d := must(x.orders.Get(ctx, no))
		tk := must(x.tickets.Open(ctx, service.NewTicket{OrderNo: no, Kind: model.TicketCustomerProblem, Description: "说好的交期已经过了，货还没到",
			Actor: service.Actor{Kind: service.ActorCustomer, CustomerID: d.Order.CustomerID, Name: "买家"}}))
		if tk.Assignee == nil || tk.Assignee.UserID != "cs" {
			t.Fatalf("the buyer's question about a shipped order went to %+v, want customer service (cs)", tk.Assignee)
		}
	})
}

// A new problem is offered to two people at once: its assignee and the
// least loaded colleague at work who can take it (for a buyer's problem,
// customer service). Either may take it; the first 收到 does, the other's
// is refused as taken, and nobody is pushed to say so. With nobody else at
// work it goes to the assignee alone.
func TestNewProblemIsOfferedToTwo(t *testing.T) {
	modeltest.Each(t, func(t *testing.T, db *gorm.DB) {
		x := newEscEnv(t, db, func(c *config.Config) { c.Escalation.Away = config.Duration(90 * time.Minute) })
		ctx := context.Background()
		must(x.catalog.CreateStaff(ctx, service.StaffInput{UserID: "cs2", Name: "何客服", Roles: []string{"customer_service"}}))
		must(x.catalog.CreateStaff(ctx, service.StaffInput{UserID: "cs3", Name: "罗客服", Roles: []string{"customer_service"}}))
		buyer := func(no string) service.Actor {
			return service.Actor{Kind: service.ActorCustomer, CustomerID: must(x.orders.Get(ctx, no)).Order.CustomerID, Name: "买家"}
		}
		offer := func(tk service.TicketView) (users []string, body string) {
			t.Helper()
			var row model.Outbox
			if err := db.Where("`key` = ?", fmt.Sprintf("tknew:%d", tk.ID)).Take(&row).Error; err != nil {
				t.Fatalf("no opening push for %s: %v", tk.No, err)
			}
			return strings.Split(row.ToUser, "|"), row.Body
		}

		// Nobody at work: the assignee alone (the night, or a fresh start).
		first := x.order(t)
		tk := must(x.tickets.Open(ctx, service.NewTicket{OrderNo: first, Kind: model.TicketCustomerProblem, Description: "少了一盒", Actor: buyer(first)}))
		if to, _ := offer(tk); len(to) != 1 || to[0] != tk.Assignee.UserID {
			t.Fatalf("with nobody at work the ticket was offered to %v, want its assignee %s alone", to, tk.Assignee.UserID)
		}

		// cs2 and cs3 at work, cs3 holding more work (the first ticket
		// handed to it): the second person offered is cs2.
		now := x.clock.Now()
		for _, u := range []string{"cs", "cs2", "cs3"} {
			seen(t, db, u, now.Add(-10*time.Minute))
		}
		if err := db.Model(&model.Ticket{}).Where("id = ?", tk.ID).Update("assignee_staff_id", must(x.catalog.Staff(ctx, "cs3")).ID).Error; err != nil {
			t.Fatal(err)
		}
		x.clock.Add(3 * time.Second)
		no := x.order(t)
		tk = must(x.tickets.Open(ctx, service.NewTicket{OrderNo: no, Kind: model.TicketCustomerProblem, Description: "包装破了", Actor: buyer(no)}))
		to, body := offer(tk)
		if len(to) != 2 || to[0] != tk.Assignee.UserID || to[1] == to[0] || to[1] == "cs3" {
			t.Fatalf("offered to %v (assignee %s), want the assignee and the least loaded other at work (not cs3)", to, tk.Assignee.UserID)
		}
		if !strings.Contains(body, "offered_to") {
			t.Errorf("the push does not name who it went to: %s", body)
		}
		// The second takes it; the assignee's 收到 is refused as taken;
		// nobody is told by a push.
		backup := must(x.catalog.Staff(ctx, to[1]))
		got := must(x.tickets.Ack(ctx, tk.No, service.Actor{Kind: service.ActorStaff, ID: backup.UserID, StaffID: backup.ID, Name: backup.Name}, nil))
		if got.Assignee == nil || got.Assignee.UserID != to[1] {
			t.Fatalf("after %s took it the ticket is assigned to %+v", to[1], got.Assignee)
		}
		owner := must(x.catalog.Staff(ctx, to[0]))
		if _, err := x.tickets.Ack(ctx, tk.No, service.Actor{Kind: service.ActorStaff, ID: owner.UserID, StaffID: owner.ID, Name: owner.Name}, nil); !errors.Is(err, service.ErrConflict) {
			t.Fatalf("the assignee's 收到 after it was taken: %v, want a conflict", err)
		}
		var lines int64
		if err := db.Model(&model.Outbox{}).Where("msg_type = ?", service.MsgTypeTicketChange).Count(&lines).Error; err != nil {
			t.Fatal(err)
		}
		if lines != 0 {
			t.Errorf("%d ticket-change pushes, want none: the other was offered it, not told of it", lines)
		}
		// Someone neither assigned nor offered it may not take it.
		other := "cs3"
		if to[1] == "cs3" || to[0] == "cs3" {
			other = "cs"
		}
		st := must(x.catalog.Staff(ctx, other))
		third := x.order(t)
		tk3 := must(x.tickets.Open(ctx, service.NewTicket{OrderNo: third, Kind: model.TicketCustomerProblem, Description: "发错货", Actor: buyer(third)}))
		if to3, _ := offer(tk3); !slices.Contains(to3, other) {
			if _, err := x.tickets.Ack(ctx, tk3.No, service.Actor{Kind: service.ActorStaff, ID: st.UserID, StaffID: st.ID, Name: st.Name}, nil); !errors.Is(err, service.ErrForbidden) {
				t.Errorf("%s, not offered %s (offered to %v), took it: %v", other, tk3.No, to3, err)
			}
		}
	})
}

// A problem nobody has taken when the ack ladder's first level comes due
// is offered once more, to one more person at work, who may take it; a
// later scan does not offer it again.
func TestUntakenProblemIsOfferedOnceMore(t *testing.T) {
	modeltest.Each(t, func(t *testing.T, db *gorm.DB) {
		x := newEscEnv(t, db, func(c *config.Config) { c.Escalation.Away = config.Duration(90 * time.Minute) })
		ctx := context.Background()
		for _, u := range []string{"cs2", "cs3"} {
			must(x.catalog.CreateStaff(ctx, service.StaffInput{UserID: u, Name: "客服" + u, Roles: []string{"customer_service"}}))
		}
		now := x.clock.Now()
		for _, u := range []string{"cs", "cs2", "cs3"} {
			seen(t, db, u, now.Add(-10*time.Minute))
		}
		x.clock.Add(3 * time.Second)
		no := x.order(t)
		tk := must(x.tickets.Open(ctx, service.NewTicket{OrderNo: no, Kind: model.TicketCustomerProblem, Description: "少了一盒",
			Actor: service.Actor{Kind: service.ActorCustomer, CustomerID: must(x.orders.Get(ctx, no)).Order.CustomerID, Name: "买家"}}))
		if r := x.scan(t); r.Reoffered != 0 {
			t.Fatalf("offered again at once: %d", r.Reoffered)
		}
		x.clock.Add(11 * time.Minute)
		if r := x.scan(t); r.Reoffered != 1 {
			t.Fatalf("after 11 minutes untaken: reoffered %d, want 1", r.Reoffered)
		}
		var row model.Outbox
		if err := db.Where("`key` = ?", fmt.Sprintf("tkoffer:%d", tk.ID)).Take(&row).Error; err != nil {
			t.Fatal(err)
		}
		var first model.Outbox
		if err := db.Where("`key` = ?", fmt.Sprintf("tknew:%d", tk.ID)).Take(&first).Error; err != nil {
			t.Fatal(err)
		}
		if strings.Contains(first.ToUser, row.ToUser) || strings.Contains(row.ToUser, "|") {
			t.Fatalf("offered again to %q, want one person not among %q", row.ToUser, first.ToUser)
		}
		x.clock.Add(time.Minute)
		if r := x.scan(t); r.Reoffered != 0 {
			t.Errorf("offered a third time: %d", r.Reoffered)
		}
		third := must(x.catalog.Staff(ctx, row.ToUser))
		if _, err := x.tickets.Ack(ctx, tk.No, service.Actor{Kind: service.ActorStaff, ID: third.UserID, StaffID: third.ID, Name: third.Name}, nil); err != nil {
			t.Fatalf("the one offered it later may take it: %v", err)
		}
	})
}

// Of the people a problem may be offered to, those seen in the last half
// hour are asked before one last seen an hour ago (who may be at lunch),
// even when the latter has less work in hand.
func TestOfferGoesToWhoWasSeenLately(t *testing.T) {
	modeltest.Each(t, func(t *testing.T, db *gorm.DB) {
		x := newEscEnv(t, db, func(c *config.Config) { c.Escalation.Away = config.Duration(90 * time.Minute) })
		ctx := context.Background()
		for _, u := range []string{"cs2", "cs3"} {
			must(x.catalog.CreateStaff(ctx, service.StaffInput{UserID: u, Name: "客服" + u, Roles: []string{"customer_service"}}))
		}
		now := x.clock.Now()
		seen(t, db, "cs", now.Add(-5*time.Minute))
		seen(t, db, "cs2", now.Add(-5*time.Minute))
		seen(t, db, "cs3", now.Add(-60*time.Minute))
		x.clock.Add(3 * time.Second)
		buyer := func(no string) service.Actor {
			return service.Actor{Kind: service.ActorCustomer, CustomerID: must(x.orders.Get(ctx, no)).Order.CustomerID, Name: "买家"}
		}
		// Give cs2 more work in hand than cs3.
		for i := 0; i < 2; i++ {
			no := x.order(t)
			tk := must(x.tickets.Open(ctx, service.NewTicket{OrderNo: no, Kind: model.TicketCustomerProblem, Description: "少了", Actor: buyer(no)}))
			if err := db.Model(&model.Ticket{}).Where("id = ?", tk.ID).Update("assignee_staff_id", must(x.catalog.Staff(ctx, "cs2")).ID).Error; err != nil {
				t.Fatal(err)
			}
		}
		// The order is cs's, so cs is its assignee; of cs2 (two tickets,
		// seen five minutes ago) and cs3 (none, seen an hour ago) the
		// offer goes to cs2.
		no := x.order(t)
		if err := db.Model(&model.Order{}).Where("no = ?", no).Update("owner_staff_id", must(x.catalog.Staff(ctx, "cs")).ID).Error; err != nil {
			t.Fatal(err)
		}
		tk := must(x.tickets.Open(ctx, service.NewTicket{OrderNo: no, Kind: model.TicketCustomerProblem, Description: "破了", Actor: buyer(no)}))
		var row model.Outbox
		if err := db.Where("`key` = ?", fmt.Sprintf("tknew:%d", tk.ID)).Take(&row).Error; err != nil {
			t.Fatal(err)
		}
		if to := strings.Split(row.ToUser, "|"); len(to) != 2 || to[0] != "cs" || to[1] != "cs2" {
			t.Fatalf("offered to %v, want cs (its assignee) and cs2 (seen five minutes ago), not cs3 (an hour ago)", to)
		}
	})
}
