package model

import "time"

// Inbound states.
const (
	InboundNew    = "new"    // recorded, not yet answered
	InboundDone   = "done"   // answered (the answer is in the outbox)
	InboundFailed = "failed" // gave up after repeated internal errors
)

// Inbound is one message or event a WeCom user sent to the app, recorded
// before the callback is answered, so that a command accepted but not
// finished when the process dies is run when it starts again.
type Inbound struct {
	ID uint64 `gorm:"primaryKey"`
	// MsgKey identifies the message across WeCom's retries: "msg:<MsgId>",
	// or for events "evt:<user>:<CreateTime>:<event>".
	MsgKey   string `gorm:"size:191;not null;uniqueIndex"`
	FromUser string `gorm:"size:64;not null"`
	MsgType  string `gorm:"size:16;not null"`
	Content  string `gorm:"type:text"`
	MediaID  string `gorm:"size:255;not null;default:''"`
	Event    string `gorm:"size:64;not null;default:''"`
	EventKey string `gorm:"size:255;not null;default:''"`
	State    string `gorm:"size:16;not null;index:idx_inbound_todo,priority:1"`
	// LeaseUntil: the worker running the message holds it until then; an
	// unfinished message whose lease ran out is taken up again.
	LeaseUntil time.Time `gorm:"not null;index:idx_inbound_todo,priority:2"`
	Attempts   int       `gorm:"not null;default:0"`
	LastError  string    `gorm:"size:500;not null;default:''"`
	// SentAt is WeCom's CreateTime.
	SentAt    time.Time
	CreatedAt time.Time
	DoneAt    *time.Time
}

// TableName keeps the table name singular.
func (Inbound) TableName() string { return "inbound" }
