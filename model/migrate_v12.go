package model

import (
	"time"

	"gorm.io/gorm"
)

// migrateV12 lets a company move in: warehouses name a keeper, products can
// be retired and carry per-channel aliases, customers keep an address on
// file and tags, staff remember their WeCom departments and lead, and
// periodic jobs (the nightly directory sync) are claimed per slot.
// AddColumn is skipped for a column already there, so a crash midway is
// safe to run again.
func migrateV12(tx *gorm.DB) error {
	m := tx.Migrator()
	for _, c := range []struct {
		model any
		field string
	}{
		{&v12Warehouse{}, "KeeperStaffID"},
		{&v12Product{}, "Active"},
		{&v12Customer{}, "Address"},
		{&v12Customer{}, "Tags"},
		{&v12Staff{}, "Departments"},
		{&v12Staff{}, "LeadUserID"},
	} {
		if m.HasColumn(c.model, c.field) {
			continue
		}
		if err := m.AddColumn(c.model, c.field); err != nil {
			return err
		}
	}
	return tx.AutoMigrate(&v12ProductAlias{}, &v12JobRun{})
}

// The columns and tables version 12 adds, as it added them.
type v12Warehouse struct {
	KeeperStaffID *uint64
}

func (v12Warehouse) TableName() string { return "warehouses" }

type v12Product struct {
	Active bool `gorm:"not null;default:true"`
}

func (v12Product) TableName() string { return "products" }

type v12Customer struct {
	Address string `gorm:"size:255;not null;default:''"`
	Tags    string `gorm:"size:255;not null;default:''"`
}

func (v12Customer) TableName() string { return "customers" }

type v12Staff struct {
	Departments string `gorm:"size:255;not null;default:''"`
	LeadUserID  string `gorm:"size:64;not null;default:''"`
}

func (v12Staff) TableName() string { return "staffs" }

type v12ProductAlias struct {
	ID        uint64 `gorm:"primaryKey"`
	Channel   string `gorm:"size:32;not null;uniqueIndex:ux_alias_channel_alias,priority:1"`
	Alias     string `gorm:"size:128;not null;uniqueIndex:ux_alias_channel_alias,priority:2"`
	ProductID uint64 `gorm:"not null;index"`
	CreatedAt time.Time
}

func (v12ProductAlias) TableName() string { return "product_aliases" }

type v12JobRun struct {
	ID         uint64 `gorm:"primaryKey"`
	Job        string `gorm:"size:32;not null;uniqueIndex:ux_job_run_slot,priority:1"`
	Slot       string `gorm:"size:32;not null;uniqueIndex:ux_job_run_slot,priority:2"`
	Instance   string `gorm:"size:64;not null;default:''"`
	StartedAt  time.Time
	FinishedAt *time.Time
	Result     string `gorm:"size:500;not null;default:''"`
}

func (v12JobRun) TableName() string { return "job_runs" }
