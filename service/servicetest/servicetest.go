// Package servicetest is the test harness the rooms of service/ share: one
// wired set of services on a test database, a small world of warehouses,
// customers, staff and products, and the stock invariants every test that
// moves stock checks at its end. It is imported by tests only.
package servicetest

import (
	"context"
	"io"
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
	"orderhub/service/catalog"
)

// Env is one wired set of services on a test database.
type Env struct {
	DB      *gorm.DB
	Cfg     config.Config
	Catalog *catalog.Catalog
	Stock   *service.Stock
	Orders  *service.Orders
	// Orders2 is a second instance on the same database and Redis, as a
	// second process behind a load balancer.
	Orders2   *service.Orders
	Transfers *service.Transfers
	Clock     *testclock.Clock
}

// NewEnv wires the services on db with the default config, a Redis of the
// test's own and a fake clock at 2026-11-24 01:30 UTC.
func NewEnv(t testing.TB, db *gorm.DB) *Env {
	t.Helper()
	cfg := config.Default()
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	rdb, prefix := modeltest.Redis(t)
	clock := testclock.New(time.Date(2026, 11, 24, 1, 30, 0, 0, time.UTC))
	pipe := service.NewPipeline(cfg)
	log := modeltest.Log()
	locker := redislock.New(rdb, prefix, time.Second, time.Second, log)
	e := &Env{DB: db, Cfg: cfg, Clock: clock}
	e.Catalog = catalog.NewCatalog(db, cfg.Roles)
	e.Stock = service.NewStock(db, clock.Now)
	e.Orders = service.NewOrders(db, locker, pipe, clock.Now, cfg.Location(), log, service.NewMetrics(prometheus.NewRegistry()))
	e.Orders2 = service.NewOrders(db, redislock.New(rdb, prefix, time.Second, time.Second, log), pipe, clock.Now, cfg.Location(), log, service.NewMetrics(prometheus.NewRegistry()))
	e.Transfers = service.NewTransfers(db, pipe, clock.Now)
	return e
}

// World sets up warehouses A (priority 30), B (20), C (10), one customer
// near A, staff for every stage, and products.
func (e *Env) World(t testing.TB) {
	t.Helper()
	ctx := context.Background()
	for _, w := range []catalog.WarehouseInput{{Code: "A", Name: "上海仓", Region: "上海", Priority: 30}, {Code: "B", Name: "苏州仓", Region: "苏州", Priority: 20}, {Code: "C", Name: "杭州仓", Region: "杭州", Priority: 10}} {
		Must(e.Catalog.CreateWarehouse(ctx, w))
	}
	Must(e.Catalog.CreateCustomer(ctx, catalog.CustomerInput{Code: "C1", Name: "宏达机电", Region: "上海", Address: "上海市嘉定区安亭镇"}))
	Must(e.Catalog.CreateCustomer(ctx, catalog.CustomerInput{Code: "C2", Name: "精工五金", Region: "苏州"}))
	for _, s := range []catalog.StaffInput{
		{UserID: "keeperA", Name: "王仓管", Roles: []string{"keeper"}, Warehouse: "A"},
		{UserID: "keeperB", Name: "李仓管", Roles: []string{"keeper"}, Warehouse: "B"},
		{UserID: "cs", Name: "孙客服", Roles: []string{"customer_service"}},
		{UserID: "picker", Name: "陈配货", Roles: []string{"picker"}, Warehouse: "A"},
		{UserID: "qc", Name: "刘质检", Roles: []string{"qc"}, Warehouse: "A"},
		{UserID: "disp", Name: "周发货", Roles: []string{"dispatcher"}, Warehouse: "A"},
		{UserID: "lead", Name: "钱主管", Roles: []string{"keeper_lead"}},
		{UserID: "boss", Name: "郑经理", Roles: []string{"supervisor"}},
	} {
		Must(e.Catalog.CreateStaff(ctx, s))
	}
	for _, p := range []catalog.ProductInput{
		{SKU: "BOLT-M8", Name: "六角螺栓", Spec: "M8×30", Unit: "盒", PriceFen: 4500},
		{SKU: "NUT-M8", Name: "六角螺母", Spec: "M8", Unit: "盒", PriceFen: 2600},
		{SKU: "FM-80", Name: "不锈钢过滤网", Spec: "80目", Unit: "卷", PriceFen: 86000},
	} {
		Must(e.Catalog.CreateProduct(ctx, p))
	}
}

