package service_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"
	"gorm.io/gorm"

	"orderhub/config"
	"orderhub/model"
	"orderhub/model/modeltest"
	"orderhub/service"
	"orderhub/service/catalog"
)

// newTicketPushes returns the new-ticket pushes queued, rendered.
func newTicketPushes(t *testing.T, db *gorm.DB) []model.Outbox {
	t.Helper()
	var rows []model.Outbox
	if err := db.Where("msg_type = ?", service.MsgTypeNewTicket).Order("id").Find(&rows).Error; err != nil {
		t.Fatal(err)
	}
	return rendered(t, rows)
}

func staffActor(t *testing.T, db *gorm.DB, user string) service.Actor {
	t.Helper()
	var st model.Staff
	if err := db.Where("user_id = ?", user).Take(&st).Error; err != nil {
		t.Fatal(err)
	}
	return catalog.StaffAsActor(st)
}

func buyerActor(t *testing.T, db *gorm.DB, code string) service.Actor {
	t.Helper()
	var c model.Customer
	if err := db.Where("code = ?", code).Take(&c).Error; err != nil {
		t.Fatal(err)
	}
	return service.Actor{Kind: service.ActorCustomer, ID: "dev:buyer-1", Name: "买家张", CustomerID: c.ID}
}

// A problem is pushed to the person holding the order when it opens,
// whichever edge reported it; the holder reporting it asks their lead.
func TestNewTicketPushedToHolderFromEveryEdge(t *testing.T) {
	modeltest.Each(t, func(t *testing.T, db *gorm.DB) {
		x := newEscEnv(t, db, nil)
		ctx := context.Background()
		for _, tc := range []struct {
			name, kind string
			actor      service.Actor
			want       string // who is pushed; "" nobody (the reporter holds it)
			assignee   string
		}{
			{"mini-program", model.TicketCustomerProblem, buyerActor(t, db, "C1"), "cs", "cs"},
			{"chat, not the holder", model.TicketStaffProblem, staffActor(t, db, "keeperA"), "cs", "cs"},
			{"board", model.TicketStaffProblem, service.Admin, "cs", "cs"},
			{"chat, the holder asks for help", model.TicketStaffProblem, staffActor(t, db, "cs"), "cslead", "cslead"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				no := x.order(t) // held by cs, the one customer-service holder
				before := len(newTicketPushes(t, db))
				v, err := x.tickets.Open(ctx, service.NewTicket{Kind: tc.kind, OrderNo: no, Description: "少发1箱", Actor: tc.actor})
				if err != nil {
					t.Fatal(err)
				}
				if v.Assignee == nil || v.Assignee.UserID != tc.assignee {
					t.Fatalf("assignee %+v, want %s", v.Assignee, tc.assignee)
				}
				rows := newTicketPushes(t, db)[before:]
				if len(rows) != 1 || rows[0].ToUser != tc.want || !strings.Contains(rows[0].Body, v.No) || !strings.Contains(rows[0].Body, "少发1箱") ||
					!strings.HasPrefix(gjsonContent(t, rows[0].Body), "新工单 ") {
					t.Fatalf("pushes %+v, want one to %s about %s", rows, tc.want, v.No)
				}
			})
		}
	})
}

func gjsonContent(t *testing.T, body string) string {
	t.Helper()
	var b struct {
		Content string `json:"content"`
	}
	if err := json.Unmarshal([]byte(body), &b); err != nil {
		t.Fatal(err)
	}
	return b.Content
}

