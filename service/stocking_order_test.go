package service_test

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"gorm.io/gorm"

	"orderhub/model"
	"orderhub/model/modeltest"
	"orderhub/service"
)

// stockingBuyer logs a buyer in and links them to customer code.
func stockingBuyer(t *testing.T, db *gorm.DB, x *stockingDemo, openID, code string) service.Buyer {
	t.Helper()
	bs := service.NewBuyers(db, x.clock.Now)
	ctx := context.Background()
	if _, _, err := bs.Login(ctx, service.BuyerLogin{OpenID: openID, Name: openID}); err != nil {
		t.Fatal(err)
	}
	b, err := bs.Link(ctx, openID, code)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestStockingPlace: 昆山永固's buyer places the list before send_on as a
// planned order: promised as the list promised, linked to the list's row;
// a retry with the same key answers the same order; another key is
// refused with the order's number; lines off the list or without a
// quantity are refused naming the field; and SendDue sends nothing for a
// list already ordered.
func TestStockingPlace(t *testing.T) {
	modeltest.Each(t, func(t *testing.T, db *gorm.DB) {
		x := newStockingDemo(t, db)
		ctx := context.Background()
		st := x.stocking.WithOrders(x.orders)
		b := stockingBuyer(t, db, x, "ox-yonggu", "C101")
		l := must(st.List(ctx, "C101"))
		if l.Address == "" {
			t.Fatal("no address proposed for 昆山永固 (its last order's)")
		}

		for _, tc := range []struct {
			name, field, code string
			lines             []service.LineInput
		}{
			{"off the list", "lines[0].sku", service.CodeNotOnList, []service.LineInput{{SKU: "NOPE-1", Qty: 1}}},
			{"zero", "lines[1].qty", service.CodeInvalidQty, []service.LineInput{{SKU: l.Lines[0].SKU, Qty: 2}, {SKU: l.Lines[len(l.Lines)-1].SKU, Qty: 0}}},
			{"twice", "lines[1].sku", service.CodeInvalidSKU, []service.LineInput{{SKU: l.Lines[0].SKU, Qty: 2}, {SKU: strings.ToLower(l.Lines[0].SKU), Qty: 1}}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				if len(l.Lines) < 2 && tc.name != "off the list" {
					t.Fatalf("the demo list has %d lines", len(l.Lines))
				}
				_, _, err := st.Place(ctx, b, service.StockingOrder{Lines: tc.lines, IdempotencyKey: "bad-" + tc.name})
				var inv *service.InvalidError
				if !errors.As(err, &inv) || inv.Field != tc.field || inv.Code() != tc.code {
					t.Fatalf("err %v, want %s on %s", err, tc.code, tc.field)
				}
			})
		}
		var orders int64
		db.Model(&model.Order{}).Count(&orders)

		// What the shelf has today (the demo's stock is below the list's).
		kept := []service.LineInput{{SKU: l.Lines[0].SKU, Qty: min(l.Lines[0].Qty, l.Lines[0].Available/2)}}
		if kept[0].Qty < 1 {
			t.Fatalf("line %+v: nothing on the shelf", l.Lines[0])
		}
		d, created, err := st.Place(ctx, b, service.StockingOrder{Lines: kept, IdempotencyKey: "k1", Remark: "按清单备货", Address: l.Address})
		if err != nil || !created {
			t.Fatalf("place: created %v, %v", created, err)
		}
		if len(d.Order.Lines) != 1 || d.Order.Lines[0].Qty != kept[0].Qty || d.Order.Channel != service.ChannelMiniProgram {
			t.Fatalf("order %+v", d.Order)
		}
		if (d.Order.PromisedAt == nil) != (l.PromisedAt == nil) || (l.PromisedAt != nil && !d.Order.PromisedAt.Equal(*l.PromisedAt)) {
			t.Fatalf("promised %v, the list %v", d.Order.PromisedAt, l.PromisedAt)
		}
		var row model.StockingSend
		db.Where("customer_id = ?", b.CustomerID).Take(&row)
		if row.OrderID == nil || *row.OrderID != d.Order.ID || row.OrderedAt == nil || row.Window != "2026-12-22" {
			t.Fatalf("row %+v", row)
		}
		if planned := must(st.PlannedOrder(ctx, d.Order.ID)); !planned {
			t.Fatal("the order is not marked planned")
		}
		again, created, err := st.Place(ctx, b, service.StockingOrder{Lines: kept, IdempotencyKey: "k1", Remark: "按清单备货", Address: l.Address})
		if err != nil || created || again.Order.ID != d.Order.ID {
			t.Fatalf("retry: created %v, order %d, %v", created, again.Order.ID, err)
		}
		_, _, err = st.Place(ctx, b, service.StockingOrder{IdempotencyKey: "k2", Address: l.Address})
		var conf *service.ConflictError
		if !errors.As(err, &conf) || conf.Code() != service.CodeStockingOrdered || conf.Subject != d.Order.No || !strings.Contains(err.Error(), d.Order.No) {
			t.Fatalf("second order: %v", err)
		}
		var after int64
		db.Model(&model.Order{}).Count(&after)
		if after != orders+1 {
			t.Fatalf("%d orders placed, want 1", after-orders)
		}
		if l := must(st.List(ctx, "C101")); l.OrderNo != d.Order.No || l.SentAt == nil {
			t.Fatalf("list: order %q, sent %v", l.OrderNo, l.SentAt)
		}
		// On send_on the list is not sent again: the buyer has it.
		x.clock.Add(2 * 24 * time.Hour)
		st.WithSMS(true)
		must(st.SendDue(ctx))
		var n int64
		db.Model(&model.Outbox{}).Where("`key` LIKE ?", "%stocking:"+u64(b.CustomerID)+":%").Count(&n)
		if n != 0 {
			t.Fatalf("%d messages for a list already ordered", n)
		}
		// Cancelled, it may be placed again.
		if _, err := x.orders.Cancel(ctx, d.Order.No, b.Actor(), "改期"); err != nil {
			t.Fatal(err)
		}
		d2, created, err := st.Place(ctx, b, service.StockingOrder{Lines: kept, IdempotencyKey: "k3", Address: l.Address})
		if err != nil || !created || d2.Order.ID == d.Order.ID {
			t.Fatalf("after cancel: %v %v", created, err)
		}
	})
}

