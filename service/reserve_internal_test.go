package service

import (
	"reflect"
	"testing"

	"orderhub/model"
)

func TestPlanReservation(t *testing.T) {
	bolt := model.Product{ID: 1, SKU: "BOLT"}
	nut := model.Product{ID: 2, SKU: "NUT"}
	// Warehouses 10 (primary), 20, 30 in that order.
	order := []uint64{10, 20, 30}
	st := func(id, wh, prod uint64, onHand, locked int64) model.Stock {
		return model.Stock{ID: id, WarehouseID: wh, ProductID: prod, OnHand: onHand, Locked: locked}
	}
	tests := []struct {
		name      string
		lines     []orderLineReq
		stocks    []model.Stock
		allocs    []plannedAlloc
		shortages []Shortage
	}{
		{
			name:   "the design example: need 100, A has 60, B has 50",
			lines:  []orderLineReq{{bolt, 100}},
			stocks: []model.Stock{st(2, 20, 1, 50, 0), st(1, 10, 1, 60, 0)},
			allocs: []plannedAlloc{{0, 1, 10, 1, 60}, {0, 1, 20, 2, 40}},
		},
		{
			name:   "primary covers it alone",
			lines:  []orderLineReq{{bolt, 5}},
			stocks: []model.Stock{st(1, 10, 1, 60, 50), st(2, 20, 1, 50, 0)},
			allocs: []plannedAlloc{{0, 1, 10, 1, 5}},
		},
		{
			name:   "locked stock is not available",
			lines:  []orderLineReq{{bolt, 20}},
			stocks: []model.Stock{st(1, 10, 1, 60, 55), st(2, 20, 1, 50, 40), st(3, 30, 1, 100, 0)},
			allocs: []plannedAlloc{{0, 1, 10, 1, 5}, {0, 1, 20, 2, 10}, {0, 1, 30, 3, 5}},
		},
		{
			name:      "short on one line locks nothing at all",
			lines:     []orderLineReq{{bolt, 5}, {nut, 30}},
			stocks:    []model.Stock{st(1, 10, 1, 60, 0), st(4, 10, 2, 10, 0), st(5, 20, 2, 15, 3)},
			shortages: []Shortage{{SKU: "NUT", Want: 30, Available: 22}},
		},
		{
			name:      "no stock rows at all",
			lines:     []orderLineReq{{nut, 1}},
			shortages: []Shortage{{SKU: "NUT", Want: 1, Available: 0}},
		},
		{
			name:   "stock in an unknown warehouse is ignored",
			lines:  []orderLineReq{{bolt, 1}},
			stocks: []model.Stock{st(9, 99, 1, 100, 0), st(1, 10, 1, 1, 0)},
			allocs: []plannedAlloc{{0, 1, 10, 1, 1}},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := planReservation(tc.lines, tc.stocks, order)
			if !reflect.DeepEqual(r.allocs, tc.allocs) {
				t.Errorf("allocs = %+v, want %+v", r.allocs, tc.allocs)
			}
			if !reflect.DeepEqual(r.shortages, tc.shortages) {
				t.Errorf("shortages = %+v, want %+v", r.shortages, tc.shortages)
			}
		})
	}
}

func TestPrimaryWarehouse(t *testing.T) {
	ws := []model.Warehouse{{ID: 1, Region: "上海", Priority: 30}, {ID: 2, Region: "苏州", Priority: 20}, {ID: 3, Region: "苏州", Priority: 10}}
	three := uint64(3)
	tests := []struct {
		name string
		c    model.Customer
		want uint64
	}{
		{"own warehouse wins", model.Customer{Region: "上海", WarehouseID: &three}, 3},
		{"same region, highest priority", model.Customer{Region: "苏州"}, 2},
		{"elsewhere: highest priority", model.Customer{Region: "南京"}, 1},
		{"nothing known", model.Customer{}, 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := primaryWarehouse(ws, tc.c); got != tc.want {
				t.Errorf("primary = %d, want %d", got, tc.want)
			}
		})
	}
}
