package service

import (
	"context"
	"errors"
	"strings"
	"time"

	gomysql "github.com/go-sql-driver/mysql"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"orderhub/model"
)

// Clock tells the time; injected so rules never call time.Now deep inside.
type Clock func() time.Time

// SystemClock is the wall clock in UTC.
func SystemClock() time.Time { return time.Now().UTC() }

// inTx runs fn in one transaction, retrying it whole when the database
// chose it as a deadlock victim or timed out a lock wait: both roll the
// transaction back, so running it again is safe.
//
// Under a pending chat reply (Inbox.Write) the transaction must finish the
// message before it commits; one that does not is rolled back with
// errUnfinished, so no chat write commits with its message left open.
func inTx(ctx context.Context, db *gorm.DB, fn func(tx *gorm.DB) error) error {
	if p := pendingOf(ctx); p != nil {
		inner := fn
		fn = func(tx *gorm.DB) error {
			p.finished = false // a retried attempt finishes again
			if err := inner(tx); err != nil {
				return err
			}
			if !p.finished {
				return errUnfinished
			}
			return nil
		}
	}
	var err error
	for attempt := 0; attempt < 5; attempt++ {
		err = db.WithContext(ctx).Transaction(fn)
		if !model.Retryable(err) {
			return err
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(time.Duration(attempt+1) * 5 * time.Millisecond):
		}
	}
	return err
}

// IsPermanent reports a database refusal no retry can fix: the data
// itself does not fit (too long, out of range, not a valid string, a
// CHECK failed). A chat command failing so is answered at once instead of
// being run again after every lease.
func IsPermanent(err error) bool {
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

// forUpdate locks the rows a query reads until the transaction ends. SQLite
// has no row locks: its transactions take the database write lock at BEGIN.
func forUpdate(tx *gorm.DB) *gorm.DB {
	if model.IsMySQL(tx) {
		return tx.Clauses(clause.Locking{Strength: "UPDATE"})
	}
	return tx
}

// takeOptional loads one row that may rightly be missing (an owner or an
// assignee since removed, a customer's name): found is false for no rows,
// and any other database error is returned, never swallowed.
func takeOptional(q *gorm.DB, dest any) (found bool, err error) {
	err = q.Take(dest).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return false, nil
	}
	return err == nil, err
}

// isDuplicate reports a unique-key violation.
func isDuplicate(err error) bool { return errors.Is(err, gorm.ErrDuplicatedKey) }

// notFound turns gorm's no-rows error into a NotFoundError.
func notFound(err error, what, key string) error {
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return &NotFoundError{What: what, Key: key}
	}
	return err
}