// An order nobody holds any more (已签收): the buyer's 少发 goes to the
// least busy customer-service holder, and the ticket's 17-minute level to
// their lead — never to nobody.
func TestTicketOnDeliveredOrderReachesCustomerServiceThenLead(t *testing.T) {
	modeltest.Each(t, func(t *testing.T, db *gorm.DB) {
		x := newEscEnv(t, db, func(c *config.Config) {
			c.Escalation.TicketAck = []config.Level{{After: config.Duration(17 * time.Second), Notify: []string{config.LeadToken}}}
		})
		ctx := context.Background()
		must(x.catalog.CreateStaff(ctx, catalog.StaffInput{UserID: "cs2", Name: "何客服", Roles: []string{"customer_service"}}))
		busy := x.order(t)
		if _, err := x.tickets.Open(ctx, service.NewTicket{Kind: model.TicketStaffProblem, OrderNo: busy, Description: "先占着", Actor: service.Admin}); err != nil {
			t.Fatal(err)
		}
		no := x.order(t)
		if err := db.Model(&model.Order{}).Where("no = ?", no).Updates(map[string]any{"stage": "delivered", "owner_staff_id": nil}).Error; err != nil {
			t.Fatal(err)
		}
		v, err := x.tickets.Open(ctx, service.NewTicket{Kind: model.TicketCustomerProblem, OrderNo: no, Description: "少发1箱", Actor: buyerActor(t, db, "C1")})
		if err != nil {
			t.Fatal(err)
		}
		holder := v.Assignee
		if holder == nil || (holder.UserID != "cs" && holder.UserID != "cs2") {
			t.Fatalf("assignee %+v, want a customer-service holder", holder)
		}
		var busyOne model.Ticket
		must0(t, db.Where("description = ?", "先占着").Take(&busyOne).Error)
		if *busyOne.AssigneeStaffID == holder.ID {
			t.Fatalf("the new ticket went to %s, who already holds one; want the least busy", holder.UserID)
		}
		if rows := newTicketPushes(t, db); rows[len(rows)-1].ToUser != holder.UserID {
			t.Fatalf("pushed %s, want %s", rows[len(rows)-1].ToUser, holder.UserID)
		}
		x.clock.Add(18 * time.Second)
		x.scan(t)
		var a model.Alarm
		must0(t, db.Where("subject = ? AND subject_id = ? AND clock = ?", model.AlarmTicket, v.ID, model.ClockAck).Take(&a).Error)
		if strings.Contains(a.Told, "unrouted") || !strings.Contains(a.Told, "cslead") {
			t.Fatalf("the ack level told %s, want the customer-service lead", a.Told)
		}
		if n := testutil.ToFloat64(x.metrics.AlarmsWithoutRecipient); n != 0 {
			t.Fatalf("alarms without recipient %v, want 0", n)
		}
	})
}

func must0(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// A level that finds nobody is an error: counted, recorded, and the alarm
// goes on at once to the next level; past the last to the supervisors; and
// when there is nobody at all it stays armed, never done.
func TestAlarmWithoutRecipientGoesUp(t *testing.T) {
	for _, tc := range []struct {
		name    string
		levels  []string // the roles of the ladder's levels
		leave   []string // staff who leave first
		told    string   // who hears at the first level's time; "" nobody
		state   string
		counted float64
	}{
		{"next level", []string{"picker_lead", "director"}, nil, "dir", model.AlarmDone, 1},
		{"past the last: supervisors", []string{"picker_lead"}, nil, "boss|dir", model.AlarmDone, 1},
		{"nobody at all", []string{"picker_lead"}, []string{"boss", "dir"}, "", model.AlarmArmed, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			modeltest.Each(t, func(t *testing.T, db *gorm.DB) {
				x := newEscEnv(t, db, func(c *config.Config) {
					c.Stages[0].Escalation = nil
					for i, r := range tc.levels {
						c.Stages[0].Escalation = append(c.Stages[0].Escalation, config.Level{After: config.Duration(time.Duration(2+3*i) * time.Second), Notify: []string{r}})
					}
				})
				for _, u := range tc.leave {
					must0(t, db.Model(&model.Staff{}).Where("user_id = ?", u).Update("active", false).Error)
				}
				x.order(t)
				x.clock.Add(2500 * time.Millisecond)
				x.scan(t)
				var a model.Alarm
				must0(t, db.Where("subject = ?", model.AlarmOrder).Order("id DESC").Take(&a).Error)
				if a.State != tc.state || !strings.Contains(a.Told, `"unrouted":true`) {
					t.Fatalf("alarm %s told %s, want state %s with the unrouted level recorded", a.State, a.Told, tc.state)
				}
				rows := pushes(t, db)
				switch {
				case tc.told == "" && len(rows) != 0:
					t.Fatalf("pushed %+v, want nobody", rows)
				case tc.told != "" && (len(rows) != 1 || rows[0].ToUser != tc.told):
					t.Fatalf("pushed %+v, want %s", rows, tc.told)
				}
				if n := testutil.ToFloat64(x.metrics.AlarmsWithoutRecipient); n != tc.counted {
					t.Fatalf("counted %v, want %v", n, tc.counted)
				}
			})
		})
	}
}

