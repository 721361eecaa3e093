package service

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"gorm.io/gorm"

	"orderhub/config"
	"orderhub/internal/redislock"
	"orderhub/model"
	"orderhub/model/modeltest"
)

// TestDecideBatch: the orders of a batch are decided in arrival order
// against what the ones before them took; an order short on any line takes
// nothing, so a later order may still get that stock.
func TestDecideBatch(t *testing.T) {
	bolt := model.Product{ID: 1, SKU: "BOLT", PriceFen: 100}
	nut := model.Product{ID: 2, SKU: "NUT", PriceFen: 10}
	whA, whB := uint64(10), uint64(20)
	keeperB := model.Staff{ID: 7, UserID: "kb", WarehouseID: &whB}
	data := batchData{
		stocks: []model.Stock{
			{ID: 1, WarehouseID: whA, ProductID: 1, OnHand: 5},
			{ID: 2, WarehouseID: whB, ProductID: 1, OnHand: 4},
			{ID: 3, WarehouseID: whA, ProductID: 2, OnHand: 3},
		},
		keepers: []model.Staff{keeperB},
	}
	req := func(lines ...orderLineReq) *placeReq {
		return &placeReq{cust: model.Customer{ID: 1}, lines: lines, primary: whA, whOrder: []uint64{whA, whB}}
	}
	tests := []struct {
		name      string
		batch     []*placeReq
		placed    []int   // indexes of the accepted orders
		short     []int   // indexes refused for stock
		locked    []int64 // per stock row, what the accepted orders lock
		transfers int
	}{
		{
			name:   "each against what the ones before took",
			batch:  []*placeReq{req(orderLineReq{bolt, 4}), req(orderLineReq{bolt, 4}), req(orderLineReq{bolt, 2})},
			placed: []int{0, 1}, short: []int{2},
			locked:    []int64{5, 3, 0},
			transfers: 1,
		},
		{
			name:   "an order short on one line takes nothing, the next gets it",
			batch:  []*placeReq{req(orderLineReq{bolt, 5}, orderLineReq{nut, 4}), req(orderLineReq{bolt, 5}, orderLineReq{nut, 3})},
			placed: []int{1}, short: []int{0},
			locked: []int64{5, 0, 3},
		},
		{
			name:   "nothing fits",
			batch:  []*placeReq{req(orderLineReq{nut, 4})},
			short:  []int{0},
			locked: []int64{0, 0, 0},
		},
	}
	now := time.Date(2026, 11, 24, 1, 30, 0, 0, time.UTC)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d := decideBatch(tc.batch, data, config.Stage{Key: "new"}, nil, now)
			if len(d.placed) != len(tc.placed) {
				t.Fatalf("placed %d orders, want %d", len(d.placed), len(tc.placed))
			}
			for i, want := range tc.placed {
				p := d.placed[i]
				if p.req != tc.batch[want] {
					t.Errorf("placed[%d] is not order %d", i, want)
				}
			}
			for _, i := range tc.short {
				if d.short[i] == nil {
					t.Errorf("order %d: not refused", i)
				}
			}
			locked := make([]int64, len(data.stocks))
			for _, a := range d.locks {
				locked[a.stockID-1] += a.qty
			}
			for i := range locked {
				if locked[i] != tc.locked[i] {
					t.Errorf("stock row %d: locks %d, want %d", i+1, locked[i], tc.locked[i])
				}
			}
			transfers := 0
			for _, p := range d.placed {
				for _, tr := range p.transfers {
					transfers++
					if tr.AssigneeStaffID == nil || *tr.AssigneeStaffID != keeperB.ID || tr.FromWarehouseID != whB || tr.ToWarehouseID != whA {
						t.Errorf("transfer %+v: want B → A assigned to B's keeper", tr)
					}
				}
			}
			if transfers != tc.transfers {
				t.Errorf("%d transfers, want %d", transfers, tc.transfers)
			}
			if data.stocks[0].Locked != 0 {
				t.Error("decideBatch changed the stock it was given")
			}
		})
	}
}

func TestPickStaff(t *testing.T) {
	a, b := uint64(1), uint64(2)
	holders := []model.Staff{{ID: 4, WarehouseID: &b}, {ID: 5}, {ID: 6, WarehouseID: &a}, {ID: 9, WarehouseID: &a}}
	tests := []struct {
		name    string
		holders []model.Staff
		wh      uint64
		want    uint64
	}{
		{"the first of the warehouse", holders, a, 6},
		{"else the first of any", holders, 3, 4},
		{"nobody", nil, a, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := pickStaff(tc.holders, tc.wh)
			if (got == nil) != (tc.want == 0) || (got != nil && got.ID != tc.want) {
				t.Errorf("got %v, want %d", got, tc.want)
			}
		})
	}
}

