package service

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"orderhub/model"
	"orderhub/service/catalog"
)

// Stock keeps on-hand quantities and their ledger.
type Stock struct {
	db    *gorm.DB
	clock Clock
}

// NewStock returns a Stock.
func NewStock(db *gorm.DB, clock Clock) *Stock {
	if db == nil || clock == nil {
		panic("service: NewStock: nil dependency")
	}
	return &Stock{db: db, clock: clock}
}

// StockLine is one warehouse's stock of one SKU.
type StockLine struct {
	Warehouse     string
	WarehouseName string
	Priority      int
	SKU           string
	Name          string
	Spec          string
	Unit          string
	OnHand        int64
	Locked        int64
	Available     int64
}

// List returns stock per warehouse for a SKU (or every SKU when sku is "").
func (s *Stock) List(ctx context.Context, sku string) (_ []StockLine, err error) {
	defer wrapOp(&err, "Stock.List")
	return s.Find(ctx, sku, false)
}

// Find returns stock lines for a SKU, or with byName for SKUs whose name
// or spec contains the text, as a keeper types "库存 螺栓".
func (s *Stock) Find(ctx context.Context, text string, byName bool) (_ []StockLine, err error) {
	defer wrapOp(&err, "Stock.Find")
	q := s.db.WithContext(ctx).Table("stocks").
		Select(`warehouses.code AS warehouse, warehouses.name AS warehouse_name, warehouses.priority,
			products.sku, products.name, products.spec, products.unit,
			stocks.on_hand, stocks.locked, stocks.on_hand - stocks.locked AS available`).
		Joins("JOIN warehouses ON warehouses.id = stocks.warehouse_id").
		Joins("JOIN products ON products.id = stocks.product_id")
	text = strings.TrimSpace(text)
	switch {
	case text == "":
	case byName:
		like := "%" + escapeLike(text) + "%"
		q = q.Where("products.sku = ? OR products.name LIKE ? OR products.spec LIKE ?", NormalizeSKU(text), like, like)
	default:
		q = q.Where("products.sku = ?", NormalizeSKU(text))
	}
	var out []StockLine
	err = q.Order("products.sku, warehouses.priority DESC, warehouses.id").Limit(500).Scan(&out).Error
	return out, err
}

// BelowLockedError refuses a change that would leave less on hand than is
// locked for orders.
type BelowLockedError struct {
	SKU, Warehouse string
	OnHand, Locked int64
	Want           int64
}

func (e *BelowLockedError) Error() string {
	return fmt.Sprintf("%s 在 %s 的在库 %d 会变成 %d，但已有 %d 锁定给订单", e.SKU, e.Warehouse, e.OnHand, e.Want, e.Locked)
}
func (e *BelowLockedError) Unwrap() error { return ErrConflict }
func (e *BelowLockedError) Code() string  { return CodeBelowLocked }

// Adjustment changes on hand by Delta (kind adjust or receive).
type Adjustment struct {
	Warehouse string // code or name
	SKU       string
	Delta     int64
	Reason    string
	Kind      string // model.MoveAdjust (default) or model.MoveReceive
	Actor     Actor
}

// Adjust adds Delta to on hand (negative takes away) and records it in the
// ledger. It refuses to leave on hand below what is locked.
func (s *Stock) Adjust(ctx context.Context, a Adjustment) (_ StockLine, err error) {
	defer wrapOp(&err, "Stock.Adjust")
	if a.Delta == 0 {
		return StockLine{}, invalid("delta", CodeInvalidDelta, "不能为 0")
	}
	if a.Delta > MaxQty || a.Delta < -MaxQty {
		return StockLine{}, invalid("delta", CodeOutOfRange, "须在 -%d 到 %d 之间", MaxQty, MaxQty)
	}
	if a.Kind == "" {
		a.Kind = model.MoveAdjust
	}
	if a.Kind == model.MoveReceive && a.Delta < 0 {
		return StockLine{}, invalid("qty", CodeInvalidQty, "收货数量须大于 0")
	}
	if err := checkText("reason", a.Reason, 255, false); err != nil {
		return StockLine{}, err
	}
	var line StockLine
	err = inTx(ctx, s.db, func(tx *gorm.DB) error {
		w, p, st, err := stockRow(tx, a.Warehouse, a.SKU)
		if err != nil {
			return err
		}
		err = moveStock(tx, stockMove{WarehouseID: w.ID, ProductID: p.ID, Kind: a.Kind, OnHand: a.Delta, Actor: a.Actor.Label(), Reason: a.Reason, At: s.clock()})
		if errors.Is(err, errStockRefused) {
			cur, err := readStock(tx, st.ID)
			if err != nil {
				return err
			}
			return &BelowLockedError{SKU: p.SKU, Warehouse: w.Code, OnHand: cur.OnHand, Locked: cur.Locked, Want: cur.OnHand + a.Delta}
		}
		if err != nil {
			return err
		}
		if line, err = stockLine(tx, w, p, st.ID); err != nil {
			return err
		}
		return finish(ctx, tx, s.clock(), Outcome{Stock: &line, Delta: a.Delta})
	})
	return line, err
}

