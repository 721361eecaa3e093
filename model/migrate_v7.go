package model

import "gorm.io/gorm"

// migrateV7 closes the ticket loop back to the people in it: tickets
// remember the buyer who reported them (so the buyer is told of updates),
// the outbox keeps the response code WeCom answers for a template card,
// and card tasks name the outbox row that sent them (so an ack or resolve
// from anywhere finds every card of the ticket still updatable).
// AddColumn is skipped for a column already there, so a crash between
// two of them is safe to run again.
func migrateV7(tx *gorm.DB) error {
	m := tx.Migrator()
	for _, c := range []struct {
		model any
		field string
	}{
		{&v7Ticket{}, "ReporterBuyerID"},
		{&v7Outbox{}, "ResponseCode"},
		{&v7CardTask{}, "OutboxKey"},
	} {
		if m.HasColumn(c.model, c.field) {
			continue
		}
		if err := m.AddColumn(c.model, c.field); err != nil {
			return err
		}
	}
	if !m.HasIndex(&v7CardTask{}, "idx_card_tasks_outbox_key") {
		return m.CreateIndex(&v7CardTask{}, "idx_card_tasks_outbox_key")
	}
	return nil
}

// v7Ticket, v7Outbox and v7CardTask are the columns version 7 adds, as it
// added them.
type v7Ticket struct {
	ReporterBuyerID *uint64
}

func (v7Ticket) TableName() string { return "tickets" }

type v7Outbox struct {
	ResponseCode string `gorm:"size:128;not null;default:''"`
}

func (v7Outbox) TableName() string { return "outbox" }

type v7CardTask struct {
	OutboxKey string `gorm:"size:191;not null;default:'';index:idx_card_tasks_outbox_key"`
}

func (v7CardTask) TableName() string { return "card_tasks" }
