package service

import (
	"context"
	"fmt"
	"sync"
	"time"

	"gorm.io/gorm"

	"orderhub/model"
)

// Inbound rows arriving together are written together: the callback must
// persist each message before it answers WeCom, and under a burst (50
// staff posting at once) one autocommit INSERT per message queued every
// callback behind the database's commits. A recorder gathers the rows
// that arrive while a write is in flight and inserts them as one
// multi-row INSERT, one commit; each caller still learns its own row's id
// and whether it was fresh, and is answered only after the commit.
//
// Failure cases: a key recorded before (WeCom's retry past the Redis
// dedupe, a second instance) makes the whole INSERT fail on the unique
// key; then the batch is written again one row at a time, so only that
// message reads as not fresh. Any other error is also retried one row at
// a time, so each caller gets its own row's error. The ids are read back
// by key, not assumed consecutive (innodb_autoinc_lock_mode may be 2).

// recordBatchMax bounds a batch: SQLite's driver binds placeholders in
// time quadratic in their count, and an inbound row has 13 columns.
const recordBatchMax = 32

// recordTimeout bounds one batch's write; WeCom waits 5 s for the answer.
const recordTimeout = 5 * time.Second

type recordReq struct {
	row   model.Inbound
	fresh bool
	err   error
	done  chan struct{}
}

type recorder struct {
	db      *gorm.DB
	mu      sync.Mutex
	pending []*recordReq
	leading bool
}

// record writes row (with any others waiting) and returns it with its id.
func (r *recorder) record(row model.Inbound) (model.Inbound, bool, error) {
	q := &recordReq{row: row, done: make(chan struct{})}
	r.mu.Lock()
	r.pending = append(r.pending, q)
	if !r.leading {
		r.leading = true
		go r.lead()
	}
	r.mu.Unlock()
	<-q.done
	return q.row, q.fresh, q.err
}

// lead writes batches until nothing waits: one batch in flight, the next
// one gathering meanwhile.
func (r *recorder) lead() {
	for {
		r.mu.Lock()
		n := min(len(r.pending), recordBatchMax)
		if n == 0 {
			r.leading = false
			r.mu.Unlock()
			return
		}
		batch := make([]*recordReq, n)
		copy(batch, r.pending)
		r.pending = append(r.pending[:0], r.pending[n:]...)
		r.mu.Unlock()
		r.writeSafely(batch)
		for _, q := range batch {
			close(q.done)
		}
	}
}

// writeSafely is write, but a panic in it (a bug) fails the batch's rows
// with an error (each callback answers 500 and WeCom sends it again)
// instead of killing the server.
func (r *recorder) writeSafely(batch []*recordReq) {
	defer func() {
		if v := recover(); v != nil {
			for _, q := range batch {
				q.fresh, q.err = false, fmt.Errorf("recording the message failed (internal error): %v", v)
			}
		}
	}()
	r.write(batch)
}

func (r *recorder) write(batch []*recordReq) {
	ctx, cancel := context.WithTimeout(context.Background(), recordTimeout)
	defer cancel()
	db := r.db.WithContext(ctx)
	// A key twice in one batch is a retry of the first: only the first is
	// written; the others are answered "not fresh" (nothing must run).
	owners := make([]*recordReq, 0, len(batch))
	seen := make(map[string]bool, len(batch))
	for _, q := range batch {
		if !seen[q.row.MsgKey] {
			seen[q.row.MsgKey] = true
			owners = append(owners, q)
		}
	}
	if len(owners) > 1 && r.writeAll(db, owners) == nil {
		return
	}
	for _, q := range owners {
		q.err = db.Create(&q.row).Error
		if isDuplicate(q.err) {
			q.err = nil
			continue
		}
		q.fresh = q.err == nil
	}
}

// writeAll inserts every owner's row in one statement and reads their ids
// back by key.
func (r *recorder) writeAll(db *gorm.DB, owners []*recordReq) error {
	rows := make([]model.Inbound, len(owners))
	keys := make([]string, len(owners))
	for i, q := range owners {
		rows[i], keys[i] = q.row, q.row.MsgKey
	}
	if err := db.Create(&rows).Error; err != nil {
		return err
	}
	var ids []struct {
		ID     uint64
		MsgKey string
	}
	err := db.Model(&model.Inbound{}).Select("id", "msg_key").Where("msg_key IN ?", keys).Find(&ids).Error
	byKey := make(map[string]uint64, len(ids))
	for _, x := range ids {
		byKey[x.MsgKey] = x.ID
	}
	for _, q := range owners {
		id, ok := byKey[q.row.MsgKey]
		switch {
		case err != nil:
			// Committed, but the ids could not be read: the caller answers
			// 500 and WeCom retries into "not fresh"; the row runs when its
			// lease runs out (Inbox.Due).
			q.err = err
		case !ok:
			q.err = gorm.ErrRecordNotFound
		default:
			q.row.ID, q.fresh = id, true
		}
	}
	return nil
}
