package service_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"gorm.io/gorm"

	"orderhub/model"
	"orderhub/model/modeltest"
	"orderhub/service"
)

// TestStockingSentOnceAcrossInstances: before send_on nothing goes; on it,
// two instances scanning at once send 昆山永固's list once: one row, one
// WeCom markdown to its service person with the list and recent orders,
// one SMS (it has no buyer in the mini-program); later scans send nothing.
func TestStockingSentOnceAcrossInstances(t *testing.T) {
	modeltest.Each(t, func(t *testing.T, db *gorm.DB) {
		x := newStockingDemo(t, db)
		ctx := context.Background()
		a := service.NewStocking(db, x.insight, x.orders.Pipeline(), x.clock.Now, x.cfg.Location(), x.cfg.Stocking).WithSMS(true)
		b := service.NewStocking(db, x.insight, x.orders.Pipeline(), x.clock.Now, x.cfg.Location(), x.cfg.Stocking).WithSMS(true)
		// 12-15: C101's list goes on 12-17.
		if r := must(a.SendDue(ctx)); r.Sent != 0 {
			t.Fatalf("sent %d before send_on", r.Sent)
		}
		x.clock.Add(2 * 24 * time.Hour) // 12-17 10:00
		var wg sync.WaitGroup
		got := make([]service.StockingSent, 2)
		errs := make([]error, 2)
		for i, s := range []*service.Stocking{a, b} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				got[i], errs[i] = s.SendDue(ctx)
			}()
		}
		wg.Wait()
		for _, err := range errs {
			if err != nil {
				t.Fatal(err)
			}
		}
		var rows []model.StockingSend
		db.Find(&rows)
		var c101 model.Customer
		db.Where("code = ?", "C101").Take(&c101)
		sent := 0
		for _, r := range rows {
			if r.CustomerID == c101.ID {
				sent++
				if r.Window != "2026-12-22" || !strings.Contains(r.Told, "sms") || !strings.Contains(r.Told, "sales:") {
					t.Fatalf("row %+v", r)
				}
			}
		}
		if sent != 1 || got[0].Sent+got[1].Sent != len(rows) {
			t.Fatalf("C101 sent %d times; instances sent %d and %d of %d rows", sent, got[0].Sent, got[1].Sent, len(rows))
		}
		var texts, wecom []model.Outbox
		db.Where("channel = ? AND `key` LIKE ?", service.ChannelOutboxSMS, "sms:stocking:%").Find(&texts)
		db.Where("msg_type = ? AND `key` LIKE ?", "markdown", "stocking:%").Find(&wecom)
		var mine []model.Outbox
		for _, w := range wecom {
			if strings.Contains(w.Body, "昆山永固") {
				mine = append(mine, w)
			}
		}
		if len(mine) != 1 || !strings.Contains(mine[0].Body, "月度备货清单") || !strings.Contains(mine[0].Body, "近期订单") {
			t.Fatalf("WeCom to the service person: %+v", mine)
		}
		found := false
		for _, tx := range texts {
			found = found || tx.ToUser == "+8613900000101"
		}
		if !found {
			t.Fatalf("no SMS to 昆山永固: %+v", texts)
		}
		if r := must(a.SendDue(ctx)); r.Sent != 0 {
			t.Fatalf("sent again: %+v", r)
		}
		l := must(a.List(ctx, "C101"))
		if l.SentAt == nil {
			t.Fatal("the list does not say it was sent")
		}
	})
}
