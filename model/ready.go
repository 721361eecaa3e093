package model

import (
	"context"
	"fmt"

	gomysql "github.com/go-sql-driver/mysql"
	"gorm.io/driver/mysql"
	"gorm.io/gorm"
)

// CheckSchema reports whether db holds orderhub's schema at the version
// this build needs. It reads schema_migrations, so a dropped database, a
// dropped table or an unmigrated one is an error, not a ping that passes;
// the error names the database it looked at.
func CheckSchema(ctx context.Context, db *gorm.DB) error {
	name := DatabaseName(db)
	var v *int
	if err := db.WithContext(ctx).Raw("SELECT MAX(version) FROM schema_migrations").Scan(&v).Error; err != nil {
		return fmt.Errorf("database %s: no orderhub schema (run orderhub migrate): %w", name, err)
	}
	if v == nil || *v < LatestVersion() {
		have := 0
		if v != nil {
			have = *v
		}
		return fmt.Errorf("database %s: schema at version %d, this build needs %d (run orderhub migrate)", name, have, LatestVersion())
	}
	return nil
}

// DatabaseName names the database db is connected to: the schema on
// MySQL/MariaDB, the file on SQLite.
func DatabaseName(db *gorm.DB) string {
	if d, ok := db.Dialector.(*mysql.Dialector); ok {
		// From the DSN, not SELECT DATABASE(): a dropped database is no
		// longer selected, and it is the one to name.
		if c, err := gomysql.ParseDSN(d.DSN); err == nil && c.DBName != "" {
			return c.DBName
		}
		return "(none selected)"
	}
	var rows []struct {
		Name string
		File string
	}
	if err := db.Raw("PRAGMA database_list").Scan(&rows).Error; err == nil {
		for _, r := range rows {
			if r.Name == "main" {
				if r.File == "" {
					return "(in memory)"
				}
				return r.File
			}
		}
	}
	return "(sqlite)"
}
