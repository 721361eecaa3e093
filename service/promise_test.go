package service_test

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
	"orderhub/service/worktime"
)

// pastOrders writes n delivered orders of warehouse code wh for customer
// code cust, one a working day at 09:00 local before now, each with the
// same stays: 1 h to confirm, 2 h confirmed, 3 h picking, 1 h each in qc
// and packed, then transit.
func pastOrders(t *testing.T, db *gorm.DB, now time.Time, loc *time.Location, wh, cust string, n int, transit time.Duration) {
	t.Helper()
	var w model.Warehouse
	var c model.Customer
	if err := db.Where("code = ?", wh).Take(&w).Error; err != nil {
		t.Fatal(err)
	}
	if err := db.Where("code = ?", cust).Take(&c).Error; err != nil {
		t.Fatal(err)
	}
	steps := []struct {
		to  string
		dur time.Duration
	}{{"confirmed", time.Hour}, {"picking", 2 * time.Hour}, {"qc", 3 * time.Hour}, {"packed", time.Hour}, {"shipped", time.Hour}, {"delivered", transit}}
	day := now.In(loc)
	for i := 0; i < n; {
		day = day.AddDate(0, 0, -1)
		if day.Weekday() == time.Sunday {
			continue
		}
		placed := time.Date(day.Year(), day.Month(), day.Day(), 9, 0, 0, 0, loc).UTC()
		o := model.Order{No: fmt.Sprintf("SOHIST-%s-%03d", wh, i), Channel: "test", CustomerID: c.ID, WarehouseID: w.ID, Address: c.Address,
			Stage: "delivered", Fields: "{}", CreatedAt: placed, UpdatedAt: placed}
		at, from := placed, "submitted"
		for _, s := range steps {
			at = at.Add(s.dur)
			o.StageEnteredAt = at
		}
		if err := db.Create(&o).Error; err != nil {
			t.Fatal(err)
		}
		at = placed
		for _, s := range steps {
			at = at.Add(s.dur)
			if err := db.Create(&model.OrderEvent{OrderID: o.ID, Kind: "stage", FromStage: from, ToStage: s.to, Fields: "{}", CreatedAt: at}).Error; err != nil {
				t.Fatal(err)
			}
			from = s.to
		}
		i++
	}
}

// TestPromiseFromMeasuredHistory: the proposal is the measured stays of the
// stages left (working time, from now) plus the measured transit to the
// destination; confirming without a promised time shows it, 交期=建议
// takes it, and a person may give their own.
func TestPromiseFromMeasuredHistory(t *testing.T) {
	modeltest.Each(t, func(t *testing.T, db *gorm.DB) {
		x, _ := hoursEnv(t, db, "2026-12-02 10:00") // a Wednesday
		loc := x.cfg.Location()
		pastOrders(t, db, x.clock.Now(), loc, "A", "C1", 10, 12*time.Hour)
		no := x.order(t)
		ctx := context.Background()
		p, err := x.orders.Propose(ctx, no)
		if err != nil {
			t.Fatal(err)
		}
		// 1 + 2 + 3 + 1 + 1 h of work from 10:00 ships at 18:00; 12 h to 上海
		// is 06:00, before anyone receives goods: the promise is the first
		// two-hour slot of the working day, 08:00-10:00.
		want := time.Date(2026, 12, 3, 10, 0, 0, 0, loc)
		if !p.At.Equal(want) || p.Work != 8*time.Hour || p.Transit != 12*time.Hour || p.Region != "上海" || !p.Measured || p.Queue != 0 {
			t.Fatalf("proposal %+v (at %s), want %s after 8 h of work and 12 h to 上海", p, p.At.In(loc), want)
		}
		if p.Samples != 10 || p.Confidence != 1 {
			t.Errorf("confidence %.2f over %d, want 1 over 10", p.Confidence, p.Samples)
		}
		// After dark, the same order needs the next morning's hours.
		x.clock.Set(time.Date(2026, 12, 2, 21, 0, 0, 0, loc).UTC())
		late, err := x.orders.Propose(ctx, no)
		if err != nil {
			t.Fatal(err)
		}
		// 待确认's hour is spent (10:00-20:00 counted); 7 h from 08:00,
		// then transit, is 03:00: the next morning's first slot.
		if want := time.Date(2026, 12, 4, 10, 0, 0, 0, loc); !late.At.Equal(want) {
			t.Errorf("at 21:00: %s, want %s (7 working hours left from 08:00, then transit, then the first slot)", late.At.In(loc), want)
		}
		x.clock.Set(time.Date(2026, 12, 2, 10, 0, 0, 0, loc).UTC())
		_, err = x.orders.Advance(ctx, service.Move{No: no, To: "confirmed", Actor: service.Admin})
		var missing *service.MissingFieldsError
		if !errors.As(err, &missing) || missing.Proposal == nil || !missing.Proposal.At.Equal(want) {
			t.Fatalf("confirm without promised_at: %v (proposal %+v)", err, missing)
		}
		d, err := x.orders.Advance(ctx, service.Move{No: no, To: "confirmed", Fields: map[string]string{"promised_at": "建议"}, Actor: service.Admin})
		if err != nil {
			t.Fatal(err)
		}
		if d.Order.PromisedAt == nil || !d.Order.PromisedAt.Equal(want) {
			t.Errorf("交期=建议 promised %v, want %s", d.Order.PromisedAt, want)
		}
	})
}

