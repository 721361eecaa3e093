package service_test

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
	"orderhub/model/modeltest"
	"orderhub/service"
)

// demoTermDays is how much of the demo's history TestDemoRemarkTerms seeds
// and reads: every remark of the demo comes up in four weeks.
const demoTermDays = 28

// demoTerms is what Remarks answered for demoTermDays of the demo's history
// (seeded at demoTermClock) with the default terms, recorded with the
// segmenter that loaded gse's whole zh_s dictionary (main at 5fb4dac):
// term, known, count, weeks, examples.
var demoTerms = []string{
	"防潮膜 true 687 [88 146 197 256] [SO20261124-000021 SO20261124-000005 SO20261124-000016]",
	"禁用胶带 true 456 [71 105 131 149] [SO20261124-000021 SO20261124-000010 SO20261124-000014]",
	"加急 true 320 [52 54 112 102] [SO20261124-000006 SO20261123-000210 SO20261123-000041]",
	"单独包装 true 248 [30 58 54 106] [SO20261124-000029 SO20261124-000011 SO20261124-000015]",
	"卸货平台 true 241 [33 48 68 92] [SO20261124-000037 SO20261124-000019 SO20261123-000147]",
	"送货前电话 true 233 [29 57 62 85] [SO20261124-000031 SO20261123-000261 SO20261123-000319]",
	"质检报告 true 216 [39 50 57 70] [SO20261124-000012 SO20261123-000051 SO20261123-000044]",
	"发票随货 true 212 [33 51 54 74] [SO20261124-000013 SO20261124-000020 SO20261123-000195]",
	"木托 true 209 [30 28 72 79] [SO20261124-000026 SO20261124-000027 SO20261123-000055]",
	"工作日送货 true 0 [0 0 0 0] []",
	"产线 false 320 [52 54 112 102] [SO20261124-000006 SO20261123-000210 SO20261123-000041]",
	"停工待料 false 320 [52 54 112 102] [SO20261124-000006 SO20261123-000210 SO20261123-000041]",
	"两次 false 260 [31 47 62 120] [SO20261124-000034 SO20261124-000017 SO20261123-000186]",
	"贴标签 false 248 [30 58 54 106] [SO20261124-000029 SO20261124-000011 SO20261124-000015]",
	"二号 false 241 [33 48 68 92] [SO20261124-000037 SO20261124-000019 SO20261123-000147]",
	"送到 false 241 [33 48 68 92] [SO20261124-000037 SO20261124-000019 SO20261123-000147]",
	"不收 false 236 [27 60 62 87] [SO20261124-000022 SO20261123-000238 SO20261123-000311]",
	"周末 false 236 [27 60 62 87] [SO20261124-000022 SO20261123-000238 SO20261123-000311]",
	"核对 false 236 [36 48 70 82] [SO20261124-000018 SO20261123-000388 SO20261123-000251]",
	"白天 false 236 [27 60 62 87] [SO20261124-000022 SO20261123-000238 SO20261123-000311]",
	"规格 false 236 [36 48 70 82] [SO20261124-000018 SO20261123-000388 SO20261123-000251]",
	"不送 false 235 [26 51 65 93] [SO20261123-000372 SO20261123-000242 SO20261123-000383]",
	"包好 false 235 [26 51 65 93] [SO20261123-000372 SO20261123-000242 SO20261123-000383]",
	"打包带 false 235 [32 54 74 75] [SO20261124-000010 SO20261124-000014 SO20261123-000212]",
	"雨天 false 235 [26 51 65 93] [SO20261123-000372 SO20261123-000242 SO20261123-000383]",
	"仓库 false 233 [29 57 62 85] [SO20261124-000031 SO20261123-000261 SO20261123-000319]",
	"优先 false 233 [30 56 65 82] [SO20261124-000040 SO20261123-000217 SO20261123-000322]",
	"安排 false 233 [30 56 65 82] [SO20261124-000040 SO20261123-000217 SO20261123-000322]",
	"急用 false 233 [30 56 65 82] [SO20261124-000040 SO20261123-000217 SO20261123-000322]",
	"收货 false 233 [29 57 62 85] [SO20261124-000031 SO20261123-000261 SO20261123-000319]",
}

// demoTermClock is the clock of TestDemoRemarkTerms: 2026-11-24 09:30 in
// Shanghai.
var demoTermClock = time.Date(2026, 11, 24, 1, 30, 0, 0, time.UTC)

// TestDemoRemarkTerms seeds the demo company and demoTermDays of its
// history and checks that the remark terms are, to every count, week and
// example, what they were when the insight held gse's whole dictionary.
func TestDemoRemarkTerms(t *testing.T) {
	modeltest.Each(t, func(t *testing.T, db *gorm.DB) {
		ctx := context.Background()
		cfg := config.Default()
		if err := cfg.Validate(); err != nil {
			t.Fatal(err)
		}
		rdb, prefix := modeltest.Redis(t)
		log := modeltest.Log()
		pipe := service.NewPipeline(cfg)
		clock := testclock.New(demoTermClock).Now
		catalog := service.NewCatalog(db, cfg.Roles)
		stock := service.NewStock(db, clock)
		orders := service.NewOrders(db, redislock.New(rdb, prefix, time.Second, time.Second, log), pipe, clock, cfg.Location(), log, service.NewMetrics(prometheus.NewRegistry()))
		tickets := service.NewTickets(db, pipe, clock, cfg.Location(), cfg.Roles)
		if _, err := demo.NewCompany(db, catalog, stock, orders, clock).Seed(ctx); err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		if _, err := demo.NewHistory(db, catalog, orders, tickets, clock, cfg.Location()).Seed(ctx, demoTermDays); err != nil {
			t.Fatal(err)
		}
		t.Logf("history seeded in %s", time.Since(start))
		terms, err := service.NewInsight(db, clock, cfg.Location(), cfg.Dashboard.RemarkTerms).Remarks(ctx, demoTermDays)
		if err != nil {
			t.Fatal(err)
		}
		got := make([]string, len(terms))
		for i, rt := range terms {
			got[i] = fmt.Sprintf("%s %v %d %v %v", rt.Term, rt.Known, rt.Count, rt.Weeks, rt.Examples)
		}
		if strings.Join(got, "\n") != strings.Join(demoTerms, "\n") {
			t.Errorf("terms:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(demoTerms, "\n"))
		}
	})
}
