package service_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"gorm.io/gorm"

	"orderhub/model"
	"orderhub/model/modeltest"
	"orderhub/service"
)

// A chat 入库 whose process dies right after the write — the change and
// its answer committed, nothing after it ran (the runner never heard back,
// the answer never sent) — is not run again when its lease runs out: the
// write marked the message done in its own transaction, so the receipt is
// booked once and answered once, whichever instance resumes.
func TestChatWriteDiesAfterCommit(t *testing.T) {
	modeltest.Each(t, func(t *testing.T, db *gorm.DB) {
		e := newEnv(t, db)
		e.world(t)
		e.put(t, "A", "BOLT-M8", 10)
		ctx := context.Background()
		inbox := service.NewInbox(db, e.clock.Now)
		const lease = 30 * time.Second
		row, fresh, err := inbox.Record(ctx, service.InboundMessage{Key: "msg:1", From: "keeperA", Type: "text", Content: "入库 BOLT-M8 A 5"}, lease)
		if err != nil || !fresh {
			t.Fatal(fresh, err)
		}
		actor, err := e.catalog.StaffActor(ctx, "keeperA")
		if err != nil {
			t.Fatal(err)
		}
		receive := func(ctx context.Context) error {
			_, err := e.stock.Adjust(ctx, service.Adjustment{Warehouse: "A", SKU: "BOLT-M8", Delta: 5, Kind: model.MoveReceive, Reason: "企业微信入库", Actor: actor})
			return err
		}
		reply := service.Reply{InboundID: row.ID, Render: func(o service.Outcome) []service.Message {
			return []service.Message{service.Text("已入库", "keeperA")}
		}}
		died := errors.New("process died")
		_, err = inbox.Write(ctx, reply, func(ctx context.Context) error {
			if err := receive(ctx); err != nil {
				return err
			}
			return died // the process dies here: after the commit, before anything else
		})
		if !errors.Is(err, died) {
			t.Fatal(err)
		}
		// Another instance looks for unfinished messages after the lease.
		e.clock.Add(2 * lease)
		due, err := inbox.Due(ctx, 10, lease)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range due {
			t.Errorf("message %q claimed again after its write committed", m.Content)
			if _, err := inbox.Write(ctx, reply, receive); err != nil {
				t.Error(err)
			}
		}
		if onHand, _ := e.stockOf(t, "A", "BOLT-M8"); onHand != 15 {
			t.Errorf("on hand %d, want 15 (10 + one receipt of 5)", onHand)
		}
		var answers int64
		db.Model(&model.Outbox{}).Where("inbound_id = ?", row.ID).Count(&answers)
		if answers != 1 {
			t.Errorf("%d answers queued, want 1", answers)
		}
		m, err := inbox.Get(ctx, row.ID)
		if err != nil || m.State != model.InboundDone {
			t.Errorf("message %s, %v", m.State, err)
		}
	})
}

// A process that dies before the write commits leaves nothing: the
// message is run again after its lease and applied once.
func TestChatWriteDiesBeforeCommit(t *testing.T) {
	modeltest.Each(t, func(t *testing.T, db *gorm.DB) {
		e := newEnv(t, db)
		e.world(t)
		e.put(t, "A", "BOLT-M8", 10)
		ctx := context.Background()
		inbox := service.NewInbox(db, e.clock.Now)
		const lease = 30 * time.Second
		row, _, err := inbox.Record(ctx, service.InboundMessage{Key: "msg:2", From: "keeperA", Type: "text", Content: "入库 BOLT-M8 A 5"}, lease)
		if err != nil {
			t.Fatal(err)
		}
		reply := service.Reply{InboundID: row.ID, Render: func(service.Outcome) []service.Message {
			return []service.Message{service.Text("已入库", "keeperA")}
		}}
		receive := func(ctx context.Context) error {
			_, err := e.stock.Adjust(ctx, service.Adjustment{Warehouse: "A", SKU: "BOLT-M8", Delta: 5, Kind: model.MoveReceive, Reason: "企业微信入库"})
			return err
		}
		// Dying mid-transaction: the connection's context is cancelled
		// before the write starts, so nothing commits.
		dead, cancel := context.WithCancel(ctx)
		cancel()
		if _, err := inbox.Write(dead, reply, receive); err == nil {
			t.Fatal("a write on a dead context committed")
		}
		e.clock.Add(2 * lease)
		due, err := inbox.Due(ctx, 10, lease)
		if err != nil || len(due) != 1 {
			t.Fatalf("due %d, %v", len(due), err)
		}
		if _, err := inbox.Write(ctx, reply, receive); err != nil {
			t.Fatal(err)
		}
		if onHand, _ := e.stockOf(t, "A", "BOLT-M8"); onHand != 15 {
			t.Errorf("on hand %d, want 15", onHand)
		}
		if due, _ := inbox.Due(ctx, 10, lease); len(due) != 0 {
			t.Errorf("%d messages due after the resumed run", len(due))
		}
	})
}
