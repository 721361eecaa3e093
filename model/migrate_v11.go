package model

import (
	"time"

	"gorm.io/gorm"
)

// migrateV11 adds channel intake: intakes (channel requests held for
// review, chat and photo drafts). A channel's own product codes live in
// product_aliases (version 12), shared with the product API.
// AutoMigrate creates what is missing, so a crash halfway is safe to run
// again.
func migrateV11(tx *gorm.DB) error {
	return tx.AutoMigrate(&v11Intake{})
}

// v11Intake is the table as version 11 created it.
type v11Intake struct {
	ID          uint64  `gorm:"primaryKey"`
	Source      string  `gorm:"size:16;not null"`
	Channel     string  `gorm:"size:16;not null;uniqueIndex:ux_intake_channel_ext,priority:1"`
	ExternalID  string  `gorm:"size:128;not null;uniqueIndex:ux_intake_channel_ext,priority:2"`
	RequestHash string  `gorm:"size:64;not null;default:''"`
	State       string  `gorm:"size:16;not null;index:idx_intake_state_created,priority:1"`
	Body        string  `gorm:"type:text"`
	CustomerID  *uint64 `gorm:"index"`
	OrderID     *uint64 `gorm:"index"`
	Author      string  `gorm:"size:64;not null;default:'';index"`
	Photo       string  `gorm:"size:255;not null;default:''"`
	ExpiresAt   *time.Time
	ResolvedBy  string    `gorm:"size:64;not null;default:''"`
	CreatedAt   time.Time `gorm:"index:idx_intake_state_created,priority:2"`
	UpdatedAt   time.Time
}

func (v11Intake) TableName() string { return "intakes" }
