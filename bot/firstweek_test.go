package bot_test

import (
	"context"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"gorm.io/gorm"

	"orderhub/model"
	"orderhub/model/modeltest"
	"orderhub/service"
)

var (
	bracketed   = regexp.MustCompile(`（[^）]*）|\([^)]*\)`)
	englishWord = regexp.MustCompile(`[a-z]{3,}`)
)

// chineseOnly fails when a reply a keeper reads carries English words
// outside an alias in brackets (SKUs, order and waybill numbers are upper
// case and allowed).
func chineseOnly(t *testing.T, what string, replies []string) {
	t.Helper()
	if len(replies) == 0 {
		t.Fatalf("%s: no reply", what)
	}
	for _, r := range replies {
		if w := englishWord.FindString(bracketed.ReplaceAllString(r, "")); w != "" {
			t.Errorf("%s: English %q in the reply: %s", what, w, r)
		}
	}
}

// The first week's keeper complaints: refusals in English, suggestions by
// spelling only, the bot's own field names refused, notes losing their
// punctuation, and the remark not shown.
func TestFirstWeekChat(t *testing.T) {
	modeltest.Each(t, func(t *testing.T, db *gorm.DB) {
		e := newEnv(t, db, 1)
		ctx := context.Background()
		qcOrder := e.orderIn("qc")

		// A phone order whose BOLT-M6-20 partly comes from SZ (SH holds 8),
		// with a remark and an address the packer must see.
		d, _, err := e.orders.Create(ctx, service.NewOrder{Customer: "C001", Lines: []service.LineInput{{SKU: "BOLT-M6-20", Qty: 20}},
			Address: "上海市嘉定区安亭镇墨玉路 28 号", Remark: "防潮膜包装，禁用胶带", Actor: service.System})
		if err != nil {
			t.Fatal(err)
		}
		no := d.Order.No
		if len(d.Transfers) != 1 {
			t.Fatalf("want one transfer, got %d", len(d.Transfers))
		}
		tr := d.Transfers[0].ID

		// 7: the field name the bot itself shows, with a clock time typed
		// after a space and a full-width colon.
		// A day ahead of the test's clock, so it is never a promise past.
		loc, _ := time.LoadLocation("Asia/Shanghai")
		day := e.clock.Now().In(loc).AddDate(0, 0, 3)
		contains(t, e.say("sunli", "推进 "+no+" 已确认 承诺交期="+day.Format("2006-01-02")+" 18：00"), "已推进", "已确认")
		var o model.Order
		if err := db.Where("no = ?", no).Take(&o).Error; err != nil {
			t.Fatal(err)
		}
		if want := time.Date(day.Year(), day.Month(), day.Day(), 18, 0, 0, 0, loc); o.PromisedAt == nil || !o.PromisedAt.Equal(want) {
			t.Fatalf("promised_at = %v, want %v (18:00 Shanghai)", o.PromisedAt, want)
		}

		// 10: 订单 shows the remark and the address.
		got := markdown(t, e.sayOne("wangjg", "订单 "+no), "收货地址：上海市嘉定区安亭镇墨玉路 28 号", "备注："+warn("防潮膜包装，禁用胶带"))
		_ = got

		// 5: shipping before the transfer arrived: Chinese, the transfer
		// named, the English code only as a bracketed alias.
		for _, mv := range []string{"picking", "qc", "packed"} {
			fields := map[string]string{}
			if mv == "qc" {
				fields["qc_inspector"] = "刘洋"
			}
			if _, err := e.orders.Advance(ctx, service.Move{No: no, To: mv, Fields: fields, Actor: service.System}); err != nil {
				t.Fatal(err)
			}
		}
		// The waybill photo as chat takes it (附件, then the photo), so the
		// move is refused for the transfer alone.
		contains(t, e.say("zhoumin", "附件 "+no), "请发运单照片")
		img := e.text("zhoumin", "")
		img.MsgType, img.Content, img.MediaID = "image", "", e.wecom.PutMedia([]byte("\xff\xd8 fake jpeg"))
		if rec := e.post(0, img); rec.Code != 200 {
			t.Fatal(rec.Code)
		}
		e.settle()
		r := e.say("zhoumin", "推进 "+no+" 已发货 快递=顺丰 运单号=SF100")
		contains(t, r, "还有调拨单没到货", "调拨单 #", "transfers pending")
		chineseOnly(t, "transfers pending", r)

		// 11: the transfer shows its assignee, and the sending keeper
		// dispatches it (发出) with carrier and waybill before 到货; both
		// warehouses see where it is, the receiving one is told.
		contains(t, e.say("wangjg", "订单 "+no), "#"+itoa(tr)+" BOLT-M6-20 ×12 SZ→SH 李秀英", "待发出")
		contains(t, e.say("lixy", "调拨"), "#"+itoa(tr), "待发出", "李秀英 负责发出", "发出 "+itoa(tr))
		before := len(e.wecom.Sent())
		contains(t, e.say("lixy", "发出 "+itoa(tr)+" 顺丰 SF5566"), "调拨单 #"+itoa(tr)+" 已发出", "顺丰 SF5566", "调拨完成 "+itoa(tr))
		contains(t, e.repliesTo("wangjg", before), "调拨在途", "李秀英", "顺丰 SF5566", "调拨完成 "+itoa(tr))
		contains(t, e.say("wangjg", "调拨"), "#"+itoa(tr), "已发出 顺丰 SF5566")
		r = e.say("lixy", "发出 "+itoa(tr)+" 顺丰 SF5566")
		contains(t, r, "已经发出过了")
		chineseOnly(t, "dispatched twice", r)

		// A transfer received twice; cancelling past the point of no return.
		contains(t, e.say("wangjg", "调拨完成 "+itoa(tr)), "已到货")
		r = e.say("wangjg", "调拨完成 "+itoa(tr))
		contains(t, r, "已经到货")
		chineseOnly(t, "transfer not pending", r)
		contains(t, e.say("zhenggang", "推进 "+no+" 取消"), "已取消", "锁定的库存已释放")
		r = e.say("zhenggang", "推进 "+no+" 取消")
		contains(t, r, "订单 "+no+" 已取消。")
		chineseOnly(t, "already cancelled", r)

		// 9: a resolve note keeps what the person wrote.
		contains(t, e.say("liuyang", "异常 "+qcOrder+"：少了一箱，客户急等"), "已登记异常")
		var tk model.Ticket
		if err := db.Order("id DESC").Take(&tk).Error; err != nil {
			t.Fatal(err)
		}
		if tk.Description != "少了一箱，客户急等" {
			t.Errorf("problem description = %q", tk.Description)
		}
		note := "已补发一箱，顺丰 SF123；客户已确认。"
		contains(t, e.say("zhenggang", "处理 "+tk.No+" "+note), "已处理")
		if err := db.Where("id = ?", tk.ID).Take(&tk).Error; err != nil {
			t.Fatal(err)
		}
		if tk.Resolution != note {
			t.Errorf("resolution = %q, want %q", tk.Resolution, note)
		}
		r = e.say("zhenggang", "处理 "+tk.No+" 再处理一次")
		contains(t, r, "工单 "+tk.No+" 已经处理完了")
		chineseOnly(t, "ticket done", r)

		// 6: suggestions by meaning, never an unrelated command.
		for _, tc := range []struct{ text, want, not string }{
			{"查库存 螺丝", "您是不是想用「库存」？用法：库存", "查单"},
			{"还有多少M8螺栓", "「库存」", ""},
			{"采购 BOLT-M8-30 10", "发「帮助」", "菜单"},
			{"推近 " + qcOrder, "「推进」", ""},
		} {
			r := e.say("wangjg", tc.text)
			contains(t, r, "没看懂", tc.want)
			if tc.not != "" && strings.Contains(strings.Join(r, ""), tc.not) {
				t.Errorf("%s: suggested %s: %v", tc.text, tc.not, r)
			}
		}
	})
}

func itoa(id uint64) string { return strconv.FormatUint(id, 10) }
