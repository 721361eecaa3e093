package model

import "time"

// Outbox states.
const (
	OutboxPending = "pending" // waiting to be sent, or to be retried at NextAt
	OutboxSent    = "sent"
	OutboxFailed  = "failed" // gave up: WeCom refused it for good, or retries ran out
)

// Outbox is one outgoing message (a chat reply, a push), written in the
// same transaction as the change that causes it. A dispatcher sends due
// rows and records the outcome; a rolled-back change leaves no row, a crash
// after commit loses none.
type Outbox struct {
	ID uint64 `gorm:"primaryKey"`
	// Key makes a push idempotent: a second row with the same key is not
	// written (e.g. one per order, stage entry and escalation level). Nil
	// for plain replies.
	Key     *string `gorm:"size:191;uniqueIndex"`
	Channel string  `gorm:"size:16;not null"`
	// ToUser is the WeCom userid list, "a|b".
	ToUser string `gorm:"size:255;not null"`
	// MsgType is the WeCom msgtype (text, markdown, textcard, template_card);
	// Body is the JSON object that goes under that name.
	MsgType   string  `gorm:"size:32;not null"`
	Body      string  `gorm:"type:text;not null"`
	InboundID *uint64 `gorm:"index"`
	OrderID   *uint64 `gorm:"index"`
	State     string  `gorm:"size:16;not null;index:idx_outbox_due,priority:1"`
	// NextAt is when the row is due: now when written, later after a
	// failure (backoff) or while a dispatcher holds it (its lease).
	NextAt    time.Time `gorm:"not null;index:idx_outbox_due,priority:2"`
	Attempts  int       `gorm:"not null;default:0"`
	LastError string    `gorm:"size:500;not null;default:''"`
	// Claim is the token of the dispatcher that holds the row, so that a
	// dispatcher whose lease ran out cannot record an outcome over another's.
	Claim  string `gorm:"size:32;not null;default:''"`
	SentAt *time.Time
	// ResponseCode is what WeCom answered for a template card: the code
	// that updates it (update_template_card), once, within 72 h of SentAt.
	ResponseCode string `gorm:"size:128;not null;default:''"`
	CreatedAt    time.Time
	UpdatedAt    time.Time
}

// TableName keeps the table name singular, as the design names it.
func (Outbox) TableName() string { return "outbox" }
