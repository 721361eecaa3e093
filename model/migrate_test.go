package model_test

import (
	"context"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/schema"

	"orderhub/model"
	"orderhub/model/modeltest"
)

// TestMigrationsBuildEveryColumn fails when a model gains a field that no
// migration creates.
func TestMigrationsBuildEveryColumn(t *testing.T) {
	modeltest.Each(t, func(t *testing.T, db *gorm.DB) {
		m := db.Migrator()
		for _, mod := range model.Models() {
			s, err := schema.Parse(mod, &sync.Map{}, db.NamingStrategy)
			if err != nil {
				t.Fatal(err)
			}
			if !m.HasTable(mod) {
				t.Errorf("table %s missing", s.Table)
				continue
			}
			for _, f := range s.Fields {
				if f.DBName != "" && !m.HasColumn(mod, f.DBName) {
					t.Errorf("column %s.%s missing: add a migration", s.Table, f.DBName)
				}
			}
		}
		v, err := model.Version(db)
		if err != nil || v != model.LatestVersion() {
			t.Fatalf("version = %d, %v; want %d", v, err, model.LatestVersion())
		}
		// Migrating again is a no-op.
		if err := model.Migrate(context.Background(), db); err != nil {
			t.Fatal(err)
		}
	})
}

// TestUpgradeFromV1 builds a database exactly as version 1 did, puts an
// order in it, and upgrades: the order survives and gains the v2 column.
func TestUpgradeFromV1(t *testing.T) {
	run := func(t *testing.T, o model.Options) {
		ctx := context.Background()
		db := modeltest.OpenAt(t, o, 1)
		if v, _ := model.Version(db); v != 1 {
			t.Fatalf("version = %d, want 1", v)
		}
		if db.Migrator().HasColumn(&model.Order{}, "stage_due_at") {
			t.Fatal("a v1 database must not have stage_due_at yet")
		}
		entered := time.Date(2026, 11, 24, 2, 0, 0, 0, time.UTC)
		if err := db.Exec(`INSERT INTO orders (no, channel, customer_id, warehouse_id, address, remark, stage, stage_entered_at, carrier, tracking_no, fields, total_fen, created_at, updated_at)
			VALUES ('SO20261124-000001', 'api', 1, 1, '上海', '', 'picking', ?, '', '', '{}', 1200, ?, ?)`, entered, entered, entered).Error; err != nil {
			t.Fatal(err)
		}
		if err := model.Migrate(ctx, db); err != nil {
			t.Fatal(err)
		}
		if v, _ := model.Version(db); v != model.LatestVersion() {
			t.Fatalf("version = %d, want %d", v, model.LatestVersion())
		}
		if !db.Migrator().HasIndex(&model.Order{}, "idx_orders_stage_due") {
			t.Fatal("index idx_orders_stage_due missing after upgrade")
		}
		var o2 model.Order
		if err := db.Where("no = ?", "SO20261124-000001").First(&o2).Error; err != nil {
			t.Fatal(err)
		}
		if o2.Stage != "picking" || o2.TotalFen != 1200 || o2.StageDueAt != nil || !o2.StageEnteredAt.Equal(entered) {
			t.Fatalf("order after upgrade = %+v", o2)
		}
	}
	t.Run("sqlite", func(t *testing.T) {
		run(t, model.Options{SQLitePath: filepath.Join(t.TempDir(), "v1.db"), Log: modeltest.Log()})
	})
	if modeltest.MySQLDSN() != "" {
		t.Run("mysql", func(t *testing.T) {
			run(t, model.Options{MySQLDSN: modeltest.FreshMySQLDatabase(t), Log: modeltest.Log()})
		})
	}
}

// TestConcurrentMigrate starts several instances on one empty database at
// once, as a rolling deploy does.
func TestConcurrentMigrate(t *testing.T) {
	if modeltest.MySQLDSN() == "" {
		t.Skip("needs ORDERHUB_TEST_MYSQL_DSN: concurrent start-up is a MySQL deployment concern")
	}
	dsn := modeltest.FreshMySQLDatabase(t)
	var wg sync.WaitGroup
	errs := make([]error, 4)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			db := modeltest.OpenAt(t, model.Options{MySQLDSN: dsn, Log: modeltest.Log()}, 0)
			errs[i] = model.Migrate(context.Background(), db)
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("instance %d: %v", i, err)
		}
	}
}

// TestMigrateFillsGaps: versions written on parallel branches can land out
// of order; a database that has a later version but lacks an earlier one
// still gets it.
func TestMigrateFillsGaps(t *testing.T) {
	modeltest.Each(t, func(t *testing.T, db *gorm.DB) {
		if err := db.Where("version = ?", 3).Delete(&model.SchemaMigration{}).Error; err != nil {
			t.Fatal(err)
		}
		if err := model.Migrate(context.Background(), db); err != nil {
			t.Fatal(err)
		}
		var n int64
		db.Model(&model.SchemaMigration{}).Where("version = ?", 3).Count(&n)
		if n != 1 {
			t.Fatalf("version 3 applied %d times after the gap, want 1", n)
		}
	})
}
