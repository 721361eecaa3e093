package insight_test

import (
	"context"
	"testing"
	"time"

	"github.com/go-ego/gse"
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

// BenchmarkInsight prices one Remarks and one Calendar call over the demo's
// 90 days of history (SQLite, or MariaDB with ORDERHUB_TEST_MYSQL_DSN):
//
//   - remarks: as served, a segmenter of the remarks' words built per call,
//     then the memory released;
//   - remarks-keep: the same without the release;
//   - remarks-whole: with gse's whole dictionary loaded once and held, as
//     before (its 1–2 s load not counted);
//   - calendar, calendar-keep: the purchase calendar with and without the
//     release.
//
// go test ./service -run '^$' -bench Insight -benchtime 20x
func BenchmarkInsight(b *testing.B) {
	run := func(b *testing.B, db *gorm.DB) {
		ctx := context.Background()
		cfg := config.Default()
		if err := cfg.Validate(); err != nil {
			b.Fatal(err)
		}
		rdb, prefix := modeltest.Redis(b)
		log := modeltest.Log()
		pipe := service.NewPipeline(cfg)
		clock := testclock.New(demoTermClock).Now
		cat := catalog.NewCatalog(db, cfg.Roles)
		orders := service.NewOrders(db, redislock.New(rdb, prefix, time.Second, time.Second, log), pipe, clock, cfg.Location(), log, service.NewMetrics(prometheus.NewRegistry()))
		tickets := service.NewTickets(db, pipe, clock, cfg.Location(), cfg.Roles)
		if _, err := demo.NewCompany(db, cat, service.NewStock(db, clock), orders, clock).Seed(ctx); err != nil {
			b.Fatal(err)
		}
		if _, err := demo.NewHistory(db, cat, orders, tickets, clock, cfg.Location()).Seed(ctx, 90); err != nil {
			b.Fatal(err)
		}
		whole, err := insight.WholeDictionary(insight.DefaultRemarkTerms)
		if err != nil {
			b.Fatal(err)
		}
		newInsight := func(keep bool, seg *gse.Segmenter) *insight.Insight {
			in := insight.NewInsight(db, clock, cfg.Location(), nil)
			if keep {
				insight.KeepInsightMemory(in)
			}
			if seg != nil {
				insight.InsightWith(in, seg)
			}
			return in
		}
		remarks := func(in *insight.Insight) func(b *testing.B) {
			return func(b *testing.B) {
				for i := 0; i < b.N; i++ {
					if terms, err := in.Remarks(ctx, 90); err != nil || len(terms) == 0 {
						b.Fatal(len(terms), err)
					}
				}
			}
		}
		calendar := func(in *insight.Insight) func(b *testing.B) {
			return func(b *testing.B) {
				for i := 0; i < b.N; i++ {
					if cals, err := in.Calendar(ctx, "", 90); err != nil || len(cals) == 0 {
						b.Fatal(len(cals), err)
					}
				}
			}
		}
		b.Run("remarks", remarks(newInsight(false, nil)))
		b.Run("remarks-keep", remarks(newInsight(true, nil)))
		b.Run("remarks-whole", remarks(newInsight(true, whole)))
		b.Run("calendar", calendar(newInsight(false, nil)))
		b.Run("calendar-keep", calendar(newInsight(true, nil)))
	}
	b.Run("sqlite", func(b *testing.B) { run(b, modeltest.SQLite(b)) })
	if modeltest.MySQLDSN() != "" {
		b.Run("mysql", func(b *testing.B) { run(b, modeltest.MySQL(b)) })
	}
}
