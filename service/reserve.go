package service

import (
	"slices"

	"gorm.io/gorm"

	"orderhub/model"
)

// reservation is the plan for locking one order's stock.
type reservation struct {
	allocs    []plannedAlloc
	shortages []Shortage
}

type plannedAlloc struct {
	line        int // index into the order's lines
	productID   uint64
	warehouseID uint64
	stockID     uint64
	qty         int64
}

// orderLineReq is a validated order line with its product.
type orderLineReq struct {
	product model.Product
	qty     int64
}

// planReservation decides, line by line, where to lock stock, as the
// business describes it: the order's warehouse first, then the others by
// priority. Need 100, A has 60, B has 50: lock 60 in A and 40 in B. A line
// that all warehouses together cannot cover is a shortage, and an order with
// any shortage locks nothing.
func planReservation(lines []orderLineReq, stocks []model.Stock, warehouseOrder []uint64) reservation {
	rank := make(map[uint64]int, len(warehouseOrder))
	for i, id := range warehouseOrder {
		rank[id] = i
	}
	byProduct := map[uint64][]model.Stock{}
	for _, s := range stocks {
		if _, known := rank[s.WarehouseID]; known {
			byProduct[s.ProductID] = append(byProduct[s.ProductID], s)
		}
	}
	var r reservation
	for i, l := range lines {
		rows := byProduct[l.product.ID]
		slices.SortFunc(rows, func(a, b model.Stock) int { return rank[a.WarehouseID] - rank[b.WarehouseID] })
		need := l.qty
		var total int64
		var planned []plannedAlloc
		for _, s := range rows {
			avail := s.OnHand - s.Locked
			if avail <= 0 {
				continue
			}
			total += avail
			if need == 0 {
				continue
			}
			take := min(need, avail)
			planned = append(planned, plannedAlloc{line: i, productID: l.product.ID, warehouseID: s.WarehouseID, stockID: s.ID, qty: take})
			need -= take
		}
		if need > 0 {
			r.shortages = append(r.shortages, Shortage{SKU: l.product.SKU, Want: l.qty, Available: total})
			continue
		}
		r.allocs = append(r.allocs, planned...)
	}
	if len(r.shortages) > 0 {
		r.allocs = nil
	}
	return r
}

// warehouseOrder lists warehouse ids in the order stock is taken: the
// primary one first, then the rest by priority.
func warehouseOrder(ws []model.Warehouse, primary uint64) []uint64 {
	out := []uint64{primary}
	for _, w := range ws {
		if w.ID != primary {
			out = append(out, w.ID)
		}
	}
	return out
}

// primaryWarehouse is where an order ships from: the customer's own
// warehouse if set, else the highest-priority one in the customer's
// region, else the highest-priority one. ws is in priority order.
func primaryWarehouse(ws []model.Warehouse, c model.Customer) uint64 {
	if c.WarehouseID != nil {
		for _, w := range ws {
			if w.ID == *c.WarehouseID {
				return w.ID
			}
		}
	}
	if c.Region != "" {
		for _, w := range ws {
			if w.Region == c.Region {
				return w.ID
			}
		}
	}
	return ws[0].ID
}

// errStale says a planned lock no longer fits: someone took the stock
// between our read and our write. The whole transaction is rolled back and
// planned again.
type errStale struct{ stockID uint64 }

func (errStale) Error() string { return "stock changed while reserving" }

// lockStock applies the planned locks. Each is one conditional UPDATE whose
// affected-row count is checked: it succeeds only if on_hand - locked still
// covers it, so no interleaving of writers can oversell. Rows are locked in
// id order so two orders never deadlock on each other's rows. They run last
// in the transaction so the hot rows stay locked only until the commit.
func lockStock(tx *gorm.DB, allocs []plannedAlloc) error {
	byStock := map[uint64]int64{}
	for _, a := range allocs {
		byStock[a.stockID] += a.qty
	}
	ids := make([]uint64, 0, len(byStock))
	for id := range byStock {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	for _, id := range ids {
		q := byStock[id]
		res := tx.Exec("UPDATE stocks SET locked = locked + ? WHERE id = ? AND on_hand - locked >= ?", q, id, q)
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected != 1 {
			return errStale{stockID: id}
		}
	}
	return nil
}
