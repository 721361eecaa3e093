package model

import (
	"time"

	"gorm.io/gorm"
)

// migrateV13 adds practice mode's own tables. Every database has them (one
// schema), but only a trainee's practice database ever writes them.
func migrateV13(tx *gorm.DB) error {
	return tx.AutoMigrate(&v13PracticeSession{}, &v13PracticeRefusal{})
}

// The tables version 13 adds, as it added them.
type v13PracticeSession struct {
	ID        uint64 `gorm:"primaryKey"`
	UserID    string `gorm:"size:64;not null;uniqueIndex"`
	Name      string `gorm:"size:64;not null;default:''"`
	State     string `gorm:"size:16;not null"`
	Sources   string `gorm:"type:text"`
	StartedAt time.Time
	EndedAt   *time.Time
	UpdatedAt time.Time
}

func (v13PracticeSession) TableName() string { return "practice_sessions" }

type v13PracticeRefusal struct {
	ID        uint64 `gorm:"primaryKey"`
	UserID    string `gorm:"size:64;not null;index"`
	Command   string `gorm:"size:255;not null;default:''"`
	OrderNo   string `gorm:"size:32;not null;default:''"`
	Code      string `gorm:"size:64;not null;default:''"`
	Reason    string `gorm:"size:500;not null;default:''"`
	CreatedAt time.Time
}

func (v13PracticeRefusal) TableName() string { return "practice_refusals" }