// TestStockingPlaceOnceUnderRace: two buyers of one company place the
// same list at the same moment with different keys: one planned order
// stands and is linked, the other is cancelled with its stock released
// and refused.
func TestStockingPlaceOnceUnderRace(t *testing.T) {
	modeltest.Each(t, func(t *testing.T, db *gorm.DB) {
		x := newStockingDemo(t, db)
		ctx := context.Background()
		st := x.stocking.WithOrders(x.orders)
		bs := []service.Buyer{stockingBuyer(t, db, x, "ox-a", "C101"), stockingBuyer(t, db, x, "ox-b", "C101")}
		var wg sync.WaitGroup
		ds := make([]service.Detail, 2)
		errs := make([]error, 2)
		for i, b := range bs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				ds[i], _, errs[i] = st.Place(ctx, b, service.StockingOrder{Lines: []service.LineInput{{SKU: "BOLT-M12-50", Qty: 3}}, IdempotencyKey: "race-" + b.OpenID, Address: "江苏省苏州市昆山市前进东路 1 号"})
			}()
		}
		wg.Wait()
		ok := 0
		for _, err := range errs {
			var conf *service.ConflictError
			switch {
			case err == nil:
				ok++
			case errors.As(err, &conf) && conf.Code() == service.CodeStockingOrdered:
			default:
				t.Fatal(err)
			}
		}
		var row model.StockingSend
		db.Where("customer_id = ?", bs[0].CustomerID).Take(&row)
		var live []model.Order
		db.Where("customer_id = ? AND created_at >= ? AND stage <> ?", bs[0].CustomerID, x.clock.Now().Add(-time.Minute), service.StageCancelled).Find(&live)
		if ok != 1 || len(live) != 1 || row.OrderID == nil || *row.OrderID != live[0].ID {
			t.Fatalf("%d placed, %d live, row %+v", ok, len(live), row)
		}
		var active int64
		db.Model(&model.Allocation{}).Joins("JOIN orders ON orders.id = allocations.order_id").
			Where("orders.stage = ? AND allocations.state = ?", service.StageCancelled, model.AllocActive).Count(&active)
		if active != 0 {
			t.Fatalf("%d allocations still held by cancelled orders", active)
		}
	})
}

