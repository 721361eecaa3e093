package service_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"

	"gorm.io/gorm"

	"orderhub/model"
	"orderhub/model/modeltest"
	"orderhub/service"
)

// TestGroupCommitAllOrNothingUnderLoad: 96 buyers at once, through two
// instances, so orders are batched together and batches of the two meet in
// the conditional UPDATEs. Each order asks 1 BOLT-M8 (plenty) and 1 NUT-M8
// (20 units); a third of them also carry a SKU that does not exist. Exactly
// 20 of the valid orders are placed; a refused order takes no BOLT either,
// an invalid one does not spoil the orders batched with it, and nothing is
// oversold.
func TestGroupCommitAllOrNothingUnderLoad(t *testing.T) {
	modeltest.Each(t, func(t *testing.T, db *gorm.DB) {
		e := newEnv(t, db)
		e.world(t)
		e.put(t, "A", "BOLT-M8", 500)
		e.put(t, "A", "NUT-M8", 20)
		var placed, short, invalid atomic.Int32
		var wg sync.WaitGroup
		for i := 0; i < 96; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				inst := e.orders
				if i%2 == 1 {
					inst = e.orders2
				}
				lines := []service.LineInput{{SKU: "BOLT-M8", Qty: 1}, {SKU: "NUT-M8", Qty: 1}}
				if i%3 == 2 {
					lines = append(lines, service.LineInput{SKU: "NO-SUCH", Qty: 1})
				}
				d, _, err := inst.Create(context.Background(), service.NewOrder{Customer: "C1", Lines: lines, IdempotencyKey: fmt.Sprintf("k%d", i)})
				var se *service.ShortError
				switch {
				case err == nil && len(d.Allocations) == 2:
					placed.Add(1)
				case errors.As(err, &se):
					short.Add(1)
				case errors.Is(err, service.ErrInvalid) && i%3 == 2:
					invalid.Add(1)
				default:
					t.Errorf("order %d: %v (allocations %d)", i, err, len(d.Allocations))
				}
			}()
		}
		wg.Wait()
		if placed.Load() != 20 || short.Load() != 44 || invalid.Load() != 32 {
			t.Errorf("placed %d, short %d, invalid %d; want 20, 44, 32", placed.Load(), short.Load(), invalid.Load())
		}
		if _, l := e.stockOf(t, "A", "BOLT-M8"); l != 20 {
			t.Errorf("BOLT-M8 locked %d, want 20: a refused order took some", l)
		}
		if _, l := e.stockOf(t, "A", "NUT-M8"); l != 20 {
			t.Errorf("NUT-M8 locked %d, want 20", l)
		}
		var orders, keys int64
		db.Model(&model.Order{}).Count(&orders)
		db.Model(&model.IdempotencyKey{}).Count(&keys)
		if orders != 20 || keys != 20 {
			t.Errorf("%d orders, %d idempotency keys; want 20 and 20", orders, keys)
		}
		checkInvariants(t, db)
	})
}
