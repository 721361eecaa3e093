package model_test

import (
	"testing"
	"time"

	"gorm.io/gorm"

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
