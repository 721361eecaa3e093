package service

import (
	"context"
	"errors"
	"sync"

	"gorm.io/gorm"

	"orderhub/model"
)

// orderIDs hands out order ids on MySQL and MariaDB from blocks taken from
// the counter model.CounterOrderIDs, so a batch knows its orders' ids, and
// so their numbers, before it writes them: the numbers go in with the
// INSERT (no UPDATE of every new order after it), and the rows hanging off
// the orders go in the same round trip. Every instance takes its own
// blocks: ids stay unique, but orders placed at the same moment on two
// instances (or by two batches) need not be numbered in the order they
// were placed, and a block's unused ids are skipped when the process
// stops, as auto-increment skips the ids of rolled-back inserts.
//
// A block starts above the highest order id already committed too, so an
// order inserted without a block (an older orderhub during a rolling
// upgrade, the demo history) is stepped over. One inserted meanwhile may
// still take an id of a block: that batch fails on the duplicate id,
// drop is called, and its orders are placed again from a fresh block.
type orderIDs struct {
	mu        sync.Mutex
	next, end uint64 // next to hand out; end is one past the block
}

// take returns n ids for new orders.
func (o *orderIDs) take(ctx context.Context, db *gorm.DB, n int) ([]uint64, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	ids := make([]uint64, 0, n)
	for len(ids) < n {
		if o.next >= o.end {
			first, err := newBlock(ctx, db, n-len(ids)+orderIDSlack)
			if err != nil {
				return nil, err
			}
			o.next, o.end = first, first+uint64(n-len(ids)+orderIDSlack)
		}
		ids = append(ids, o.next)
		o.next++
	}
	return ids, nil
}

// drop forgets the block in hand: the next take starts a new one.
func (o *orderIDs) drop() {
	o.mu.Lock()
	o.next, o.end = 0, 0
	o.mu.Unlock()
}

// orderIDSlack is how many ids a block holds beyond what the batch that
// takes it needs: under a flood a block serves a few batches; at a quiet
// shop's pace a restart skips at most this many numbers.
const orderIDSlack = 64

// newBlock moves the counter past size ids and returns the first of
// them. The highest order id is read without a lock (a locking read would
// wait for the batches inserting at the end of the table to commit).
func newBlock(ctx context.Context, db *gorm.DB, size int) (uint64, error) {
	var top uint64
	if err := db.WithContext(ctx).Model(&model.Order{}).Select("COALESCE(MAX(id), 0)").Scan(&top).Error; err != nil {
		return 0, err
	}
	sqlDB, err := db.DB()
	if err != nil {
		return 0, err
	}
	// LAST_INSERT_ID(expr) hands the new value back with the statement's
	// own answer, whatever the other instances do meanwhile.
	res, err := sqlDB.ExecContext(ctx, "UPDATE counters SET value = LAST_INSERT_ID(GREATEST(value, ?) + ?) WHERE name = ?", top, size, model.CounterOrderIDs)
	if err != nil {
		return 0, err
	}
	if n, err := res.RowsAffected(); err != nil || n != 1 {
		return 0, errors.Join(err, errors.New("order ids: the counter is missing (schema older than version 17?)"))
	}
	last, err := res.LastInsertId()
	if err != nil {
		return 0, err
	}
	return uint64(last) - uint64(size) + 1, nil
}