// Count sets on hand to what a physical count found, recording the
// difference in the ledger. A count below what is locked is refused: those
// goods are promised, so someone must look again or cancel orders first.
func (s *Stock) Count(ctx context.Context, warehouse, sku string, counted int64, actor Actor) (_ StockLine, _ int64, err error) {
	defer wrapOp(&err, "Stock.Count")
	if counted < 0 || counted > MaxQty {
		return StockLine{}, 0, invalid("counted", CodeInvalidQty, "须为 0 到 %d", MaxQty)
	}
	var line StockLine
	var delta int64
	err = inTx(ctx, s.db, func(tx *gorm.DB) error {
		w, p, st, err := stockRow(tx, warehouse, sku)
		if err != nil {
			return err
		}
		var cur model.Stock
		if err := forUpdate(tx).Where("id = ?", st.ID).Take(&cur).Error; err != nil {
			return err
		}
		if counted < cur.Locked {
			return &BelowLockedError{SKU: p.SKU, Warehouse: w.Code, OnHand: cur.OnHand, Locked: cur.Locked, Want: counted}
		}
		delta = counted - cur.OnHand
		// ExpectOnHand guards against a change between the read and the
		// write on SQLite, where the read took no row lock.
		err = moveStock(tx, stockMove{WarehouseID: w.ID, ProductID: p.ID, Kind: model.MoveCount, OnHand: delta, ExpectOnHand: &cur.OnHand,
			Actor: actor.Label(), Reason: "盘点", At: s.clock()})
		if errors.Is(err, errStockRefused) {
			return Conflict(CodeStockChanged, "%s 在 %s 的库存在盘点期间有变动，请重新盘点", p.SKU, w.Code)
		}
		if err != nil {
			return err
		}
		if line, err = stockLine(tx, w, p, st.ID); err != nil {
			return err
		}
		return finish(ctx, tx, s.clock(), Outcome{Stock: &line, Delta: delta})
	})
	return line, delta, err
}

// stockRow finds the warehouse and product and makes sure their stock row
// exists (created empty on first use).
func stockRow(tx *gorm.DB, warehouse, sku string) (model.Warehouse, model.Product, model.Stock, error) {
	w, err := catalog.FindWarehouse(tx, warehouse)
	if err != nil {
		return w, model.Product{}, model.Stock{}, err
	}
	var p model.Product
	sku = NormalizeSKU(sku)
	if err := tx.Where("sku = ?", sku).First(&p).Error; err != nil {
		return w, p, model.Stock{}, notFound(err, "product", sku)
	}
	st, err := ensureStock(tx, w.ID, p.ID)
	return w, p, st, err
}

// ensureStock returns the stock row of (warehouse, product), inserting an
// empty one if there is none; a concurrent insert of the same row is fine.
func ensureStock(tx *gorm.DB, warehouseID, productID uint64) (model.Stock, error) {
	st := model.Stock{WarehouseID: warehouseID, ProductID: productID}
	if err := tx.Clauses(clause.OnConflict{DoNothing: true}).Create(&st).Error; err != nil {
		return st, err
	}
	err := tx.Where("warehouse_id = ? AND product_id = ?", warehouseID, productID).Take(&st).Error
	return st, err
}

func readStock(tx *gorm.DB, id uint64) (model.Stock, error) {
	var st model.Stock
	err := tx.Where("id = ?", id).Take(&st).Error
	return st, err
}

func stockLine(tx *gorm.DB, w model.Warehouse, p model.Product, stockID uint64) (StockLine, error) {
	st, err := readStock(tx, stockID)
	return StockLine{Warehouse: w.Code, WarehouseName: w.Name, Priority: w.Priority, SKU: p.SKU, Name: p.Name, Spec: p.Spec, Unit: p.Unit,
		OnHand: st.OnHand, Locked: st.Locked, Available: st.OnHand - st.Locked}, err
}
