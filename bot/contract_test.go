package bot_test

import (
	"context"
	"net/http"
	"strconv"
	"testing"
	"time"

	"gorm.io/gorm"

	"orderhub/model"
	"orderhub/model/modeltest"
	"orderhub/service"
)

// slipText is an OCR engine that reads every photo as the same slip: the
// contract below is about finishing messages, not about reading images
// (TestSlipPhotoDraft runs the real tesseract).
type slipText string

func (s slipText) Name() string                                 { return "test" }
func (s slipText) Text(context.Context, []byte) (string, error) { return string(s), nil }

// Every write a chat command asks for marks its message done in its own
// transaction, with its own answer: each command below must leave its
// message done and answer with the words of its own render. A write whose
// transaction did not finish its message is rolled back by service (and
// answered, after the runner's attempts, with the apology), so a forgotten
// finish shows here as a missing answer or an open message.
func TestEveryWriteFinishesItsMessage(t *testing.T) {
	modeltest.Each(t, func(t *testing.T, db *gorm.DB) {
		e := newEnvOCR(t, db, 1, slipText("客户：C001\nNUT-M8 10"))
		ctx := context.Background()
		qcOrder := e.orderIn("qc")
		say := func(user, text string, want ...string) {
			t.Helper()
			got := e.say(user, text)
			if len(got) == 0 {
				t.Errorf("%q: no answer", text)
				return
			}
			contains(t, got, want...)
		}
		say("wangjg", "入库 BOLT-M8-30 SH 200", "已入库")
		say("wangjg", "盘点 BOLT-M8-30 SH 300", "已盘点")
		say("liuyang", "推进 "+qcOrder, "已推进")
		say("zhoumin", "异常 "+qcOrder+" 少了一箱", "已登记异常")
		var tk model.Ticket
		if err := db.Order("id DESC").Take(&tk).Error; err != nil {
			t.Fatal(err)
		}
		say("qianqiang", "收到 "+tk.No, "已接单")
		say("qianqiang", "处理 "+tk.No+" 已补发", "已处理")
		say("zhoumin", "附件 "+qcOrder, "请发运单照片")
		photo := func(user string) []string {
			t.Helper()
			before := len(e.wecom.Sent())
			img := e.text(user, "")
			img.MsgType, img.Content, img.MediaID = "image", "", e.wecom.PutMedia([]byte("\xff\xd8 fake jpeg"))
			if rec := e.post(0, img); rec.Code != http.StatusOK {
				t.Fatal(rec.Code)
			}
			e.settle()
			return e.repliesTo(user, before)
		}
		contains(t, photo("zhoumin"), "运单照片已附到订单")
		// Transfers of the order to ship, or of any order: 发出 and 调拨完成.
		ts, err := e.trans.List(ctx, service.TransferFilter{OrderNo: qcOrder, Status: model.TransferPending})
		if err != nil {
			t.Fatal(err)
		}
		if len(ts) == 0 {
			// BOLT-M6-20 partly comes from SZ (SH holds 8): one transfer.
			d, _, err := e.orders.Create(ctx, service.NewOrder{Customer: "C001", Lines: []service.LineInput{{SKU: "BOLT-M6-20", Qty: 20}},
				Address: "上海市嘉定区安亭镇墨玉路 28 号", Actor: service.System})
			if err != nil {
				t.Fatal(err)
			}
			if ts, err = e.trans.List(ctx, service.TransferFilter{OrderNo: d.Order.No, Status: model.TransferPending}); err != nil {
				t.Fatal(err)
			}
		}
		if len(ts) == 0 {
			t.Fatal("no pending transfer: 发出 and 调拨完成 would go untested")
		}
		for _, tr := range ts {
			var from, to model.Staff
			db.Where("id = ?", *tr.AssigneeStaffID).Take(&from)
			id := strconv.FormatUint(tr.ID, 10)
			say(from.UserID, "发出 "+id+" 顺丰 SF9"+id, "已发出")
			db.Where("warehouse_id = ? AND roles LIKE ?", tr.ToWarehouseID, "%keeper%").Order("id").Take(&to)
			say(to.UserID, "调拨完成 "+id, "已到货")
		}
		say("zhoumin", "发货 "+qcOrder+" 顺丰 SF100200", "已推进")
		say("sunli", "推进 "+e.orderIn("submitted")+" 取消", "已取消")
		// The chat intake: drafts, their confirmation and cancellation, a
		// slip photo, and a channel order held for review.
		say("sunli", "下单 C001 NUT-M6 3", "下单草稿")
		say("sunli", "确认", "已下单")
		say("sunli", "下单 C001 NUT-M6 2", "下单草稿")
		say("sunli", "取消", "已取消")
		say("sunli", "下单", "请发订货单照片")
		contains(t, photo("sunli"), "拍单草稿")
		say("sunli", "确认", "已下单")
		body := `{"external_id":"W-1","customer":{"name":"杭州顺通汽配商行"},"lines":[{"name":"六角螺母","qty":4},{"name":"六角螺母","qty":2}]}`
		sent := strconv.FormatInt(e.clock.Now().Unix(), 10)
		v, _, err := e.intakes.Receive(ctx, "shop", sent, service.Sign([]byte(channelSecret), sent, []byte(body)), []byte(body))
		if err != nil {
			t.Fatal(err)
		}
		id := strconv.FormatUint(v.ID, 10)
		say("sunli", "复核 "+id+" 1=NUT-M8", "复核 #"+id, "待选")
		say("sunli", "复核 "+id+" 2=NUT-M10", "已下单")

		var open []model.Inbound
		if err := db.Where("state <> ?", model.InboundDone).Find(&open).Error; err != nil {
			t.Fatal(err)
		}
		for _, m := range open {
			t.Errorf("message %q from %s left %s", m.Content, m.FromUser, m.State)
		}
		var n int64
		db.Model(&model.Inbound{}).Count(&n)
		if n < 18 {
			t.Fatalf("only %d messages recorded", n)
		}
	})
}

