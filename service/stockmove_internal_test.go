package service

import (
	"errors"
	"testing"
	"time"

	"gorm.io/gorm"

	"orderhub/model"
	"orderhub/model/modeltest"
)

// TestMoveStock: a move applies only when the row stays within
// 0 <= locked <= on_hand, changes exactly its row, and leaves one ledger
// row; a refused move changes nothing and records nothing.
func TestMoveStock(t *testing.T) {
	modeltest.Each(t, func(t *testing.T, db *gorm.DB) {
		w := model.Warehouse{Code: "W1", Name: "一号仓"}
		p := model.Product{SKU: "BOLT", Name: "螺栓", Unit: "个", Active: true}
		if err := db.Create(&w).Error; err != nil {
			t.Fatal(err)
		}
		if err := db.Create(&p).Error; err != nil {
			t.Fatal(err)
		}
		if err := db.Create(&model.Stock{WarehouseID: w.ID, ProductID: p.ID, OnHand: 10, Locked: 4}).Error; err != nil {
			t.Fatal(err)
		}
		at := time.Date(2026, 11, 24, 1, 30, 0, 0, time.UTC)
		five := int64(5)
		tests := []struct {
			name             string
			onHand, locked   int64
			expect           *int64
			refused          bool
			wantOn, wantLock int64
		}{
			{"ship 3 of the 4 locked", -3, -3, nil, false, 7, 1},
			{"release more than locked", 0, -2, nil, true, 7, 1},
			{"take on hand below locked", -7, 0, nil, true, 7, 1},
			{"lock more than on hand", 0, 7, nil, true, 7, 1},
			{"count with a stale reading", -2, 0, &five, true, 7, 1},
			{"a zero move is recorded", 0, 0, nil, false, 7, 1},
			{"transfer in", 3, 3, nil, false, 10, 4},
		}
		for _, tc := range tests {
			var before int64
			db.Model(&model.StockMovement{}).Count(&before)
			err := db.Transaction(func(tx *gorm.DB) error {
				return moveStock(tx, stockMove{WarehouseID: w.ID, ProductID: p.ID, Kind: model.MoveAdjust,
					OnHand: tc.onHand, Locked: tc.locked, ExpectOnHand: tc.expect, Actor: "test", At: at})
			})
			if got := errors.Is(err, errStockRefused); got != tc.refused || (err != nil && !tc.refused) {
				t.Fatalf("%s: err = %v, want refused %v", tc.name, err, tc.refused)
			}
			var st model.Stock
			if err := db.Where("warehouse_id = ? AND product_id = ?", w.ID, p.ID).Take(&st).Error; err != nil {
				t.Fatal(err)
			}
			if st.OnHand != tc.wantOn || st.Locked != tc.wantLock {
				t.Errorf("%s: stock = %d/%d, want %d/%d", tc.name, st.OnHand, st.Locked, tc.wantOn, tc.wantLock)
			}
			var after int64
			db.Model(&model.StockMovement{}).Count(&after)
			if want := before + map[bool]int64{true: 0, false: 1}[tc.refused]; after != want {
				t.Errorf("%s: ledger rows %d -> %d, want %d", tc.name, before, after, want)
			}
		}
	})
}
