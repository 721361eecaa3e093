package service

import (
	"maps"
	"slices"
	"sync"
	"time"

	"gorm.io/gorm"

	"orderhub/model"
)

// presence is who is at work, as orderhub can tell: the last time each
// WeCom user sent the app anything (a command, a photo, a card tap),
// read from the inbound log. Someone silent for the configured away time
// (escalation.away) is taken as off shift or away, so that work goes to a
// holder who is there rather than waiting for one who is not.
//
// The log is read forward by primary key from where the last read
// stopped (an index range, however long the log), at most every
// presenceTTL; every instance reads the same log, so they agree.
type presence struct {
	mu     sync.Mutex
	readAt time.Time
	cursor uint64
	seen   map[string]time.Time
}

// presenceTTL is how stale the snapshot may be (at most a tenth of the
// away time).
const presenceTTL = 2 * time.Second

// presenceBatch bounds one read of the log.
const presenceBatch = 5000

// refresh reads what was logged since the last read.
func (p *presence) refresh(tx *gorm.DB, now time.Time, away time.Duration) error {
	if p.seen != nil && now.Sub(p.readAt) < min(presenceTTL, away/10) && !now.Before(p.readAt) {
		return nil
	}
	if p.seen == nil {
		p.seen = map[string]time.Time{}
		// A fresh process starts near the end of the log, not at its
		// beginning: only the recent past says who is at work.
		var last uint64
		if err := tx.Model(&model.Inbound{}).Select("COALESCE(MAX(id), 0)").Scan(&last).Error; err != nil {
			p.seen = nil
			return err
		}
		p.cursor = max(last, 4*presenceBatch) - 4*presenceBatch
	}
	for {
		var rows []struct {
			ID        uint64
			FromUser  string
			CreatedAt time.Time
		}
		if err := tx.Model(&model.Inbound{}).Select("id, from_user, created_at").Where("id > ?", p.cursor).
			Order("id").Limit(presenceBatch).Scan(&rows).Error; err != nil {
			return err
		}
		for _, r := range rows {
			if r.CreatedAt.After(p.seen[r.FromUser]) {
				p.seen[r.FromUser] = r.CreatedAt
			}
			p.cursor = r.ID
		}
		if len(rows) < presenceBatch {
			break
		}
	}
	p.readAt = now
	return nil
}

// atWork narrows staff to those seen within away of now; when none of
// them was (the night, a fresh start, away 0), it keeps them all, so
// that the work still reaches its holders, who see it when they are back.
func (p *Pipeline) atWork(tx *gorm.DB, staff []model.Staff, now time.Time) ([]model.Staff, error) {
	if p.away <= 0 || len(staff) == 0 {
		return staff, nil
	}
	seen, err := p.lastSeen(tx, now)
	if err != nil {
		return nil, err
	}
	here := slices.DeleteFunc(slices.Clone(staff), func(st model.Staff) bool { return !present(seen, st.UserID, now, p.away) })
	if len(here) == 0 {
		return staff, nil
	}
	return here, nil
}

// present says whether user sent the app anything within away of now,
// by the snapshot seen.
func present(seen map[string]time.Time, user string, now time.Time, away time.Duration) bool {
	at, ok := seen[user]
	return ok && now.Sub(at) < away
}

// lastSeen is a snapshot of when each user last sent the app anything.
func (p *Pipeline) lastSeen(tx *gorm.DB, now time.Time) (map[string]time.Time, error) {
	p.presence.mu.Lock()
	defer p.presence.mu.Unlock()
	if err := p.presence.refresh(tx, now, p.away); err != nil {
		return nil, err
	}
	return maps.Clone(p.presence.seen), nil
}
