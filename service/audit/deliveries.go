package audit

import (
	"time"

	"gorm.io/gorm"
)

// DeliveryDrift is a delivered order whose record disagrees with its
// timeline. The on-time rate reads a delivery from the order (in the last
// stage, entered at stage_entered_at: one index range, see
// Measures.deliveries); the timeline's move into the last stage is the
// recorded event. moveStage writes both in one transaction, so a drift means
// a hand-written UPDATE, a restored backup or a bug, and the rate would
// count that delivery differently from the events.
type DeliveryDrift struct {
	OrderNo string
	// Stage and EnteredAt are the order's as stored; StageName is the
	// stage's display name.
	Stage, StageName string
	EnteredAt        time.Time
	// EventAt is the time of the delivery event looked at; nil when the
	// order has none.
	EventAt *time.Time
}

// checkDeliveries compares the delivered orders with their delivery events
// both ways: every order in the last stage has a move into it at its
// stage_entered_at, and every move into the last stage belongs to an order
// that is there since that moment (a second delivery event shows up too).
// Two scans over the delivered orders and their events; at most 100 of
// each are reported.
func (a *Auditor) checkDeliveries(db *gorm.DB) ([]DeliveryDrift, error) {
	last := a.pipe.Last().Key
	var missing []struct {
		No             string
		Stage          string
		StageEnteredAt time.Time
	}
	if err := db.Raw(`
SELECT o.no, o.stage, o.stage_entered_at FROM orders o
WHERE o.stage = ? AND NOT EXISTS (SELECT 1 FROM order_events e
	WHERE e.order_id = o.id AND e.kind = 'stage' AND e.to_stage = ? AND e.created_at = o.stage_entered_at)
ORDER BY o.id LIMIT 100`, last, last).Scan(&missing).Error; err != nil {
		return nil, err
	}
	var stray []struct {
		No             string
		Stage          string
		StageEnteredAt time.Time
		EventAt        time.Time
	}
	if err := db.Raw(`
SELECT o.no, o.stage, o.stage_entered_at, e.created_at AS event_at FROM order_events e JOIN orders o ON o.id = e.order_id
WHERE e.kind = 'stage' AND e.to_stage = ? AND (o.stage <> ? OR o.stage_entered_at <> e.created_at)
ORDER BY e.id LIMIT 100`, last, last).Scan(&stray).Error; err != nil {
		return nil, err
	}
	var out []DeliveryDrift
	for _, m := range missing {
		out = append(out, DeliveryDrift{OrderNo: m.No, Stage: m.Stage, StageName: a.pipe.Name(m.Stage), EnteredAt: m.StageEnteredAt})
	}
	for _, s := range stray {
		at := s.EventAt
		out = append(out, DeliveryDrift{OrderNo: s.No, Stage: s.Stage, StageName: a.pipe.Name(s.Stage), EnteredAt: s.StageEnteredAt, EventAt: &at})
	}
	return out, nil
}
