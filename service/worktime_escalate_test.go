package service_test

import (
	"context"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"gorm.io/gorm"

	"orderhub/config"
	"orderhub/internal/redislock"
	"orderhub/internal/testclock"
	"orderhub/model"
	"orderhub/model/modeltest"
	"orderhub/service"
	"orderhub/service/catalog"
	"orderhub/service/insight"
	"orderhub/service/worktime"
)

// hoursEnv is escEnv on the default ladders (待确认: the cs lead after 2
// h, the production director after 4 h) and the default working time
// (08:00-20:00 Monday to Saturday, statutory holidays), starting at
// local start.
func hoursEnv(t *testing.T, db *gorm.DB, start string) (*escEnv, *insight.Board) {
	t.Helper()
	cfg := config.Default()
	cfg.Escalation.Cards = false
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	at, err := time.ParseInLocation("2006-01-02 15:04", start, cfg.Location())
	if err != nil {
		t.Fatal(err)
	}
	rdb, prefix := modeltest.Redis(t)
	clock := testclock.New(at.UTC())
	pipe := service.NewPipeline(cfg).WithHours(service.NewHours(worktime.New(cfg.WorkTime, cfg.Location()), db))
	log := modeltest.Log()
	e := &env{db: db, cfg: cfg, clock: clock}
	e.catalog = catalog.NewCatalog(db, cfg.Roles)
	e.stock = service.NewStock(db, clock.Now)
	e.orders = service.NewOrders(db, redislock.New(rdb, prefix, time.Second, time.Second, log), pipe, clock.Now, cfg.Location(), log, service.NewMetrics(prometheus.NewRegistry()))
	e.transfers = service.NewTransfers(db, pipe, clock.Now)
	e.world(t)
	ctx := context.Background()
	must(e.catalog.CreateStaff(ctx, catalog.StaffInput{UserID: "cslead", Name: "吴客服主管", Roles: []string{"cs_lead"}}))
	must(e.catalog.CreateStaff(ctx, catalog.StaffInput{UserID: "pdir", Name: "冯总监", Roles: []string{"production_director"}}))
	e.put(t, "A", "BOLT-M8", 10000)
	x := &escEnv{env: e, tickets: service.NewTickets(db, pipe, clock.Now, cfg.Location(), cfg.Roles)}
	x.esc = service.NewEscalator(db, e.orders, x.tickets, cfg.Escalation, clock.Now, cfg.Location(), log)
	return x, insight.NewBoard(db, pipe, clock.Now, cfg.Dashboard.AtRisk)
}

// TestEscalationCountsWorkingHours: a stage entered at 21:50 with a two-hour
// clock does not fire at 23:50 or through the night; it fires at 10:00,
// two working hours later, and the next level two working hours after
// that. The order's deadline, the board and the ETA say the same.
func TestEscalationCountsWorkingHours(t *testing.T) {
	modeltest.Each(t, func(t *testing.T, db *gorm.DB) {
		x, board := hoursEnv(t, db, "2026-12-01 21:50") // a Tuesday
		no := x.order(t)
		loc := x.cfg.Location()
		local := func(s string) time.Time {
			v, err := time.ParseInLocation("2006-01-02 15:04", s, loc)
			if err != nil {
				t.Fatal(err)
			}
			return v
		}
		d, err := x.orders.Get(context.Background(), no)
		if err != nil {
			t.Fatal(err)
		}
		if d.Order.StageDueAt == nil || !d.Order.StageDueAt.Equal(local("2026-12-02 10:00")) {
			t.Fatalf("stage due at %v, want 2026-12-02 10:00 local", d.Order.StageDueAt)
		}
		// The ETA: 待确认 2 h, then 4+4+2+4 h of warehouse work (16 h in
		// all: 10:00 the next day plus 14 h = 12:00 the day after), then
		// 48 h with the carrier, night and day.
		eta, ok := x.orders.ETA(d.Order, x.clock.Now())
		if !ok || !eta.At.Equal(local("2026-12-05 12:00")) {
			t.Fatalf("ETA %v (ok %v), want 2026-12-05 12:00", eta.At.In(loc), ok)
		}
		for _, at := range []string{"2026-12-01 23:50", "2026-12-02 03:00", "2026-12-02 08:00", "2026-12-02 09:59"} {
			x.clock.Set(local(at).UTC())
			if r := x.scan(t); r.Fired != 0 {
				t.Fatalf("%s: fired %d, want nothing before two working hours", at, r.Fired)
			}
			page, err := board.Open(context.Background(), insight.BoardFilter{})
			if err != nil {
				t.Fatal(err)
			}
			if len(page.Rows) != 1 || page.Rows[0].State == insight.StateOverdue {
				t.Fatalf("%s: board %+v, want the order not overdue", at, page.Rows)
			}
		}
		page, _ := board.Open(context.Background(), insight.BoardFilter{})
		if u := page.Rows[0].Used; u < 0.99 || u > 1 {
			t.Errorf("at 09:59 the board shows %.2f of the clock used, want 119/120", u)
		}
		x.clock.Set(local("2026-12-02 10:00").UTC())
		if r := x.scan(t); r.Fired != 1 {
			t.Fatalf("10:00: fired %d, want the lead", r.Fired)
		}
		page, _ = board.Open(context.Background(), insight.BoardFilter{})
		if page.Rows[0].State != insight.StateOverdue && page.Rows[0].State != insight.StateEscalated {
			t.Errorf("10:00: board state %s, want overdue/escalated", page.Rows[0].State)
		}
		var a model.Alarm
		if err := db.Where("subject = ? AND state = ?", model.AlarmOrder, model.AlarmArmed).Take(&a).Error; err != nil {
			t.Fatal(err)
		}
		if !a.NextAt.Equal(local("2026-12-02 12:00")) {
			t.Errorf("level 2 due %s, want 12:00 (4 working hours after 21:50 is 11:50; the ladder's gap makes it 12:00)", a.NextAt.In(loc))
		}
	})
}
