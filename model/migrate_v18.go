package model

import (
	"time"

	"gorm.io/gorm"
)

// v18SessionRevocation is the session_revocations table as version 18
// created it.
type v18SessionRevocation struct {
	ID        string    `gorm:"primaryKey;size:32"`
	BuyerID   uint64    `gorm:"not null;index:idx_session_revocations_buyer_id"`
	ExpiresAt time.Time `gorm:"not null;index:idx_session_revocations_expires_at"`
	CreatedAt time.Time
}

func (v18SessionRevocation) TableName() string { return "session_revocations" }

// migrateV18 keeps buyers' logouts in the database: with only Redis
// holding them, a logout while Redis was down answered 500 and was lost.
// AutoMigrate creates what is missing, so running it again is safe.
func migrateV18(tx *gorm.DB) error {
	return tx.AutoMigrate(&v18SessionRevocation{})
}
