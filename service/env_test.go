package service_test

import (
	"context"
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

// env is one wired set of services on a test database.
type env struct {
	db      *gorm.DB
	cfg     config.Config
	catalog *service.Catalog
	stock   *service.Stock
	orders  *service.Orders
	// orders2 is a second instance on the same database and Redis, as a
	// second process behind a load balancer.
	orders2   *service.Orders
	transfers *service.Transfers
	clock     *testclock.Clock
}

func newEnv(t testing.TB, db *gorm.DB) *env {
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
	e := &env{db: db, cfg: cfg, clock: clock}
	e.catalog = service.NewCatalog(db, cfg.Roles)
	e.stock = service.NewStock(db, clock.Now)
	e.orders = service.NewOrders(db, locker, pipe, clock.Now, cfg.Location(), log, service.NewMetrics(prometheus.NewRegistry()))
	e.orders2 = service.NewOrders(db, redislock.New(rdb, prefix, time.Second, time.Second, log), pipe, clock.Now, cfg.Location(), log, service.NewMetrics(prometheus.NewRegistry()))
	e.transfers = service.NewTransfers(db, pipe, clock.Now)
	return e
}

// world sets up warehouses A (priority 30), B (20), C (10), one customer
// near A, staff for every stage, and products.
func (e *env) world(t testing.TB) {
	t.Helper()
	ctx := context.Background()
	for _, w := range []service.WarehouseInput{{Code: "A", Name: "上海仓", Region: "上海", Priority: 30}, {Code: "B", Name: "苏州仓", Region: "苏州", Priority: 20}, {Code: "C", Name: "杭州仓", Region: "杭州", Priority: 10}} {
		must(e.catalog.CreateWarehouse(ctx, w))
	}
	must(e.catalog.CreateCustomer(ctx, service.CustomerInput{Code: "C1", Name: "宏达机电", Region: "上海", Address: "上海市嘉定区安亭镇"}))
	must(e.catalog.CreateCustomer(ctx, service.CustomerInput{Code: "C2", Name: "精工五金", Region: "苏州"}))
	for _, s := range []service.StaffInput{
		{UserID: "keeperA", Name: "王仓管", Roles: []string{"keeper"}, Warehouse: "A"},
		{UserID: "keeperB", Name: "李仓管", Roles: []string{"keeper"}, Warehouse: "B"},
		{UserID: "cs", Name: "孙客服", Roles: []string{"customer_service"}},
		{UserID: "picker", Name: "陈配货", Roles: []string{"picker"}, Warehouse: "A"},
		{UserID: "qc", Name: "刘质检", Roles: []string{"qc"}, Warehouse: "A"},
		{UserID: "disp", Name: "周发货", Roles: []string{"dispatcher"}, Warehouse: "A"},
		{UserID: "lead", Name: "钱主管", Roles: []string{"keeper_lead"}},
		{UserID: "boss", Name: "郑经理", Roles: []string{"supervisor"}},
	} {
		must(e.catalog.CreateStaff(ctx, s))
	}
	for _, p := range []service.ProductInput{
		{SKU: "BOLT-M8", Name: "六角螺栓", Spec: "M8×30", Unit: "盒", PriceFen: 4500},
		{SKU: "NUT-M8", Name: "六角螺母", Spec: "M8", Unit: "盒", PriceFen: 2600},
		{SKU: "FM-80", Name: "不锈钢过滤网", Spec: "80目", Unit: "卷", PriceFen: 86000},
	} {
		must(e.catalog.CreateProduct(ctx, p))
	}
}

func (e *env) put(t testing.TB, wh, sku string, qty int64) {
	t.Helper()
	must(e.stock.Adjust(context.Background(), service.Adjustment{Warehouse: wh, SKU: sku, Delta: qty, Reason: "test"}))
}

// stockOf returns (on_hand, locked) of sku in warehouse wh.
func (e *env) stockOf(t testing.TB, wh, sku string) (int64, int64) {
	t.Helper()
	lines, err := e.stock.List(context.Background(), sku)
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

// checkInvariants proves, from the database, that stock is consistent:
// 0 <= locked <= on_hand, locked is the sum of active allocations, and both
// columns equal the sums of the ledger.
func checkInvariants(t testing.TB, db *gorm.DB) {
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

// must is for test setup that cannot fail unless the code under test is
// broken; the panic fails the test with the error.
func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}
