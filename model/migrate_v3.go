package model

import (
	"time"

	"gorm.io/gorm"
)

// migrateV3 creates the WeCom bot's tables: the outbox every outgoing
// message goes through, the inbound messages staff sent, and tickets.
func migrateV3(tx *gorm.DB) error {
	return tx.AutoMigrate(&v3Outbox{}, &v3Inbound{}, &v3Ticket{})
}

// v3Outbox, v3Inbound and v3Ticket are the tables as version 3 created
// them; spelled out so that a later change to the models does not change
// what version 3 builds.
type v3Outbox struct {
	ID        uint64    `gorm:"primaryKey"`
	Key       *string   `gorm:"size:191;uniqueIndex"`
	Channel   string    `gorm:"size:16;not null"`
	ToUser    string    `gorm:"size:255;not null"`
	MsgType   string    `gorm:"size:32;not null"`
	Body      string    `gorm:"type:text;not null"`
	InboundID *uint64   `gorm:"index"`
	OrderID   *uint64   `gorm:"index"`
	State     string    `gorm:"size:16;not null;index:idx_outbox_due,priority:1"`
	NextAt    time.Time `gorm:"not null;index:idx_outbox_due,priority:2"`
	Attempts  int       `gorm:"not null;default:0"`
	LastError string    `gorm:"size:500;not null;default:''"`
	Claim     string    `gorm:"size:32;not null;default:''"`
	SentAt    *time.Time
	CreatedAt time.Time
	UpdatedAt time.Time
}

func (v3Outbox) TableName() string { return "outbox" }

type v3Inbound struct {
	ID         uint64    `gorm:"primaryKey"`
	MsgKey     string    `gorm:"size:191;not null;uniqueIndex"`
	FromUser   string    `gorm:"size:64;not null"`
	MsgType    string    `gorm:"size:16;not null"`
	Content    string    `gorm:"type:text"`
	MediaID    string    `gorm:"size:255;not null;default:''"`
	Event      string    `gorm:"size:64;not null;default:''"`
	EventKey   string    `gorm:"size:255;not null;default:''"`
	State      string    `gorm:"size:16;not null;index:idx_inbound_todo,priority:1"`
	LeaseUntil time.Time `gorm:"not null;index:idx_inbound_todo,priority:2"`
	Attempts   int       `gorm:"not null;default:0"`
	LastError  string    `gorm:"size:500;not null;default:''"`
	SentAt     time.Time
	CreatedAt  time.Time
	DoneAt     *time.Time
}

func (v3Inbound) TableName() string { return "inbound" }

type v3Ticket struct {
	ID              uint64  `gorm:"primaryKey"`
	No              string  `gorm:"size:32;not null;uniqueIndex"`
	Kind            string  `gorm:"size:32;not null"`
	OrderID         *uint64 `gorm:"index"`
	Reporter        string  `gorm:"size:128;not null;default:''"`
	Description     string  `gorm:"size:1000;not null;default:''"`
	State           string  `gorm:"size:16;not null;index"`
	AssigneeStaffID *uint64 `gorm:"index"`
	Resolution      string  `gorm:"size:1000;not null;default:''"`
	AckAt           *time.Time
	ResolvedAt      *time.Time
	ClosedAt        *time.Time
	CreatedAt       time.Time
	UpdatedAt       time.Time
}

func (v3Ticket) TableName() string { return "tickets" }
