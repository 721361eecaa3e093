package service_test

import (
	"context"
	"encoding/json"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"gorm.io/gorm"

	"orderhub/bot"
	"orderhub/config"
	"orderhub/internal/redislock"
	"orderhub/internal/testclock"
	"orderhub/model"
	"orderhub/model/modeltest"
	"orderhub/service"
)

// escEnv is env with an escalation scanner, on a config whose first stage
// escalates in seconds: to the customer-service lead after 2 s, to the
// director after 5 s.
type escEnv struct {
	*env
	tickets *service.Tickets
	esc     *service.Escalator
	// esc2 is a second instance's scanner on the same database.
	esc2    *service.Escalator
	metrics *service.Metrics
}

func newEscEnv(t *testing.T, db *gorm.DB, tune func(c *config.Config)) *escEnv {
	t.Helper()
	cfg := config.Default()
	cfg.Stages[0].Escalation = []config.Level{
		{After: config.Duration(2 * time.Second), Notify: []string{"cs_lead"}},
		{After: config.Duration(5 * time.Second), Notify: []string{"director"}, Webhook: "robot-key"},
	}
	cfg.Escalation.Cards = false
	if tune != nil {
		tune(&cfg)
	}
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	rdb, prefix := modeltest.Redis(t)
	clock := testclock.New(time.Date(2026, 11, 24, 1, 30, 0, 0, time.UTC))
	pipe := service.NewPipeline(cfg)
	log := modeltest.Log()
	e := &env{db: db, cfg: cfg, clock: clock}
	e.catalog = service.NewCatalog(db, cfg.Roles)
	e.stock = service.NewStock(db, clock.Now)
	metrics := service.NewMetrics(prometheus.NewRegistry())
	e.orders = service.NewOrders(db, redislock.New(rdb, prefix, time.Second, time.Second, log), pipe, clock.Now, cfg.Location(), log, metrics)
	e.transfers = service.NewTransfers(db, pipe, clock.Now)
	e.world(t)
	ctx := context.Background()
	must(e.catalog.CreateStaff(ctx, service.StaffInput{UserID: "cslead", Name: "吴客服主管", Roles: []string{"cs_lead"}}))
	must(e.catalog.CreateStaff(ctx, service.StaffInput{UserID: "dir", Name: "冯总监", Roles: []string{"director"}}))
	e.put(t, "A", "BOLT-M8", 10000)
	x := &escEnv{env: e, tickets: service.NewTickets(db, pipe, clock.Now, cfg.Location(), cfg.Roles), metrics: metrics}
	x.esc = service.NewEscalator(db, e.orders, x.tickets, cfg.Escalation, clock.Now, cfg.Location(), log)
	x.esc2 = service.NewEscalator(db, e.orders, x.tickets, cfg.Escalation, clock.Now, cfg.Location(), log)
	return x
}

func (x *escEnv) order(t *testing.T) string {
	t.Helper()
	d, _, err := x.orders.Create(context.Background(), service.NewOrder{Customer: "C1", Lines: []service.LineInput{{SKU: "BOLT-M8", Qty: 1}}, Actor: service.Admin})
	if err != nil {
		t.Fatal(err)
	}
	return d.Order.No
}

