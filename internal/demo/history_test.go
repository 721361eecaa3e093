package demo_test

import (
	"context"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"gorm.io/gorm"

	"orderhub/config"
	"orderhub/internal/demo"
	"orderhub/internal/redislock"
	"orderhub/model"
	"orderhub/model/modeltest"
	"orderhub/service"
)

// TestHistoryTellsAStory seeds the demo and its history and checks, through
// the metrics, that it says what the demo promises: orders rising from
// about 86 to about 340 a day, some late, tickets acknowledged in minutes,
// open orders on the board in every state.
func TestHistoryTellsAStory(t *testing.T) {
	modeltest.Each(t, func(t *testing.T, db *gorm.DB) {
		ctx := context.Background()
		cfg := config.Default()
		if err := cfg.Validate(); err != nil {
			t.Fatal(err)
		}
		rdb, prefix := modeltest.Redis(t)
		log := modeltest.Log()
		pipe := service.NewPipeline(cfg)
		clock := service.SystemClock
		catalog := service.NewCatalog(db, cfg.Roles)
		stock := service.NewStock(db, clock)
		orders := service.NewOrders(db, redislock.New(rdb, prefix, time.Second, time.Second, log), pipe, clock, cfg.Location(), log, service.NewMetrics(prometheus.NewRegistry()))
		tickets := service.NewTickets(db, pipe, clock, cfg.Location(), cfg.Roles)
		if _, err := demo.NewCompany(db, catalog, stock, orders, clock).Seed(ctx); err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		rep, err := demo.NewHistory(db, catalog, orders, tickets, clock, cfg.Location()).Seed(ctx, 90)
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("history: %+v in %s", rep, time.Since(start))
		m := service.NewMeasures(db, pipe, clock, cfg.Location(), 7*24*time.Hour)
		vol, err := m.Volume(ctx, m.LastDays(91))
		if err != nil {
			t.Fatal(err)
		}
		first, last := vol[0].Orders, vol[len(vol)-2].Orders // yesterday
		if first < 40 || first > 110 || last < 150 || last > 400 {
			t.Errorf("orders per day %d … %d, want about 86 … 340", first, last)
		}
		ot, err := m.OnTime(ctx, m.LastDays(90))
		if err != nil {
			t.Fatal(err)
		}
		if ot.Late == 0 || ot.Early == 0 || ot.Rate < 0.6 || ot.Rate > 0.95 || ot.OTIF >= ot.OnTime {
			t.Errorf("on time %+v", ot)
		}
		// A problem is in the history only once it was reported and
		// closed: nothing dated after now.
		var future int64
		if err := db.Model(&model.Ticket{}).Where("created_at > ? OR closed_at > ?", time.Now(), time.Now()).Count(&future).Error; err != nil {
			t.Fatal(err)
		}
		if future != 0 {
			t.Errorf("%d tickets dated after now", future)
		}
		// Nor any order delivered, moved or told about after now.
		for _, q := range []*gorm.DB{
			db.Model(&model.Order{}).Where("stage_entered_at > ? OR updated_at > ?", time.Now(), time.Now()),
			db.Model(&model.OrderEvent{}).Where("created_at > ?", time.Now()),
			db.Model(&model.DelayNotice{}).Where("created_at > ?", time.Now()),
		} {
			if err := q.Count(&future).Error; err != nil {
				t.Fatal(err)
			}
			if future != 0 {
				t.Errorf("%d %s rows dated after now", future, q.Statement.Table)
			}
		}
		tk, err := m.Tickets(ctx, m.LastDays(90))
		if err != nil {
			t.Fatal(err)
		}
		if tk.Opened < 100 || tk.Response.P50 < time.Minute || tk.Response.P50 > time.Hour {
			t.Errorf("tickets %+v", tk)
		}
		page, err := service.NewBoard(db, pipe, clock, 0.75).Open(ctx, service.BoardFilter{Size: 200})
		if err != nil {
			t.Fatal(err)
		}
		states := map[string]int{}
		for _, r := range page.Rows {
			states[r.State]++
		}
		if rep.Open < 20 || states[service.StateOverdue] == 0 || states[service.StateOnTrack] == 0 || states[service.StateTicket] == 0 {
			t.Errorf("open %d, states %v", rep.Open, states)
		}
	})
}
