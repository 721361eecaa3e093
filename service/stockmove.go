package service

import (
	"errors"
	"time"

	"gorm.io/gorm"

	"orderhub/model"
)

// stockMove is one change of one stock row: on hand and locked each move
// by a delta, and the ledger records it. Every stock change but a new
// reservation (reserve.go, batched with placement) and a bulk import
// (imports.go, whose ledger rows are inserted in batches) goes through
// moveStock.
type stockMove struct {
	WarehouseID, ProductID uint64
	Kind                   string // model.Move*
	OnHand, Locked         int64  // deltas
	// ExpectOnHand, when set, applies the move only while on hand is still
	// this value: a count read on SQLite, which took no row lock, must not
	// overwrite a change made since.
	ExpectOnHand *int64
	OrderID      *uint64
	TransferID   *uint64
	Actor        string
	Reason       string
	At           time.Time
}

// errStockRefused is a move the row's current stock cannot take: it would
// leave locked below zero or above on hand. Nothing was changed.
var errStockRefused = errors.New("stock move refused: the row would leave locked outside 0..on_hand")

// moveStock applies m by one conditional UPDATE that holds the stock
// invariant (0 <= locked <= on_hand, which the CHECK constraint also
// enforces) after the move, checks it changed exactly one row, and appends
// the ledger row, all in tx. A refused move returns errStockRefused, which
// each caller turns into its own refusal. A move of zero (a count that
// found what the books say) changes no row but is recorded all the same.
func moveStock(tx *gorm.DB, m stockMove) error {
	if m.OnHand != 0 || m.Locked != 0 {
		if err := updateStock(tx, m); err != nil {
			return err
		}
	}
	return tx.Create(&model.StockMovement{WarehouseID: m.WarehouseID, ProductID: m.ProductID, Kind: m.Kind,
		DeltaOnHand: m.OnHand, DeltaLocked: m.Locked, OrderID: m.OrderID, TransferID: m.TransferID,
		Actor: m.Actor, Reason: m.Reason, CreatedAt: m.At}).Error
}

func updateStock(tx *gorm.DB, m stockMove) error {
	q := tx.Model(&model.Stock{}).
		Where("warehouse_id = ? AND product_id = ?", m.WarehouseID, m.ProductID).
		Where("locked + ? >= 0 AND on_hand + ? >= locked + ?", m.Locked, m.OnHand, m.Locked)
	if m.ExpectOnHand != nil {
		q = q.Where("on_hand = ?", *m.ExpectOnHand)
	}
	res := q.Updates(map[string]any{
		"on_hand":    gorm.Expr("on_hand + ?", m.OnHand),
		"locked":     gorm.Expr("locked + ?", m.Locked),
		"updated_at": m.At,
	})
	if res.Error != nil {
		return res.Error
	}
	if res.RowsAffected != 1 {
		return errStockRefused
	}
	return nil
}
