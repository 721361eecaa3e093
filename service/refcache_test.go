package service_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"gorm.io/gorm"

	"orderhub/model"
	"orderhub/model/modeltest"
	"orderhub/service"
	"orderhub/service/catalog"
)

// Placement keeps customers, products, warehouses and staff between
// batches (refcache.go). A change made through the services on one
// instance must be what the next order on another instance is decided
// against: the kept rows are used only at the version they were read at.
func TestPlacementSeesReferenceChanges(t *testing.T) {
	modeltest.Each(t, func(t *testing.T, db *gorm.DB) {
		e := newEnv(t, db)
		e.world(t)
		e.put(t, "A", "BOLT-M8", 100)
		e.put(t, "B", "BOLT-M8", 100)
		ctx := context.Background()
		place := func(o *service.Orders, cust string) (service.Detail, error) {
			d, _, err := o.Create(ctx, service.NewOrder{Customer: cust, Lines: []service.LineInput{{SKU: "BOLT-M8", Qty: 1}}, Actor: service.Admin})
			return d, err
		}
		// Both instances have read everything once.
		for _, o := range []*service.Orders{e.orders, e.orders2} {
			d := must(place(o, "C1"))
			if d.Order.TotalFen != 4500 || d.Order.Address != "上海市嘉定区安亭镇" || d.Warehouse.Code != "A" || d.Owner == nil || d.Owner.UserID != "cs" {
				t.Fatalf("first order = %+v, warehouse %s, owner %+v", d.Order, d.Warehouse.Code, d.Owner)
			}
		}

		// Changed through the first instance's services.
		price, addr, wh := int64(4800), "上海市青浦区华新镇", "B"
		must(e.catalog.UpdateProduct(ctx, "BOLT-M8", catalog.ProductPatch{PriceFen: &price}))
		must(e.catalog.UpdateCustomer(ctx, "C1", catalog.CustomerPatch{Address: &addr, Warehouse: &wh}))
		staffing := service.NewStaffing(db, e.orders.Pipeline(), e.clock.Now, e.cfg.Roles)
		must(e.catalog.CreateStaff(ctx, catalog.StaffInput{UserID: "cs2", Name: "赵客服", Roles: []string{"customer_service"}}))
		must(staffing.Deactivate(ctx, "cs", "boss"))

		d := must(place(e.orders2, "C1"))
		if d.Order.TotalFen != 4800 {
			t.Errorf("price after the change = %d fen, want 4800", d.Order.TotalFen)
		}
		if d.Order.Address != addr || d.Warehouse.Code != "B" {
			t.Errorf("address, warehouse after the change = %q, %s", d.Order.Address, d.Warehouse.Code)
		}
		if d.Owner == nil || d.Owner.UserID != "cs2" {
			t.Errorf("owner after cs left = %+v, want cs2", d.Owner)
		}

		// A new customer, and a retired product, on the other instance.
		must(e.catalog.CreateCustomer(ctx, catalog.CustomerInput{Code: "C9", Name: "新客户", Region: "杭州", Address: "杭州市余杭区"}))
		if d := must(place(e.orders, "C9")); d.Order.CustomerID == 0 || d.Warehouse.Code != "C" {
			t.Errorf("new customer's order = %+v, warehouse %s", d.Order, d.Warehouse.Code)
		}
		off := false
		must(e.catalog.UpdateProduct(ctx, "BOLT-M8", catalog.ProductPatch{Active: &off}))
		for _, o := range []*service.Orders{e.orders, e.orders2} {
			if _, err := place(o, "C1"); !errors.Is(err, service.ErrInvalid) {
				t.Errorf("order for a retired SKU: err = %v, want it refused", err)
			}
		}
		checkInvariants(t, db)
	})
}

// A row changed by hand in SQL moves no version; what was kept is read
// again at the latest after ten seconds.
func TestPlacementRereadsReferenceInTime(t *testing.T) {
	modeltest.Each(t, func(t *testing.T, db *gorm.DB) {
		e := newEnv(t, db)
		e.world(t)
		e.put(t, "A", "BOLT-M8", 100)
		ctx := context.Background()
		place := func() service.Detail {
			d, _, err := e.orders.Create(ctx, service.NewOrder{Customer: "C1", Lines: []service.LineInput{{SKU: "BOLT-M8", Qty: 1}}, Actor: service.Admin})
			if err != nil {
				t.Fatal(err)
			}
			return d
		}
		place()
		if err := db.Exec("UPDATE products SET price_fen = 5000 WHERE sku = 'BOLT-M8'").Error; err != nil {
			t.Fatal(err)
		}
		e.clock.Add(10 * time.Second)
		if d := place(); d.Order.TotalFen != 5000 {
			t.Errorf("price ten seconds after a change by hand = %d fen, want 5000", d.Order.TotalFen)
		}
	})
}

// Every write of a reference table through gorm moves the version, in the
// writer's transaction; other tables' writes and rolled-back writes do not.
func TestReferenceVersionMoves(t *testing.T) {
	modeltest.Each(t, func(t *testing.T, db *gorm.DB) {
		version := func() uint64 {
			var c model.Counter
			if err := db.Where("name = ?", model.CounterReference).Take(&c).Error; err != nil {
				t.Fatal(err)
			}
			return c.Value
		}
		at := version()
		step := func(what string, moves bool, fn func() error) {
			t.Helper()
			err := fn()
			if moves && err != nil {
				t.Fatalf("%s: %v", what, err)
			}
			got := version()
			if moves && got != at+1 || !moves && got != at {
				t.Errorf("%s: version %d → %d, want it moved: %v", what, at, got, moves)
			}
			at = got
		}
		now := time.Now().UTC()
		p := model.Product{SKU: "X-1", Name: "x", Unit: "个", Active: true, CreatedAt: now, UpdatedAt: now}
		step("create a product", true, func() error { return db.Create(&p).Error })
		step("update a product", true, func() error {
			return db.Model(&model.Product{}).Where("id = ?", p.ID).Update("price_fen", 7).Error
		})
		step("update by table name", true, func() error {
			return db.Table("products").Where("id = ?", p.ID).Update("price_fen", 8).Error
		})
		step("create a customer", true, func() error {
			return db.Create(&model.Customer{Code: "X1", Name: "x", CreatedAt: now}).Error
		})
		step("create a warehouse", true, func() error {
			return db.Create(&model.Warehouse{Code: "X", Name: "x", CreatedAt: now}).Error
		})
		step("create staff", true, func() error {
			return db.Create(&model.Staff{UserID: "x", Name: "x", Active: true, CreatedAt: now}).Error
		})
		step("delete a product", true, func() error { return db.Delete(&model.Product{}, p.ID).Error })
		step("update no row", false, func() error {
			return db.Model(&model.Product{}).Where("id = ?", p.ID).Update("price_fen", 9).Error
		})
		step("write another table", false, func() error {
			return db.Create(&model.JobRun{Job: "x", Slot: "y", StartedAt: now}).Error
		})
		step("a rolled-back write", false, func() error {
			return db.Transaction(func(tx *gorm.DB) error {
				if err := tx.Create(&model.Customer{Code: "X2", Name: "x", CreatedAt: now}).Error; err != nil {
					return err
				}
				return errors.New("roll back")
			})
		})
	})
}
