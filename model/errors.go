package model

import (
	"errors"

	sqlitedrv "github.com/glebarez/go-sqlite"
	gomysql "github.com/go-sql-driver/mysql"
)

// Driver result codes that mean "the transaction lost a race and was rolled
// back; run it again".
const (
	mysqlDeadlock        = 1213
	mysqlLockWaitTimeout = 1205
	sqliteBusy           = 5 // SQLITE_BUSY; extended codes keep it in the low byte
)

// Retryable reports whether err is the database choosing a transaction as
// a deadlock victim, timing out a lock wait, or (SQLite) finding the
// database busy: each rolls the whole transaction back, so running it again
// is safe. It reads the driver's error type, never the message text.
func Retryable(err error) bool {
	var me *gomysql.MySQLError
	if errors.As(err, &me) {
		return me.Number == mysqlDeadlock || me.Number == mysqlLockWaitTimeout
	}
	var se *sqlitedrv.Error
	if errors.As(err, &se) {
		return se.Code()&0xff == sqliteBusy
	}
	return false
}