// Put adds qty of sku to warehouse wh's stock.
func (e *Env) Put(t testing.TB, wh, sku string, qty int64) {
	t.Helper()
	Must(e.Stock.Adjust(context.Background(), service.Adjustment{Warehouse: wh, SKU: sku, Delta: qty, Reason: "test"}))
}

// StockOf returns (on_hand, locked) of sku in warehouse wh.
func (e *Env) StockOf(t testing.TB, wh, sku string) (int64, int64) {
	t.Helper()
	lines, err := e.Stock.List(context.Background(), sku)
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range lines {
		if l.Warehouse == wh {
			return l.OnHand, l.Locked
		}
	}
	return 0, 0
}

// CheckInvariants proves, from the database, that stock is consistent:
// 0 <= locked <= on_hand, locked is the sum of active allocations, and both
// columns equal the sums of the ledger.
func CheckInvariants(t testing.TB, db *gorm.DB) {
	t.Helper()
	var stocks []model.Stock
	if err := db.Find(&stocks).Error; err != nil {
		t.Fatal(err)
	}
	for _, s := range stocks {
		if s.Locked < 0 || s.Locked > s.OnHand {
			t.Errorf("stock %d/%d: locked %d, on hand %d", s.WarehouseID, s.ProductID, s.Locked, s.OnHand)
		}
		var alloc, ledgerOnHand, ledgerLocked int64
		db.Model(&model.Allocation{}).Select("COALESCE(SUM(qty),0)").Where("warehouse_id = ? AND product_id = ? AND state = ?", s.WarehouseID, s.ProductID, model.AllocActive).Scan(&alloc)
		db.Model(&model.StockMovement{}).Select("COALESCE(SUM(delta_on_hand),0)").Where("warehouse_id = ? AND product_id = ?", s.WarehouseID, s.ProductID).Scan(&ledgerOnHand)
		db.Model(&model.StockMovement{}).Select("COALESCE(SUM(delta_locked),0)").Where("warehouse_id = ? AND product_id = ?", s.WarehouseID, s.ProductID).Scan(&ledgerLocked)
		if alloc != s.Locked || ledgerLocked != s.Locked || ledgerOnHand != s.OnHand {
			t.Errorf("stock %d/%d: on hand %d (ledger %d), locked %d (ledger %d, allocations %d)",
				s.WarehouseID, s.ProductID, s.OnHand, ledgerOnHand, s.Locked, ledgerLocked, alloc)
		}
	}
}

// Must is for test setup that cannot fail unless the code under test is
// broken; the panic fails the test with the error.
func Must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

// AttachWaybill records a waybill photo of order no as an upload does (the
// staff API's POST …/waybill_photo, chat's 附件 and a photo: the file under
// the data dir, then Orders.Attach) and returns its path, what a move to
// shipped may give as waybill_photo.
func AttachWaybill(t testing.TB, o *service.Orders, no string) string {
	t.Helper()
	path := "waybills/" + no + "/test-upload.jpg"
	if _, err := o.Attach(context.Background(), no, service.FieldWaybillPhoto, path, service.Admin); err != nil {
		t.Fatalf("attach waybill of %s: %v", no, err)
	}
	return path
}

// Sheet is a spreadsheet for an import (movein.Sheet) that serves Rows,
// the header first, calling At(n), if set, before the n-th data row.
type Sheet struct {
	Rows [][]string
	At   func(n int)
	i    int
}

// Next returns the next row, io.EOF after the last.
func (s *Sheet) Next() ([]string, error) {
	if s.i >= len(s.Rows) {
		return nil, io.EOF
	}
	if s.At != nil && s.i > 0 {
		s.At(s.i)
	}
	s.i++
	return s.Rows[s.i-1], nil
}
