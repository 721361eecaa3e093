package service_test

import (
	"context"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"gorm.io/gorm"

	"orderhub/config"
	"orderhub/internal/demo"
	"orderhub/internal/redislock"
	"orderhub/internal/testclock"
	"orderhub/model/modeltest"
	"orderhub/service"
	"orderhub/service/catalog"
	"orderhub/service/worktime"
)

// TestPromiseErrorOnDemoHistory measures the proposal against the demo's
// 45 days of history (docs/metrics.md): over the last 14 days, each
// delivered order's proposal at its confirmation, from the history before
// that day, beside the promise people gave. Run with -v for the figures.
func TestPromiseErrorOnDemoHistory(t *testing.T) {
	modeltest.Each(t, func(t *testing.T, db *gorm.DB) {
		ctx := context.Background()
		cfg := config.Default()
		if err := cfg.Validate(); err != nil {
			t.Fatal(err)
		}
		loc := cfg.Location()
		clock := testclock.New(time.Date(2026, 12, 2, 10, 0, 0, 0, loc).UTC())
		rdb, prefix := modeltest.Redis(t)
		log := modeltest.Log()
		pipe := service.NewPipeline(cfg).WithHours(service.NewHours(worktime.New(cfg.WorkTime, loc), db))
		cat := catalog.NewCatalog(db, cfg.Roles)
		orders := service.NewOrders(db, redislock.New(rdb, prefix, time.Second, time.Second, log), pipe, clock.Now, loc, log,
			service.NewMetrics(prometheus.NewRegistry()))
		if _, err := demo.NewCompany(db, cat, service.NewStock(db, clock.Now), orders, clock.Now).Seed(ctx); err != nil {
			t.Fatal(err)
		}
		tickets := service.NewTickets(db, pipe, clock.Now, loc, cfg.Roles)
		if _, err := demo.NewHistory(db, cat, orders, tickets, clock.Now, loc).Seed(ctx, 45); err != nil {
			t.Fatal(err)
		}
		c, err := orders.CheckPromises(ctx, clock.Now().AddDate(0, 0, -14), clock.Now())
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range []struct {
			name string
			e    service.PromiseError
		}{{"proposed", c.Proposed}, {"given", c.Given}} {
			t.Logf("%s: %d orders, |error| p50 %.1f h, p90 %.1f h, within ±2 h %.1f%% (early %d, late %d)",
				e.name, e.e.Orders, e.e.P50.Hours(), e.e.P90.Hours(), 100*e.e.Within, e.e.Early, e.e.Late)
			if e.e.Orders < 100 || e.e.P50 > e.e.P90 || e.e.Early+e.e.Late > e.e.Orders {
				t.Errorf("%s: %+v", e.name, e.e)
			}
		}
	})
}
