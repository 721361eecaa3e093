package model

import "time"

// Practice session states.
const (
	PracticeSeeding = "seeding" // the sandbox is being filled
	PracticeActive  = "active"  // the trainee's chat goes to the sandbox
	PracticeEnded   = "ended"   // the trainee left; the sandbox is kept for the mentor
)

// PracticeSession is a trainee's practice, written only in that trainee's
// practice database (its sandbox), never in the real one: whether a
// WeCom user is practising is read from there by every instance.
type PracticeSession struct {
	ID     uint64 `gorm:"primaryKey"`
	UserID string `gorm:"size:64;not null;uniqueIndex"`
	Name   string `gorm:"size:64;not null;default:''"`
	State  string `gorm:"size:16;not null"`
	// Sources are the ids of the real orders the sandbox copies,
	// comma-separated (read once more if placing them was cut short).
	Sources   string `gorm:"type:text"`
	StartedAt time.Time
	EndedAt   *time.Time
	UpdatedAt time.Time
}

// PracticeRefusal is a practice command the services refused, with why,
// for the mentor: what the trainee still gets wrong.
type PracticeRefusal struct {
	ID      uint64 `gorm:"primaryKey"`
	UserID  string `gorm:"size:64;not null;index"`
	Command string `gorm:"size:255;not null;default:''"`
	OrderNo string `gorm:"size:32;not null;default:''"`
	// Code is the refusal's stable code (service/kernel/codes.go); Reason the
	// chat line the trainee was answered.
	Code      string `gorm:"size:64;not null;default:''"`
	Reason    string `gorm:"size:500;not null;default:''"`
	CreatedAt time.Time
}
