package bot_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"gorm.io/gorm"

	"orderhub/model"
	"orderhub/model/modeltest"
)

const apology = "抱歉，系统出错了，这条消息没能处理"

// A command that keeps failing (its waybill photo cannot be fetched while
// WeCom is down) is given up after the runner's MaxAttempts (3 here): the
// message is marked failed with its reason, and the sender gets the
// apology, queued through the outbox while WeCom is still down and sent
// once when it is back — not again for WeCom's retries of the callback,
// later resume rounds, or the second instance.
func TestGiveUpApologyOnce(t *testing.T) {
	modeltest.Each(t, func(t *testing.T, db *gorm.DB) {
		e := newEnv(t, db, 2)
		ctx := context.Background()
		no := e.orderIn("qc")
		contains(t, e.say("zhoumin", "附件 "+no), no)
		before := len(e.wecom.Sent())

		e.wecom.SetDown(true)
		photo := wxMsg{FromUserName: "zhoumin", MsgType: "image", MediaID: e.wecom.PutMedia([]byte("jpeg")), MsgID: "7700001"}
		if rec := e.post(0, photo); rec.Code != http.StatusOK {
			t.Fatalf("callback answered %d", rec.Code)
		}
		e.settle() // attempt 1 fails
		var in model.Inbound
		// A minute of outage: leases run out, both instances resume it.
		for s := 0; s < 60; s += 15 {
			e.clock.Add(31 * time.Second)
			e.inst[s/15%2].runner.Resume(ctx)
			e.settle()
			// WeCom, not having heard back in time, retries the callback.
			if rec := e.post(1, photo); rec.Code != http.StatusOK {
				t.Fatalf("retried callback answered %d", rec.Code)
			}
		}
		if err := db.Where("from_user = ? AND msg_type = ?", "zhoumin", "image").Take(&in).Error; err != nil {
			t.Fatal(err)
		}
		if in.State != model.InboundFailed || in.Attempts != 3 || !strings.Contains(in.LastError, "media/get") {
			t.Fatalf("given-up message: state %s, %d attempts, %q", in.State, in.Attempts, in.LastError)
		}
		if n := e.count(db.Model(&model.Inbound{}).Where("from_user = ? AND msg_type = ?", "zhoumin", "image")); n != 1 {
			t.Fatalf("the retried callback was recorded %d times", n)
		}
		var rows []model.Outbox
		if err := db.Where("inbound_id = ?", in.ID).Find(&rows).Error; err != nil {
			t.Fatal(err)
		}
		if len(rows) != 1 || !strings.Contains(rows[0].Body, apology) || rows[0].State != model.OutboxPending || rows[0].ToUser != "zhoumin" {
			t.Fatalf("outbox for the given-up message: %+v", rows)
		}
		if len(e.wecom.Sent()) != before {
			t.Fatal("sent while WeCom was down")
		}

		e.wecom.SetDown(false)
		e.clock.Add(10 * time.Minute)
		for i := 0; i < 3; i++ {
			for _, in := range e.inst {
				in.runner.Resume(ctx)
			}
			e.post(i%2, photo)
			e.settle()
			e.clock.Add(time.Minute)
		}
		got := e.repliesTo("zhoumin", before)
		if len(got) != 1 || !strings.Contains(got[0], apology) || !strings.Contains(got[0], "编号 "+in.MsgKey) {
			t.Fatalf("zhoumin got %q, want the apology with its number exactly once", got)
		}
		if n := e.count(db.Model(&model.OrderEvent{}).Where("kind = ?", "attachment")); n != 0 {
			t.Fatalf("a given-up photo was attached (%d events)", n)
		}
	})
}
