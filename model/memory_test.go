package model_test

import (
	"context"
	"database/sql"
	"testing"

	"gorm.io/gorm"

	"orderhub/model"
	"orderhub/model/modeltest"
)

// TestReleaseMemory: after a bulk job, ReleaseMemory closes the SQLite
// pool's idle connections (and with them their page caches), leaves a
// connection in use alone, keeps the pool's settings, and the database
// still answers.
func TestReleaseMemory(t *testing.T) {
	modeltest.Each(t, func(t *testing.T, db *gorm.DB) {
		ctx := context.Background()
		sqlDB, err := db.DB()
		if err != nil {
			t.Fatal(err)
		}
		// Three connections at once, two of them back in the pool, idle.
		conns := make([]*sql.Conn, 3)
		for i := range conns {
			if conns[i], err = sqlDB.Conn(ctx); err != nil {
				t.Fatal(err)
			}
			if err := conns[i].PingContext(ctx); err != nil {
				t.Fatal(err)
			}
		}
		busy := conns[2]
		_ = conns[0].Close()
		_ = conns[1].Close()
		if st := sqlDB.Stats(); st.Idle != 2 || st.InUse != 1 {
			t.Fatalf("before: %d idle, %d in use; want 2 and 1", st.Idle, st.InUse)
		}

		if err := model.ReleaseMemory(ctx, db); err != nil {
			t.Fatal(err)
		}
		st := sqlDB.Stats()
		if model.IsMySQL(db) {
			// The cache is the server's: the pool is left as it was.
			if st.Idle != 2 || st.InUse != 1 {
				t.Fatalf("MySQL: %d idle, %d in use after ReleaseMemory; want the pool untouched", st.Idle, st.InUse)
			}
		} else if st.Idle != 0 || st.InUse != 1 || st.OpenConnections != 1 {
			t.Fatalf("after: %d idle, %d in use, %d open; want 0, 1, 1", st.Idle, st.InUse, st.OpenConnections)
		}
		// The connection in use still works, and so does the pool.
		if err := busy.PingContext(ctx); err != nil {
			t.Fatalf("the busy connection: %v", err)
		}
		_ = busy.Close()
		var n int64
		if err := db.Raw("SELECT COUNT(*) FROM warehouses").Scan(&n).Error; err != nil {
			t.Fatal(err)
		}
		// The pool keeps idle connections as before (its MaxIdleConns is
		// unchanged): two used at once are both kept afterwards.
		a, err := sqlDB.Conn(ctx)
		if err != nil {
			t.Fatal(err)
		}
		b, err := sqlDB.Conn(ctx)
		if err != nil {
			t.Fatal(err)
		}
		_ = a.PingContext(ctx)
		_ = b.PingContext(ctx)
		_ = a.Close()
		_ = b.Close()
		if st := sqlDB.Stats(); st.Idle < 2 {
			t.Fatalf("after reuse: %d idle connections, want at least 2", st.Idle)
		}
	})
}
