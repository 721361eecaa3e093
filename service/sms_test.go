package service_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"gorm.io/gorm"

	"orderhub/config"
	"orderhub/internal/redislock"
	"orderhub/model"
	"orderhub/model/modeltest"
	"orderhub/service"
)

// smsEnv is escEnv whose orders text customers without the mini-program.
type smsEnv struct {
	*escEnv
	sms *service.Orders
	esc *service.Escalator
}

func newSMSEnv(t *testing.T, db *gorm.DB, on bool) *smsEnv {
	t.Helper()
	x := newEscEnv(t, db, func(c *config.Config) { c.Escalation.DelayCouponFen = 2000 })
	rdb, prefix := modeltest.Redis(t)
	log := modeltest.Log()
	o := service.NewOrders(db, redislock.New(rdb, prefix, time.Second, time.Second, log), x.orders.Pipeline(), x.clock.Now, x.cfg.Location(), log,
		service.NewMetrics(prometheus.NewRegistry()), service.WithSMS(on))
	esc := service.NewEscalator(db, o, x.tickets, x.cfg.Escalation, x.clock.Now, x.cfg.Location(), log)
	if err := db.Model(&model.Customer{}).Where("code = ?", "C1").Update("phone", "139-0000-0001").Error; err != nil {
		t.Fatal(err)
	}
	return &smsEnv{escEnv: x, sms: o, esc: esc}
}

// late places an order of C1 and confirms it with a promise it cannot
// make (5 h; the stages ahead take longer).
func (x *smsEnv) late(t *testing.T) string {
	t.Helper()
	no := x.order(t)
	promised := x.clock.Now().Add(5 * time.Hour).In(x.cfg.Location()).Format("2006-01-02 15:04")
	if _, err := x.orders.Advance(context.Background(), service.Move{No: no, To: "confirmed", Actor: service.Admin, Fields: map[string]string{"promised_at": promised}}); err != nil {
		t.Fatal(err)
	}
	return no
}

func smsRows(t *testing.T, db *gorm.DB) []model.Outbox {
	t.Helper()
	var rows []model.Outbox
	if err := db.Where("channel = ?", service.ChannelOutboxSMS).Order("id").Find(&rows).Error; err != nil {
		t.Fatal(err)
	}
	return rows
}

