package model

import "time"

// Ticket kinds.
const (
	TicketStaffProblem    = "staff_problem"    // 异常, reported in chat
	TicketCustomerProblem = "customer_problem" // reported in the mini-program
	TicketStalled         = "stalled"          // an order stayed too long in a stage
	TicketTransferOverdue = "transfer_overdue"
)

// Ticket states, in order.
const (
	TicketOpen         = "open"
	TicketAcknowledged = "acknowledged"
	TicketResolved     = "resolved"
	TicketClosed       = "closed"
)

// Ticket is a problem someone must act on. No is derived from the id.
type Ticket struct {
	ID       uint64  `gorm:"primaryKey"`
	No       string  `gorm:"size:32;not null;uniqueIndex"`
	Kind     string  `gorm:"size:32;not null"`
	OrderID  *uint64 `gorm:"index"`
	Reporter string  `gorm:"size:128;not null;default:''"`
	// ReporterBuyerID is the buyer who reported a customer problem in the
	// mini-program: they are told when it is acknowledged, resolved, closed.
	ReporterBuyerID *uint64
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
