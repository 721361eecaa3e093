package model

import "time"

// Link request states.
const (
	LinkRequestOpen     = "open"     // waiting for customer service
	LinkRequestApproved = "approved" // the buyer now orders for the customer
	LinkRequestRejected = "rejected"
)

// LinkRequest is a buyer asking, from the mini-program, to order for their
// company (a customer) instead of the customer of their own their first
// login made; customer service approves or rejects it in WeCom. Its number
// (LR…) is derived from the id and the day it was made, so no string key is
// stored.
type LinkRequest struct {
	ID      uint64 `gorm:"primaryKey"`
	BuyerID uint64 `gorm:"not null;index"`
	// OpenBuyerID is BuyerID while the request is open and NULL after:
	// its unique index lets a buyer have one open request at a time, on
	// every database (NULLs do not collide).
	OpenBuyerID *uint64 `gorm:"uniqueIndex"`
	// CompanyName and CustomerCode are what the buyer typed; either may be
	// empty, not both.
	CompanyName  string `gorm:"size:64;not null;default:''"`
	CustomerCode string `gorm:"size:32;not null;default:''"`
	Note         string `gorm:"size:200;not null;default:''"`
	State        string `gorm:"size:16;not null;index"`
	// CustomerID is the customer the buyer was linked to, once approved.
	CustomerID *uint64
	// DecidedBy is who approved or rejected it, as a timeline label;
	// Reason is a rejection's reason, shown to the buyer.
	DecidedBy string `gorm:"size:64;not null;default:''"`
	Reason    string `gorm:"size:200;not null;default:''"`
	DecidedAt *time.Time
	CreatedAt time.Time `gorm:"not null"`
	UpdatedAt time.Time
}