// 待办 lists orders by the time their clock has left, not by arrival.
func TestTodoListsSoonestDueFirst(t *testing.T) {
	modeltest.Each(t, func(t *testing.T, db *gorm.DB) {
		x := newEscEnv(t, db, nil)
		older, newer := x.order(t), x.order(t)
		now := x.clock.Now()
		must0(t, db.Model(&model.Order{}).Where("no = ?", older).Update("stage_due_at", now.Add(3*time.Hour)).Error)
		must0(t, db.Model(&model.Order{}).Where("no = ?", newer).Update("stage_due_at", now.Add(time.Hour)).Error)
		todos := service.NewTodos(db, x.orders.Pipeline(), x.tickets, x.transfers)
		td, err := todos.For(context.Background(), staffActor(t, db, "cs"))
		if err != nil {
			t.Fatal(err)
		}
		if len(td.Orders) != 2 || td.Orders[0].No != newer || td.Orders[1].No != older {
			t.Fatalf("todo lists %v, want %s (due in 1 h) before %s (due in 3 h)", td.Orders, newer, older)
		}
	})
}

// nudgeEnv is an escEnv whose first stage nudges the holder at 1.5 s,
// tells the customer-service lead at 2 s and the director at 5 s.
func nudgeEnv(t *testing.T, db *gorm.DB, gap time.Duration) *escEnv {
	return newEscEnv(t, db, func(c *config.Config) {
		c.Stages[0].Escalation = []config.Level{
			{After: config.Duration(1500 * time.Millisecond), Notify: []string{config.HolderToken}},
			{After: config.Duration(2 * time.Second), Notify: []string{"cs_lead"}},
			{After: config.Duration(5 * time.Second), Notify: []string{"director"}},
		}
		c.Escalation.GroupOver = 1
		c.Escalation.NudgeGap = config.Duration(gap)
	})
}

func contentOf(t *testing.T, r model.Outbox) string {
	t.Helper()
	return gjsonContent(t, r.Body)
}

// The holder hears first, before the clock runs out, with the command
// that moves the work; no ticket is opened for a nudge; the lead hears
// only when the order did not move.
func TestHolderNudgedBeforeLead(t *testing.T) {
	modeltest.Each(t, func(t *testing.T, db *gorm.DB) {
		x := nudgeEnv(t, db, 0)
		stuck, moved := x.order(t), x.order(t)
		x.clock.Add(1600 * time.Millisecond)
		x.scan(t)
		rows := pushes(t, db)
		if len(rows) != 1 || rows[0].ToUser != "cs" || !strings.Contains(contentOf(t, rows[0]), "待办提醒") ||
			!strings.Contains(contentOf(t, rows[0]), "推进 "+stuck) || !strings.Contains(contentOf(t, rows[0]), "推进 "+moved) {
			t.Fatalf("nudge: %+v, want one message to the holder cs with 推进 for both orders", rows)
		}
		if tks, err := x.tickets.List(context.Background(), service.TicketFilter{Open: true}); err != nil || len(tks) != 0 {
			t.Fatalf("a nudge opened tickets %v (%v)", tks, err)
		}
		if _, err := x.orders.Cancel(context.Background(), moved, service.Admin, "客户改单"); err != nil {
			t.Fatal(err)
		}
		x.clock.Add(500 * time.Millisecond)
		x.scan(t)
		rows = pushes(t, db)[1:]
		if len(rows) != 1 || rows[0].ToUser != "cslead" || !strings.Contains(rows[0].Body, stuck) || strings.Contains(rows[0].Body, moved) {
			t.Fatalf("after the nudge: %+v, want the lead told of %s only", rows, stuck)
		}
		tks, err := x.tickets.List(context.Background(), service.TicketFilter{OrderNo: stuck})
		if err != nil || len(tks) != 1 || tks[0].Kind != model.TicketStalled {
			t.Fatalf("the lead's level opens the stalled ticket: %v %v", tks, err)
		}
	})
}

