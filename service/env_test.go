package service_test

import (
	"testing"

	"gorm.io/gorm"

	"orderhub/config"
	"orderhub/internal/testclock"
	"orderhub/service"
	"orderhub/service/catalog"
	"orderhub/service/servicetest"
)

// env is one wired set of services on a test database.
type env struct {
	db      *gorm.DB
	cfg     config.Config
	catalog *catalog.Catalog
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
	s := servicetest.NewEnv(t, db)
	return &env{db: s.DB, cfg: s.Cfg, catalog: s.Catalog, stock: s.Stock, orders: s.Orders, orders2: s.Orders2, transfers: s.Transfers, clock: s.Clock}
}

// world sets up warehouses A (priority 30), B (20), C (10), one customer
// near A, staff for every stage, and products (servicetest.Env.World).
func (e *env) world(t testing.TB) {
	t.Helper()
	e.shared().World(t)
}

func (e *env) put(t testing.TB, wh, sku string, qty int64) {
	t.Helper()
	e.shared().Put(t, wh, sku, qty)
}

// stockOf returns (on_hand, locked) of sku in warehouse wh.
func (e *env) stockOf(t testing.TB, wh, sku string) (int64, int64) {
	t.Helper()
	return e.shared().StockOf(t, wh, sku)
}

// shared is e as the harness the rooms share.
func (e *env) shared() *servicetest.Env {
	return &servicetest.Env{DB: e.db, Cfg: e.cfg, Catalog: e.catalog, Stock: e.stock, Orders: e.orders, Orders2: e.orders2, Transfers: e.transfers, Clock: e.clock}
}

// checkInvariants proves, from the database, that stock is consistent
// (servicetest.CheckInvariants).
func checkInvariants(t testing.TB, db *gorm.DB) {
	t.Helper()
	servicetest.CheckInvariants(t, db)
}

// must is for test setup that cannot fail unless the code under test is
// broken (servicetest.Must).
func must[T any](v T, err error) T { return servicetest.Must(v, err) }
