package model

import (
	"errors"
	"strings"

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

// Permanent reports a database refusal no retry can fix: the data
// itself does not fit (too long, out of range, not a valid string, a
// CHECK failed). A chat command failing so is answered at once instead of
// being run again after every lease.
func Permanent(err error) bool {
	var me *gomysql.MySQLError
	if errors.As(err, &me) {
		switch me.Number {
		case 1264, 1366, 1406, 1292, 3819, 4025: // out of range, bad string, too long, bad value, CHECK (MySQL, MariaDB)
			return true
		}
		return false
	}
	if err == nil {
		return false
	}
	s := err.Error()
	return strings.Contains(s, "CHECK constraint failed") || strings.Contains(s, "string or blob too big") || strings.Contains(s, "integer overflow")
}
