package model

import "time"

// StockingSend records that a customer's stocking list (月度备货清单) for
// one purchase window was sent. Its unique (customer, window) key is what
// makes the sending happen once however many instances scan at once; the
// buyer's order from the list is recorded on it (OrderID), which marks
// that order planned.
type StockingSend struct {
	ID         uint64 `gorm:"primaryKey"`
	CustomerID uint64 `gorm:"not null;uniqueIndex:ux_stocking_window,priority:1"`
	// Window is the window's first day, local date 2026-12-22.
	Window string `gorm:"size:10;not null;uniqueIndex:ux_stocking_window,priority:2"`
	// Lines is the list as sent, JSON [{sku, name, qty, price_fen}].
	Lines    string `gorm:"type:text"`
	ValueFen int64  `gorm:"not null;default:0"`
	// PromisedAt is the delivery the list proposed (nil: stock short).
	PromisedAt *time.Time
	// Told lists who was told: sales:<userid>, buyer:<openid>, sms.
	Told   string `gorm:"size:255;not null;default:''"`
	SentAt time.Time
	// OrderID is the planned order the buyer placed from it, if any.
	OrderID *uint64 `gorm:"uniqueIndex"`
	// OrderedAt is when.
	OrderedAt *time.Time
}
