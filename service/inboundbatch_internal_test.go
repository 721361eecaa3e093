package service

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"gorm.io/gorm"

	"orderhub/model"
	"orderhub/model/modeltest"
)

func inboundRow(key, from string, now time.Time) model.Inbound {
	return model.Inbound{MsgKey: key, FromUser: from, MsgType: "text", State: model.InboundNew,
		LeaseUntil: now.Add(time.Minute), Attempts: 1, SentAt: now, CreatedAt: now}
}

func storedInbound(t *testing.T, db *gorm.DB) map[string]model.Inbound {
	t.Helper()
	var rows []model.Inbound
	if err := db.Find(&rows).Error; err != nil {
		t.Fatal(err)
	}
	out := make(map[string]model.Inbound, len(rows))
	for _, r := range rows {
		out[r.MsgKey] = r
	}
	return out
}

// TestRecordBatch: one batch written together gives every caller its own
// row's id; a key recorded before (a retry past the Redis dedupe) and a
// key twice in the batch are "not fresh", and the rest of the batch is
// still recorded, each row once.
func TestRecordBatch(t *testing.T) {
	modeltest.Each(t, func(t *testing.T, db *gorm.DB) {
		now := time.Date(2026, 11, 29, 15, 0, 0, 0, time.UTC)
		r := &recorder{db: db}
		mk := func(key, from string) *recordReq { return &recordReq{row: inboundRow(key, from, now)} }

		// All new, distinct: the multi-row path.
		first := []*recordReq{mk("k1", "u1"), mk("k2", "u2"), mk("k3", "u3")}
		r.write(first)
		// A retry of k2, a new k4 twice, a new k5: the batch falls back to
		// one row at a time on k2's unique key.
		second := []*recordReq{mk("k4", "u4"), mk("k2", "retry"), mk("k4", "again"), mk("k5", "u5")}
		r.write(second)

		stored := storedInbound(t, db)
		if len(stored) != 5 {
			t.Fatalf("%d rows stored, want 5 (k1..k5)", len(stored))
		}
		want := map[*recordReq]bool{first[0]: true, first[1]: true, first[2]: true,
			second[0]: true, second[1]: false, second[2]: false, second[3]: true}
		for q, fresh := range want {
			if q.err != nil {
				t.Fatalf("%s: %v", q.row.MsgKey, q.err)
			}
			if q.fresh != fresh {
				t.Errorf("%s from %s: fresh %v, want %v", q.row.MsgKey, q.row.FromUser, q.fresh, fresh)
			}
			if !fresh {
				continue
			}
			s := stored[q.row.MsgKey]
			if q.row.ID == 0 || q.row.ID != s.ID || s.FromUser != q.row.FromUser {
				t.Errorf("%s: caller got id %d from %s, stored id %d from %s", q.row.MsgKey, q.row.ID, q.row.FromUser, s.ID, s.FromUser)
			}
		}
	})
}

// TestRecordConcurrent: many callbacks recording at once, some of them
// the same message twice, each key is recorded once, exactly one caller
// per key is told it is fresh, with the stored row's id.
func TestRecordConcurrent(t *testing.T) {
	modeltest.Each(t, func(t *testing.T, db *gorm.DB) {
		now := time.Date(2026, 11, 29, 15, 0, 0, 0, time.UTC)
		inbox := NewInbox(db, func() time.Time { return now })
		const keys, calls = 40, 80
		type got struct {
			row   model.Inbound
			fresh bool
			err   error
		}
		res := make([]got, calls)
		var wg sync.WaitGroup
		for i := range calls {
			wg.Add(1)
			go func() {
				defer wg.Done()
				k := fmt.Sprintf("c%d", i%keys)
				row, fresh, err := inbox.Record(context.Background(), InboundMessage{Key: k, From: "u-" + k, Type: "text", SentAt: now}, time.Minute)
				res[i] = got{row, fresh, err}
			}()
		}
		wg.Wait()
		stored := storedInbound(t, db)
		if len(stored) != keys {
			t.Fatalf("%d rows stored, want %d", len(stored), keys)
		}
		freshBy := map[string]int{}
		for i, g := range res {
			if g.err != nil {
				t.Fatalf("call %d: %v", i, g.err)
			}
			if !g.fresh {
				continue
			}
			freshBy[g.row.MsgKey]++
			if s := stored[g.row.MsgKey]; g.row.ID != s.ID {
				t.Errorf("%s: caller got id %d, stored %d", g.row.MsgKey, g.row.ID, s.ID)
			}
		}
		for k := range keys {
			if n := freshBy[fmt.Sprintf("c%d", k)]; n != 1 {
				t.Errorf("c%d: %d fresh callers, want 1", k, n)
			}
		}
	})
}

// TestRecorderSurvivesAPanic: a write that panics (a bug; here a recorder
// without a database) answers its callers with an error instead of
// killing the server, and the recorder goes on leading batches.
func TestRecorderSurvivesAPanic(t *testing.T) {
	modeltest.Each(t, func(t *testing.T, db *gorm.DB) {
		now := time.Date(2026, 11, 29, 15, 0, 0, 0, time.UTC)
		r := &recorder{}
		if _, fresh, err := r.record(inboundRow("p1", "u1", now)); err == nil || fresh {
			t.Fatalf("a panicking write: fresh %v, err %v; want an error", fresh, err)
		}
		r.db = db
		if row, fresh, err := r.record(inboundRow("p2", "u2", now)); err != nil || !fresh || row.ID == 0 {
			t.Fatalf("the next message: id %d, fresh %v, err %v; want recorded", row.ID, fresh, err)
		}
	})
}