// groupWorld is one warehouse, one customer and BOLT with onHand units.
func groupWorld(t *testing.T, db *gorm.DB, onHand int64) *Orders {
	t.Helper()
	cfg := config.Default()
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	w := model.Warehouse{Code: "A", Name: "上海仓", Region: "上海", Priority: 30}
	p := model.Product{SKU: "BOLT", Name: "螺栓", Unit: "盒", PriceFen: 100, Active: true}
	c := model.Customer{Code: "C1", Name: "宏达机电", Region: "上海", Address: "上海市嘉定区安亭镇"}
	for _, row := range []any{&w, &p, &c} {
		if err := db.Create(row).Error; err != nil {
			t.Fatal(err)
		}
	}
	if err := db.Create(&model.Stock{WarehouseID: w.ID, ProductID: p.ID, OnHand: onHand}).Error; err != nil {
		t.Fatal(err)
	}
	rdb, prefix := modeltest.Redis(t)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	clock := func() time.Time { return time.Date(2026, 11, 24, 1, 30, 0, 0, time.UTC) }
	return NewOrders(db, redislock.New(rdb, prefix, time.Second, time.Second, log), NewPipeline(cfg), clock, cfg.Location(), log, NewMetrics(prometheus.NewRegistry()))
}

func groupBatch(t *testing.T, qty int64, keys ...string) []*placeReq {
	t.Helper()
	var batch []*placeReq
	for _, k := range keys {
		in := NewOrder{Channel: ChannelAPI, Customer: "C1", Lines: []LineInput{{SKU: "BOLT", Qty: qty}}, IdempotencyKey: k, Actor: System}
		merged, err := mergeLines(in.Lines)
		if err != nil {
			t.Fatal(err)
		}
		batch = append(batch, &placeReq{in: in, merged: merged})
	}
	return batch
}

// lockedAndAllocated is the stock row's locked column and the sum of the
// active allocations.
func lockedAndAllocated(t *testing.T, db *gorm.DB) (locked, allocated int64) {
	t.Helper()
	if err := db.Model(&model.Stock{}).Select("COALESCE(SUM(locked),0)").Scan(&locked).Error; err != nil {
		t.Fatal(err)
	}
	if err := db.Model(&model.Allocation{}).Select("COALESCE(SUM(qty),0)").Where("state = ?", model.AllocActive).Scan(&allocated).Error; err != nil {
		t.Fatal(err)
	}
	return locked, allocated
}

// TestGroupCommitOneBadOrder: in a batch of three, the second order fails
// in the database (another instance committed its idempotency key after
// the batch was loaded). The batch's transaction rolls back whole; each
// order is then placed on its own: the first and third are placed, the
// second writes nothing.
func TestGroupCommitOneBadOrder(t *testing.T) {
	modeltest.Each(t, func(t *testing.T, db *gorm.DB) {
		ctx := context.Background()
		o := groupWorld(t, db, 10)
		batch := groupBatch(t, 2, "k1", "k2", "k3")
		data, err := o.loadBatch(ctx, batch)
		if err != nil {
			t.Fatal(err)
		}
		if err := resolveOrders(batch, data); err != nil {
			t.Fatal(err)
		}
		// The other instance, between our load and our write.
		if err := db.Create(&model.IdempotencyKey{Scope: batch[1].scope, Key: "k2", RequestHash: "another request", OrderID: 424242, CreatedAt: time.Now()}).Error; err != nil {
			t.Fatal(err)
		}
		o.placeEach(ctx, batch, data)
		for _, i := range []int{0, 2} {
			if batch[i].err != nil || !batch[i].created || batch[i].d.Order.ID == 0 || len(batch[i].d.Allocations) != 1 {
				t.Errorf("order %d: err %v, created %v, detail %+v; want placed", i, batch[i].err, batch[i].created, batch[i].d.Order)
			}
		}
		if !isDuplicate(batch[1].err) || batch[1].created {
			t.Errorf("order 1: err %v, created %v; want the duplicate key", batch[1].err, batch[1].created)
		}
		var orders, keys int64
		db.Model(&model.Order{}).Count(&orders)
		db.Model(&model.IdempotencyKey{}).Where("`key` = ?", "k2").Count(&keys)
		if orders != 2 || keys != 1 {
			t.Errorf("%d orders and %d rows for k2, want 2 and the other instance's 1", orders, keys)
		}
		if locked, allocated := lockedAndAllocated(t, db); locked != 4 || allocated != 4 {
			t.Errorf("locked %d, allocated %d; want 4 and 4", locked, allocated)
		}
		if n := testutil.ToFloat64(o.m.BatchFallbacks); n != 1 {
			t.Errorf("batch fallbacks %v, want 1", n)
		}
	})
}

