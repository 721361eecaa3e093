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
	"orderhub/internal/redislock"
	"orderhub/internal/testclock"
	"orderhub/model"
	"orderhub/model/modeltest"
	"orderhub/service"
)

// BenchmarkEscalationScan measures what one escalation scan costs with a
// million orders in the database and a thousand due (issue 6, item 7). It
// runs on MariaDB/MySQL when ORDERHUB_TEST_MYSQL_DSN is set, else SQLite;
// only under -bench, never in go test ./...:
//
//	go test ./service -run '^$' -bench EscalationScan -benchtime 20x
//
// Sub-benchmarks, in one run so their ratios can be compared on a shared
// machine: find (what a scan reads to find the 1000 due), find-none-due
// (the same a minute before anything is due), naive (one query a scanner
// without the stage-entry index would run: every order past its SLA in a
// working stage), and arm+fire-1000 (the whole scan: arming, a ticket and
// a push for each of the 1000).
func BenchmarkEscalationScan(b *testing.B) {
	var db *gorm.DB
	if modeltest.MySQLDSN() != "" {
		db = modeltest.MySQL(b)
	} else {
		db = modeltest.SQLite(b)
	}
	ctx := context.Background()
	cfg := config.Default()
	cfg.Escalation.GroupOver = 1 << 20
	if err := cfg.Validate(); err != nil {
		b.Fatal(err)
	}
	now := time.Date(2026, 11, 24, 8, 0, 0, 0, time.UTC)
	clock := testclock.New(now)
	rdb, prefix := modeltest.Redis(b)
	log := modeltest.Log()
	pipe := service.NewPipeline(cfg)
	orders := service.NewOrders(db, redislock.New(rdb, prefix, time.Second, time.Second, log), pipe, clock.Now, cfg.Location(), log, service.NewMetrics(prometheus.NewRegistry()))
	catalog := service.NewCatalog(db, cfg.Roles)
	must(catalog.CreateWarehouse(ctx, service.WarehouseInput{Code: "A", Name: "上海仓", Priority: 1}))
	must(catalog.CreateCustomer(ctx, service.CustomerInput{Code: "C1", Name: "宏达机电", Address: "上海市嘉定区安亭镇"}))
	must(catalog.CreateStaff(ctx, service.StaffInput{UserID: "cslead", Name: "吴华", Roles: []string{"cs_lead"}}))
	tickets := service.NewTickets(db, pipe, clock.Now, cfg.Location(), cfg.Roles)
	esc := service.NewEscalator(db, orders, tickets, cfg.Escalation, clock.Now, cfg.Location(), log)

	const total, due, working = 1_000_000, 1000, 10_000
	start := time.Now()
	seedOrders(b, db, now, total, due, working)
	b.Logf("seeded %d orders (%d due, %d more in working stages, the rest delivered) in %s", total, due, working, time.Since(start).Round(time.Millisecond))

	b.Run("find", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			n, err := esc.Due(ctx)
			if err != nil || n != due {
				b.Fatalf("due = %d, %v; want %d", n, err, due)
			}
		}
	})
	b.Run("find-none-due", func(b *testing.B) {
		clock.Add(-2 * time.Hour)
		defer clock.Add(2 * time.Hour)
		for i := 0; i < b.N; i++ {
			if n, err := esc.Due(ctx); err != nil || n != 0 {
				b.Fatalf("due = %d, %v; want 0", n, err)
			}
		}
	})
	b.Run("naive", func(b *testing.B) {
		// The same question without the stage indexes: the whole table.
		from := "orders NOT INDEXED"
		if model.IsMySQL(db) {
			from = "orders IGNORE INDEX (idx_orders_delivered)"
		}
		for i := 0; i < b.N; i++ {
			var ids []uint64
			err := db.Raw("SELECT id FROM "+from+" WHERE stage_entered_at <= ? AND stage <> ?", now.Add(-2*time.Hour), "delivered").
				Scan(&ids).Error
			if err != nil || len(ids) != due {
				b.Fatalf("naive = %d, %v", len(ids), err)
			}
		}
	})
	b.Run("arm+fire-1000", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			r, err := esc.Scan(ctx)
			if err != nil || r.Fired != due {
				b.Fatalf("scan: %+v, %v", r, err)
			}
			b.StopTimer()
			for _, t := range []string{"alarms", "outbox", "card_tasks", "tickets", "order_events"} {
				if err := db.Exec("DELETE FROM " + t).Error; err != nil {
					b.Fatal(err)
				}
			}
			b.StartTimer()
		}
	})
}

// seedOrders writes total orders with multi-row INSERTs: due of them in
// the first stage for 3 h (past its 2 h level), working more in picking
// for 10 minutes, the rest delivered long ago.
func seedOrders(b *testing.B, db *gorm.DB, now time.Time, total, due, working int) {
	b.Helper()
	const cols = "(no, channel, customer_id, warehouse_id, address, remark, stage, stage_entered_at, stage_due_at, fields, total_fen, created_at, updated_at)"
	const per = 1000
	row := "(?, 'api', 1, 1, '', '', ?, ?, ?, '{}', 100, ?, ?)"
	rows := strings.TrimSuffix(strings.Repeat(row+",", per), ",")
	stmt := "INSERT INTO orders " + cols + " VALUES " + rows
	args := make([]any, 0, per*6)
	for i := 0; i < total; i += per {
		args = args[:0]
		for j := i; j < i+per; j++ {
			stage, entered := "delivered", now.Add(-30*24*time.Hour-time.Duration(j)*time.Second)
			var dueAt *time.Time
			switch {
			case j < due:
				stage, entered = "submitted", now.Add(-3*time.Hour-time.Duration(j)*time.Millisecond)
				d := entered.Add(2 * time.Hour)
				dueAt = &d
			case j < due+working:
				stage, entered = "picking", now.Add(-10*time.Minute)
				d := entered.Add(4 * time.Hour)
				dueAt = &d
			}
			args = append(args, fmt.Sprintf("SO-B%07d", j), stage, entered, dueAt, entered, entered)
		}
		if err := db.Exec(stmt, args...).Error; err != nil {
			b.Fatal(err)
		}
	}
}
