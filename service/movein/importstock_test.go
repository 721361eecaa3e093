package movein_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"

	"gorm.io/gorm"

	"orderhub/model"
	"orderhub/model/modeltest"
	"orderhub/service/movein"
	"orderhub/service/servicetest"
)

// txRows counts, per transaction, the stock rows a statement read (and on
// MySQL locked: the import reads them FOR UPDATE) or wrote, through gorm
// callbacks on db; failAt, when set, fails the n-th insert of stock
// movements (a chunk inserts its movements in one statement).
type txRows struct {
	mu      sync.Mutex
	read    map[any]int64
	written map[any]int64
	txs     map[any]bool
	moves   int
	failAt  int
}

func watchStockTx(t *testing.T, db *gorm.DB) *txRows {
	w := &txRows{read: map[any]int64{}, written: map[any]int64{}, txs: map[any]bool{}}
	stocks := func(tx *gorm.DB) (any, bool) {
		st := tx.Statement
		if _, inTx := st.ConnPool.(gorm.TxCommitter); !inTx || !strings.Contains(st.Table, "stocks") {
			return nil, false
		}
		return st.ConnPool, true
	}
	count := func(m map[any]int64) func(tx *gorm.DB) {
		return func(tx *gorm.DB) {
			if key, ok := stocks(tx); ok && tx.Error == nil {
				w.mu.Lock()
				m[key] += tx.Statement.RowsAffected
				w.txs[key] = true
				w.mu.Unlock()
			}
		}
	}
	cb := db.Callback()
	must0 := func(err error) {
		if err != nil {
			t.Fatal(err)
		}
	}
	must0(cb.Query().After("gorm:query").Register("test:stock_read", count(w.read)))
	must0(cb.Update().After("gorm:update").Register("test:stock_update", count(w.written)))
	must0(cb.Create().After("gorm:create").Register("test:stock_create", count(w.written)))
	must0(cb.Create().Before("gorm:create").Register("test:fail_move", func(tx *gorm.DB) {
		if tx.Statement.Table != "stock_movements" {
			return
		}
		w.mu.Lock()
		defer w.mu.Unlock()
		w.moves++
		if w.failAt > 0 && w.moves == w.failAt {
			tx.AddError(errors.New("the process died here"))
		}
	}))
	return w
}

func (w *txRows) max() (read, written int64, txs int) {
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, n := range w.read {
		read = max(read, n)
	}
	for _, n := range w.written {
		written = max(written, n)
	}
	return read, written, len(w.txs)
}

func (w *txRows) reset(failAt int) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.read, w.written, w.txs, w.moves, w.failAt = map[any]int64{}, map[any]int64{}, map[any]bool{}, 0, failAt
}