func (x *escEnv) scan(t *testing.T) service.ScanReport {
	t.Helper()
	r, err := x.esc.Scan(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// pushes returns the escalation pushes queued, oldest first.
func pushes(t *testing.T, db *gorm.DB) []model.Outbox {
	t.Helper()
	var rows []model.Outbox
	if err := db.Where("`key` LIKE ?", "esc%").Order("id").Find(&rows).Error; err != nil {
		t.Fatal(err)
	}
	return rendered(t, rows)
}

func TestEscalationClimbsOncePerLevel(t *testing.T) {
	modeltest.Each(t, func(t *testing.T, db *gorm.DB) {
		x := newEscEnv(t, db, nil)
		no := x.order(t)
		x.clock.Add(1500 * time.Millisecond)
		if r := x.scan(t); r.Fired != 0 {
			t.Fatalf("fired %d before level 1 was due", r.Fired)
		}
		x.clock.Add(time.Second)
		if r := x.scan(t); r.Fired != 1 {
			t.Fatalf("level 1: fired %d, want 1", r.Fired)
		}
		// Scanning again, by either instance, pushes nothing more.
		for i := 0; i < 3; i++ {
			x.scan(t)
			if _, err := x.esc2.Scan(context.Background()); err != nil {
				t.Fatal(err)
			}
		}
		rows := pushes(t, db)
		if len(rows) != 1 || rows[0].ToUser != "cslead" || !strings.Contains(rows[0].Body, no) || !strings.Contains(rows[0].Body, "收到 TK") {
			t.Fatalf("after level 1: %+v", rows)
		}
		tks, err := x.tickets.List(context.Background(), service.TicketFilter{OrderNo: no})
		if err != nil || len(tks) != 1 || tks[0].Kind != model.TicketStalled || tks[0].Assignee == nil || tks[0].Assignee.UserID != "cslead" {
			t.Fatalf("level 1 opens one stalled ticket for the lead: %+v, %v", tks, err)
		}
		x.clock.Add(3 * time.Second)
		if r := x.scan(t); r.Fired != 1 {
			t.Fatalf("level 2: fired %d, want 1", r.Fired)
		}
		x.clock.Add(time.Hour)
		x.scan(t)
		rows = pushes(t, db)
		if len(rows) != 3 { // level 1, level 2, level 2's group robot
			t.Fatalf("pushes = %d, want 3: %+v", len(rows), rows)
		}
		if rows[1].ToUser != "dir" || !strings.Contains(rows[1].Body, "吴客服主管") || !strings.Contains(rows[1].Body, "第1级") {
			t.Fatalf("level 2 must go to the director and say who was told: %+v", rows[1])
		}
		if rows[2].ToUser != "robot-key" || rows[2].MsgType != bot.MsgTypeRobot {
			t.Fatalf("level 2's webhook: %+v", rows[2])
		}
	})
}

func TestEscalationStopsOnAckOrMove(t *testing.T) {
	modeltest.Each(t, func(t *testing.T, db *gorm.DB) {
		x := newEscEnv(t, db, nil)
		ctx := context.Background()
		acked, moved := x.order(t), x.order(t)
		x.clock.Add(2 * time.Second)
		if r := x.scan(t); r.Fired != 2 {
			t.Fatalf("fired %d, want 2", r.Fired)
		}
		tks := must(x.tickets.List(ctx, service.TicketFilter{OrderNo: acked}))
		lead := must(x.catalog.StaffActor(ctx, "cslead"))
		if _, err := x.tickets.Ack(ctx, tks[0].No, lead, nil); err != nil {
			t.Fatal(err)
		}
		if _, err := x.tickets.Ack(ctx, tks[0].No, lead, nil); err == nil {
			t.Fatal("a second ack must be refused")
		}
		if _, err := x.orders.Advance(ctx, service.Move{No: moved, To: "confirmed", Actor: service.Admin, Fields: map[string]string{"promised_at": "2026-12-30 18:00"}}); err != nil {
			t.Fatal(err)
		}
		x.clock.Add(10 * time.Second)
		// The ack stopped its alarm at once; the move is noticed by the scan.
		if r := x.scan(t); r.Fired != 0 || r.Stopped != 1 {
			t.Fatalf("after ack and move: %+v, want nothing fired and 1 stopped", r)
		}
		var armed int64
		db.Model(&model.Alarm{}).Where("state = ?", model.AlarmArmed).Count(&armed)
		if armed != 0 {
			t.Fatalf("%d alarms still armed", armed)
		}
		keeper := must(x.catalog.StaffActor(ctx, "keeperB"))
		if _, err := x.tickets.Resolve(ctx, tks[0].No, "已补发", keeper, nil); err == nil {
			t.Fatal("a keeper who was not told may not resolve another's ticket")
		}
		v, err := x.tickets.Resolve(ctx, tks[0].No, "已联系客户确认", lead, nil)
		if err != nil || v.State != model.TicketResolved || v.Resolution != "已联系客户确认" {
			t.Fatalf("resolve: %+v, %v", v, err)
		}
		if v, err := x.tickets.Close(ctx, tks[0].No, service.Admin); err != nil || v.State != model.TicketClosed {
			t.Fatalf("close: %+v, %v", v, err)
		}
	})
}

func TestEscalationQuietHoursPostpone(t *testing.T) {
	modeltest.Each(t, func(t *testing.T, db *gorm.DB) {
		// 01:30 UTC is 09:30 in Shanghai: quiet until 10:00 local.
		x := newEscEnv(t, db, func(c *config.Config) { c.Stages[0].Escalation[0].Quiet = "09:00-10:00" })
		x.order(t)
		x.clock.Add(5 * time.Second)
		if r := x.scan(t); r.Fired != 0 {
			t.Fatalf("fired %d in quiet hours", r.Fired)
		}
		x.clock.Add(30 * time.Minute)
		if r := x.scan(t); r.Fired != 1 {
			t.Fatalf("after the quiet window: fired %d, want 1", r.Fired)
		}
	})
}

func TestEscalationTicketClocksAndGrouping(t *testing.T) {
	modeltest.Each(t, func(t *testing.T, db *gorm.DB) {
		x := newEscEnv(t, db, func(c *config.Config) {
			c.Stages[0].Escalation = nil
			c.Escalation.GroupOver = 2
			// The lead's and the director's levels, without the
			// assignee's nudges before them.
			c.Escalation.TicketAck = c.Escalation.TicketAck[1:]
			c.Escalation.TicketResolve = c.Escalation.TicketResolve[1:]
		})
		ctx := context.Background()
		var nos []string
		for i := 0; i < 3; i++ {
			no := x.order(t)
			v, err := x.tickets.Open(ctx, service.NewTicket{Kind: model.TicketStaffProblem, OrderNo: no, Description: "少了一箱", Actor: service.Admin})
			if err != nil {
				t.Fatal(err)
			}
			nos = append(nos, v.No)
		}
		// Acked in time: only the other two climb to the lead (@lead of
		// customer service is cs_lead) at 17 min.
		lead := must(x.catalog.StaffActor(ctx, "cslead"))
		if _, err := x.tickets.Ack(ctx, nos[0], lead, nil); err != nil {
			t.Fatal(err)
		}
		x.clock.Add(17 * time.Minute)
		if r := x.scan(t); r.Fired != 2 {
			t.Fatalf("ack clock: fired %d, want 2", r.Fired)
		}
		// At 4 h all three are unresolved: the director would get three
		// pushes in one scan, so gets one grouped message.
		x.clock.Add(4 * time.Hour)
		if r := x.scan(t); r.Fired != 3 {
			t.Fatalf("resolve clock: fired %d, want 3", r.Fired)
		}
		var toDir []model.Outbox
		for _, r := range pushes(t, db) {
			if r.ToUser == "dir" {
				toDir = append(toDir, r)
			}
		}
		if len(toDir) != 1 || !strings.Contains(toDir[0].Body, "3 件") {
			t.Fatalf("director's pushes: %+v", toDir)
		}
	})
}

// TestEscalationTwoInstances runs two scanners against one database at
// once, many times over; every (order, entry, level) is pushed once.
func TestEscalationTwoInstances(t *testing.T) {
	modeltest.Each(t, func(t *testing.T, db *gorm.DB) {
		// No grouping and no nudge gap here, so that every push is its own
		// outbox row and every level fires in the scan it comes due: with
		// the gap, a lead pushed by one scanner's batch holds back the
		// levels a concurrent scanner finds a moment later (as it should:
		// one card per person per gap), which on a loaded MariaDB left 20
		// of the 30 for later.
		x := newEscEnv(t, db, func(c *config.Config) {
			c.Escalation.GroupOver = 1000
			c.Escalation.NudgeGap = 0
		})
		const orders = 30
		for i := 0; i < orders; i++ {
			x.order(t)
		}
		for _, step := range []time.Duration{2 * time.Second, 3 * time.Second} {
			x.clock.Add(step)
			var wg sync.WaitGroup
			for _, s := range []*service.Escalator{x.esc, x.esc2, x.esc, x.esc2} {
				wg.Add(1)
				go func() {
					defer wg.Done()
					if _, err := s.Scan(context.Background()); err != nil {
						t.Error(err)
					}
				}()
			}
			wg.Wait()
		}
		var tickets int64
		db.Model(&model.Ticket{}).Where("kind = ?", model.TicketStalled).Count(&tickets)
		// Per order: level 1, level 2 and its robot. Outbox keys would hide
		// a second firing, so tickets and alarm histories are counted too.
		var l1, l2 int
		for _, r := range pushes(t, db) {
			switch {
			case strings.HasPrefix(*r.Key, "esc:") && strings.HasSuffix(*r.Key, ":1"):
				l1++
			case strings.HasPrefix(*r.Key, "esc:") && strings.HasSuffix(*r.Key, ":2"):
				l2++
			}
		}
		if tickets != orders || l1 != orders || l2 != orders {
			t.Fatalf("tickets %d, level-1 pushes %d, level-2 pushes %d; want %d each", tickets, l1, l2, orders)
		}
		var alarms []model.Alarm
		db.Find(&alarms)
		for _, a := range alarms {
			var told []map[string]any
			_ = json.Unmarshal([]byte(a.Told), &told)
			if len(told) != 2 || a.State != model.AlarmDone {
				t.Fatalf("alarm %d: state %s, told %s", a.ID, a.State, a.Told)
			}
		}
	})
}

func TestDelayNoticeOncePerOrder(t *testing.T) {
	modeltest.Each(t, func(t *testing.T, db *gorm.DB) {
		x := newEscEnv(t, db, func(c *config.Config) { c.Escalation.DelayCouponFen = 2000 })
		ctx := context.Background()
		no := x.order(t)
		// Promised in 5 hours; confirmed (4 h) + picking (4 h) + … cannot make it.
		promised := x.clock.Now().Add(5 * time.Hour).In(x.cfg.Location()).Format("2006-01-02 15:04")
		if _, err := x.orders.Advance(ctx, service.Move{No: no, To: "confirmed", Actor: service.Admin, Fields: map[string]string{"promised_at": promised}}); err != nil {
			t.Fatal(err)
		}
		onTime := x.order(t)
		far := x.clock.Now().Add(30 * 24 * time.Hour).In(x.cfg.Location()).Format("2006-01-02 15:04")
		if _, err := x.orders.Advance(ctx, service.Move{No: onTime, To: "confirmed", Actor: service.Admin, Fields: map[string]string{"promised_at": far}}); err != nil {
			t.Fatal(err)
		}
		// The buyer allowed one delay message for this order.
		d0 := must(x.orders.Get(ctx, no))
		if err := db.Create(&model.Subscription{OrderID: d0.Order.ID, BuyerID: 1, Event: service.EventDelay, OpenID: "o-buyer",
			State: model.SubscriptionPending, CreatedAt: x.clock.Now(), UpdatedAt: x.clock.Now()}).Error; err != nil {
			t.Fatal(err)
		}
		for i := 0; i < 3; i++ {
			n, err := x.esc.Delays(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if want := map[bool]int{true: 1, false: 0}[i == 0]; n != want {
				t.Fatalf("scan %d: %d delays, want %d", i, n, want)
			}
		}
		var notices []model.DelayNotice
		db.Find(&notices)
		if len(notices) != 1 || notices[0].CouponFen != 2000 {
			t.Fatalf("notices: %+v", notices)
		}
		var told []model.Outbox
		db.Where("msg_type = ?", service.MsgTypeSubscribe).Find(&told)
		if len(told) != 1 || told[0].ToUser != "o-buyer" || !strings.Contains(told[0].Body, `"event":"delay"`) {
			t.Fatalf("the buyer's delay message: %+v", told)
		}
		d := must(x.orders.Get(ctx, no))
		found := false
		for _, ev := range d.Events {
			found = found || (ev.Kind == "delay" && strings.Contains(ev.Note, "¥20.00"))
		}
		// The coupon itself, for the buyer's detail, the tracking page and
		// the delay message: amount, code, expiry, and the new estimate.
		if c := d.Delay; c == nil || c.Coupon == nil || c.Coupon.Fen != 2000 || c.Coupon.Code == "" || !c.Coupon.ExpiresAt.Equal(x.clock.Now().Add(service.CouponValidity)) || c.ETA.IsZero() {
			t.Fatalf("delay on the order: %+v", d.Delay)
		} else if !strings.Contains(told[0].Body, `"coupon_code":"`+c.Coupon.Code+`"`) || !strings.Contains(told[0].Body, `"coupon_fen":2000`) {
			t.Fatalf("the delay message carries no coupon: %s", told[0].Body)
		}
		if !found {
			t.Fatalf("the coupon is not on the order's timeline: %+v", d.Events)
		}
	})
}

func TestTransferOverdueEscalates(t *testing.T) {
	modeltest.Each(t, func(t *testing.T, db *gorm.DB) {
		// The arrival clock alone (the dispatch clock has its own test).
		x := newEscEnv(t, db, func(c *config.Config) { c.Stages[0].Escalation, c.Escalation.TransferDispatch = nil, nil })
		ctx := context.Background()
		x.put(t, "A", "NUT-M8", 5)
		x.put(t, "B", "NUT-M8", 10)
		late := must3(x.orders.Create(ctx, service.NewOrder{Customer: "C1", Lines: []service.LineInput{{SKU: "NUT-M8", Qty: 8}}, Actor: service.Admin}))
		onTime := must3(x.orders.Create(ctx, service.NewOrder{Customer: "C1", Lines: []service.LineInput{{SKU: "NUT-M8", Qty: 4}}, Actor: service.Admin}))
		trs := must(x.transfers.List(ctx, service.TransferFilter{OrderNo: onTime.Order.No}))
		if len(trs) != 1 {
			t.Fatalf("transfers of the second order: %+v", trs)
		}
		keeper := must(x.catalog.StaffActor(ctx, "keeperB"))
		x.clock.Add(3 * time.Hour)
		must(x.transfers.Receive(ctx, trs[0].ID, keeper))
		x.clock.Add(time.Hour + time.Second)
		if r := x.scan(t); r.Fired != 1 {
			t.Fatalf("at 4 h: fired %d, want 1 (the transfer still pending)", r.Fired)
		}
		tks := must(x.tickets.List(ctx, service.TicketFilter{OrderNo: late.Order.No}))
		if len(tks) != 1 || tks[0].Kind != model.TicketTransferOverdue || tks[0].Assignee == nil || tks[0].Assignee.UserID != "lead" {
			t.Fatalf("transfer ticket: %+v", tks)
		}
		rows := pushes(t, db)
		if len(rows) != 1 || rows[0].ToUser != "lead" || !strings.Contains(rows[0].Body, "调拨单") {
			t.Fatalf("pushes: %+v", rows)
		}
		// Received before level 2: the climb stops.
		late2 := must(x.transfers.List(ctx, service.TransferFilter{OrderNo: late.Order.No}))
		must(x.transfers.Receive(ctx, late2[0].ID, keeper))
		x.clock.Add(5 * time.Hour)
		if r := x.scan(t); r.Fired != 0 {
			t.Fatalf("after receiving: %+v", r)
		}
		// Its ticket resolved itself, saying why; nobody is asked to.
		v := must(x.tickets.Get(ctx, tks[0].No))
		if v.State != model.TicketResolved || !strings.Contains(v.Resolution, "到货") {
			t.Fatalf("ticket after the transfer arrived: %+v", v)
		}
	})
}

func TestEscalationConfigErrorsNameTheKey(t *testing.T) {
	tests := []struct {
		name string
		edit func(c *config.Config)
		want string
	}{
		{"zero after", func(c *config.Config) { c.Stages[2].Escalation[0].After = 0 }, "stages[2].escalation[0].after"},
		{"not increasing", func(c *config.Config) { c.Stages[0].Escalation[1].After = c.Stages[0].Escalation[0].After }, "stages[0].escalation[1].after"},
		{"unknown role", func(c *config.Config) { c.Escalation.Transfers[1].Notify = []string{"boss"} }, "escalation.transfers[1].notify[0]"},
		{"bad quiet", func(c *config.Config) { c.Escalation.TicketAck[0].Quiet = "22-7" }, "escalation.ticket_ack[0].quiet"},
		{"nobody", func(c *config.Config) { c.Escalation.TicketResolve[0].Notify = nil }, "escalation.ticket_resolve[0].notify"},
		{"scan too often", func(c *config.Config) { c.Escalation.ScanEvery = config.Duration(time.Millisecond) }, "ORDERHUB_ESCALATION_SCAN_EVERY"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := config.Default()
			tc.edit(&c)
			if err := c.Validate(); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want it to name %s", err, tc.want)
			}
		})
	}
}

// A ladder that catches up — here the scanner was down for a minute while
// an order waited past every level — keeps its levels apart: level 1 at
// once, then each later level only after the ladder's gap since the one
// before was told, so the director is not pushed seconds after the lead
// (three pushes about one order in two scans before).
func TestEscalationCatchUpKeepsLevelsApart(t *testing.T) {
	modeltest.Each(t, func(t *testing.T, db *gorm.DB) {
		x := newEscEnv(t, db, func(c *config.Config) {
			c.Stages[0].Escalation = []config.Level{
				{After: config.Duration(2 * time.Second), Notify: []string{"cs_lead"}},
				{After: config.Duration(5 * time.Second), Notify: []string{"director"}},
				{After: config.Duration(9 * time.Second), Notify: []string{"director", "supervisor"}},
			}
		})
		start := x.clock.Now()
		no := x.order(t)
		x.clock.Add(time.Minute) // nothing scanned meanwhile
		type told struct {
			to string
			at time.Duration
		}
		var got []told
		seen := 0
		for s := 0; s <= 20; s++ {
			x.scan(t)
			rows := pushes(t, db)
			for _, r := range rows[seen:] {
				if !strings.Contains(r.Body, no) {
					t.Fatalf("push about another order: %+v", r)
				}
				got = append(got, told{r.ToUser, x.clock.Now().Sub(start) - time.Minute})
			}
			seen = len(rows)
			x.clock.Add(time.Second)
		}
		want := []told{{"cslead", 0}, {"dir", 3 * time.Second}, {"dir|boss", 7 * time.Second}}
		if len(got) != len(want) {
			t.Fatalf("pushes %+v, want %+v", got, want)
		}
		for i := range want {
			if got[i] != want[i] {
				t.Fatalf("push %d: %+v, want %+v (all: %+v)", i, got[i], want[i], got)
			}
		}
	})
}
