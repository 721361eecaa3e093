package model

import (
	"fmt"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// v28Coupon is the coupons table as version 28 created it.
type v28Coupon struct {
	ID          uint64    `gorm:"primaryKey"`
	Code        string    `gorm:"size:32;not null;uniqueIndex"`
	CustomerID  uint64    `gorm:"not null;index:idx_coupons_customer,priority:1"`
	NoticeID    uint64    `gorm:"not null;uniqueIndex"`
	OrderID     uint64    `gorm:"not null"`
	Fen         int64     `gorm:"not null"`
	ExpiresAt   time.Time `gorm:"not null;index:idx_coupons_customer,priority:2"`
	UsedOrderID *uint64   `gorm:"uniqueIndex"`
	UsedAt      *time.Time
	OffFen      int64 `gorm:"not null;default:0"`
	CreatedAt   time.Time
}

func (v28Coupon) TableName() string { return "coupons" }

// CouponValidity is how long a delay coupon may be used, from its notice.
const CouponValidity = 30 * 24 * time.Hour

// CouponCode is the code of the coupon a delay notice issued.
func CouponCode(noticeID uint64) string { return fmt.Sprintf("YQ%06d", noticeID) }

// migrateV28 creates the coupons and gives one to every delay notice that
// recorded a coupon before there was a table for them, so coupons already
// announced become usable. Safe to run again: the unique notice id skips
// those made before.
func migrateV28(tx *gorm.DB) error {
	if err := tx.AutoMigrate(&v28Coupon{}); err != nil {
		return err
	}
	var old []struct {
		ID, OrderID, CustomerID uint64
		CouponFen               int64
		CreatedAt               time.Time
	}
	err := tx.Table("delay_notices").Select("delay_notices.id, delay_notices.order_id, orders.customer_id, delay_notices.coupon_fen, delay_notices.created_at").
		Joins("JOIN orders ON orders.id = delay_notices.order_id").Where("delay_notices.coupon_fen > 0").Scan(&old).Error
	if err != nil {
		return err
	}
	for _, n := range old {
		c := v28Coupon{Code: CouponCode(n.ID), CustomerID: n.CustomerID, NoticeID: n.ID, OrderID: n.OrderID, Fen: n.CouponFen,
			ExpiresAt: n.CreatedAt.Add(CouponValidity), CreatedAt: n.CreatedAt}
		if err := tx.Clauses(clause.OnConflict{DoNothing: true}).Create(&c).Error; err != nil {
			return err
		}
	}
	return nil
}
