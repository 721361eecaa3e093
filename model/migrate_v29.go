package model

import "time"

import "gorm.io/gorm"

// v29StockingSend is the stocking_sends table as version 29 created it.
type v29StockingSend struct {
	ID         uint64 `gorm:"primaryKey"`
	CustomerID uint64 `gorm:"not null;uniqueIndex:ux_stocking_window,priority:1"`
	Window     string `gorm:"size:10;not null;uniqueIndex:ux_stocking_window,priority:2"`
	Lines      string `gorm:"type:text"`
	ValueFen   int64  `gorm:"not null;default:0"`
	PromisedAt *time.Time
	Told       string `gorm:"size:255;not null;default:''"`
	SentAt     time.Time
	OrderID    *uint64 `gorm:"uniqueIndex"`
	OrderedAt  *time.Time
}

func (v29StockingSend) TableName() string { return "stocking_sends" }

// migrateV29 creates the stocking lists sent. AutoMigrate creates what is
// missing, so running it again after a crash is safe.
func migrateV29(tx *gorm.DB) error { return tx.AutoMigrate(&v29StockingSend{}) }
