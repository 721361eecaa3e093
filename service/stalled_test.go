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
)

// The ticket escalation opened for a stalled order is resolved by the move
// that ends the stall — in the move's transaction, even once the ladder is
// spent and no scan will look at its alarm again (docs/escalation.md).
func TestStalledTicketResolvedByTheMove(t *testing.T) {
	modeltest.Each(t, func(t *testing.T, db *gorm.DB) {
		x := newEscEnv(t, db, nil)
		ctx := context.Background()
		moved, cancelled := x.order(t), x.order(t)
		x.clock.Add(3 * time.Second)
		x.scan(t)
		x.clock.Add(3 * time.Second)
		x.scan(t) // level 2: the ladder is spent
		var armed int64
		db.Model(&model.Alarm{}).Where("state = ?", model.AlarmArmed).Count(&armed)
		if armed != 0 {
			t.Fatalf("%d alarms still armed after the last level", armed)
		}
		if _, err := x.orders.Advance(ctx, service.Move{No: moved, To: "confirmed", Actor: service.Admin, Fields: map[string]string{"promised_at": "2026-12-30 18:00"}}); err != nil {
			t.Fatal(err)
		}
		if _, err := x.orders.Cancel(ctx, cancelled, service.Admin, "客户取消"); err != nil {
			t.Fatal(err)
		}
		for _, no := range []string{moved, cancelled} {
			tks := must(x.tickets.List(ctx, service.TicketFilter{OrderNo: no}))
			if len(tks) != 1 || tks[0].Kind != model.TicketStalled || tks[0].State != model.TicketResolved || !strings.Contains(tks[0].Resolution, "自动处理") {
				t.Fatalf("%s: tickets after the move, before any scan: %+v", no, tks)
			}
		}
		// A later scan pushes nothing about them.
		x.clock.Add(time.Hour)
		if r := x.scan(t); r.Fired != 0 {
			t.Fatalf("fired %d after the moves", r.Fired)
		}
	})
}
