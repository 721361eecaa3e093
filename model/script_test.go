package model_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"gorm.io/gorm"

	"orderhub/model"
	"orderhub/model/modeltest"
)

// TestScript: statements sent together report each its own rows and first
// insert id; an error stops the script there and rolls back what the
// statements before it did; COMMIT happens only when fn succeeds; and the
// connection goes back to the pool outside any transaction.
func TestScript(t *testing.T) {
	if modeltest.MySQLDSN() == "" {
		// Scripts are MySQL's; on SQLite InScript refuses.
		db := modeltest.SQLite(t)
		if err := model.InScript(context.Background(), db, func(*model.Script) error { return nil }); err == nil {
			t.Fatal("InScript on SQLite: no error")
		}
		return
	}
	db := modeltest.MySQL(t)
	sqlDB, _ := db.DB()
	sqlDB.SetMaxOpenConns(1) // every statement below runs on the one connection
	ctx := context.Background()
	now := time.Now().UTC()
	products := []model.Product{
		{SKU: "A-1", Name: "甲", PriceFen: 100, Active: true, CreatedAt: now, UpdatedAt: now},
		{SKU: "A-2", Name: "乙", PriceFen: 200, Active: true, CreatedAt: now, UpdatedAt: now},
		{SKU: "A-3", Name: "丙", PriceFen: 300, Active: true, CreatedAt: now, UpdatedAt: now},
	}

	t.Run("ids and counts", func(t *testing.T) {
		ins, err := model.InsertStmts(db, &products, 2)
		if err != nil {
			t.Fatal(err)
		}
		if len(ins) != 2 {
			t.Fatalf("3 rows at 2 a statement: %d statements", len(ins))
		}
		var res []model.StmtResult
		err = model.InScript(ctx, db, func(s *model.Script) error {
			res, err = s.Exec(append(ins, model.Stmt{SQL: "UPDATE products SET price_fen = price_fen + ? WHERE sku IN (?, ?)", Args: []any{1, "A-1", "A-3"}})...)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		var got []model.Product
		db.Order("id").Find(&got)
		if len(got) != 3 || len(res) != 3 {
			t.Fatalf("rows %d, results %d", len(got), len(res))
		}
		if res[0].RowsAffected != 2 || res[1].RowsAffected != 1 || res[2].RowsAffected != 2 {
			t.Fatalf("affected %+v", res)
		}
		if uint64(res[0].InsertID) != got[0].ID || uint64(res[0].InsertID)+1 != got[1].ID || uint64(res[1].InsertID) != got[2].ID {
			t.Fatalf("insert ids %+v, rows %d %d %d", res, got[0].ID, got[1].ID, got[2].ID)
		}
		if got[0].PriceFen != 101 || got[1].PriceFen != 200 || got[2].PriceFen != 301 {
			t.Fatalf("prices %d %d %d", got[0].PriceFen, got[1].PriceFen, got[2].PriceFen)
		}
	})

	t.Run("an error stops the script and rolls back", func(t *testing.T) {
		err := model.InScript(ctx, db, func(s *model.Script) error {
			_, err := s.Exec(
				model.Stmt{SQL: "UPDATE products SET price_fen = 1 WHERE sku = ?", Args: []any{"A-1"}},
				model.Stmt{SQL: "INSERT INTO products (sku, name, price_fen, active, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)", Args: []any{"A-2", "重复", 1, true, now, now}},
				model.Stmt{SQL: "UPDATE products SET price_fen = 2 WHERE sku = ?", Args: []any{"A-3"}},
			)
			return err
		})
		if !errors.Is(err, gorm.ErrDuplicatedKey) {
			t.Fatalf("duplicate SKU: %v, want gorm.ErrDuplicatedKey", err)
		}
		var got []model.Product
		db.Order("id").Find(&got)
		if got[0].PriceFen != 101 || got[2].PriceFen != 301 {
			t.Fatalf("after the failed script: prices %d, %d", got[0].PriceFen, got[2].PriceFen)
		}
	})

	t.Run("fn's error rolls back", func(t *testing.T) {
		refused := errors.New("refused")
		err := model.InScript(ctx, db, func(s *model.Script) error {
			res, err := s.Exec(model.Stmt{SQL: "UPDATE products SET price_fen = 7 WHERE sku = ?", Args: []any{"A-1"}})
			if err != nil || res[0].RowsAffected != 1 {
				t.Fatalf("%v %+v", err, res)
			}
			return refused
		})
		if err != refused {
			t.Fatalf("err %v", err)
		}
		var p model.Product
		db.Where("sku = ?", "A-1").Take(&p)
		if p.PriceFen != 101 {
			t.Fatalf("price %d after a refused script", p.PriceFen)
		}
	})

	// The one pooled connection is not left inside a transaction: a plain
	// write commits on its own and is seen from another connection.
	if err := db.Exec("UPDATE products SET price_fen = 5 WHERE sku = ?", "A-2").Error; err != nil {
		t.Fatal(err)
	}
	var inTx int
	db.Raw("SELECT @@in_transaction").Scan(&inTx)
	if inTx != 0 {
		t.Fatal("the pooled connection was left in a transaction")
	}
}

// TestFindAll: several look-ups in one go, each into its own slice, an
// empty one among them, in the order asked, on both databases.
func TestFindAll(t *testing.T) {
	modeltest.Each(t, func(t *testing.T, db *gorm.DB) {
		now := time.Now().UTC()
		ps := []model.Product{
			{SKU: "B-1", Name: "乙一", Active: true, CreatedAt: now, UpdatedAt: now},
			{SKU: "B-2", Name: "乙二", Active: true, CreatedAt: now, UpdatedAt: now},
			{SKU: "B-3", Name: "乙三", Active: false, CreatedAt: now, UpdatedAt: now},
		}
		ws := []model.Warehouse{{Code: "W1", Name: "一号仓", Priority: 1}, {Code: "W2", Name: "二号仓", Priority: 9}}
		for _, rows := range []any{&ps, &ws} {
			if err := db.Create(rows).Error; err != nil {
				t.Fatal(err)
			}
		}
		// (Created true: gorm leaves a zero value to the column's default.)
		if err := db.Model(&model.Product{}).Where("sku = ?", "B-3").Update("active", false).Error; err != nil {
			t.Fatal(err)
		}
		var active, none, all []model.Product
		var byPriority []model.Warehouse
		err := model.FindAll(context.Background(), db,
			model.Lookup{Query: db.Where("active = ? AND sku IN ?", true, []string{"B-1", "B-2", "B-3"}).Order("id"), Into: &active},
			model.Lookup{Query: db.Where("sku = ?", "nope"), Into: &none},
			model.Lookup{Query: db.Order("priority DESC"), Into: &byPriority},
			model.Lookup{Query: db.Order("id DESC"), Into: &all},
		)
		if err != nil {
			t.Fatal(err)
		}
		if len(active) != 2 || active[0].SKU != "B-1" || active[1].SKU != "B-2" || active[1].Name != "乙二" {
			t.Errorf("active %+v", active)
		}
		if len(none) != 0 {
			t.Errorf("none %+v", none)
		}
		if len(byPriority) != 2 || byPriority[0].Code != "W2" {
			t.Errorf("warehouses %+v", byPriority)
		}
		if len(all) != 3 || all[0].SKU != "B-3" || all[0].Active {
			t.Errorf("all %+v", all)
		}
		// A bad query fails the whole look-up.
		var x []model.Product
		if err := model.FindAll(context.Background(), db, model.Lookup{Query: db.Where("no_such_column = 1"), Into: &x}); err == nil {
			t.Error("a query on a missing column: no error")
		}
	})
}
