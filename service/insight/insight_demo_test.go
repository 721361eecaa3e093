package insight_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"gorm.io/gorm"

	"orderhub/config"
	"orderhub/internal/demo"
	"orderhub/internal/redislock"
	"orderhub/internal/testclock"
	"orderhub/model"
	"orderhub/model/modeltest"
	"orderhub/service"
	"orderhub/service/catalog"
	"orderhub/service/insight"
)

// demoTermDays is how much of the demo's history TestDemoRemarkTerms seeds
// and reads: every remark of the demo comes up in four weeks.
const demoTermDays = 28

// demoTermClock is the clock of TestDemoRemarkTerms: 2026-11-24 09:30 in
// Shanghai.
var demoTermClock = time.Date(2026, 11, 24, 1, 30, 0, 0, time.UTC)

// TestDemoRemarkTerms seeds the demo company and demoTermDays of its
// history and checks that the remark terms are, to every count, week and
// example, what the insight answered when it held gse's whole dictionary
// (same data, same clock).
func TestDemoRemarkTerms(t *testing.T) {
	cfg := config.Default()
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	whole, err := insight.WholeDictionary(insight.DefaultRemarkTerms)
	if err != nil {
		t.Fatal(err)
	}
	modeltest.Each(t, func(t *testing.T, db *gorm.DB) {
		ctx := context.Background()
		rdb, prefix := modeltest.Redis(t)
		log := modeltest.Log()
		pipe := service.NewPipeline(cfg)
		clock := testclock.New(demoTermClock).Now
		cat := catalog.NewCatalog(db, cfg.Roles)
		stock := service.NewStock(db, clock)
		orders := service.NewOrders(db, redislock.New(rdb, prefix, time.Second, time.Second, log), pipe, clock, cfg.Location(), log, service.NewMetrics(prometheus.NewRegistry()))
		tickets := service.NewTickets(db, pipe, clock, cfg.Location(), cfg.Roles)
		if _, err := demo.NewCompany(db, cat, stock, orders, clock).Seed(ctx); err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		if _, err := demo.NewHistory(db, cat, orders, tickets, clock, cfg.Location()).Seed(ctx, demoTermDays); err != nil {
			t.Fatal(err)
		}
		t.Logf("history seeded in %s", time.Since(start))
		var remarks []string
		if err := db.Model(&model.Order{}).Distinct("remark").Where("remark <> ''").Pluck("remark", &remarks).Error; err != nil {
			t.Fatal(err)
		}
		if len(remarks) < 15 {
			t.Fatalf("the history has %d distinct remarks: %q", len(remarks), remarks)
		}
		answer := func(in *insight.Insight) string {
			t.Helper()
			terms, err := in.Remarks(ctx, demoTermDays)
			if err != nil {
				t.Fatal(err)
			}
			lines := make([]string, len(terms))
			for i, rt := range terms {
				lines[i] = fmt.Sprintf("%s %v %d %v %v", rt.Term, rt.Known, rt.Count, rt.Weeks, rt.Examples)
			}
			return strings.Join(lines, "\n")
		}
		got := answer(insight.NewInsight(db, clock, cfg.Location(), nil))
		want := answer(insight.InsightWith(insight.NewInsight(db, clock, cfg.Location(), nil), whole))
		if got != want {
			t.Errorf("terms:\n%s\nwith the whole dictionary:\n%s", got, want)
		}
		// What the demo's remarks say: the configured terms first, then
		// new terms the segmenter found in them, phrases whole (周末不收,
		// not 周末 and 不收), no filler (需要, 请加, 送到, 包好, 二号, 两次).
		for _, term := range []string{"防潮膜 true", "产线停工待料 false", "贴标签 false", "周末不收 false", "雨天不送 false", "核对规格 false"} {
			if !strings.Contains(want, "\n"+term) && !strings.HasPrefix(want, term) {
				t.Errorf("no %q in\n%s", term, want)
			}
		}
		for _, line := range strings.Split(want, "\n") {
			term, _, _ := strings.Cut(line, " ")
			switch term {
			case "需要", "请加", "送到", "包好", "二号", "两次", "周末", "不收", "上次", "也":
				t.Errorf("filler or half a phrase %q in\n%s", term, want)
			}
		}
	})
}