// TestDelayTextedWithoutApp: a late order whose customer has no buyer who
// allowed a delay message is texted once, with the coupon, and the
// timeline says so with the number masked; a buyer told in the app is not
// texted too; with SMS off, or a landline, nothing is queued.
func TestDelayTextedWithoutApp(t *testing.T) {
	modeltest.Each(t, func(t *testing.T, db *gorm.DB) {
		ctx := context.Background()
		x := newSMSEnv(t, db, true)
		no := x.late(t)
		subscribed := x.late(t)
		d := must(x.orders.Get(ctx, subscribed))
		if err := db.Create(&model.Subscription{OrderID: d.Order.ID, BuyerID: 1, Event: service.EventDelay, OpenID: "o-buyer",
			State: model.SubscriptionPending, CreatedAt: x.clock.Now(), UpdatedAt: x.clock.Now()}).Error; err != nil {
			t.Fatal(err)
		}
		for i := range 3 {
			n, err := x.esc.Delays(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if want := map[bool]int{true: 2, false: 0}[i == 0]; n != want {
				t.Fatalf("scan %d: %d delays, want %d", i, n, want)
			}
		}
		rows := smsRows(t, db)
		if len(rows) != 1 || rows[0].ToUser != "+8613900000001" || rows[0].MsgType != service.MsgTypeSMS {
			t.Fatalf("texts: %+v", rows)
		}
		var note service.SMSNote
		if err := json.Unmarshal([]byte(rows[0].Body), &note); err != nil {
			t.Fatal(err)
		}
		dd := must(x.orders.Get(ctx, no))
		if note.Kind != service.SMSDelay || note.OrderNo != no || note.CouponFen != 2000 || note.CouponCode != dd.Delay.Coupon.Code ||
			note.ETA == nil || note.PromisedAt == nil || !note.CouponExpiresAt.Equal(dd.Delay.Coupon.ExpiresAt) {
			t.Fatalf("text body: %s (coupon on the order %+v)", rows[0].Body, dd.Delay.Coupon)
		}
		if rows[0].OrderID == nil || *rows[0].OrderID != dd.Order.ID {
			t.Fatalf("text not tied to its order: %+v", rows[0])
		}
		var masked bool
		for _, ev := range dd.Events {
			if strings.Contains(ev.Note, "13900000001") {
				t.Fatalf("the timeline shows the number in clear: %q", ev.Note)
			}
			masked = masked || (ev.Kind == "delay_sms" && strings.Contains(ev.Note, "139****0001"))
		}
		if !masked {
			t.Fatalf("the timeline does not say the customer was texted: %+v", dd.Events)
		}

		// SMS off: the same late order texts nobody.
		off := newSMSEnv(t, modeltest.SQLite(t), false)
		off.late(t)
		must(off.esc.Delays(ctx))
		if rows := smsRows(t, off.db); len(rows) != 0 {
			t.Fatalf("SMS off, yet texts: %+v", rows)
		}
	})
}

// TestDelayNotTextedToLandline: a customer whose number cannot take a text
// is not queued one (the row would only fail).
func TestDelayNotTextedToLandline(t *testing.T) {
	modeltest.Each(t, func(t *testing.T, db *gorm.DB) {
		x := newSMSEnv(t, db, true)
		if err := db.Model(&model.Customer{}).Where("code = ?", "C1").Update("phone", "021-69580000").Error; err != nil {
			t.Fatal(err)
		}
		x.late(t)
		if n := must(x.esc.Delays(context.Background())); n != 1 {
			t.Fatalf("delays %d, want 1", n)
		}
		if rows := smsRows(t, db); len(rows) != 0 {
			t.Fatalf("a landline texted: %+v", rows)
		}
	})
}

func TestMobileAndMask(t *testing.T) {
	for _, tc := range []struct {
		in, want string
		ok       bool
	}{
		{"13800000001", "+8613800000001", true},
		{"138-0000-0001", "+8613800000001", true},
		{"+86 138 0000 0001", "+8613800000001", true},
		{"8613800000001", "+8613800000001", true},
		{"021-69580000", "", false},
		{"2380000000", "", false},
		{"138000000011", "", false},
		{"138ab000001", "", false},
		{"", "", false},
	} {
		t.Run(tc.in, func(t *testing.T) {
			got, ok := service.Mobile(tc.in)
			if got != tc.want || ok != tc.ok {
				t.Fatalf("Mobile(%q) = %q, %v; want %q, %v", tc.in, got, ok, tc.want, tc.ok)
			}
			if ok && service.MaskPhone(got) != "138****0001" {
				t.Fatalf("MaskPhone(%q) = %q", got, service.MaskPhone(got))
			}
		})
	}
	if got := service.MaskPhone("12345"); got != "****" {
		t.Fatalf("MaskPhone of a short number = %q", got)
	}
}

// TestCouponTakenOffNextOrder: the coupon a delay issued lowers the
// customer's next order placed by us (mini-program, staff), once: the
// order after pays in full, another customer's order is untouched, an
// outside channel's order is untouched, and the buyer sees it used.
func TestCouponTakenOffNextOrder(t *testing.T) {
	modeltest.Each(t, func(t *testing.T, db *gorm.DB) {
		ctx := context.Background()
		x := newSMSEnv(t, db, true)
		x.late(t)
		must(x.esc.Delays(ctx))
		line := []service.LineInput{{SKU: "BOLT-M8", Qty: 2}} // 2 × ¥45.00
		other := must3(x.sms.Create(ctx, service.NewOrder{Customer: "C2", Address: "苏州工业园区", Lines: line, Actor: service.Admin}))
		if other.Order.TotalFen != 9000 || other.CouponUsed != nil {
			t.Fatalf("another customer's order took the coupon: %d %+v", other.Order.TotalFen, other.CouponUsed)
		}
		next := must3(x.sms.Create(ctx, service.NewOrder{Channel: service.ChannelMiniProgram, Customer: "C1", Lines: line, Actor: service.Admin}))
		if next.Order.TotalFen != 7000 || next.CouponUsed == nil || next.CouponUsed.OffFen != 2000 {
			t.Fatalf("next order: total %d, coupon %+v; want 7000 and the ¥20 coupon", next.Order.TotalFen, next.CouponUsed)
		}
		stored := must(x.orders.Get(ctx, next.Order.No))
		if stored.Order.TotalFen != 7000 || stored.CouponUsed == nil || stored.CouponUsed.Code != next.CouponUsed.Code {
			t.Fatalf("stored: total %d, coupon %+v", stored.Order.TotalFen, stored.CouponUsed)
		}
		// Cancelled, the order gives the coupon back to the next one.
		back := must3(x.sms.Create(ctx, service.NewOrder{Customer: "C1", Lines: line, Actor: service.Admin}))
		if back.Order.TotalFen != 9000 {
			t.Fatalf("a used coupon was taken again: %d", back.Order.TotalFen)
		}
		must(x.sms.Cancel(ctx, next.Order.No, service.Admin, "买重了"))
		next = must3(x.sms.Create(ctx, service.NewOrder{Channel: service.ChannelMiniProgram, Customer: "C1", Lines: line, Actor: service.Admin}))
		if next.Order.TotalFen != 7000 || next.CouponUsed == nil {
			t.Fatalf("after the cancel, the next order: total %d, coupon %+v", next.Order.TotalFen, next.CouponUsed)
		}
		after := must3(x.sms.Create(ctx, service.NewOrder{Customer: "C1", Lines: line, Actor: service.Admin}))
		if after.Order.TotalFen != 9000 || after.CouponUsed != nil {
			t.Fatalf("the order after took a coupon again: %d %+v", after.Order.TotalFen, after.CouponUsed)
		}
		var c1 model.Customer
		db.Where("code = ?", "C1").Take(&c1)
		views := must(service.NewBuyers(db, x.clock.Now).Coupons(ctx, service.Buyer{Buyer: model.Buyer{CustomerID: c1.ID}}))
		if len(views) != 1 || views[0].State != service.CouponUsed || views[0].UsedOnNo != next.Order.No || views[0].Fen != 2000 {
			t.Fatalf("the buyer's coupons: %+v", views)
		}
		// Expired coupons are shown as such and never taken.
		x.late(t)
		must(x.esc.Delays(ctx))
		x.clock.Add(service.CouponValidity + time.Hour)
		expired := must3(x.sms.Create(ctx, service.NewOrder{Customer: "C1", Lines: line, Actor: service.Admin}))
		if expired.Order.TotalFen != 9000 {
			t.Fatalf("an expired coupon was taken: %d", expired.Order.TotalFen)
		}
		views = must(service.NewBuyers(db, x.clock.Now).Coupons(ctx, service.Buyer{Buyer: model.Buyer{CustomerID: c1.ID}}))
		if len(views) != 2 || views[1].State != service.CouponExpired {
			t.Fatalf("coupons after expiry: %+v", views)
		}
	})
}

// TestCouponUsedOnceUnderConcurrency: orders of the customer placed at the
// same moment on two instances: exactly one takes the coupon.
func TestCouponUsedOnceUnderConcurrency(t *testing.T) {
	modeltest.Each(t, func(t *testing.T, db *gorm.DB) {
		ctx := context.Background()
		x := newSMSEnv(t, db, true)
		x.late(t)
		must(x.esc.Delays(ctx))
		rdb, prefix := modeltest.Redis(t)
		log := modeltest.Log()
		second := service.NewOrders(db, redislock.New(rdb, prefix, time.Second, time.Second, log), x.orders.Pipeline(), x.clock.Now, x.cfg.Location(), log,
			service.NewMetrics(prometheus.NewRegistry()))
		const n = 8
		var wg sync.WaitGroup
		totals := make([]int64, n)
		errs := make([]error, n)
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				o := x.sms
				if i%2 == 1 {
					o = second
				}
				d, _, err := o.Create(ctx, service.NewOrder{Channel: service.ChannelMiniProgram, Customer: "C1", Lines: []service.LineInput{{SKU: "BOLT-M8", Qty: 1}}, Actor: service.Admin})
				totals[i], errs[i] = d.Order.TotalFen, err
			}()
		}
		wg.Wait()
		if err := errors.Join(errs...); err != nil {
			t.Fatal(err)
		}
		discounted := 0
		for _, tot := range totals {
			if tot == 2500 {
				discounted++
			} else if tot != 4500 {
				t.Fatalf("totals %v", totals)
			}
		}
		var used int64
		db.Model(&model.Coupon{}).Where("used_order_id IS NOT NULL").Count(&used)
		if discounted != 1 || used != 1 {
			t.Fatalf("%d orders discounted, %d coupons used; want 1 and 1 (totals %v)", discounted, used, totals)
		}
	})
}

// failSMS refuses every send, so the outbox logs its failure.
type failSMS struct{}

func (failSMS) Send(context.Context, service.Outgoing) error { return errors.New("sms down") }

// TestOutboxLogMasksPhone: a text that fails is logged with the number
// masked.
func TestOutboxLogMasksPhone(t *testing.T) {
	modeltest.Each(t, func(t *testing.T, db *gorm.DB) {
		x := newSMSEnv(t, db, true)
		x.late(t)
		must(x.esc.Delays(context.Background()))
		var buf bytes.Buffer
		log := slog.New(slog.NewTextHandler(&buf, nil))
		ob := service.NewOutbox(db, failSMS{}, x.clock.Now, log, prometheus.NewRegistry(), service.OutboxOptions{
			Poll: time.Second, BackoffBase: time.Second, BackoffMax: time.Minute, MaxAttempts: 3, Lease: time.Minute})
		if _, err := ob.DispatchOnce(context.Background()); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(buf.String(), "139****0001") || strings.Contains(buf.String(), "13900000001") {
			t.Fatalf("log: %s", buf.String())
		}
	})
}
