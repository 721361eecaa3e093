package model

import "time"

// Buyer is one WeChat user of the mini-program, known by the openid
// code2session gives for our app id. A buyer orders for one customer
// company: a new buyer gets a customer of their own on first login, and
// staff may link them to an existing company instead.
type Buyer struct {
	ID         uint64 `gorm:"primaryKey"`
	OpenID     string `gorm:"size:64;not null;uniqueIndex"`
	UnionID    string `gorm:"size:64;not null;default:''"`
	CustomerID uint64 `gorm:"not null;index"`
	// Name is what the buyer is called in timelines (a demo login's name,
	// or a short form of the openid).
	Name        string `gorm:"size:64;not null;default:''"`
	LastLoginAt time.Time
	CreatedAt   time.Time
	UpdatedAt   time.Time
}
