package bot_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"gorm.io/gorm"

	"orderhub/model"
	"orderhub/model/modeltest"
)

// The done-when of issue 4: with the local WeCom down for a minute, no
// reply is lost or sent twice. Unlike TestWeComOutage's identical reads,
// every command here is a distinct write whose reply commits with it, so
// a lost reply and a doubled one cannot hide each other; WeCom retries
// each callback to the other instance meanwhile, and both instances keep
// resuming and dispatching through the outage.
func TestWeComOutageWrites(t *testing.T) {
	modeltest.Each(t, func(t *testing.T, db *gorm.DB) {
		e := newEnv(t, db, 2)
		ctx := context.Background()
		e.wecom.SetDown(true)
		const n = 10
		var msgs []wxMsg
		for i := 1; i <= n; i++ {
			m := e.text("wangjg", fmt.Sprintf("入库 NUT-M6 SH %d", 100+i))
			msgs = append(msgs, m)
			if rec := e.post(i%2, m); rec.Code != http.StatusOK {
				t.Fatal(rec.Code)
			}
		}
		for s := 0; s < 60; s += 5 {
			for i, m := range msgs {
				if s == 10 { // WeCom heard nothing in time (its side of the outage) and retries
					e.post((i+1)%2, m)
				}
			}
			for _, in := range e.inst {
				in.runner.Resume(ctx)
			}
			e.settle()
			e.clock.Add(5 * time.Second)
		}
		if got := len(e.wecom.Sent()); got != 0 {
			t.Fatalf("%d sent while down", got)
		}
		if c := e.count(db.Model(&model.Inbound{}).Where("state = ?", model.InboundDone)); c != n {
			t.Fatalf("%d commands done during the outage, want %d", c, n)
		}
		if c := e.count(db.Model(&model.Outbox{}).Where("state = ?", model.OutboxPending)); c != n {
			t.Fatalf("%d replies waiting, want %d", c, n)
		}

		e.wecom.SetDown(false)
		e.clock.Add(10 * time.Second)
		e.settle()
		e.clock.Add(time.Minute) // and later rounds send nothing again
		e.settle()
		got := e.repliesTo("wangjg", 0)
		if len(got) != n {
			t.Fatalf("%d replies after the outage, want %d: %q", len(got), n, got)
		}
		all := strings.Join(got, "\n")
		for i := 1; i <= n; i++ {
			if c := strings.Count(all, fmt.Sprintf("+%d", 100+i)); c != 1 {
				t.Fatalf("the reply to 入库 %d arrived %d times:\n%s", 100+i, c, all)
			}
		}
		if c := e.count(db.Model(&model.StockMovement{}).Where("reason = ?", "企业微信入库")); c != n {
			t.Fatalf("%d stock receipts, want %d", c, n)
		}
		if c := e.count(db.Model(&model.Outbox{}).Where("state <> ?", model.OutboxSent)); c != 0 {
			t.Fatalf("%d replies not sent", c)
		}
	})
}
