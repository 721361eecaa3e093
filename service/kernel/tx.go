package kernel

import (
	"context"
	"errors"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"orderhub/model"
)

// Clock tells the time; injected so rules never call time.Now deep inside.
type Clock func() time.Time

// SystemClock is the wall clock in UTC.
func SystemClock() time.Time { return time.Now().UTC() }

// InTx runs fn in one transaction, retrying it whole when the database
// chose it as a deadlock victim or timed out a lock wait: both roll the
// transaction back, so running it again is safe.
//
// Under a pending chat reply (Inbox.Write) the transaction must finish the
// message before it commits; one that does not is rolled back with
// ErrUnfinished, so no chat write commits with its message left open.
func InTx(ctx context.Context, db *gorm.DB, fn func(tx *gorm.DB) error) error {
	if p := ReplySlotOf(ctx); p != nil {
		inner := fn
		fn = func(tx *gorm.DB) error {
			p.finished = false // a retried attempt finishes again
			if err := inner(tx); err != nil {
				return err
			}
			if !p.finished {
				return ErrUnfinished
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

// ForUpdate locks the rows a query reads until the transaction ends. SQLite
// has no row locks: its transactions take the database write lock at BEGIN.
func ForUpdate(tx *gorm.DB) *gorm.DB {
	if model.IsMySQL(tx) {
		return tx.Clauses(clause.Locking{Strength: "UPDATE"})
	}
	return tx
}

// TakeOptional loads one row that may rightly be missing (an owner or an
// assignee since removed, a customer's name): found is false for no rows,
// and any other database error is returned, never swallowed.
func TakeOptional(q *gorm.DB, dest any) (found bool, err error) {
	err = q.Take(dest).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return false, nil
	}
	return err == nil, err
}

// IsDuplicate reports a unique-key violation.
func IsDuplicate(err error) bool { return errors.Is(err, gorm.ErrDuplicatedKey) }

// NotFound turns gorm's no-rows error into a NotFoundError.
func NotFound(err error, what, key string) error {
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return &NotFoundError{What: what, Key: key}
	}
	return err
}
