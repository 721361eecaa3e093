package service

import (
	"context"
	"errors"
	"testing"
	"time"

	"gorm.io/gorm"

	"orderhub/model"
	"orderhub/model/modeltest"
)

// A transaction run for a chat write that would commit without finishing
// its message is rolled back: the change cannot outlive a message left
// open to run again. A step (step(ctx)) commits without finishing; the
// last transaction of the write finishes.
func TestUnfinishedChatWriteRollsBack(t *testing.T) {
	modeltest.Each(t, func(t *testing.T, db *gorm.DB) {
		ctx := context.Background()
		now := time.Date(2026, 11, 24, 1, 0, 0, 0, time.UTC)
		inbox := NewInbox(db, func() time.Time { return now })
		row, _, err := inbox.Record(ctx, InboundMessage{Key: "k1", From: "u", Type: "text"}, time.Minute)
		if err != nil {
			t.Fatal(err)
		}
		write := func(code string) func(tx *gorm.DB) error {
			return func(tx *gorm.DB) error {
				return tx.Create(&model.Warehouse{Code: code, Name: code, CreatedAt: now}).Error
			}
		}
		has := func(code string) bool {
			var n int64
			db.Model(&model.Warehouse{}).Where("code = ?", code).Count(&n)
			return n == 1
		}
		_, err = inbox.Write(ctx, Reply{InboundID: row.ID}, func(ctx context.Context) error {
			return inTx(ctx, db, write("FORGOT"))
		})
		if !errors.Is(err, errUnfinished) || has("FORGOT") {
			t.Fatalf("unfinished write: err %v, committed %v", err, has("FORGOT"))
		}
		h, err := inbox.Write(ctx, Reply{InboundID: row.ID}, func(ctx context.Context) error {
			if err := inTx(step(ctx), db, write("STEP")); err != nil {
				return err
			}
			return inTx(ctx, db, func(tx *gorm.DB) error {
				if err := write("LAST")(tx); err != nil {
					return err
				}
				return finish(ctx, tx, now, Outcome{})
			})
		})
		if err != nil || !h.Valid() || !has("STEP") || !has("LAST") {
			t.Fatalf("step and finishing write: %v, %v, %v, %v", err, h.Valid(), has("STEP"), has("LAST"))
		}
		if m, _ := inbox.Get(ctx, row.ID); m.State != model.InboundDone {
			t.Fatalf("message %s", m.State)
		}
		// Without a write at all there is nothing to vouch for.
		row2, _, _ := inbox.Record(ctx, InboundMessage{Key: "k2", From: "u", Type: "text"}, time.Minute)
		if _, err := inbox.Write(ctx, Reply{InboundID: row2.ID}, func(context.Context) error { return nil }); !errors.Is(err, errUnfinished) {
			t.Fatalf("a write that ran nothing: %v", err)
		}
	})
}
