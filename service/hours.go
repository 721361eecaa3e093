package service

import (
	"context"
	"sync"
	"time"

	"gorm.io/gorm"

	"orderhub/model"
	"orderhub/service/worktime"
)

// Hours is the working-time calendar (service/worktime) by warehouse id:
// the stage clocks, the escalation ladders, the board and the ETAs count
// the owning warehouse's working hours with it. A nil *Hours is the wall
// clock: every hour counts.
type Hours struct {
	cal *worktime.Calendar
	db  *gorm.DB

	mu    sync.RWMutex
	codes map[uint64]string
}

// NewHours returns the calendar cal over the warehouses in db.
func NewHours(cal *worktime.Calendar, db *gorm.DB) *Hours {
	if cal == nil || db == nil {
		panic("service: NewHours: nil dependency")
	}
	return &Hours{cal: cal, db: db, codes: map[uint64]string{}}
}

// code is warehouse id's code; "" (the company's calendar) for 0 or an id
// the database does not know. Codes never change, so they are kept; an id
// not yet kept reloads them all (a small table, read on a new warehouse).
func (h *Hours) code(id uint64) string {
	if id == 0 {
		return ""
	}
	h.mu.RLock()
	c, ok := h.codes[id]
	h.mu.RUnlock()
	if ok {
		return c
	}
	var ws []model.Warehouse
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if err := h.db.WithContext(ctx).Select("id, code").Find(&ws).Error; err != nil {
		return ""
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, w := range ws {
		h.codes[w.ID] = w.Code
	}
	return h.codes[id]
}

// Add is the instant d of warehouse wh's working time after t.
func (h *Hours) Add(wh uint64, t time.Time, d time.Duration) time.Time {
	if h == nil {
		return t.Add(d)
	}
	return h.cal.Add(h.code(wh), t, d)
}

// Between is warehouse wh's working time from a to b.
func (h *Hours) Between(wh uint64, a, b time.Time) time.Duration {
	if h == nil {
		if b.After(a) {
			return b.Sub(a)
		}
		return 0
	}
	return h.cal.Between(h.code(wh), a, b)
}

// Open says whether warehouse wh works at t.
func (h *Hours) Open(wh uint64, t time.Time) bool {
	return h == nil || h.cal.Open(h.code(wh), t)
}

// NextOpen is the first instant at or after t when warehouse wh works.
func (h *Hours) NextOpen(wh uint64, t time.Time) time.Time {
	if h == nil {
		return t
	}
	return h.cal.NextOpen(h.code(wh), t)
}
