package service

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"orderhub/model"
)

// WithOrders lets the buyer place their list as a planned order (Place).
func (s *Stocking) WithOrders(o *Orders) *Stocking {
	s.orders = o
	return s
}

// StockingOrder is what a buyer places from their list.
type StockingOrder struct {
	// Lines are the list's lines the buyer keeps, with the quantities
	// they chose; a line left out is not ordered. Every SKU must be on
	// the list.
	Lines          []LineInput
	Address        string
	Remark         string
	IdempotencyKey string
}

// Told values of a stocking_sends row written when the buyer ordered
// before the list was sent: they found it in the mini-program first.
const stockingToldOrdered = "ordered"

// Place places the buyer's list as a planned order: the lines they kept,
// promised as the list promised (the evening before the window), and
// linked to the list's stocking_sends row (order_id, ordered_at) — the
// mark that tells planned orders from rush ones on the board and in the
// metrics. One planned order per customer and window: a second one with
// another Idempotency-Key is refused with the first one's number (unless
// that one was cancelled); a retry with the same key answers the order it
// made (created false).
//
// Placement owns its own transaction (it is batched), so the link is
// written just after it. Should two buyers of one company place the same
// list at the same moment, the one whose link loses is cancelled at once
// (its stock released) and refused; should the process die between the
// two, the order stands unmarked until the buyer's retry (same key)
// marks it.
func (s *Stocking) Place(ctx context.Context, b Buyer, in StockingOrder) (d Detail, created bool, err error) {
	defer wrapOp(&err, "Stocking.Place")
	if s.orders == nil {
		return d, false, errors.New("stocking: no orders wired (WithOrders)")
	}
	if in.IdempotencyKey == "" {
		return d, false, invalid("idempotency_key", CodeRequired, "请带上 Idempotency-Key")
	}
	l, err := s.List(ctx, b.Customer.Code)
	if err != nil {
		return d, false, err
	}
	row, err := s.offered(ctx, l)
	if err != nil {
		return d, false, err
	}
	lines, err := keptLines(row, in.Lines)
	if err != nil {
		return d, false, err
	}
	db := s.db.WithContext(ctx)
	if row.OrderID != nil {
		if ok, err := s.mayOrderAgain(db, row, b.CustomerID, in.IdempotencyKey); err != nil {
			return d, false, err
		} else if !ok {
			no := orderNoOf(db, *row.OrderID)
			return d, false, Conflict(CodeStockingOrdered, "本期备货清单已下单：%s", no).About(no, "")
		}
	}
	d, created, err = s.orders.Create(ctx, NewOrder{Channel: ChannelMiniProgram, CustomerID: b.CustomerID, Lines: lines,
		Address: in.Address, Remark: in.Remark, PromisedAt: row.PromisedAt, IdempotencyKey: in.IdempotencyKey, Actor: b.Actor(),
		// The list's promise was given when the list was sent: a buyer
		// ordering it late is not refused for a time they never wrote.
		PromiseGivenAt: row.SentAt})
	if err != nil {
		return d, false, err
	}
	linked, err := s.link(ctx, row, d.Order)
	if err != nil {
		return d, false, err
	}
	if !linked {
		// Another order of this list got the link first: this one goes.
		if d.Order.Stage != StageCancelled {
			if _, err := s.orders.Cancel(ctx, d.Order.No, System, "同一备货清单已另行下单"); err != nil {
				return d, false, err
			}
		}
		var cur model.StockingSend
		if err := db.Where("id = ?", row.ID).Take(&cur).Error; err != nil {
			return d, false, err
		}
		no := ""
		if cur.OrderID != nil {
			no = orderNoOf(db, *cur.OrderID)
		}
		return d, false, Conflict(CodeStockingOrdered, "本期备货清单已下单：%s", no).About(no, "")
	}
	return d, created, nil
}

// offered is the list's stocking_sends row, written now when the list was
// not sent yet (the buyer found it in the mini-program before send_on):
// the order is promised and checked against the list as offered, the
// same on every retry, and SendDue sends nothing for it afterwards.
func (s *Stocking) offered(ctx context.Context, l StockingList) (model.StockingSend, error) {
	var row model.StockingSend
	db := s.db.WithContext(ctx)
	if l.SentAt == nil {
		r := model.StockingSend{CustomerID: l.CustomerID, Window: l.window(), Lines: linesJSON(l.Lines), ValueFen: l.ValueFen,
			PromisedAt: l.PromisedAt, Told: stockingToldOrdered, SentAt: s.clock()}
		if err := db.Clauses(clause.OnConflict{DoNothing: true}).Create(&r).Error; err != nil {
			return row, err
		}
	}
	err := db.Where("customer_id = ? AND window = ?", l.CustomerID, l.window()).Take(&row).Error
	return row, err
}

