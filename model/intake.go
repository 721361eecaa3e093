package model

import "time"

// Intake sources: where an order that did not come through the placement
// API itself came from.
const (
	SourceChannel = "channel" // a signed channel request (1688, Douyin, POS, …)
	SourceChat    = "chat"    // quick entry typed in WeCom chat (下单 …)
	SourcePhoto   = "photo"   // a photo of a slip, read by OCR
)

// Intake states.
const (
	IntakeReview    = "needs_review" // something did not match: waits for customer service
	IntakeDraft     = "draft"        // a chat draft waiting for its author's 确认
	IntakePlaced    = "placed"       // placed; OrderID is set
	IntakeCancelled = "cancelled"    // dropped by its author (取消) or by review
	IntakeExpired   = "expired"      // a draft nobody confirmed in time
)

// Intake is an order as it arrived from a channel, a chat draft or a slip
// photo, before and after it became an order. Nothing in it is reserved:
// stock is locked only when it is placed through the normal path. The
// (channel, external id) pair is unique, which is what makes a channel's
// retry return the same order.
type Intake struct {
	ID         uint64 `gorm:"primaryKey"`
	Source     string `gorm:"size:16;not null"`
	Channel    string `gorm:"size:16;not null;uniqueIndex:ux_intake_channel_ext,priority:1"`
	ExternalID string `gorm:"size:128;not null;uniqueIndex:ux_intake_channel_ext,priority:2"`
	// RequestHash is the SHA-256 of the request's canonical JSON.
	RequestHash string `gorm:"size:64;not null;default:''"`
	State       string `gorm:"size:16;not null;index:idx_intake_state_created,priority:1"`
	// Body is the normalised order, with what matched and what did not
	// (service.IntakeBody as JSON).
	Body       string  `gorm:"type:text"`
	CustomerID *uint64 `gorm:"index"`
	OrderID    *uint64 `gorm:"index"`
	// Author is the WeCom userid of a chat or photo draft: only they may
	// confirm it.
	Author    string     `gorm:"size:64;not null;default:'';index"`
	Photo     string     `gorm:"size:255;not null;default:''"`
	ExpiresAt *time.Time // drafts only
	// ResolvedBy names who resolved a review or confirmed a draft.
	ResolvedBy string    `gorm:"size:64;not null;default:''"`
	CreatedAt  time.Time `gorm:"index:idx_intake_state_created,priority:2"`
	UpdatedAt  time.Time
}
