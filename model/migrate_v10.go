package model

import "gorm.io/gorm"

// migrateV10 indexes what the war room reads by time: deliveries (moves
// into the last stage) and cancellations by day, every timeline entry by
// day (stage dwell), tickets by creation, and orders by creation (volume
// per day, the purchase calendar). Each index is created only if missing,
// so running it again after a crash is safe.
func migrateV10(tx *gorm.DB) error {
	m := tx.Migrator()
	for _, ix := range []struct {
		model any
		name  string
	}{
		{&v10OrderEvent{}, "idx_events_to_stage_at"},
		{&v10OrderEvent{}, "idx_events_created_at"},
		{&v10Ticket{}, "idx_tickets_created_at"},
		{&v10Order{}, "idx_orders_created_at"},
	} {
		if m.HasIndex(ix.model, ix.name) {
			continue
		}
		if err := m.CreateIndex(ix.model, ix.name); err != nil {
			return err
		}
	}
	return nil
}

// v10OrderEvent, v10Ticket and v10Order are the indexes version 10 adds,
// as it added them.
type v10OrderEvent struct {
	ToStage   string `gorm:"size:32;not null;default:'';index:idx_events_to_stage_at,priority:1"`
	CreatedAt int64  `gorm:"index:idx_events_to_stage_at,priority:2;index:idx_events_created_at"`
}

func (v10OrderEvent) TableName() string { return "order_events" }

type v10Ticket struct {
	CreatedAt int64 `gorm:"index:idx_tickets_created_at"`
}

func (v10Ticket) TableName() string { return "tickets" }

type v10Order struct {
	CreatedAt int64 `gorm:"index:idx_orders_created_at"`
}

func (v10Order) TableName() string { return "orders" }
