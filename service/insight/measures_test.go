package insight_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"gorm.io/gorm"

	"orderhub/model"
	"orderhub/model/modeltest"
	"orderhub/service"
	"orderhub/service/insight"
	"orderhub/service/movein"
	"orderhub/service/servicetest"
)

var shanghai = time.FixedZone("CST", 8*3600)

// local is a Shanghai wall-clock time.
func local(day string, hm string) time.Time {
	t, err := time.ParseInLocation("2006-01-02 15:04:05", day+" "+hm, shanghai)
	if err != nil {
		panic(err)
	}
	return t.UTC()
}

// history writes orders and their timeline straight into the database, as
// the services would have recorded them, so each metric can be checked
// against numbers worked out by hand.
type history struct {
	t  *testing.T
	db *gorm.DB
	n  int
}

func (h *history) customer(code string) model.Customer {
	var c model.Customer
	if err := h.db.Where("code = ?", code).Take(&c).Error; err != nil {
		h.t.Fatal(err)
	}
	return c
}

func (h *history) warehouse(code string) model.Warehouse {
	var w model.Warehouse
	if err := h.db.Where("code = ?", code).Take(&w).Error; err != nil {
		h.t.Fatal(err)
	}
	return w
}

// order records an order placed at created with lines lines; promised may
// be zero (no promise).
func (h *history) order(cust, wh, channel string, created, promised time.Time, lines int) model.Order {
	h.n++
	o := model.Order{No: fmt.Sprintf("SOT-%04d", h.n), Channel: channel, CustomerID: h.customer(cust).ID, WarehouseID: h.warehouse(wh).ID,
		Stage: "submitted", StageEnteredAt: created, Fields: "{}", CreatedAt: created, UpdatedAt: created}
	if !promised.IsZero() {
		o.PromisedAt = &promised
	}
	if err := h.db.Create(&o).Error; err != nil {
		h.t.Fatal(err)
	}
	for i := 0; i < lines; i++ {
		if err := h.db.Create(&model.OrderLine{OrderID: o.ID, ProductID: 1, SKU: "BOLT-M8", Name: "六角螺栓", Qty: 1, PriceFen: 100}).Error; err != nil {
			h.t.Fatal(err)
		}
	}
	h.event(o, "created", "", "submitted", created, "")
	return o
}

func (h *history) event(o model.Order, kind, from, to string, at time.Time, note string) {
	if err := h.db.Create(&model.OrderEvent{OrderID: o.ID, Kind: kind, FromStage: from, ToStage: to, Actor: "test", Fields: "{}", Note: note, CreatedAt: at}).Error; err != nil {
		h.t.Fatal(err)
	}
}

// deliver records the move into delivered (the last stage) at at.
func (h *history) deliver(o model.Order, at time.Time) {
	h.event(o, "stage", "shipped", "delivered", at, "")
	if err := h.db.Model(&model.Order{}).Where("id = ?", o.ID).Updates(map[string]any{"stage": "delivered", "stage_entered_at": at}).Error; err != nil {
		h.t.Fatal(err)
	}
}

func (h *history) ticket(o model.Order, kind, desc string, created time.Time, ack, resolved time.Duration) {
	h.n++
	oid := o.ID
	tk := model.Ticket{No: fmt.Sprintf("TKT-%04d", h.n), Kind: kind, OrderID: &oid, Description: desc, State: model.TicketOpen, CreatedAt: created, UpdatedAt: created}
	if ack > 0 {
		a := created.Add(ack)
		tk.AckAt, tk.State = &a, model.TicketAcknowledged
	}
	if resolved > 0 {
		r := created.Add(resolved)
		tk.ResolvedAt, tk.State = &r, model.TicketResolved
	}
	if err := h.db.Create(&tk).Error; err != nil {
		h.t.Fatal(err)
	}
}

