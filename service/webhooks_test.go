package service_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"gorm.io/gorm"

	"orderhub/internal/redislock"
	"orderhub/model"
	"orderhub/model/modeltest"
	"orderhub/service"
)

func TestChannelWebhookQueuedWithStageChange(t *testing.T) {
	modeltest.Each(t, func(t *testing.T, db *gorm.DB) {
		e := newEnv(t, db)
		e.world(t)
		e.put(t, "A", "BOLT-M8", 100)
		rdb, prefix := modeltest.Redis(t)
		log := modeltest.Log()
		e.orders = service.NewOrders(db, redislock.New(rdb, prefix, time.Second, time.Second, log), service.NewPipeline(e.cfg), e.clock.Now,
			e.cfg.Location(), log, service.NewMetrics(prometheus.NewRegistry()), service.WithChannelWebhooks("shop"))
		in := newIntakes(e)
		ctx := context.Background()
		hooked, _, err := send(t, e, in, "shop", `{"external_id":"H-1","customer":{"code":"C1"},"lines":[{"sku":"BOLT-M8","qty":1}]}`)
		if err != nil {
			t.Fatal(err)
		}
		quiet, _, err := send(t, e, in, "pos", `{"ticket_no":"P-1","member":{"code":"C1"},"items":[{"item_code":"BOLT-M8","qty":1}]}`)
		if err != nil {
			t.Fatal(err)
		}
		for _, no := range []string{hooked.Order.Order.No, quiet.Order.Order.No} {
			if _, err := e.orders.Advance(ctx, service.Move{No: no, To: "confirmed", Fields: map[string]string{"promised_at": "2026-11-30 18:00"}, Actor: service.Admin}); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := e.orders.Cancel(ctx, hooked.Order.Order.No, service.Admin, "客户取消"); err != nil {
			t.Fatal(err)
		}
		var rows []model.Outbox
		if err := db.Where("msg_type = ?", service.MsgTypeChannelWebhook).Order("id").Find(&rows).Error; err != nil {
			t.Fatal(err)
		}
		if len(rows) != 2 {
			t.Fatalf("%d webhook rows, want 2 (confirmed, cancelled of the hooked channel only)", len(rows))
		}
		var ev []service.StageEvent
		for _, r := range rows {
			var x service.StageEvent
			if err := json.Unmarshal([]byte(r.Body), &x); err != nil {
				t.Fatal(err)
			}
			if r.ToUser != "shop" || r.Key == nil || *r.Key != x.EventID {
				t.Errorf("row = %+v", r)
			}
			ev = append(ev, x)
		}
		if ev[0].ExternalID != "H-1" || ev[0].From != "submitted" || ev[0].To != "confirmed" || ev[0].StageName != "已确认" || ev[1].To != service.StageCancelled {
			t.Errorf("events = %+v", ev)
		}
	})
}