// TestGroupCommitStalePlan: stock taken after the batch was loaded makes
// the optimistic plan stale; the conditional UPDATE refuses it, nothing of
// the attempt stays, and the batch planned again under FOR UPDATE places
// what fits, in arrival order, and refuses the rest whole.
func TestGroupCommitStalePlan(t *testing.T) {
	modeltest.Each(t, func(t *testing.T, db *gorm.DB) {
		ctx := context.Background()
		o := groupWorld(t, db, 10)
		batch := groupBatch(t, 2, "", "", "")
		data, err := o.loadBatch(ctx, batch)
		if err != nil {
			t.Fatal(err)
		}
		if err := resolveOrders(batch, data); err != nil {
			t.Fatal(err)
		}
		// Someone else locks 7 of the 10 meanwhile.
		if err := db.Exec("UPDATE stocks SET locked = 7").Error; err != nil {
			t.Fatal(err)
		}
		o.placeEach(ctx, batch, data)
		if batch[0].err != nil || !batch[0].created {
			t.Errorf("order 0: %v; want placed", batch[0].err)
		}
		for _, i := range []int{1, 2} {
			var short *ShortError
			if !errors.As(batch[i].err, &short) || batch[i].created {
				t.Errorf("order %d: err %v; want refused for stock", i, batch[i].err)
			}
		}
		var orders int64
		db.Model(&model.Order{}).Count(&orders)
		if locked, allocated := lockedAndAllocated(t, db); orders != 1 || locked != 9 || allocated != 2 {
			t.Errorf("%d orders, locked %d, allocated %d; want 1, 7 + 2, 2", orders, locked, allocated)
		}
		if n := testutil.ToFloat64(o.m.ReserveRetries); n != 1 {
			t.Errorf("reserve retries %v, want 1", n)
		}
		if n := testutil.ToFloat64(o.m.BatchFallbacks); n != 0 {
			t.Errorf("batch fallbacks %v, want 0: stock is not a database failure", n)
		}
	})
}

// TestLockStockAllRowsOrNone: the batch's one conditional UPDATE changes
// every row or, if any row no longer covers its quantity, none: the
// attempt is stale and rolls back whole.
func TestLockStockAllRowsOrNone(t *testing.T) {
	modeltest.Each(t, func(t *testing.T, db *gorm.DB) {
		groupWorld(t, db, 0)
		var w model.Warehouse
		var p model.Product
		db.Take(&w)
		db.Take(&p)
		more := []model.Warehouse{{Code: "B", Name: "苏州仓", Priority: 20}, {Code: "C", Name: "杭州仓", Priority: 10}}
		if err := db.Create(&more).Error; err != nil {
			t.Fatal(err)
		}
		if err := db.Exec("UPDATE stocks SET on_hand = 10").Error; err != nil {
			t.Fatal(err)
		}
		rows := []model.Stock{{WarehouseID: more[0].ID, ProductID: p.ID, OnHand: 5}, {WarehouseID: more[1].ID, ProductID: p.ID, OnHand: 3}}
		if err := db.Create(&rows).Error; err != nil {
			t.Fatal(err)
		}
		var first model.Stock
		db.Where("warehouse_id = ?", w.ID).Take(&first)
		tests := []struct {
			name   string
			allocs []plannedAlloc
			stale  bool
			locked []int64 // first, rows[0], rows[1] after
		}{
			{"the last row short: none changes", []plannedAlloc{{stockID: first.ID, qty: 4}, {stockID: rows[0].ID, qty: 5}, {stockID: rows[1].ID, qty: 4}}, true, []int64{0, 0, 0}},
			{"all fit, quantities of one row summed", []plannedAlloc{{stockID: rows[1].ID, qty: 2}, {stockID: first.ID, qty: 4}, {stockID: rows[1].ID, qty: 1}}, false, []int64{4, 0, 3}},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				err := db.Transaction(func(tx *gorm.DB) error { return lockStock(tx, tc.allocs) })
				var stale errStale
				if errors.As(err, &stale) != tc.stale || (!tc.stale && err != nil) {
					t.Fatalf("err %v, want stale %v", err, tc.stale)
				}
				for i, id := range []uint64{first.ID, rows[0].ID, rows[1].ID} {
					var s model.Stock
					db.Take(&s, id)
					if s.Locked != tc.locked[i] {
						t.Errorf("stock %d: locked %d, want %d", id, s.Locked, tc.locked[i])
					}
				}
			})
		}
	})
}