func TestOnTimeRateEdges(t *testing.T) {
	modeltest.Each(t, func(t *testing.T, db *gorm.DB) {
		e := servicetest.NewEnv(t, db)
		e.World(t)
		h := &history{t: t, db: db}
		ctx := context.Background()
		m := insight.NewMeasures(db, e.Orders.Pipeline(), e.Clock.Now, e.Cfg.Location(), 7*24*time.Hour)

		p := local("2026-11-20", "10:00:00")
		placed := local("2026-11-18", "09:00:00")
		deliver := func(cust, channel string, at time.Time, promised time.Time) model.Order {
			o := h.order(cust, "A", channel, placed, promised, 1)
			h.deliver(o, at)
			return o
		}
		// Day 2026-11-20, customer C1, all promised at 10:00:
		deliver("C1", "api", p.Add(-2*time.Hour), p)             // 08:00:00 exactly 2 h early: on time
		deliver("C1", "api", p.Add(-2*time.Hour-time.Second), p) // 07:59:59: early
		deliver("C1", "api", p.Add(2*time.Hour), p)              // 12:00:00 exactly 2 h late: on time
		deliver("C1", "api", p.Add(2*time.Hour+time.Second), p)  // 12:00:01: late
		short := deliver("C1", "miniprogram", p, p)              // on time, 少发 reported 3 days later: not in full
		h.ticket(short, model.TicketCustomerProblem, "【少发】少了一盒", p.Add(72*time.Hour), 0, 0)
		later := deliver("C1", "miniprogram", p.Add(time.Hour), p) // on time, 错发 reported 8 days later: outside the window
		h.ticket(later, model.TicketStaffProblem, "错发 型号不对", p.Add(8*24*time.Hour), 0, 0)
		damaged := deliver("C1", "miniprogram", p.Add(-time.Hour), p) // on time, a 破损 problem does not break "in full"
		h.ticket(damaged, model.TicketCustomerProblem, "【破损】外箱压坏", p.Add(time.Hour), 0, 0)
		deliver("C1", "api", p, time.Time{}) // no promise: delivered, not on time
		// Day 2026-11-19 for C2, delivered 23:30 local (15:30 UTC): still the 19th.
		deliver("C2", "api", local("2026-11-19", "23:30:00"), local("2026-11-20", "01:00:00")) // 1.5 h early: on time
		// 2026-11-21 00:10 local: outside a range ending on the 20th.
		deliver("C2", "api", local("2026-11-21", "00:10:00"), local("2026-11-21", "00:10:00"))
		// Not delivered yet: not counted.
		h.order("C1", "A", "api", placed, p, 1)

		cases := []struct {
			name string
			f    insight.MetricFilter
			want [6]int // delivered, on time, early, late, unpromised, otif
		}{
			{"two days", insight.MetricFilter{From: "2026-11-19", To: "2026-11-20"}, [6]int{9, 6, 1, 1, 1, 5}},
			{"one day", insight.MetricFilter{From: "2026-11-20", To: "2026-11-20"}, [6]int{8, 5, 1, 1, 1, 4}},
			{"customer C2", insight.MetricFilter{From: "2026-11-19", To: "2026-11-21", Customer: "c2"}, [6]int{2, 2, 0, 0, 0, 2}},
			{"channel", insight.MetricFilter{From: "2026-11-19", To: "2026-11-20", Channel: "miniprogram"}, [6]int{3, 3, 0, 0, 0, 2}},
			{"warehouse B", insight.MetricFilter{From: "2026-11-19", To: "2026-11-20", Warehouse: "B"}, [6]int{0, 0, 0, 0, 0, 0}},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				got, err := m.OnTime(ctx, tc.f)
				if err != nil {
					t.Fatal(err)
				}
				have := [6]int{got.Delivered, got.OnTime, got.Early, got.Late, got.Unpromised, got.OTIF}
				if have != tc.want {
					t.Fatalf("delivered, on time, early, late, unpromised, otif = %v, want %v", have, tc.want)
				}
				if want := float64(tc.want[1]) / max(float64(tc.want[0]), 1); got.Rate != want {
					t.Errorf("rate %v, want %v", got.Rate, want)
				}
			})
		}
		got, err := m.OnTime(ctx, insight.MetricFilter{From: "2026-11-19", To: "2026-11-20"})
		if err != nil {
			t.Fatal(err)
		}
		if len(got.Days) != 2 || got.Days[0].Day != "2026-11-19" || got.Days[0].Delivered != 1 || got.Days[1].Delivered != 8 || got.Days[1].OnTime != 5 {
			t.Errorf("days %+v", got.Days)
		}

		for _, bad := range []struct {
			f     insight.MetricFilter
			field string
		}{
			{insight.MetricFilter{From: "2026-13-01", To: "2026-11-20"}, "from"},
			{insight.MetricFilter{From: "2026-11-20", To: "2026-11-19"}, "to"},
			{insight.MetricFilter{From: "2024-01-01", To: "2026-11-19"}, "to"},
			{insight.MetricFilter{From: "2026-11-01", To: "2026-11-19", Channel: "a-very-long-channel-key"}, "channel"},
		} {
			_, err := m.OnTime(ctx, bad.f)
			var inv *service.InvalidError
			if !errors.As(err, &inv) || inv.Field != bad.field {
				t.Errorf("%+v: %v, want invalid %s", bad.f, err, bad.field)
			}
		}
		if _, err := m.OnTime(ctx, insight.MetricFilter{From: "2026-11-01", To: "2026-11-19", Customer: "NOPE"}); !errors.Is(err, service.ErrNotFound) {
			t.Errorf("unknown customer: %v", err)
		}
	})
}