// Two instances: the first runs a 入库 and dies before its answer is sent
// (its outbox never dispatches, its runner never runs again). After the
// lease the second instance resumes what is unfinished and dispatches: the
// receipt is booked once and answered once.
func TestReceiveDiesBeforeReply(t *testing.T) {
	modeltest.Each(t, func(t *testing.T, db *gorm.DB) {
		e := newEnv(t, db, 2)
		ctx := context.Background()
		onHand := func() int64 {
			var st model.Stock
			db.Joins("JOIN products ON products.id = stocks.product_id").Joins("JOIN warehouses ON warehouses.id = stocks.warehouse_id").
				Where("products.sku = ? AND warehouses.code = ?", "BOLT-M8-30", "SH").Take(&st)
			return st.OnHand
		}
		before := onHand()
		if rec := e.post(0, e.text("wangjg", "入库 BOLT-M8-30 SH 7")); rec.Code != http.StatusOK {
			t.Fatal(rec.Code)
		}
		e.inst[0].runner.Drain(ctx) // the write commits; then instance 0 is gone
		if got := e.repliesTo("wangjg", 0); len(got) != 0 {
			t.Fatalf("answered before dispatch: %v", got)
		}
		e.clock.Add(time.Minute)
		e.inst[1].runner.Resume(ctx)
		for {
			n, err := e.inst[1].outbox.DispatchOnce(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if n == 0 {
				break
			}
		}
		if got := onHand() - before; got != 7 {
			t.Errorf("booked %d, want 7 once", got)
		}
		got := e.repliesTo("wangjg", 0)
		if len(got) != 1 {
			t.Fatalf("%d answers, want 1: %v", len(got), got)
		}
		contains(t, got, "已入库")
	})
}
