package model

import "gorm.io/gorm"

// migrateV14 drops two indexes of orders that other indexes already are:
// idx_orders_stage (stage) and idx_orders_stage_entered (stage,
// stage_entered_at) are each a leading part of idx_orders_delivered
// (stage, stage_entered_at, promised_at, …, version 15), which answers
// every query they did — a stage's orders, oldest entry first — from the
// same range. Every order placed and every stage move wrote all three;
// placing orders at a thousand a second, the two cost the database work
// for nothing. Version 15 may already be there (an upgrade from 15 runs 14
// after it): if it is not yet, it is built here first, so no query is
// ever without its index.
func migrateV14(tx *gorm.DB) error {
	if err := migrateV15(tx); err != nil {
		return err
	}
	for _, name := range []string{"idx_orders_stage", "idx_orders_stage_entered"} {
		if !tx.Migrator().HasIndex("orders", name) {
			continue
		}
		if err := tx.Migrator().DropIndex("orders", name); err != nil {
			return err
		}
	}
	return nil
}