// A holder nudged a moment ago is not nudged again before the gap ends:
// what comes due meanwhile goes out together when it does.
func TestNudgeGapGroupsWhatComesDue(t *testing.T) {
	modeltest.Each(t, func(t *testing.T, db *gorm.DB) {
		x := newEscEnv(t, db, func(c *config.Config) {
			c.Stages[0].Escalation = []config.Level{
				{After: config.Duration(1500 * time.Millisecond), Notify: []string{config.HolderToken}},
				{After: config.Duration(20 * time.Second), Notify: []string{"cs_lead"}},
			}
			c.Escalation.GroupOver = 1
			c.Escalation.NudgeGap = config.Duration(time.Second)
		})
		a := x.order(t)
		x.clock.Add(300 * time.Millisecond)
		b := x.order(t)
		x.clock.Add(200 * time.Millisecond)
		c := x.order(t)
		x.clock.Add(1100 * time.Millisecond) // a due
		x.scan(t)
		x.clock.Add(300 * time.Millisecond) // b and c due, inside the gap
		x.scan(t)
		if rows := pushes(t, db); len(rows) != 1 || !strings.Contains(rows[0].Body, a) {
			t.Fatalf("inside the gap: %+v, want only the nudge about %s", rows, a)
		}
		x.clock.Add(800 * time.Millisecond) // the gap is over
		x.scan(t)
		rows := pushes(t, db)
		if len(rows) != 2 || rows[1].ToUser != "cs" || !strings.Contains(rows[1].Body, b) || !strings.Contains(rows[1].Body, c) {
			t.Fatalf("after the gap: %+v, want one message about %s and %s", rows, b, c)
		}
	})
}

// Someone taking a stalled order's ticket interrupts nobody with a line
// (it resolves itself when the order moves); a resolution by hand is told.
func TestStalledTicketTakenTellsNoOne(t *testing.T) {
	modeltest.Each(t, func(t *testing.T, db *gorm.DB) {
		x := newEscEnv(t, db, nil)
		no := x.order(t)
		x.clock.Add(2100 * time.Millisecond)
		x.scan(t)
		x.clock.Add(3 * time.Second)
		x.scan(t)
		tks, err := x.tickets.List(context.Background(), service.TicketFilter{OrderNo: no})
		if err != nil || len(tks) != 1 || tks[0].Kind != model.TicketStalled {
			t.Fatalf("stalled ticket: %v %v", tks, err)
		}
		lines := func() []model.Outbox {
			var rows []model.Outbox
			must0(t, db.Where("msg_type = ?", service.MsgTypeTicketChange).Find(&rows).Error)
			return rows
		}
		lead := staffActor(t, db, "cslead")
		if _, err := x.tickets.Ack(context.Background(), tks[0].No, lead, nil); err != nil {
			t.Fatal(err)
		}
		if rows := lines(); len(rows) != 0 {
			t.Fatalf("taking the stalled ticket told %+v, want nobody", rows)
		}
		if _, err := x.tickets.Resolve(context.Background(), tks[0].No, "已催仓库发货", lead, nil); err != nil {
			t.Fatal(err)
		}
		if rows := lines(); len(rows) != 1 || rows[0].ToUser != "dir" {
			t.Fatalf("resolving it told %+v, want the director", rows)
		}
	})
}
