package service_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"gorm.io/gorm"

	"orderhub/model"
	"orderhub/model/modeltest"
	"orderhub/service"
	"orderhub/service/audit"
)

func TestAudit(t *testing.T) {
	modeltest.Each(t, func(t *testing.T, db *gorm.DB) {
		e := newEnv(t, db)
		e.world(t)
		ctx := context.Background()
		e.put(t, "A", "BOLT-M8", 10)
		e.put(t, "B", "BOLT-M8", 10)
		e.put(t, "A", "NUT-M8", 5)
		must3(e.orders.Create(ctx, service.NewOrder{Customer: "C1", Lines: []service.LineInput{{SKU: "BOLT-M8", Qty: 12}}}))
		rdb, prefix := modeltest.Redis(t)
		a := audit.New(db, rdb, prefix, service.NewPipeline(e.cfg), e.clock.Now, e.cfg.Location(), modeltest.Log())

		r, err := a.Run(ctx)
		if err != nil || len(r.Drifts) != 0 || r.Checked != 3 {
			t.Fatalf("clean stock: %+v, %v", r, err)
		}
		// Someone "fixes" stock by hand, behind orderhub's back.
		if err := db.Exec("UPDATE stocks SET on_hand = on_hand + 5 WHERE product_id = (SELECT id FROM products WHERE sku = 'NUT-M8')").Error; err != nil {
			t.Fatal(err)
		}
		if err := db.Exec("UPDATE stocks SET locked = locked - 1 WHERE locked > 0 AND warehouse_id = (SELECT id FROM warehouses WHERE code = 'B')").Error; err != nil {
			t.Fatal(err)
		}
		r, err = a.Run(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(r.Drifts) != 2 {
			t.Fatalf("drifts = %+v", r.Drifts)
		}
		var nut, bolt audit.Drift
		for _, d := range r.Drifts {
			switch d.SKU {
			case "NUT-M8":
				nut = d
			case "BOLT-M8":
				bolt = d
			}
		}
		if nut.Warehouse != "A" || nut.OnHand != 10 || nut.LedgerOnHand != 5 {
			t.Errorf("NUT-M8 drift = %+v", nut)
		}
		if bolt.Warehouse != "B" || bolt.Locked != 1 || bolt.LedgerLocked != 2 || bolt.Allocated != 2 {
			t.Errorf("BOLT-M8 drift = %+v", bolt)
		}
		// No admin is registered: the supervisors are told, once, however
		// often the audit runs.
		if len(r.Notified) != 1 || r.Notified[0] != "boss" {
			t.Errorf("notified %v, want the supervisor", r.Notified)
		}
		if _, err := a.Run(ctx); err != nil {
			t.Fatal(err)
		}
		var rows []model.Outbox
		db.Where("`key` LIKE ?", "audit:%").Find(&rows)
		rows = rendered(t, rows)
		if len(rows) != 1 || rows[0].ToUser != "boss" || !strings.Contains(rows[0].Body, "NUT-M8") || !strings.Contains(rows[0].Body, "在库 10，流水合计 5") {
			t.Errorf("audit pushes = %+v", rows)
		}
	})
}

// TestNightlyAuditRunsOnce: two instances, one Redis: only one audits each
// night, and neither before 02:00 local time.
func TestNightlyAuditRunsOnce(t *testing.T) {
	db := modeltest.SQLite(t)
	e := newEnv(t, db)
	e.world(t)
	rdb, prefix := modeltest.Redis(t)
	pipe := service.NewPipeline(e.cfg)
	e.clock.Set(time.Date(2026, 11, 24, 16, 30, 0, 0, time.UTC)) // 00:30 on the 25th in Shanghai
	one := audit.New(db, rdb, prefix, pipe, e.clock.Now, e.cfg.Location(), modeltest.Log())
	two := audit.New(db, rdb, prefix, pipe, e.clock.Now, e.cfg.Location(), modeltest.Log())
	ctx := context.Background()
	if ran, _, err := one.RunIfDue(ctx); ran || err != nil {
		t.Fatalf("ran at 00:30: %v %v", ran, err)
	}
	e.clock.Add(2 * time.Hour) // 02:30 local
	ran1, _, err1 := one.RunIfDue(ctx)
	ran2, _, err2 := two.RunIfDue(ctx)
	if err1 != nil || err2 != nil || ran1 == ran2 {
		t.Fatalf("at 02:30: one ran %v (%v), two ran %v (%v); want exactly one", ran1, err1, ran2, err2)
	}
	if ran, _, _ := two.RunIfDue(ctx); ran {
		t.Error("ran twice the same night")
	}
	e.clock.Add(24 * time.Hour)
	if ran, _, _ := two.RunIfDue(ctx); !ran {
		t.Error("did not run the next night")
	}
}

// TestAuditDeliveries: an order delivered through the stage engine agrees
// with its timeline (the on-time rate reads the order, the timeline holds
// the event); a hand-written change of its delivery time is reported both
// ways and pushed.
func TestAuditDeliveries(t *testing.T) {
	modeltest.Each(t, func(t *testing.T, db *gorm.DB) {
		e := newEnv(t, db)
		e.world(t)
		e.put(t, "A", "BOLT-M8", 10)
		ctx := context.Background()
		d := must3(e.orders.Create(ctx, service.NewOrder{Customer: "C1", Lines: []service.LineInput{{SKU: "BOLT-M8", Qty: 2}}, Actor: service.Admin}))
		promised := e.clock.Now().Add(30 * time.Hour).In(e.cfg.Location()).Format("2006-01-02 15:04")
		for _, mv := range []service.Move{
			{To: "confirmed", Fields: map[string]string{"promised_at": promised}},
			{To: "picking"}, {To: "qc", Fields: map[string]string{"qc_inspector": "刘质检"}}, {To: "packed"},
			{To: "shipped", Fields: map[string]string{"carrier": "顺丰", "tracking_no": "SF1", "waybill_photo": attachWaybill(t, e.orders, d.Order.No)}},
			{To: "delivered"},
		} {
			e.clock.Add(5*time.Hour + 1234*time.Millisecond) // milliseconds kept on both databases
			mv.No, mv.Actor = d.Order.No, service.Admin
			if _, err := e.orders.Advance(ctx, mv); err != nil {
				t.Fatalf("%s: %v", mv.To, err)
			}
		}
		rdb, prefix := modeltest.Redis(t)
		a := audit.New(db, rdb, prefix, service.NewPipeline(e.cfg), e.clock.Now, e.cfg.Location(), modeltest.Log())
		r, err := a.Run(ctx)
		if err != nil || r.Drifted() {
			t.Fatalf("delivered through the stage engine: %+v, %v", r, err)
		}
		// Someone moves the delivery time by hand.
		if err := db.Exec("UPDATE orders SET stage_entered_at = ? WHERE no = ?", e.clock.Now().Add(-time.Hour), d.Order.No).Error; err != nil {
			t.Fatal(err)
		}
		r, err = a.Run(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(r.Drifts) != 0 || len(r.Deliveries) != 2 {
			t.Fatalf("deliveries %+v, stock %+v", r.Deliveries, r.Drifts)
		}
		if r.Deliveries[0].EventAt != nil || r.Deliveries[1].EventAt == nil || !r.Deliveries[1].EventAt.Equal(e.clock.Now()) {
			t.Errorf("want the order without its event, then the event without its order: %+v", r.Deliveries)
		}
		var rows []model.Outbox
		db.Where("`key` LIKE ?", "audit:%").Find(&rows)
		rows = rendered(t, rows)
		if len(rows) != 1 || !strings.Contains(rows[0].Body, d.Order.No) || !strings.Contains(rows[0].Body, "签收记录与订单时间线不一致") {
			t.Errorf("audit pushes = %+v", rows)
		}
	})
}
