package bot_test

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"gorm.io/gorm"

	"orderhub/bot"
	"orderhub/model"
	"orderhub/model/modeltest"
	"orderhub/service"
)

// Every write a chat command asks for marks its message done in its own
// transaction, with its own answer. A write that forgot would leave the
// message open to run again after its lease (a receipt booked twice); the
// bot then closes it with bot.UnfinishedReply, which this test refuses.
func TestEveryWriteFinishesItsMessage(t *testing.T) {
	modeltest.Each(t, func(t *testing.T, db *gorm.DB) {
		e := newEnv(t, db, 1)
		ctx := context.Background()
		qcOrder := e.orderIn("qc")
		say := func(user, text string) {
			t.Helper()
			for _, r := range e.say(user, text) {
				if strings.Contains(r, bot.UnfinishedReply) {
					t.Errorf("%q: the write left its message open (closed by the bot): %v", text, r)
				}
			}
		}
		say("wangjg", "入库 BOLT-M8-30 SH 200")
		say("wangjg", "盘点 BOLT-M8-30 SH 300")
		say("liuyang", "推进 "+qcOrder)
		say("zhoumin", "异常 "+qcOrder+" 少了一箱")
		var tk model.Ticket
		if err := db.Order("id DESC").Take(&tk).Error; err != nil {
			t.Fatal(err)
		}
		say("qianqiang", "收到 "+tk.No)
		say("qianqiang", "处理 "+tk.No+" 已补发")
		say("zhoumin", "附件 "+qcOrder)
		img := e.text("zhoumin", "")
		img.MsgType, img.Content, img.MediaID = "image", "", e.wecom.PutMedia([]byte("\xff\xd8 fake jpeg"))
		if rec := e.post(0, img); rec.Code != http.StatusOK {
			t.Fatal(rec.Code)
		}
		e.settle()
		ts, err := e.trans.List(ctx, service.TransferFilter{OrderNo: qcOrder, Status: model.TransferPending})
		if err != nil {
			t.Fatal(err)
		}
		for _, tr := range ts {
			var keeper model.Staff
			db.Where("id = ?", *tr.AssigneeStaffID).Take(&keeper)
			say(keeper.UserID, "调拨完成 "+strconv.FormatUint(tr.ID, 10))
		}
		say("zhoumin", "发货 "+qcOrder+" 顺丰 SF100200")
		say("liuyang", "推进 "+e.orderIn("submitted")+" 取消")

		var open []model.Inbound
		if err := db.Where("state <> ?", model.InboundDone).Find(&open).Error; err != nil {
			t.Fatal(err)
		}
		for _, m := range open {
			t.Errorf("message %q from %s left %s", m.Content, m.FromUser, m.State)
		}
		var n int64
		db.Model(&model.Inbound{}).Count(&n)
		if n < 10 {
			t.Fatalf("only %d messages recorded", n)
		}
	})
}
