package model

import (
	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// v17Counter is the counters table as version 17 created it.
type v17Counter struct {
	Name  string `gorm:"primaryKey;size:64"`
	Value uint64 `gorm:"not null;default:0"`
}

func (v17Counter) TableName() string { return "counters" }

// migrateV17 creates the counters: the reference data's version
// (CounterReference) and the order ids handed out in blocks
// (CounterOrderIDs, which starts at 0: a block starts above the highest
// order id anyway). Safe to run again: the table only if missing, the rows
// only if absent.
func migrateV17(tx *gorm.DB) error {
	if err := tx.AutoMigrate(&v17Counter{}); err != nil {
		return err
	}
	return tx.Clauses(clause.OnConflict{DoNothing: true}).Create(&[]v17Counter{{Name: CounterReference}, {Name: CounterOrderIDs}}).Error
}