// TestStockImportInChunks: a 2,000-row stock import holds at most 500
// stock rows in any one transaction, read, locked or written (before:
// every stock row locked for the whole import, which froze every order
// placement meanwhile: 3.75 s for 21,000 rows); the whole file is still
// checked before anything is written; and an import that dies part-way
// is finished by importing the same file again, each row counted once in
// the ledger.
func TestStockImportInChunks(t *testing.T) {
	modeltest.Each(t, func(t *testing.T, db *gorm.DB) {
		e := servicetest.NewEnv(t, db)
		e.World(t)
		im := movein.NewImports(db, e.Clock.Now, e.Cfg.Roles)
		ctx := context.Background()
		const n = 2000
		products := [][]string{{"SKU", "品名"}}
		stock := func(base int) [][]string {
			rows := [][]string{{"仓库编码", "SKU", "库存数量"}}
			for i := 0; i < n; i++ {
				rows = append(rows, []string{"A", fmt.Sprintf("CHUNK-%04d", i), fmt.Sprint(base + i%7)})
			}
			return rows
		}
		for i := 0; i < n; i++ {
			products = append(products, []string{fmt.Sprintf("CHUNK-%04d", i), "分块测试商品"})
		}
		if _, err := im.Import(ctx, "products", &servicetest.Sheet{Rows: products}); err != nil {
			t.Fatal(err)
		}
		w := watchStockTx(t, db)

		res, err := im.Import(ctx, "stock", &servicetest.Sheet{Rows: stock(10)})
		if err != nil || res.Created != n {
			t.Fatalf("first stock import = %+v, %v", res, err)
		}
		read, written, txs := w.max()
		if read > 500 || written > 500 || txs < n/500 {
			t.Errorf("stock import: at most %d rows read and %d written in one transaction, %d transactions; want at most 500 each, at least %d transactions", read, written, txs, n/500)
		}

		// A bad row at the end: nothing written, not even the first chunks.
		bad := stock(20)
		bad = append(bad, []string{"A", "NO-SUCH-SKU", "1"})
		w.reset(0)
		var rows *movein.InvalidRowsError
		if _, err := im.Import(ctx, "stock", &servicetest.Sheet{Rows: bad}); !errors.As(err, &rows) {
			t.Fatalf("a file with a bad last row = %v, want InvalidRowsError", err)
		}
		if _, written, _ := w.max(); written != 0 {
			t.Errorf("a refused file wrote %d stock rows", written)
		}

		// The process dies in the third chunk; the same file again
		// finishes the job.
		w.reset(3) // the third chunk's ledger insert
		if _, err := im.Import(ctx, "stock", &servicetest.Sheet{Rows: stock(20)}); err == nil || !strings.Contains(err.Error(), "died") {
			t.Fatalf("import dying in chunk 3 = %v", err)
		}
		var done int64
		db.Model(&model.Stock{}).Joins("JOIN products ON products.id = stocks.product_id").Where("products.sku LIKE ? AND stocks.on_hand >= 20", "CHUNK-%").Count(&done)
		if done != 1000 {
			t.Errorf("after dying in chunk 3: %d rows applied, want the 1,000 of the first two chunks", done)
		}
		w.reset(0)
		res, err = im.Import(ctx, "stock", &servicetest.Sheet{Rows: stock(20)})
		if err != nil || res.Updated != n-1000 || res.Unchanged != 1000 {
			t.Fatalf("the same file again = %+v, %v; want 1,000 updated and 1,000 unchanged", res, err)
		}
		type sum struct {
			OnHand, Moved int64
		}
		var sums []sum
		if err := db.Raw(`SELECT s.on_hand AS on_hand, (SELECT COALESCE(SUM(m.delta_on_hand), 0) FROM stock_movements m
			WHERE m.warehouse_id = s.warehouse_id AND m.product_id = s.product_id) AS moved
			FROM stocks s JOIN products p ON p.id = s.product_id WHERE p.sku LIKE 'CHUNK-%'`).Scan(&sums).Error; err != nil {
			t.Fatal(err)
		}
		for i, s := range sums {
			if s.OnHand < 20 || s.OnHand != s.Moved {
				t.Fatalf("stock %d: on hand %d, ledger sums to %d", i, s.OnHand, s.Moved)
			}
		}
		if len(sums) != n {
			t.Errorf("%d stock rows, want %d", len(sums), n)
		}
	})
}

// TestImportKeysDifferingInCase: staff ids and channel aliases that
// differ only in case or accents are different keys, imported without an
// error on every database (before: a 500 on MariaDB, whose collation
// took them for duplicates).
func TestImportKeysDifferingInCase(t *testing.T) {
	modeltest.Each(t, func(t *testing.T, db *gorm.DB) {
		e := servicetest.NewEnv(t, db)
		im := movein.NewImports(db, e.Clock.Now, e.Cfg.Roles)
		ctx := context.Background()
		staff := [][]string{{"企业微信账号", "姓名"}, {"wang", "王一"}, {"WANG", "王二"}, {"wäng", "王三"}}
		if res, err := im.Import(ctx, "staff", &servicetest.Sheet{Rows: staff}); err != nil || res.Created != 3 {
			t.Fatalf("staff wang/WANG/wäng = %+v, %v", res, err)
		}
		products := [][]string{{"SKU", "品名", "渠道别名"}, {"P-1", "一", "pos:pos-ab-7"}, {"P-2", "二", "pos:POS-AB-7"}, {"P-3", "三", "pos:pös-ab-7"}}
		if res, err := im.Import(ctx, "products", &servicetest.Sheet{Rows: products}); err != nil || res.Created != 3 {
			t.Fatalf("aliases pos-ab-7/POS-AB-7/pös-ab-7 = %+v, %v", res, err)
		}
		var n int64
		db.Model(&model.ProductAlias{}).Where("alias = ?", "POS-AB-7").Count(&n)
		if n != 1 {
			t.Errorf("alias POS-AB-7: %d rows, want 1", n)
		}
	})
}
