package model

import "time"

// Alarm subjects: what waits.
const (
	AlarmOrder    = "order"
	AlarmTicket   = "ticket"
	AlarmTransfer = "transfer"
)

// Alarm clocks: what is being waited for.
const (
	ClockStage    = "stage"    // an order leaving its stage
	ClockAck      = "ack"      // a ticket being acknowledged
	ClockResolve  = "resolve"  // a ticket being resolved
	ClockTransfer = "transfer" // a transfer being received
	ClockDispatch = "dispatch" // a transfer being dispatched (发出)
)

// Alarm states.
const (
	AlarmArmed   = "armed"   // Level fires at NextAt
	AlarmDone    = "done"    // every level fired
	AlarmStopped = "stopped" // acknowledged, or the subject moved on
)

// Alarm is one escalation ladder being climbed: one per (subject, clock,
// entry), so that a stage entered twice climbs twice and one entry never
// climbs twice. Level is the next level to fire; firing a level and moving
// Level on commit in one transaction with the pushes, which is what makes
// each (order, stage entry, level) push happen exactly once.
type Alarm struct {
	ID        uint64 `gorm:"primaryKey"`
	Subject   string `gorm:"size:16;not null;uniqueIndex:ux_alarm_entry,priority:1"`
	SubjectID uint64 `gorm:"not null;uniqueIndex:ux_alarm_entry,priority:2"`
	Clock     string `gorm:"size:16;not null;uniqueIndex:ux_alarm_entry,priority:3"`
	// Entry identifies the wait: the order's stage_entered_at, the
	// ticket's or transfer's creation, in Unix microseconds.
	Entry int64 `gorm:"not null;uniqueIndex:ux_alarm_entry,priority:4"`
	// Stage is the order's stage key (stage clock), for the ladder.
	Stage string `gorm:"size:32;not null;default:''"`
	// EnteredAt is when the wait began; levels count from it.
	EnteredAt time.Time `gorm:"not null"`
	Level     int       `gorm:"not null"`
	State     string    `gorm:"size:16;not null;index:idx_alarm_due,priority:1"`
	// NextAt is when Level is due (later than its After in quiet hours).
	NextAt time.Time `gorm:"not null;index:idx_alarm_due,priority:2"`
	// TicketID is the ticket level 1 opened (stage, transfer), or the
	// ticket itself (ack, resolve); acknowledging it stops the climb.
	TicketID *uint64 `gorm:"index"`
	// Told is the push history, a JSON list of {level, names, at}, so a
	// later level can say who was told and when.
	Told      string `gorm:"type:text"`
	CreatedAt time.Time
	UpdatedAt time.Time
}

// DelayNotice records that an order was found unable to make its
// promised time: the buyer told, and a compensation coupon recorded if
// configured. One per order, by its unique key.
type DelayNotice struct {
	ID         uint64    `gorm:"primaryKey"`
	OrderID    uint64    `gorm:"not null;uniqueIndex"`
	PromisedAt time.Time `gorm:"not null"`
	ETA        time.Time `gorm:"not null"`
	// CouponFen is the compensation coupon issued, 0 for none.
	CouponFen int64 `gorm:"not null;default:0"`
	CreatedAt time.Time
}

// CardTask remembers an interactive card sent for a ticket, so that an ack
// or resolve (a click on it, which names the task, or chat, or the staff
// API) finds every card of the ticket and who was shown it, to update them.
type CardTask struct {
	ID       uint64 `gorm:"primaryKey"`
	TaskID   string `gorm:"size:128;not null;uniqueIndex"`
	TicketID uint64 `gorm:"not null;index"`
	// ToUser is the "a|b" list the card went to.
	ToUser string `gorm:"size:1000;not null"`
	// OutboxKey is the key of the outbox row that sends the card; once
	// sent, that row holds the response code that updates it.
	OutboxKey string `gorm:"size:191;not null;default:'';index:idx_card_tasks_outbox_key"`
	CreatedAt time.Time
}