// keptLines checks the buyer's lines against the list as offered: each
// SKU on it, once, a quantity of at least 1 (the order's own checks bound
// it above); none given is the list as proposed.
func keptLines(row model.StockingSend, in []LineInput) ([]LineInput, error) {
	var offered []stockingLine
	if err := json.Unmarshal([]byte(row.Lines), &offered); err != nil {
		return nil, fmt.Errorf("stocking list %d: lines: %w", row.ID, err)
	}
	if len(in) == 0 {
		out := make([]LineInput, len(offered))
		for i, l := range offered {
			out[i] = LineInput{SKU: l.SKU, Qty: l.Qty}
		}
		return out, nil
	}
	if len(in) > len(offered) {
		return nil, invalid("lines", CodeTooManyLines, "备货清单只有 %d 种货品，收到 %d 行", len(offered), len(in))
	}
	seen := map[string]bool{}
	out := make([]LineInput, len(in))
	for i, l := range in {
		sku := NormalizeSKU(l.SKU)
		field := fmt.Sprintf("lines[%d]", i)
		if sku == "" {
			return nil, invalid(field+".sku", CodeRequired, "请填写货号")
		}
		on := false
		for _, o := range offered {
			on = on || o.SKU == sku
		}
		if !on {
			return nil, invalid(field+".sku", CodeNotOnList, "%s 不在本期备货清单中；其他货品请另行下单", sku)
		}
		if seen[sku] {
			return nil, invalid(field+".sku", CodeInvalidSKU, "%s 重复出现，请合并为一行", sku)
		}
		seen[sku] = true
		if l.Qty < 1 {
			return nil, invalid(field+".qty", CodeInvalidQty, "数量须为大于 0 的整数，收到 %d；不要的货品请删去这一行", l.Qty)
		}
		out[i] = LineInput{SKU: sku, Qty: l.Qty}
	}
	return out, nil
}

// mayOrderAgain says whether a list already linked to an order may be
// placed: by a retry of that order's own request (its key), or anew when
// that order was cancelled.
func (s *Stocking) mayOrderAgain(db *gorm.DB, row model.StockingSend, customerID uint64, key string) (bool, error) {
	var n int64
	if err := db.Model(&model.IdempotencyKey{}).Where("scope = ? AND `key` = ? AND order_id = ?", keyScope(ChannelMiniProgram, customerID), key, *row.OrderID).
		Count(&n).Error; err != nil || n > 0 {
		return n > 0, err
	}
	var stages []string
	if err := db.Model(&model.Order{}).Where("id = ?", *row.OrderID).Limit(1).Pluck("stage", &stages).Error; err != nil {
		return false, err
	}
	return len(stages) == 1 && stages[0] == StageCancelled, nil
}

// link marks ord as the list's planned order: a conditional UPDATE, so of
// two orders placed at once only one is linked. False when another live
// order holds the link.
func (s *Stocking) link(ctx context.Context, row model.StockingSend, ord model.Order) (bool, error) {
	now := s.clock()
	db := s.db.WithContext(ctx)
	var linked bool
	err := inTx(ctx, db, func(tx *gorm.DB) error {
		var cur model.StockingSend
		if err := forUpdate(tx).Where("id = ?", row.ID).Take(&cur).Error; err != nil {
			return err
		}
		linked = false
		switch {
		case cur.OrderID != nil && *cur.OrderID == ord.ID:
			linked = true
			return nil
		case cur.OrderID != nil:
			var stages []string
			if err := tx.Model(&model.Order{}).Where("id = ?", *cur.OrderID).Limit(1).Pluck("stage", &stages).Error; err != nil {
				return err
			}
			if len(stages) == 1 && stages[0] != StageCancelled {
				return nil
			}
		}
		if ord.Stage == StageCancelled {
			return nil // a replayed order cancelled since: nothing to mark
		}
		at := now
		res := tx.Model(&model.StockingSend{}).Where("id = ?", row.ID).Updates(map[string]any{"order_id": ord.ID, "ordered_at": &at})
		if res.Error != nil {
			return res.Error
		}
		linked = res.RowsAffected == 1
		return nil
	})
	return linked, err
}

// PlannedOrder says whether the order was placed from a stocking list.
func (s *Stocking) PlannedOrder(ctx context.Context, orderID uint64) (bool, error) {
	var n int64
	err := s.db.WithContext(ctx).Model(&model.StockingSend{}).Where("order_id = ?", orderID).Count(&n).Error
	return n > 0, err
}
