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

// Subscription states.
const (
	SubscriptionPending = "pending" // allowed, not used yet
	SubscriptionQueued  = "queued"  // its one message is in the outbox
)

// Subscription is a buyer's one-time permission (wx.requestSubscribeMessage)
// to be sent one subscribe message about one order when one event happens:
// WeChat allows exactly one message per acceptance, so a subscription is
// used once and its message is queued in the outbox with the change that
// causes it.
type Subscription struct {
	ID      uint64 `gorm:"primaryKey"`
	OrderID uint64 `gorm:"not null;uniqueIndex:ux_sub_order_buyer_event,priority:1"`
	BuyerID uint64 `gorm:"not null;uniqueIndex:ux_sub_order_buyer_event,priority:2"`
	// Event is shipped, delivered or delay.
	Event     string  `gorm:"size:16;not null;uniqueIndex:ux_sub_order_buyer_event,priority:3"`
	OpenID    string  `gorm:"size:64;not null"`
	State     string  `gorm:"size:16;not null"`
	OutboxID  *uint64 `gorm:"index"`
	CreatedAt time.Time
	UpdatedAt time.Time
}

// SessionRevocation is a buyer's session ended by logout: the token whose
// random id it holds no longer authenticates, on any instance, until it
// would have expired anyway. The database holds it; Redis only a copy
// that refuses the token sooner.
type SessionRevocation struct {
	// ID is the token's 16 random bytes in hex.
	ID        string    `gorm:"primaryKey;size:32"`
	BuyerID   uint64    `gorm:"not null;index"`
	ExpiresAt time.Time `gorm:"not null;index"`
	CreatedAt time.Time
}

// PhotoUpload is one photo a buyer uploaded to a problem they reported:
// what the per-buyer quota counts (count and bytes per window), kept in
// the database so the quota holds whatever Redis does.
type PhotoUpload struct {
	ID        uint64    `gorm:"primaryKey"`
	BuyerID   uint64    `gorm:"not null;index:idx_photo_uploads_buyer_at,priority:1"`
	TicketNo  string    `gorm:"size:32;not null;default:''"`
	Bytes     int64     `gorm:"not null"`
	CreatedAt time.Time `gorm:"not null;index:idx_photo_uploads_buyer_at,priority:2"`
}
