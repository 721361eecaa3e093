package movein_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	gomysql "github.com/go-sql-driver/mysql"
	"gorm.io/gorm"

	"orderhub/model/modeltest"
	"orderhub/service/movein"
	"orderhub/service/servicetest"
)

// Every import is a job run the board lists: while it reads, its rows so
// far (every 500, from Redis, since its writes are one transaction);
// finished, what it did or why nothing was written.
func TestImportRuns(t *testing.T) {
	modeltest.Each(t, func(t *testing.T, db *gorm.DB) {
		e := servicetest.NewEnv(t, db)
		rdb, prefix := modeltest.Redis(t)
		im := movein.NewImports(db, e.Clock.Now, e.Cfg.Roles).WithProgress(rdb, prefix)
		ctx := context.Background()
		rows := [][]string{{"SKU", "品名"}}
		for i := 0; i < 1200; i++ {
			rows = append(rows, []string{fmt.Sprintf("P-%04d", i), "商品"})
		}
		var during []movein.ImportRun
		sheet := &servicetest.Sheet{Rows: rows, At: func(n int) {
			if n == 1100 {
				during = servicetest.Must(im.Runs(ctx, 5))
			}
		}}
		res, err := im.Import(ctx, "products", sheet)
		if err != nil || res.Created != 1200 {
			t.Fatalf("import = %+v, %v", res, err)
		}
		if len(during) != 1 || !during[0].Running || during[0].Rows != 1000 || during[0].Kind != "products" {
			t.Errorf("while reading row 1100: %+v", during)
		}
		_, err = im.Import(ctx, "products", &servicetest.Sheet{Rows: [][]string{{"SKU", "品名"}, {"", "缺 SKU"}}})
		var bad *movein.InvalidRowsError
		if !errors.As(err, &bad) {
			t.Fatalf("bad file = %v", err)
		}
		runs := servicetest.Must(im.Runs(ctx, 5))
		if len(runs) != 2 || runs[0].Running || !strings.HasPrefix(runs[0].Result, "有错，未导入") ||
			runs[1].Running || runs[1].FinishedAt == nil || runs[1].Result != "完成：1200 行，新建 1200，更新 0，不变 0" {
			t.Errorf("runs = %+v", runs)
		}
	})
}

// An import whose transaction the database refuses once (a deadlock) is
// run again from the rows already read, by a fresh importer: every row
// written once, the counts those of the attempt that committed. Before,
// the retry read the spent sheet again (no rows) and re-applied the first
// attempt's rows with its counts still in: an update counted twice.
func TestImportRetriedAfterDeadlock(t *testing.T) {
	modeltest.Each(t, func(t *testing.T, db *gorm.DB) {
		e := servicetest.NewEnv(t, db)
		im := movein.NewImports(db, e.Clock.Now, e.Cfg.Roles)
		if _, err := im.Import(context.Background(), "products", &servicetest.Sheet{Rows: [][]string{{"SKU", "品名"}, {"R-1", "旧名"}}}); err != nil {
			t.Fatal(err)
		}
		refused := false
		if err := db.Callback().Create().Before("gorm:create").Register("test:deadlock-once", func(tx *gorm.DB) {
			if tx.Statement.Table == "products" && !refused {
				refused = true
				_ = tx.AddError(&gomysql.MySQLError{Number: 1213, Message: "Deadlock found when trying to get lock (test)"})
			}
		}); err != nil {
			t.Fatal(err)
		}
		rows := [][]string{{"SKU", "品名"}, {"R-1", "甲"}, {"R-2", "乙"}, {"R-3", "丙"}}
		res, err := im.Import(context.Background(), "products", &servicetest.Sheet{Rows: rows})
		if err != nil || !refused {
			t.Fatalf("import = %+v, %v (refused once: %v)", res, err, refused)
		}
		if res.Rows != 3 || res.Created != 2 || res.Updated != 1 {
			t.Errorf("result %+v, want 3 rows: 1 updated (R-1 renamed), 2 created", res)
		}
		var n int64
		db.Table("products").Where("sku LIKE ?", "R-%").Count(&n)
		if n != 3 {
			t.Errorf("%d products R-*, want 3", n)
		}
	})
}
