package service_test

import (
	"context"
	"sync"
	"testing"

	"gorm.io/gorm"

	"orderhub/model"
	"orderhub/model/modeltest"
	"orderhub/service"
)

// On MySQL an order's id (and number) comes from a block an instance took
// before writing it (orderids.go). Orders placed at once on two instances
// get distinct ids, each numbered from its own id; an order inserted
// without a block (an older orderhub in a rolling upgrade, the demo
// history) is stepped over, and when it took an id of a block in hand the
// order placed on it is placed again, never refused.
func TestOrderIDsAcrossInstancesAndForeignInserts(t *testing.T) {
	modeltest.Each(t, func(t *testing.T, db *gorm.DB) {
		e := newEnv(t, db)
		e.world(t)
		e.put(t, "A", "BOLT-M8", 1000)
		ctx := context.Background()
		place := func(o *service.Orders) error {
			_, _, err := o.Create(ctx, service.NewOrder{Customer: "C1", Lines: []service.LineInput{{SKU: "BOLT-M8", Qty: 1}}, Actor: service.Admin})
			return err
		}
		var wg sync.WaitGroup
		errs := make(chan error, 40)
		for i := 0; i < 40; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				o := e.orders
				if i%2 == 1 {
					o = e.orders2
				}
				errs <- place(o)
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Fatal(err)
			}
		}
		// Another writer inserts an order the way auto-increment does.
		var last model.Order
		if err := db.Order("id DESC").Take(&last).Error; err != nil {
			t.Fatal(err)
		}
		foreign := last
		foreign.ID, foreign.No, foreign.Lines = 0, "FOREIGN-1", nil
		if err := db.Omit("Lines").Create(&foreign).Error; err != nil {
			t.Fatal(err)
		}
		for i := 0; i < 3; i++ {
			if err := place(e.orders); err != nil {
				t.Fatalf("an order placed after a foreign insert: %v", err)
			}
			if err := place(e.orders2); err != nil {
				t.Fatalf("an order placed after a foreign insert: %v", err)
			}
		}
		var orders []model.Order
		if err := db.Order("id").Find(&orders).Error; err != nil {
			t.Fatal(err)
		}
		if len(orders) != 47 {
			t.Fatalf("%d orders, want 47", len(orders))
		}
		seen := map[string]bool{}
		for _, o := range orders {
			want := service.OrderNo(o.CreatedAt.In(e.cfg.Location()), o.ID)
			if o.ID == foreign.ID {
				want = "FOREIGN-1"
			}
			if o.No != want || seen[o.No] {
				t.Errorf("order %d numbered %q, want %q once", o.ID, o.No, want)
			}
			seen[o.No] = true
		}
		checkInvariants(t, db)
	})
}