// TestStockingBuyerSubscribed: a buyer who allowed it gets one subscribe
// message into the mini-program on send_on, across two instances; the
// company, having a buyer in the mini-program, gets no SMS; the
// permission is used, and allowing it again is a new one.
func TestStockingBuyerSubscribed(t *testing.T) {
	modeltest.Each(t, func(t *testing.T, db *gorm.DB) {
		x := newStockingDemo(t, db)
		ctx := context.Background()
		b := stockingBuyer(t, db, x, "ox-sub", "C101")
		bs := service.NewBuyers(db, x.clock.Now)
		for range 2 {
			if err := bs.SubscribeStocking(ctx, b); err != nil {
				t.Fatal(err)
			}
		}
		a := x.stocking.WithSMS(true)
		other := service.NewStocking(db, x.insight, x.orders.Pipeline(), x.clock.Now, x.cfg.Location(), x.cfg.Stocking).WithSMS(true)
		x.clock.Add(2 * 24 * time.Hour) // 12-17
		var wg sync.WaitGroup
		got := make([]service.StockingSent, 2)
		for i, s := range []*service.Stocking{a, other} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				var err error
				if got[i], err = s.SendDue(ctx); err != nil {
					t.Error(err)
				}
			}()
		}
		wg.Wait()
		var msgs []model.Outbox
		db.Where("channel = ? AND msg_type = ?", service.ChannelOutboxMiniProgram, service.MsgTypeSubscribe).Find(&msgs)
		if len(msgs) != 1 || msgs[0].ToUser != "ox-sub" || !strings.Contains(msgs[0].Body, `"event":"stocking"`) || !strings.Contains(msgs[0].Body, "2026-12-21T16:00:00Z") {
			t.Fatalf("subscribe messages: %+v", msgs)
		}
		if got[0].Buyers+got[1].Buyers != 1 {
			t.Fatalf("buyers told: %+v", got)
		}
		var texts int64
		db.Model(&model.Outbox{}).Where("`key` = ?", "sms:stocking:"+u64(b.CustomerID)+":2026-12-22").Count(&texts)
		var row model.StockingSend
		db.Where("customer_id = ?", b.CustomerID).Take(&row)
		if texts != 0 || !strings.Contains(row.Told, "buyer:ox-sub") {
			t.Fatalf("sms %d, told %q", texts, row.Told)
		}
		var sub model.Subscription
		db.Where("buyer_id = ? AND event = ?", b.ID, service.EventStocking).Take(&sub)
		if sub.State != model.SubscriptionQueued || sub.OrderID != 0 || sub.OutboxID == nil || *sub.OutboxID != msgs[0].ID {
			t.Fatalf("subscription %+v", sub)
		}
		if err := bs.SubscribeStocking(ctx, b); err != nil {
			t.Fatal(err)
		}
		db.Where("id = ?", sub.ID).Take(&sub)
		if sub.State != model.SubscriptionPending {
			t.Fatalf("allowed again: %+v", sub)
		}
	})
}

func u64(n uint64) string { return strconv.FormatUint(n, 10) }

// TestStockingMeasure: 昆山永固's list placed as a planned order, then a
// rush order in its window: one list sent, one turned into an order; the
// window's orders after are the demo's from 7 days before it plus those
// two, the rush ones among them plus one, a share below that of its
// windows before the list (the demo's 昆山永固 orders mostly in a rush);
// the planned order cancelled no longer counts.
func TestStockingMeasure(t *testing.T) {
	modeltest.Each(t, func(t *testing.T, db *gorm.DB) {
		x := newStockingDemo(t, db)
		ctx := context.Background()
		st := x.stocking.WithOrders(x.orders)
		if ms := must(st.Measure(ctx)); len(ms) != 1 || ms[0].Sent != 0 {
			t.Fatalf("before any list: %+v", ms)
		}
		b := stockingBuyer(t, db, x, "ox-m", "C101")
		l := must(st.List(ctx, "C101"))
		// What the demo already placed from 7 days before the window (12-15).
		var pre []model.Order
		db.Where("customer_id = ? AND created_at >= ? AND stage <> ?", b.CustomerID, time.Date(2026, 12, 14, 16, 0, 0, 0, time.UTC), service.StageCancelled).Find(&pre)
		preRush := 0
		for _, o := range pre {
			if service.RushOrder(o.CreatedAt, o.PromisedAt, o.Remark) {
				preRush++
			}
		}
		d, _, err := st.Place(ctx, b, service.StockingOrder{Lines: []service.LineInput{{SKU: l.Lines[0].SKU, Qty: 2}}, IdempotencyKey: "m1", Address: l.Address})
		if err != nil {
			t.Fatal(err)
		}
		x.clock.Set(time.Date(2026, 12, 22, 2, 0, 0, 0, time.UTC)) // the window's first day
		if _, _, err := x.orders.Create(ctx, service.NewOrder{Channel: service.ChannelAPI, Customer: "C101", Lines: []service.LineInput{{SKU: l.Lines[1].SKU, Qty: 1}},
			Address: l.Address, Remark: "加急，明天要"}); err != nil {
			t.Fatal(err)
		}
		ms := must(st.Measure(ctx))
		if len(ms) != 2 || ms[0].Customer != "C101" || ms[1].Customer != "" {
			t.Fatalf("measures %+v", ms)
		}
		m := ms[0]
		if m.Sent != 1 || m.Ordered != 1 || m.After.Windows != 1 || m.After.Orders != len(pre)+2 || m.After.Rush != preRush+1 {
			t.Fatalf("after: %+v", m)
		}
		if m.Before.Windows < 2 || m.Before.Orders < 3 || m.Before.Share <= m.After.Share {
			t.Fatalf("before: %+v", m.Before)
		}
		if ms[1].Sent != 1 || ms[1].After != m.After || ms[1].Before != m.Before {
			t.Fatalf("total %+v", ms[1])
		}
		if _, err := x.orders.Cancel(ctx, d.Order.No, b.Actor(), "不要了"); err != nil {
			t.Fatal(err)
		}
		if m := must(st.Measure(ctx))[0]; m.Ordered != 0 || m.After.Orders != len(pre)+1 || m.After.Rush != preRush+1 {
			t.Fatalf("after the cancel: %+v", m)
		}
	})
}