// TestExportAndBoardAgreeOnTime: the finance export's on-time column and
// the board's on-time rate judge the same deliveries the same way, edges
// included (issue 25: the export counted an early delivery as on time).
func TestExportAndBoardAgreeOnTime(t *testing.T) {
	modeltest.Each(t, func(t *testing.T, db *gorm.DB) {
		e := servicetest.NewEnv(t, db)
		e.World(t)
		h := &history{t: t, db: db}
		ctx := context.Background()
		loc := e.Cfg.Location()
		m := insight.NewMeasures(db, e.Orders.Pipeline(), e.Clock.Now, loc, 7*24*time.Hour)
		x := movein.NewExports(db, e.Orders.Pipeline(), loc)

		p := local("2026-11-20", "10:00:00")
		placed := local("2026-11-18", "09:00:00")
		for _, at := range []time.Duration{
			-3 * time.Hour, -2*time.Hour - time.Second, -2 * time.Hour, -time.Minute, 0,
			time.Hour, 2 * time.Hour, 2*time.Hour + time.Second, 5 * time.Hour,
		} {
			h.deliver(h.order("C1", "A", "api", placed, p, 1), p.Add(at))
		}
		h.deliver(h.order("C1", "A", "api", placed, time.Time{}, 1), p) // no promise

		// The one rule, on its own: the edges are on time.
		for _, c := range []struct {
			at   time.Duration
			want string
		}{{-2*time.Hour - time.Millisecond, service.PunctualEarly}, {-2 * time.Hour, service.PunctualOnTime},
			{2 * time.Hour, service.PunctualOnTime}, {2*time.Hour + time.Millisecond, service.PunctualLate}} {
			if got := service.Punctuality(p.Add(c.at), &p); got != c.want {
				t.Errorf("Punctuality(promised %+v) = %s, want %s", c.at, got, c.want)
			}
		}

		count := map[string]int{}
		day := time.Date(2026, 11, 18, 0, 0, 0, 0, loc)
		if err := x.Orders(ctx, day, day, func(o movein.FinanceOrder) error {
			count[o.Punctuality]++
			if (o.OnTime != nil) != (o.Punctuality != "") || (o.OnTime != nil && *o.OnTime != (o.Punctuality == service.PunctualOnTime)) {
				t.Errorf("%s: OnTime %v, punctuality %q", o.Order.No, o.OnTime, o.Punctuality)
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		board, err := m.OnTime(ctx, insight.MetricFilter{From: "2026-11-20", To: "2026-11-20"})
		if err != nil {
			t.Fatal(err)
		}
		export := [4]int{count[service.PunctualOnTime], count[service.PunctualEarly], count[service.PunctualLate], count[""]}
		want := [4]int{board.OnTime, board.Early, board.Late, board.Unpromised}
		if export != want || want != [4]int{5, 2, 2, 1} {
			t.Errorf("export on time, early, late, unpromised = %v; board %v; want both [5 2 2 1]", export, want)
		}
	})
}

func TestTicketDwellVolumeAndTheRest(t *testing.T) {
	modeltest.Each(t, func(t *testing.T, db *gorm.DB) {
		e := servicetest.NewEnv(t, db)
		e.World(t)
		h := &history{t: t, db: db}
		ctx := context.Background()
		m := insight.NewMeasures(db, e.Orders.Pipeline(), e.Clock.Now, e.Cfg.Location(), 7*24*time.Hour)
		day := insight.MetricFilter{From: "2026-11-20", To: "2026-11-20"}

		t0 := local("2026-11-20", "09:00:00")
		a := h.order("C1", "A", "api", t0, t0.Add(48*time.Hour), 3)
		b := h.order("C2", "A", "api", t0.Add(time.Hour), t0.Add(48*time.Hour), 2)
		c := h.order("C1", "A", "wecom", local("2026-11-19", "23:59:59"), time.Time{}, 1) // the 19th
		// a: submitted 1 h, confirmed 4 h; b: submitted 3 h, then cancelled from confirmed after 30 min.
		h.event(a, "stage", "submitted", "confirmed", t0.Add(time.Hour), "")
		h.event(a, "stage", "confirmed", "picking", t0.Add(5*time.Hour), "")
		h.event(b, "stage", "submitted", "confirmed", t0.Add(4*time.Hour), "")
		h.event(b, "cancelled", "confirmed", "cancelled", t0.Add(4*time.Hour+30*time.Minute), "客户改单")
		h.event(c, "cancelled", "submitted", "cancelled", t0.Add(time.Hour), "客户改单")
		// Tickets opened on the 20th: acks after 10, 20 and 60 minutes, one
		// not acknowledged; one resolved after 2 h.
		h.ticket(a, model.TicketStaffProblem, "缺货", t0, 10*time.Minute, 2*time.Hour)
		h.ticket(a, model.TicketStalled, "催办", t0, 20*time.Minute, 0)
		h.ticket(b, model.TicketCustomerProblem, "【其他】", t0, 60*time.Minute, 0)
		h.ticket(c, model.TicketStaffProblem, "未处理", t0, 0, 0)
		h.ticket(c, model.TicketStaffProblem, "前一天", local("2026-11-19", "12:00:00"), time.Minute, 0)

		tt, err := m.Tickets(ctx, day)
		if err != nil {
			t.Fatal(err)
		}
		if tt.Opened != 4 || tt.Acknowledged != 3 || tt.Resolved != 1 {
			t.Fatalf("tickets %+v", tt)
		}
		if r := tt.Response; r.Count != 3 || r.Mean != 30*time.Minute || r.P50 != 20*time.Minute || r.P90 != 60*time.Minute {
			t.Errorf("response %+v, want 3, mean 30m, p50 20m, p90 60m", r)
		}
		if r := tt.Resolution; r.Count != 1 || r.Mean != 2*time.Hour || r.P50 != 2*time.Hour || r.P90 != 2*time.Hour {
			t.Errorf("resolution %+v", r)
		}
		if tt.ByKind[model.TicketStaffProblem] != 2 {
			t.Errorf("by kind %v", tt.ByKind)
		}
		if c1, err := m.Tickets(ctx, insight.MetricFilter{From: "2026-11-20", To: "2026-11-20", Customer: "C2"}); err != nil || c1.Opened != 1 {
			t.Errorf("C2 tickets %+v %v", c1, err)
		}

		dwell, err := m.Dwell(ctx, day)
		if err != nil {
			t.Fatal(err)
		}
		want := map[string]insight.Durations{
			// c: 19th 23:59:59 → 20th 10:00:00 = 10h0m1s.
			"submitted": {Count: 3, Mean: (time.Hour + 3*time.Hour + (10*time.Hour + time.Second)) / 3, P50: 3 * time.Hour, P90: 10*time.Hour + time.Second},
			"confirmed": {Count: 2, Mean: (4*time.Hour + 30*time.Minute) / 2, P50: 30 * time.Minute, P90: 4 * time.Hour},
			"picking":   {},
		}
		for _, d := range dwell {
			if w, ok := want[d.Stage]; ok && d.Durations != w {
				t.Errorf("dwell %s = %+v, want %+v", d.Stage, d.Durations, w)
			}
		}

		vol, err := m.Volume(ctx, insight.MetricFilter{From: "2026-11-19", To: "2026-11-20"})
		if err != nil {
			t.Fatal(err)
		}
		if len(vol) != 2 || vol[0] != (insight.VolumeDay{Day: "2026-11-19", Orders: 1, Lines: 1}) || vol[1] != (insight.VolumeDay{Day: "2026-11-20", Orders: 2, Lines: 5}) {
			t.Errorf("volume %+v", vol)
		}

		total, reasons, err := m.Cancellations(ctx, day)
		if err != nil {
			t.Fatal(err)
		}
		if total != 2 || len(reasons) != 1 || reasons[0] != (insight.CancelReason{Reason: "客户改单", Count: 2}) {
			t.Errorf("cancellations %d %+v", total, reasons)
		}

		// Transfers: one received after 3 h, one after 5 h, one pending; one created the day before.
		for i, tr := range []struct {
			created  time.Time
			received time.Duration
			status   string
		}{
			{t0, 3 * time.Hour, model.TransferReceived},
			{t0.Add(time.Hour), 5 * time.Hour, model.TransferReceived},
			{t0.Add(2 * time.Hour), 0, model.TransferPending},
			{local("2026-11-19", "10:00:00"), time.Hour, model.TransferReceived},
		} {
			row := model.Transfer{OrderID: a.ID, ProductID: 1, FromWarehouseID: 2, ToWarehouseID: 1, Qty: int64(i + 1), Status: tr.status, CreatedAt: tr.created, UpdatedAt: tr.created}
			if tr.received > 0 {
				at := tr.created.Add(tr.received)
				row.ReceivedAt = &at
			}
			if err := db.Create(&row).Error; err != nil {
				t.Fatal(err)
			}
		}
		trs, err := m.Transfers(ctx, day)
		if err != nil {
			t.Fatal(err)
		}
		if trs.Created != 3 || trs.Received != 2 || trs.Pending != 1 || trs.LeadTime.Mean != 4*time.Hour || trs.LeadTime.P50 != 3*time.Hour || trs.LeadTime.P90 != 5*time.Hour {
			t.Errorf("transfers %+v", trs)
		}

		// Delay notices: two on the 20th, one with a 500 fen coupon.
		for i, o := range []model.Order{a, b} {
			if err := db.Create(&model.DelayNotice{OrderID: o.ID, PromisedAt: t0, ETA: t0, CouponFen: int64(i * 500), CreatedAt: t0.Add(time.Hour)}).Error; err != nil {
				t.Fatal(err)
			}
		}
		dl, err := m.Delays(ctx, day)
		if err != nil {
			t.Fatal(err)
		}
		if dl.Notices != 2 || dl.Coupons != 1 || dl.CouponFen != 500 {
			t.Errorf("delays %+v", dl)
		}

		// Escalations: an order alarm that fired levels 1 and 2 on the 20th,
		// a ticket alarm level 1 on the 19th (outside).
		told := func(levels ...int) string {
			s := "["
			for i, l := range levels {
				if i > 0 {
					s += ","
				}
				at := t0.Add(time.Duration(l) * time.Hour)
				if l == 9 {
					l, at = 1, local("2026-11-19", "10:00:00")
				}
				s += fmt.Sprintf(`{"level":%d,"users":["x"],"names":["x"],"at":%q}`, l, at.Format(time.RFC3339Nano))
			}
			return s + "]"
		}
		for _, al := range []model.Alarm{
			{Subject: model.AlarmOrder, SubjectID: a.ID, Clock: model.ClockStage, Entry: 1, Level: 3, State: model.AlarmDone, Told: told(1, 2)},
			{Subject: model.AlarmTicket, SubjectID: 1, Clock: model.ClockAck, Entry: 2, Level: 2, State: model.AlarmDone, Told: told(9)},
		} {
			al.EnteredAt, al.NextAt, al.CreatedAt, al.UpdatedAt = t0, t0, t0, t0.Add(3*time.Hour)
			if err := db.Create(&al).Error; err != nil {
				t.Fatal(err)
			}
		}
		esc, err := m.Escalations(ctx, day)
		if err != nil {
			t.Fatal(err)
		}
		if len(esc) != 2 || esc[0] != (insight.EscalationCount{Clock: "stage", Level: 1, Count: 1}) || esc[1] != (insight.EscalationCount{Clock: "stage", Level: 2, Count: 1}) {
			t.Errorf("escalations %+v", esc)
		}
		if esc, err := m.Escalations(ctx, insight.MetricFilter{From: "2026-11-20", To: "2026-11-20", Customer: "C2"}); err != nil || len(esc) != 0 {
			t.Errorf("C2 escalations %+v %v", esc, err)
		}
	})
}

// TestOnTimeThroughTheStageEngine runs an order through the real pipeline
// and checks the rate counts the delivery the stage engine recorded.
func TestOnTimeThroughTheStageEngine(t *testing.T) {
	modeltest.Each(t, func(t *testing.T, db *gorm.DB) {
		e := servicetest.NewEnv(t, db)
		e.World(t)
		e.Put(t, "A", "BOLT-M8", 10)
		ctx := context.Background()
		boss := service.Actor{Kind: service.ActorStaff, ID: "boss", Name: "郑经理", Roles: []string{"supervisor"}}
		d, _, err := e.Orders.Create(ctx, service.NewOrder{Customer: "C1", Lines: []service.LineInput{{SKU: "BOLT-M8", Qty: 2}}, Actor: service.Admin})
		if err != nil {
			t.Fatal(err)
		}
		no := d.Order.No
		promised := e.Clock.Now().Add(30 * time.Hour).In(e.Cfg.Location()).Format("2006-01-02 15:04")
		steps := []service.Move{
			{To: "confirmed", Fields: map[string]string{"promised_at": promised}},
			{To: "picking"}, {To: "qc", Fields: map[string]string{"qc_inspector": "刘质检"}}, {To: "packed"},
			{To: "shipped", Fields: map[string]string{"carrier": "顺丰", "tracking_no": "SF1", "waybill_photo": servicetest.AttachWaybill(t, e.Orders, no)}},
			{To: "delivered"},
		}
		for _, mv := range steps {
			e.Clock.Add(5 * time.Hour)
			mv.No, mv.Actor = no, boss
			if _, err := e.Orders.Advance(ctx, mv); err != nil {
				t.Fatalf("%s: %v", mv.To, err)
			}
		}
		// 6 × 5 h = 30 h after placing: exactly on the promise.
		m := insight.NewMeasures(db, e.Orders.Pipeline(), e.Clock.Now, e.Cfg.Location(), 0)
		got, err := m.OnTime(ctx, m.LastDays(7))
		if err != nil {
			t.Fatal(err)
		}
		if got.Delivered != 1 || got.OnTime != 1 || got.OTIF != 1 || got.Rate != 1 {
			t.Errorf("on time %+v", got)
		}
		dwell, err := m.Dwell(ctx, m.LastDays(7))
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range dwell {
			if s.Count != 1 || s.P50 != 5*time.Hour {
				t.Errorf("dwell %s %+v, want one stay of 5h", s.Stage, s.Durations)
			}
		}
	})
}
