package service_test

import (
	"context"
	"slices"
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
	"orderhub/service/insight"
)

// stockingDemo is the demo company with 90 days of history, on a clock
// before 昆山永固's window (2026-12-15 10:00 in Shanghai, a Tuesday).
type stockingDemo struct {
	cfg      config.Config
	clock    *testclock.Clock
	orders   *service.Orders
	stocking *service.Stocking
	insight  *insight.Insight
}

func newStockingDemo(t *testing.T, db *gorm.DB) *stockingDemo {
	t.Helper()
	cfg := config.Default()
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	rdb, prefix := modeltest.Redis(t)
	log := modeltest.Log()
	pipe := service.NewPipeline(cfg)
	clock := testclock.New(time.Date(2026, 12, 15, 2, 0, 0, 0, time.UTC))
	cat := catalog.NewCatalog(db, cfg.Roles)
	stock := service.NewStock(db, clock.Now)
	orders := service.NewOrders(db, redislock.New(rdb, prefix, time.Second, time.Second, log), pipe, clock.Now, cfg.Location(), log, service.NewMetrics(prometheus.NewRegistry()))
	tickets := service.NewTickets(db, pipe, clock.Now, cfg.Location(), cfg.Roles)
	if _, err := demo.NewCompany(db, cat, stock, orders, clock.Now).Seed(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := demo.NewHistory(db, cat, orders, tickets, clock.Now, cfg.Location()).Seed(ctx, 90); err != nil {
		t.Fatal(err)
	}
	in := insight.NewInsight(db, clock.Now, cfg.Location(), nil)
	return &stockingDemo{cfg: cfg, clock: clock, orders: orders, insight: in,
		stocking: service.NewStocking(db, in, pipe, clock.Now, cfg.Location(), cfg.Stocking)}
}

// TestDemoStockingList: on the demo, 昆山永固 (C101, orders on the
// 22nd–25th) gets a list for 12-22 sent on 12-17 (three working days
// before), of its usual SKUs only, with quantities, availability, value
// and a promise before the window.
func TestDemoStockingList(t *testing.T) {
	modeltest.Each(t, func(t *testing.T, db *gorm.DB) {
		x := newStockingDemo(t, db)
		ctx := context.Background()
		l, err := x.stocking.List(ctx, "c101")
		if err != nil {
			t.Fatal(err)
		}
		loc := x.cfg.Location()
		if l.Customer != "C101" || l.Name != "昆山永固建材有限公司" || !l.From.Equal(time.Date(2026, 12, 22, 0, 0, 0, 0, loc)) ||
			!l.To.Equal(time.Date(2026, 12, 25, 0, 0, 0, 0, loc)) || !l.SendOn.Equal(time.Date(2026, 12, 17, 0, 0, 0, 0, loc)) {
			t.Fatalf("list %s %s %s–%s send on %s", l.Customer, l.Name, l.From, l.To, l.SendOn)
		}
		usual := []string{"ANCHOR-M10", "BOLT-M12-50", "NUT-M12-LOCK", "WASHER-M10-SPR"}
		if len(l.Lines) < 2 || l.Windows < 2 {
			t.Fatalf("lines %+v over %d windows", l.Lines, l.Windows)
		}
		var value int64
		for _, ln := range l.Lines {
			if !slices.Contains(usual, ln.SKU) || ln.Qty <= 0 || ln.Name == "" || ln.PriceFen <= 0 || ln.Windows < 2 {
				t.Errorf("line %+v: not one of its usual SKUs %v, or empty", ln, usual)
			}
			value += ln.Qty * ln.PriceFen
		}
		if l.ValueFen != value || (l.PromisedAt == nil) != slices.ContainsFunc(l.Lines, func(ln service.StockingLine) bool { return ln.Short }) {
			t.Fatalf("value %d (lines %d), promised %v, lines %+v", l.ValueFen, value, l.PromisedAt, l.Lines)
		}
		if l.PromisedAt != nil && !l.PromisedAt.Before(l.From) {
			t.Fatalf("promised %s, not before the window %s", l.PromisedAt, l.From)
		}
		all, err := x.stocking.Lists(ctx)
		if err != nil {
			t.Fatal(err)
		}
		codes := make([]string, len(all))
		for i, a := range all {
			codes[i] = a.Customer
			if i > 0 && all[i-1].From.After(a.From) {
				t.Fatalf("lists not soonest first: %v", codes)
			}
		}
		if !slices.Contains(codes, "C101") {
			t.Fatalf("lists: %v", codes)
		}
		// A customer whose orders do not cluster has none.
		if _, err := x.stocking.List(ctx, "C001"); err == nil {
			t.Fatal("C001 got a stocking list")
		}
	})
}

// TestWorkdaysBefore: weekends are skipped.
func TestWorkdaysBefore(t *testing.T) {
	for _, tc := range []struct{ day, want string }{
		{"2026-12-22", "2026-12-17"}, // Tue → Thu before
		{"2026-12-21", "2026-12-16"}, // Mon → Wed
		{"2026-12-25", "2026-12-22"}, // Fri → Tue
		{"2026-12-27", "2026-12-23"}, // Sun → Wed
	} {
		d, _ := time.Parse(time.DateOnly, tc.day)
		if got := service.WorkdaysBefore(d, 3, nil).Format(time.DateOnly); got != tc.want {
			t.Errorf("3 working days before %s = %s, want %s", tc.day, got, tc.want)
		}
	}
}
