package model_test

import (
	"testing"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"orderhub/model"
	"orderhub/model/modeltest"
)

// TestRowUsesThePrimaryKey: a guarded write to one row must read that row
// by its primary key. On a new MariaDB table, whose statistics are still
// zero, `WHERE id = ? AND state = ?` was read through (state, next_at),
// locking every armed alarm: two instances firing different alarms
// deadlocked, and the retry's SKIP LOCKED claim found nothing to fire.
func TestRowUsesThePrimaryKey(t *testing.T) {
	modeltest.Each(t, func(t *testing.T, db *gorm.DB) {
		// One alarm armed among fired ones: the optimizer then guesses
		// (state, next_at) holds a single matching row.
		now := time.Now().UTC()
		for i := 0; i < 30; i++ {
			a := model.Alarm{Subject: model.AlarmOrder, SubjectID: uint64(i + 1), Clock: model.ClockStage, Entry: int64(i),
				EnteredAt: now, Level: 2, State: model.AlarmDone, NextAt: now, Told: "[]"}
			if i == 0 {
				a.State = model.AlarmArmed
			}
			if err := db.Create(&a).Error; err != nil {
				t.Fatal(err)
			}
		}
		sql := db.ToSQL(func(tx *gorm.DB) *gorm.DB {
			return model.Row(tx, &model.Alarm{}).Where("id = ? AND level = ? AND state = ?", 1, 2, model.AlarmArmed).
				Updates(map[string]any{"state": model.AlarmDone, "level": 3})
		})
		if !model.IsMySQL(db) {
			// SQLite has no row locks to spread; the statement must still
			// be the plain guarded update.
			if err := db.Exec(sql).Error; err != nil {
				t.Fatalf("%s: %v", sql, err)
			}
			return
		}
		var plan []map[string]any
		if err := db.Raw("EXPLAIN " + sql).Scan(&plan).Error; err != nil {
			t.Fatal(err)
		}
		if len(plan) != 1 || plan[0]["key"] != "PRIMARY" {
			t.Fatalf("%s\nreads %v, want the primary key", sql, plan)

		}
	})
}

// TestDoNothingCountsOnlyTheInsert: "the instance whose insert went in
// sends" rests on OnConflict{DoNothing} reporting 0 rows for a duplicate.
// On MariaDB 10.5+ gorm used RETURNING, which hands back the existing row,
// so both of two instances thought they had sent a stocking list.
func TestDoNothingCountsOnlyTheInsert(t *testing.T) {
	modeltest.Each(t, func(t *testing.T, db *gorm.DB) {
		for i, want := range []int64{1, 0, 0} {
			row := model.StockingSend{CustomerID: 7, Window: "2026-12-22", Lines: "[]", SentAt: time.Now().UTC()}
			res := db.Clauses(clause.OnConflict{DoNothing: true}).Create(&row)
			if res.Error != nil {
				t.Fatal(res.Error)
			}
			if res.RowsAffected != want {
				t.Fatalf("insert %d: %d rows affected, want %d", i+1, res.RowsAffected, want)
			}
		}
	})
}
