package model

import (
	"time"

	"gorm.io/gorm"
)

// v19PhotoUpload is the photo_uploads table as version 19 created it.
type v19PhotoUpload struct {
	ID        uint64    `gorm:"primaryKey"`
	BuyerID   uint64    `gorm:"not null;index:idx_photo_uploads_buyer_at,priority:1"`
	TicketNo  string    `gorm:"size:32;not null;default:''"`
	Bytes     int64     `gorm:"not null"`
	CreatedAt time.Time `gorm:"not null;index:idx_photo_uploads_buyer_at,priority:2"`
}

func (v19PhotoUpload) TableName() string { return "photo_uploads" }

// migrateV19 records buyers' problem photos for their quota: without one a
// buyer could upload about 145 MB a minute. AutoMigrate creates what is
// missing, so running it again is safe.
func migrateV19(tx *gorm.DB) error {
	return tx.AutoMigrate(&v19PhotoUpload{})
}
