package model

import (
	"fmt"
	"strings"

	"gorm.io/gorm"
)

// migrateV30 makes every key compare byte for byte on MySQL and MariaDB,
// as SQLite's default BINARY collation does (DESIGN.md invariant 11): the
// string columns of every primary or unique index get utf8mb4_bin. Under
// the default utf8mb4_general_ci, pos-ab-7, POS-AB-7 and pös-ab-7 were one
// external id, Idempotency-Keys differing in case one key, and staff ids
// and channel aliases likewise, so a second was refused or replayed the
// first and an import answered 500. The columns are found in the schema
// as this version has it; later key columns declare the collation.
// Nothing to do on SQLite.
func migrateV30(tx *gorm.DB) error {
	if !IsMySQL(tx) {
		return nil
	}
	var cols []struct {
		Table, Column, Type, Nullable string
		Default                       *string
	}
	err := tx.Raw(`SELECT DISTINCT c.TABLE_NAME AS ` + "`table`" + `, c.COLUMN_NAME AS ` + "`column`" + `, c.COLUMN_TYPE AS type,
			c.IS_NULLABLE AS nullable, c.COLUMN_DEFAULT AS ` + "`default`" + `
		FROM information_schema.STATISTICS s
		JOIN information_schema.COLUMNS c ON c.TABLE_SCHEMA = s.TABLE_SCHEMA AND c.TABLE_NAME = s.TABLE_NAME AND c.COLUMN_NAME = s.COLUMN_NAME
		WHERE s.TABLE_SCHEMA = DATABASE() AND s.NON_UNIQUE = 0 AND c.DATA_TYPE IN ('varchar', 'char')
			AND c.COLLATION_NAME <> 'utf8mb4_bin'
		ORDER BY c.TABLE_NAME, c.COLUMN_NAME`).Scan(&cols).Error
	if err != nil {
		return err
	}
	for _, c := range cols {
		def := " NOT NULL"
		if c.Nullable == "YES" {
			def = " NULL"
		}
		if c.Default != nil && *c.Default != "NULL" {
			d := *c.Default
			// MariaDB quotes string defaults in COLUMN_DEFAULT, MySQL does not.
			if !strings.HasPrefix(d, "'") {
				d = "'" + strings.ReplaceAll(d, "'", "''") + "'"
			}
			def += " DEFAULT " + d
		}
		q := fmt.Sprintf("ALTER TABLE `%s` MODIFY `%s` %s CHARACTER SET utf8mb4 COLLATE utf8mb4_bin%s", c.Table, c.Column, c.Type, def)
		if err := tx.Exec(q).Error; err != nil {
			return fmt.Errorf("%s.%s: %w", c.Table, c.Column, err)
		}
	}
	return nil
}
