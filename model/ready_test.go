package model_test

import (
	"context"
	"strings"
	"testing"

	"gorm.io/gorm"

	"orderhub/model"
	"orderhub/model/modeltest"
)

// Readiness reads the schema version: a database dropped under a running
// instance, or never migrated, is not ready.
func TestCheckSchema(t *testing.T) {
	modeltest.Each(t, func(t *testing.T, db *gorm.DB) {
		ctx := context.Background()
		if err := model.CheckSchema(ctx, db); err != nil {
			t.Fatalf("migrated database: %v", err)
		}
		name := model.DatabaseName(db)
		if model.IsMySQL(db) {
			if err := db.Exec("DROP DATABASE `" + name + "`").Error; err != nil {
				t.Fatal(err)
			}
		} else if err := db.Exec("DROP TABLE schema_migrations").Error; err != nil {
			t.Fatal(err)
		}
		err := model.CheckSchema(ctx, db)
		if err == nil || !strings.Contains(err.Error(), name) {
			t.Fatalf("dropped: err = %v, want one naming %s", err, name)
		}
	})
}
