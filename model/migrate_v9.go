package model

import (
	"time"

	"gorm.io/gorm"
)

// migrateV9 adds the 发出 step of a transfer (when, by whom, carrier and
// waybill) and where an order's address came from. AddColumn is skipped
// for a column already there, so a crash midway is safe to run again.
func migrateV9(tx *gorm.DB) error {
	m := tx.Migrator()
	for _, c := range []struct {
		model any
		field string
	}{
		{&v9Transfer{}, "DispatchedAt"},
		{&v9Transfer{}, "DispatchedBy"},
		{&v9Transfer{}, "Carrier"},
		{&v9Transfer{}, "WaybillNo"},
		{&v9Order{}, "AddressSource"},
	} {
		if m.HasColumn(c.model, c.field) {
			continue
		}
		if err := m.AddColumn(c.model, c.field); err != nil {
			return err
		}
	}
	return nil
}

// The columns version 9 adds, as it added them.
type v9Transfer struct {
	DispatchedAt *time.Time
	DispatchedBy string `gorm:"size:64;not null;default:''"`
	Carrier      string `gorm:"size:32;not null;default:''"`
	WaybillNo    string `gorm:"size:64;not null;default:''"`
}

func (v9Transfer) TableName() string { return "transfers" }

type v9Order struct {
	AddressSource string `gorm:"size:16;not null;default:''"`
}

func (v9Order) TableName() string { return "orders" }
