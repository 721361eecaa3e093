package model

import (
	"time"

	"gorm.io/gorm"
)

// migrateV6 adds escalation: alarms (the ladders being climbed), delay
// notices, card tasks, and the indexes the scanner reads by, so one scan
// costs what is due, not what the database holds.
func migrateV6(tx *gorm.DB) error {
	if err := tx.AutoMigrate(&v6Alarm{}, &v6DelayNotice{}, &v6CardTask{}); err != nil {
		return err
	}
	// Orders sitting in a stage, oldest entry first: the scanner reads only
	// those in an escalating stage that entered before the first level.
	// Transfers likewise by status and age.
	for _, ix := range []struct{ table, name, cols string }{
		{"orders", "idx_orders_stage_entered", "stage, stage_entered_at"},
		{"transfers", "idx_transfers_status_created", "status, created_at"},
		{"tickets", "idx_tickets_state_created", "state, created_at"},
	} {
		if tx.Migrator().HasIndex(ix.table, ix.name) {
			continue
		}
		if err := tx.Exec("CREATE INDEX " + ix.name + " ON " + ix.table + " (" + ix.cols + ")").Error; err != nil {
			return err
		}
	}
	return nil
}

// v6Alarm, v6DelayNotice and v6CardTask are the tables as version 6
// created them.
type v6Alarm struct {
	ID        uint64    `gorm:"primaryKey"`
	Subject   string    `gorm:"size:16;not null;uniqueIndex:ux_alarm_entry,priority:1"`
	SubjectID uint64    `gorm:"not null;uniqueIndex:ux_alarm_entry,priority:2"`
	Clock     string    `gorm:"size:16;not null;uniqueIndex:ux_alarm_entry,priority:3"`
	Entry     int64     `gorm:"not null;uniqueIndex:ux_alarm_entry,priority:4"`
	Stage     string    `gorm:"size:32;not null;default:''"`
	EnteredAt time.Time `gorm:"not null"`
	Level     int       `gorm:"not null"`
	State     string    `gorm:"size:16;not null;index:idx_alarm_due,priority:1"`
	NextAt    time.Time `gorm:"not null;index:idx_alarm_due,priority:2"`
	TicketID  *uint64   `gorm:"index"`
	Told      string    `gorm:"type:text"`
	CreatedAt time.Time
	UpdatedAt time.Time
}

func (v6Alarm) TableName() string { return "alarms" }

type v6DelayNotice struct {
	ID         uint64    `gorm:"primaryKey"`
	OrderID    uint64    `gorm:"not null;uniqueIndex"`
	PromisedAt time.Time `gorm:"not null"`
	ETA        time.Time `gorm:"not null"`
	CouponFen  int64     `gorm:"not null;default:0"`
	CreatedAt  time.Time
}

func (v6DelayNotice) TableName() string { return "delay_notices" }

type v6CardTask struct {
	ID        uint64 `gorm:"primaryKey"`
	TaskID    string `gorm:"size:128;not null;uniqueIndex"`
	TicketID  uint64 `gorm:"not null;index"`
	ToUser    string `gorm:"size:1000;not null"`
	CreatedAt time.Time
}

func (v6CardTask) TableName() string { return "card_tasks" }
