package model

import "time"

// ProductAlias is another name a channel uses for one of our products: a
// customer's own part number, a marketplace's SKU, the words on a slip.
// One table for every channel, unique per (channel, alias), so intake
// matching and the product API read the same aliases.
type ProductAlias struct {
	ID        uint64 `gorm:"primaryKey"`
	Channel   string `gorm:"size:32;not null;uniqueIndex:ux_alias_channel_alias,priority:1"`
	Alias     string `gorm:"size:128;not null;uniqueIndex:ux_alias_channel_alias,priority:2"`
	ProductID uint64 `gorm:"not null;index"`
	CreatedAt time.Time
}

// JobRun is one run of a periodic job claimed by one instance: the unique
// (job, slot) lets several instances race for the nightly run and exactly
// one win, with no timer assuming it is alone.
type JobRun struct {
	ID         uint64 `gorm:"primaryKey"`
	Job        string `gorm:"size:32;not null;uniqueIndex:ux_job_run_slot,priority:1"`
	Slot       string `gorm:"size:32;not null;uniqueIndex:ux_job_run_slot,priority:2"`
	Instance   string `gorm:"size:64;not null;default:''"`
	StartedAt  time.Time
	FinishedAt *time.Time
	// Result is a short summary of what the run did, or why it failed.
	Result string `gorm:"size:500;not null;default:''"`
}
