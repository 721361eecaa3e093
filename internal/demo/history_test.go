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
	"orderhub/service/catalog"
	"orderhub/service/insight"
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
		cat := catalog.NewCatalog(db, cfg.Roles)
		stock := service.NewStock(db, clock)
		orders := service.NewOrders(db, redislock.New(rdb, prefix, time.Second, time.Second, log), pipe, clock, cfg.Location(), log, service.NewMetrics(prometheus.NewRegistry()))
		tickets := service.NewTickets(db, pipe, clock, cfg.Location(), cfg.Roles)
		if _, err := demo.NewCompany(db, cat, stock, orders, clock).Seed(ctx); err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		rep, err := demo.NewHistory(db, cat, orders, tickets, clock, cfg.Location()).Seed(ctx, 90)
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("history: %+v in %s", rep, time.Since(start))
		m := insight.NewMeasures(db, pipe, clock, cfg.Location(), 7*24*time.Hour)
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
		page, err := insight.NewBoard(db, pipe, clock, 0.75).Open(ctx, insight.BoardFilter{Size: 200})
		if err != nil {
			t.Fatal(err)
		}
		states := map[string]int{}
		for _, r := range page.Rows {
			states[r.State]++
		}
		// Open work on track or at risk, none overdue at start-up: the
		// first escalation comes a while after start (README), not at once.
		if rep.Open < 20 || states[insight.StateOverdue] != 0 || states[insight.StateAtRisk] == 0 || states[insight.StateOnTrack] == 0 || states[insight.StateTicket] == 0 {
			t.Errorf("open %d, states %v", rep.Open, states)
		}
		var soonest model.Order
		if err := db.Where("stage_due_at IS NOT NULL AND stage NOT IN ?", []string{"delivered", "cancelled"}).Order("stage_due_at").First(&soonest).Error; err != nil {
			t.Fatal(err)
		}
		if until := soonest.StageDueAt.Sub(time.Now()); until < 20*time.Minute {
			t.Errorf("an open order's stage runs out %v after start-up (%s)", until, soonest.No)
		}
		// The last days look like the others: no dip in the on-time rate
		// from orders that could not have been delivered yet.
		for _, days := range []int{1, 2, 3} {
			f := m.LastDays(days + 1)
			f.To = time.Now().In(cfg.Location()).AddDate(0, 0, -1).Format(time.DateOnly)
			recent, err := m.OnTime(ctx, f)
			if err != nil {
				t.Fatal(err)
			}
			if recent.Rate < ot.Rate-0.15 {
				t.Errorf("the last %d day(s)' on-time rate %.2f, the 90 days' %.2f", days, recent.Rate, ot.Rate)
			}
		}
		// No delivery in the night (it showed deliveries at 2 a.m.).
		var night int
		var delivered []model.Order
		if err := db.Where("stage = ?", "delivered").Find(&delivered).Error; err != nil {
			t.Fatal(err)
		}
		for _, o := range delivered {
			if h := o.StageEnteredAt.In(cfg.Location()).Hour(); h < 6 && o.CreatedAt.After(time.Now().Add(-72*time.Hour)) {
				night++
			}
		}
		if night > 0 {
			t.Errorf("%d recent deliveries between midnight and 6 a.m.", night)
		}
	})
}
