package service

import (
	"fmt"
	"time"

	"gorm.io/gorm"

	"orderhub/model"
)

// CouponValidity is how long a delay coupon may be used, from the day it
// was issued.
const CouponValidity = 30 * 24 * time.Hour

// Delay is what an order's delay notice told its buyer: the new estimate
// against the promise and, when the business compensates, the coupon.
type Delay struct {
	PromisedAt time.Time
	ETA        time.Time
	Coupon     *Coupon
	NotifiedAt time.Time
}

// Coupon is a compensation coupon: amount, the code a buyer quotes, and
// when it expires.
type Coupon struct {
	Fen       int64
	Code      string
	ExpiresAt time.Time
}

// delayOf reads an order's delay notice into what buyers are shown; nil
// for an order that never was late.
func delayOf(n model.DelayNotice) *Delay {
	d := &Delay{PromisedAt: n.PromisedAt, ETA: n.ETA, NotifiedAt: n.CreatedAt}
	if n.CouponFen > 0 {
		// One notice per order, so its id makes a unique, short code a
		// buyer can read out on the phone.
		d.Coupon = &Coupon{Fen: n.CouponFen, Code: fmt.Sprintf("YQ%06d", n.ID), ExpiresAt: n.CreatedAt.Add(CouponValidity)}
	}
	return d
}

func loadDelay(db *gorm.DB, orderID uint64) (*Delay, error) {
	var ns []model.DelayNotice
	if err := db.Where("order_id = ?", orderID).Limit(1).Find(&ns).Error; err != nil {
		return nil, err
	}
	if len(ns) == 0 {
		return nil, nil
	}
	return delayOf(ns[0]), nil
}

// Yuan formats fen as a price: ¥20.00.
func Yuan(fen int64) string { return fmt.Sprintf("¥%d.%02d", fen/100, fen%100) }
