package model

import "time"

// Coupon is a compensation coupon a customer was given when one of their
// orders was late (one per delay notice). It takes its amount off the
// customer's next order: UsedOrderID is set, once, in the transaction that
// lowers that order's total.
type Coupon struct {
	ID uint64 `gorm:"primaryKey"`
	// Code is what a buyer reads out: YQ and the delay notice's id.
	Code       string `gorm:"size:32;not null;uniqueIndex"`
	CustomerID uint64 `gorm:"not null;index:idx_coupons_customer,priority:1"`
	// NoticeID is the delay notice that issued it; OrderID its late order.
	NoticeID  uint64    `gorm:"not null;uniqueIndex"`
	OrderID   uint64    `gorm:"not null"`
	Fen       int64     `gorm:"not null"`
	ExpiresAt time.Time `gorm:"not null;index:idx_coupons_customer,priority:2"`
	// UsedOrderID is the order it was taken off; an order takes one
	// coupon at most (the unique key).
	UsedOrderID *uint64 `gorm:"uniqueIndex"`
	UsedAt      *time.Time
	// OffFen is what it took off that order: Fen, or the order's whole
	// total when that was less.
	OffFen    int64 `gorm:"not null;default:0"`
	CreatedAt time.Time
}
