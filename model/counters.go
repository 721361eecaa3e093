package model

import (
	"errors"
	"slices"
	"strings"

	gomysql "github.com/go-sql-driver/mysql"
	"gorm.io/gorm"
)

// A Counter is a number every instance shares, kept in the database (never
// in Redis: nothing it guards may depend on Redis being up).
type Counter struct {
	Name  string `gorm:"primaryKey;size:64"`
	Value uint64 `gorm:"not null;default:0"`
}

// CounterReference is the version of the reference data a placement is
// decided against: customers, products, warehouses and staff. Every write
// to those tables through gorm adds one to it in the same statement's
// transaction (watchReference), so an instance that kept them from an
// earlier batch knows, by reading this one row, whether they are still
// what the database holds.
const CounterReference = "reference"

// CounterOrderIDs is the highest order id handed out in a block on MySQL
// and MariaDB (service/orderids.go).
const CounterOrderIDs = "orders.id"

// ReferenceTables are the tables whose writes move CounterReference.
var ReferenceTables = []string{"customers", "products", "warehouses", "staffs"}

// watchReference registers the callbacks that move CounterReference after
// every create, update and delete of a reference table that changed a row.
// They run on the statement's own connection: inside the writer's
// transaction when there is one, so the data and its version commit
// together; right after the write otherwise, which a reader sees as if it
// had read a moment earlier.
//
// Raw SQL (db.Exec) passes no callback that knows its table, so reference
// tables are written through gorm's models only; TestReferenceWritesAreWatched
// reads the code for raw writes to them.
func watchReference(db *gorm.DB) error {
	bump := func(tx *gorm.DB) {
		if tx.Error != nil || tx.Statement.RowsAffected <= 0 || tx.DryRun || !slices.Contains(ReferenceTables, tx.Statement.Table) {
			return
		}
		st := tx.Statement
		_, err := st.ConnPool.ExecContext(st.Context, "UPDATE counters SET value = value + 1 WHERE name = ?", CounterReference)
		if err != nil && !noCounters(err) {
			_ = tx.AddError(err)
		}
	}
	cb := db.Callback()
	if err := cb.Create().After("gorm:create").Register("orderhub:reference_version", bump); err != nil {
		return err
	}
	if err := cb.Update().After("gorm:update").Register("orderhub:reference_version", bump); err != nil {
		return err
	}
	return cb.Delete().After("gorm:delete").Register("orderhub:reference_version", bump)
}

// noCounters reports an error saying the counters table is not there yet:
// a database below schema version 17, written while it is migrated or by
// a test building an old schema. Nobody caches its reference data then.
func noCounters(err error) bool {
	var me *gomysql.MySQLError
	if errors.As(err, &me) {
		return me.Number == 1146 // ER_NO_SUCH_TABLE
	}
	return strings.Contains(err.Error(), "no such table: counters")
}
