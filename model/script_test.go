package model_test

import (
	"context"
	"encoding/json"
	"errors"
	"regexp"
	"strings"
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
	keys := []model.IdempotencyKey{
		{Scope: "s", Key: "A-1", RequestHash: "h", OrderID: 100, CreatedAt: now},
		{Scope: "s", Key: "A-2", RequestHash: "h", OrderID: 200, CreatedAt: now},
		{Scope: "s", Key: "A-3", RequestHash: "h", OrderID: 300, CreatedAt: now},
	}

	t.Run("ids and counts", func(t *testing.T) {
		ins, err := model.InsertStmts(db, &keys, 2)
		if err != nil {
			t.Fatal(err)
		}
		if len(ins) != 2 {
			t.Fatalf("3 rows at 2 a statement: %d statements", len(ins))
		}
		var res []model.StmtResult
		err = model.InScript(ctx, db, func(s *model.Script) error {
			res, err = s.Exec(append(ins, model.Stmt{SQL: "UPDATE idempotency_keys SET order_id = order_id + ? WHERE `key` IN (?, ?)", Args: []any{1, "A-1", "A-3"}})...)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		var got []model.IdempotencyKey
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
		if got[0].OrderID != 101 || got[1].OrderID != 200 || got[2].OrderID != 301 {
			t.Fatalf("order ids %d %d %d", got[0].OrderID, got[1].OrderID, got[2].OrderID)
		}
	})

	t.Run("an error stops the script and rolls back", func(t *testing.T) {
		err := model.InScript(ctx, db, func(s *model.Script) error {
			_, err := s.Exec(
				model.Stmt{SQL: "UPDATE idempotency_keys SET order_id = 1 WHERE `key` = ?", Args: []any{"A-1"}},
				model.Stmt{SQL: "INSERT INTO idempotency_keys (scope, `key`, request_hash, order_id, created_at) VALUES (?, ?, ?, ?, ?)", Args: []any{"s", "A-2", "重复", 1, now}},
				model.Stmt{SQL: "UPDATE idempotency_keys SET order_id = 2 WHERE `key` = ?", Args: []any{"A-3"}},
			)
			return err
		})
		if !errors.Is(err, gorm.ErrDuplicatedKey) {
			t.Fatalf("duplicate key: %v, want gorm.ErrDuplicatedKey", err)
		}
		var got []model.IdempotencyKey
		db.Order("id").Find(&got)
		if got[0].OrderID != 101 || got[2].OrderID != 301 {
			t.Fatalf("after the failed script: order ids %d, %d", got[0].OrderID, got[2].OrderID)
		}
	})

	t.Run("fn's error rolls back", func(t *testing.T) {
		refused := errors.New("refused")
		err := model.InScript(ctx, db, func(s *model.Script) error {
			res, err := s.Exec(model.Stmt{SQL: "UPDATE idempotency_keys SET order_id = 7 WHERE `key` = ?", Args: []any{"A-1"}})
			if err != nil || res[0].RowsAffected != 1 {
				t.Fatalf("%v %+v", err, res)
			}
			return refused
		})
		if err != refused {
			t.Fatalf("err %v", err)
		}
		var k model.IdempotencyKey
		db.Where("`key` = ?", "A-1").Take(&k)
		if k.OrderID != 101 {
			t.Fatalf("order id %d after a refused script", k.OrderID)
		}
	})

	// The one pooled connection is not left inside a transaction: a plain
	// write commits on its own and is seen from another connection.
	if err := db.Exec("UPDATE idempotency_keys SET order_id = 5 WHERE `key` = ?", "A-2").Error; err != nil {
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

// TestInsertStmtsAsGorm: the rows InsertStmts writes are the rows gorm's
// own Create writes, for every model placement writes that way, with
// pointers set and nil, zero timestamps, a given primary key and none.
func TestInsertStmtsAsGorm(t *testing.T) {
	modeltest.Each(t, func(t *testing.T, db *gorm.DB) {
		now := time.Date(2026, 11, 30, 4, 5, 6, 0, time.UTC)
		due, id7 := now.Add(time.Hour), uint64(7)
		order := func(no string) model.Order {
			return model.Order{No: no, Channel: "api", CustomerID: 3, WarehouseID: 2, Address: "上海市'嘉定区\\安亭", Remark: "急\n要",
				Stage: "submitted", StageEnteredAt: now, StageDueAt: &due, OwnerStaffID: &id7, Fields: "{}", TotalFen: 4500, CreatedAt: now, UpdatedAt: now}
		}
		bare := func(no string) model.Order {
			return model.Order{No: no, Channel: "wecom", CustomerID: 4, WarehouseID: 1, Stage: "submitted", StageEnteredAt: now}
		}
		same(t, db, []model.Order{order("G-1"), bare("G-2")}, []model.Order{order("I-1"), bare("I-2")}, func(o *model.Order) { o.ID, o.No, o.Lines = 0, "", nil })
		withID := []model.Order{order("I-9")}
		withID[0].ID = 900
		insertWith(t, db, &withID)
		var got model.Order
		if err := db.Where("id = ?", 900).Take(&got).Error; err != nil || got.No != "I-9" {
			t.Errorf("an order inserted with its id: %+v, %v", got, err)
		}
		same(t, db,
			[]model.StockMovement{{WarehouseID: 1, ProductID: 2, Kind: "reserve", DeltaLocked: 3, OrderID: &id7, Actor: "系统", Reason: "SO1", CreatedAt: now}, {WarehouseID: 1, ProductID: 2, Kind: "adjust", DeltaOnHand: -1}},
			[]model.StockMovement{{WarehouseID: 1, ProductID: 2, Kind: "reserve", DeltaLocked: 3, OrderID: &id7, Actor: "系统", Reason: "SO1", CreatedAt: now}, {WarehouseID: 1, ProductID: 2, Kind: "adjust", DeltaOnHand: -1}},
			func(m *model.StockMovement) { m.ID = 0 })
		same(t, db,
			[]model.OrderEvent{{OrderID: 1, Kind: "created", ToStage: "submitted", Actor: "a", Fields: "{}", Note: "小程序下单，1 行", CreatedAt: now}, {OrderID: 2, Kind: "note"}},
			[]model.OrderEvent{{OrderID: 1, Kind: "created", ToStage: "submitted", Actor: "a", Fields: "{}", Note: "小程序下单，1 行", CreatedAt: now}, {OrderID: 2, Kind: "note"}},
			func(e *model.OrderEvent) { e.ID = 0 })
		same(t, db,
			[]model.Transfer{{OrderID: 1, ProductID: 2, FromWarehouseID: 2, ToWarehouseID: 1, Qty: 4, Status: "pending", AssigneeStaffID: &id7, CreatedAt: now, UpdatedAt: now}},
			[]model.Transfer{{OrderID: 1, ProductID: 2, FromWarehouseID: 2, ToWarehouseID: 1, Qty: 4, Status: "pending", AssigneeStaffID: &id7, CreatedAt: now, UpdatedAt: now}},
			func(x *model.Transfer) { x.ID = 0 })
		// Reference tables only through gorm, so their version moves.
		if _, err := model.InsertStmts(db, &[]model.Product{{SKU: "X"}}, 10); err == nil {
			t.Error("InsertStmts of products: no error")
		}
	})
}

func insertWith[T any](t *testing.T, db *gorm.DB, rows *[]T) {
	t.Helper()
	stmts, err := model.InsertStmts(db, rows, 1)
	if err != nil {
		t.Fatal(err)
	}
	for _, st := range stmts {
		if err := db.Exec(st.SQL, st.Args...).Error; err != nil {
			t.Fatal(err)
		}
	}
}

// same inserts a through gorm and b through InsertStmts and compares what
// the database then holds for each, blank clearing what differs by design
// (ids, numbers); zero timestamps are compared as "set".
func same[T any](t *testing.T, db *gorm.DB, a, b []T, blank func(*T)) {
	t.Helper()
	if err := db.Omit("Lines").Create(&a).Error; err != nil {
		t.Fatal(err)
	}
	var before int64
	db.Model(new(T)).Count(&before)
	insertWith(t, db, &b)
	var rows []T
	if err := db.Order("id").Find(&rows).Error; err != nil {
		t.Fatal(err)
	}
	if int64(len(rows)) != before+int64(len(b)) {
		t.Fatalf("%d rows after the inserts, want %d", len(rows), before+int64(len(b)))
	}
	got := rows[len(rows)-len(b):]
	want := rows[len(rows)-len(b)-len(a) : len(rows)-len(b)]
	for i := range got {
		g, w := got[i], want[i]
		blank(&g)
		blank(&w)
		gj, _ := json.Marshal(g)
		wj, _ := json.Marshal(w)
		gs, ws := stampsSet(string(gj)), stampsSet(string(wj))
		if gs != ws {
			t.Errorf("row %d:\n InsertStmts %s\n gorm        %s", i, gs, ws)
		}
	}
}

var stamp = regexp.MustCompile(`"(CreatedAt|UpdatedAt)":"[^"]*"`)

// stampsSet hides the time of automatic timestamps that were set now, by
// each insert at its own moment: compared is only that they are set.
func stampsSet(s string) string {
	return stamp.ReplaceAllStringFunc(s, func(m string) string {
		if strings.Contains(m, "2026-11-30T04:05:06Z") || strings.Contains(m, "0001-01-01") {
			return m
		}
		return strings.SplitN(m, ":", 2)[0] + `:"now"`
	})
}
