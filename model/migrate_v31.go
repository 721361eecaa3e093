package model

import (
	"time"

	"gorm.io/gorm"
)

// v31LinkRequest is the link_requests table as version 31 created it.
type v31LinkRequest struct {
	ID           uint64  `gorm:"primaryKey"`
	BuyerID      uint64  `gorm:"not null;index"`
	OpenBuyerID  *uint64 `gorm:"uniqueIndex"`
	CompanyName  string  `gorm:"size:64;not null;default:''"`
	CustomerCode string  `gorm:"size:32;not null;default:''"`
	Note         string  `gorm:"size:200;not null;default:''"`
	State        string  `gorm:"size:16;not null;index"`
	CustomerID   *uint64
	DecidedBy    string `gorm:"size:64;not null;default:''"`
	Reason       string `gorm:"size:200;not null;default:''"`
	DecidedAt    *time.Time
	CreatedAt    time.Time `gorm:"not null"`
	UpdatedAt    time.Time
}

func (v31LinkRequest) TableName() string { return "link_requests" }

// migrateV31 creates the buyers' requests to be linked to their company.
// AutoMigrate creates what is missing, so running it again after a crash
// is safe.
func migrateV31(tx *gorm.DB) error { return tx.AutoMigrate(&v31LinkRequest{}) }