// TestPromiseWithoutHistory: too few recent orders fall back to the
// stages' SLAs and the transit table, and say so.
func TestPromiseWithoutHistory(t *testing.T) {
	modeltest.Each(t, func(t *testing.T, db *gorm.DB) {
		x, _ := hoursEnv(t, db, "2026-12-02 10:00")
		loc := x.cfg.Location()
		pastOrders(t, db, x.clock.Now(), loc, "A", "C1", 3, 12*time.Hour)
		no := x.order(t)
		p, err := x.orders.Propose(context.Background(), no)
		if err != nil {
			t.Fatal(err)
		}
		// SLAs 2+4+4+2+4 = 16 working hours: 10:00 Wed → 14:00 Thu; 上海 12 h by
		// the table is 02:00 Fri; the first slot that day ends 10:00.
		if want := time.Date(2026, 12, 4, 10, 0, 0, 0, loc); p.Measured || p.Work != 16*time.Hour || !p.At.Equal(want) {
			t.Errorf("proposal %+v at %s, want SLAs and the table: %s", p, p.At.In(loc), want)
		}
	})
}

// TestPromiseQueuePaceCountsOnlyItsHistory: the queue in front is cleared
// at the pace the warehouse shipped at since its first order in the
// window — a company with ten working days of history does not have its
// pace spread over the window's fourteen days (which made a replayed
// day's promises weeks long).
func TestPromiseQueuePaceCountsOnlyItsHistory(t *testing.T) {
	modeltest.Each(t, func(t *testing.T, db *gorm.DB) {
		x, _ := hoursEnv(t, db, "2026-12-02 10:00") // a Wednesday
		loc := x.cfg.Location()
		now := x.clock.Now()
		pastOrders(t, db, now, loc, "A", "C1", 10, 12*time.Hour)
		var first model.Order
		if err := db.Where("no LIKE ?", "SOHIST-A-%").Order("created_at").Take(&first).Error; err != nil {
			t.Fatal(err)
		}
		const ahead = 30
		var no string
		for i := 0; i <= ahead; i++ {
			no = x.order(t)
		}
		p, err := x.orders.Propose(context.Background(), no)
		if err != nil {
			t.Fatal(err)
		}
		cal := worktime.New(x.cfg.WorkTime, loc)
		var w model.Warehouse
		if err := db.Where("code = ?", "A").Take(&w).Error; err != nil {
			t.Fatal(err)
		}
		// 10 shipped over the working hours since the first of them was
		// placed: 30 ahead take three times those hours.
		want := 3 * cal.Between(w.Code, first.CreatedAt, now)
		if p.Queue != ahead || (p.Work-want).Abs() > time.Minute {
			t.Fatalf("queue %d, work %s; want %d ahead cleared in %s (ten orders' pace since the first was placed)", p.Queue, p.Work, ahead, want)
		}
		if whole := 3 * cal.Between(w.Code, now.Add(-x.cfg.Promise.Window.D()), now); p.Work >= whole {
			t.Errorf("work %s: the pace was spread over the whole window (%s)", p.Work, whole)
		}
	})
}
