package bot_test

import (
	"context"
	"orderhub/internal/testtool"
	"strconv"
	"strings"
	"testing"
	"time"

	"gorm.io/gorm"

	"orderhub/internal/ocr/sliptest"
	"orderhub/model"
	"orderhub/model/modeltest"
	"orderhub/service"
)

const channelSecret = "bot-test-channel-secret"

func TestQuickEntryDraftConfirm(t *testing.T) {
	modeltest.Each(t, func(t *testing.T, db *gorm.DB) {
		e := newEnv(t, db, 1)
		orders := func() int64 { return e.count(db.Model(&model.Order{})) }
		before := orders()

		got := e.say("sunli", "下单 C001 六角螺栓M8 20盒 NUT-M8 10 备注 周五前送")
		contains(t, got, "下单草稿", "上海宏达机电设备有限公司", "BOLT-M8-30 六角螺栓 ×20 盒", "NUT-M8 六角螺母 ×10", "可用", "周五前送", "**确认**")
		if orders() != before {
			t.Fatal("a draft placed an order")
		}
		// Someone else's 确认 places nothing.
		contains(t, e.say("wangjg", "确认"), "没有待确认的草稿")
		if orders() != before {
			t.Fatal("another person's confirm placed the draft")
		}
		contains(t, e.say("sunli", "确认"), "已下单", "上海宏达机电设备有限公司", "2 行")
		if orders() != before+1 {
			t.Fatalf("orders %d, want %d", orders(), before+1)
		}
		var o model.Order
		db.Order("id DESC").Take(&o)
		if o.Channel != service.ChannelWeCom || o.Remark != "周五前送" {
			t.Errorf("order = %+v", o)
		}
		var allocs int64
		db.Model(&model.Allocation{}).Where("order_id = ?", o.ID).Count(&allocs)
		if allocs == 0 {
			t.Error("the confirmed draft reserved nothing")
		}
		contains(t, e.say("sunli", "confirm"), "没有待确认的草稿")
		if orders() != before+1 {
			t.Fatal("a second confirm placed again")
		}

		// Phone typing: full-width digits and spaces, 箱 units. 螺栓M8 is a
		// hex bolt or a stainless one: not guessed, and 确认 is refused.
		contains(t, e.say("sunli", "下单　Ｃ００１　螺栓M8　２０箱"), "不唯一", "BOLT-M8-30", "SS-BOLT-M8-25", "不能下单")
		contains(t, e.say("sunli", "确认"), "还有没认出的内容")
		// A customer by part of the name, and 取消.
		contains(t, e.say("sunli", "下单 宏达 BOLT-M6-20 5"), "上海宏达机电设备有限公司", "BOLT-M6-20")
		contains(t, e.say("sunli", "取消"), "已取消")
		contains(t, e.say("sunli", "确认"), "没有待确认的草稿")
		// A customer by phone, in English; then it expires.
		contains(t, e.say("sunli", "order new 13900000002 NUT-M6 3"), "苏州精工五金制品厂", "NUT-M6")
		e.clock.Add(31 * time.Minute)
		contains(t, e.say("sunli", "确认"), "已过期")
		if orders() != before+1 {
			t.Fatal("an expired draft was placed")
		}
		// An address typed with the order is split and goes on the order.
		contains(t, e.say("sunli", "下单 C004 NUT-M6 2 地址 江苏省南京市鼓楼区中山路1号 备注 急"), "收货地址：江苏省 南京市 鼓楼区 中山路1号", "备注：急")
		contains(t, e.say("sunli", "确认"), "已下单")
		var addr model.Order
		db.Order("id DESC").Take(&addr)
		if addr.Address != "江苏省 南京市 鼓楼区 中山路1号" || addr.Remark != "急" {
			t.Errorf("order address %q remark %q", addr.Address, addr.Remark)
		}
		// What cannot be read is said in Chinese.
		contains(t, e.say("sunli", "下单 C001 六角螺栓M8"), "缺少数量")
		contains(t, e.say("sunli", "下单 C001 20箱 螺栓"), "前面缺少商品")
		contains(t, e.say("sunli", "下单 不存在的公司 NUT-M6 3"), "客户「不存在的公司」未找到")
		contains(t, e.say("chenjie", "下单 C001 NUT-M6 3"), "不能使用「下单」")
	})
}

func TestReviewInChat(t *testing.T) {
	modeltest.Each(t, func(t *testing.T, db *gorm.DB) {
		e := newEnv(t, db, 1)
		body := `{"external_id":"W-9","customer":{"name":"杭州顺通汽配商行"},"lines":[{"name":"六角螺母","code":"SHOP-77","qty":4},{"sku":"BP-FRONT-LT22","qty":1}]}`
		ts := strconv.FormatInt(e.clock.Now().Unix(), 10)
		v, _, err := e.intakes.Receive(context.Background(), "shop", ts, service.Sign([]byte(channelSecret), ts, []byte(body)), []byte(body))
		if err != nil || v.State != model.IntakeReview {
			t.Fatalf("receive = %v %+v", err, v.Intake)
		}
		id := strconv.FormatUint(v.ID, 10)
		e.settle()
		contains(t, e.repliesTo("sunli", 0), "待复核订单 #"+id, "网店", "W-9", "商品「六角螺母」不唯一")
		contains(t, e.say("chenjie", "复核"), "不能复核")
		contains(t, e.say("sunli", "复核"), "待复核（1）", "#"+id)
		contains(t, e.say("sunli", "复核 "+id), "「六角螺母」待选", "NUT-M8", "NUT-M10")
		contains(t, e.say("sunli", "复核 "+id+" 1=NUT-M8 记住"), "已下单", "杭州顺通汽配商行")
		var o model.Order
		db.Order("id DESC").Take(&o)
		if o.Channel != "shop" {
			t.Errorf("order channel = %q", o.Channel)
		}
		contains(t, e.say("sunli", "订单 "+o.No), "渠道：网店")
		contains(t, e.say("sunli", "复核 "+id), "已下单")
		var alias model.ProductAlias
		if err := db.Where("channel = ? AND alias = ?", "shop", "SHOP-77").Take(&alias).Error; err != nil {
			t.Errorf("alias not remembered: %v", err)
		}
		if !strings.Contains(e.say("sunli", "复核")[0], "没有待复核") {
			t.Error("review list not empty")
		}
	})
}

func TestSlipPhotoDraft(t *testing.T) {
	eng := testtool.Tesseract(t)
	face, err := sliptest.Face(36)
	testtool.Font(t, err)
	img, err := sliptest.Render(face, []string{"订货单", "客户：上海宏达机电设备有限公司", "六角螺栓 M8\t20盒", "NUT-M8\t10", "备注：周五前送到"}, sliptest.Options{Noise: 0.005, Rotate: 0.8, Seed: 7})
	if err != nil {
		t.Fatal(err)
	}
	modeltest.Each(t, func(t *testing.T, db *gorm.DB) {
		e := newEnvOCR(t, db, 1, eng)
		photo := func(user string) []string {
			before := len(e.wecom.Sent())
			m := e.text(user, "")
			m.MsgType, m.MediaID = "image", e.wecom.PutMedia(img)
			if rec := e.post(0, m); rec.Code != 200 {
				t.Fatal(rec.Code)
			}
			e.settle()
			return e.repliesTo(user, before)
		}
		orders := e.count(db.Model(&model.Order{}))
		contains(t, photo("sunli"), "拍单草稿", "上海宏达机电设备有限公司", "BOLT-M8-30", "×20 盒", "NUT-M8", "×10", "前送到", "**确认**")
		if e.count(db.Model(&model.Order{})) != orders {
			t.Fatal("a photo placed an order before 确认")
		}
		contains(t, e.say("sunli", "确认"), "已下单", "2 行")
		var it model.Intake
		if err := db.Where("source = ?", model.SourcePhoto).Take(&it).Error; err != nil || it.OrderID == nil || !strings.HasPrefix(it.Photo, "slips/") {
			t.Fatalf("intake = %+v, %v", it, err)
		}
		var o model.Order
		db.Where("id = ?", *it.OrderID).Take(&o)
		if o.Channel != service.ChannelSlip {
			t.Errorf("order channel = %q", o.Channel)
		}
		contains(t, e.say("sunli", "订单 "+o.No), "渠道：照片单", "订货单照片")
		// A picker's photo is not read as an order.
		contains(t, photo("chenjie"), "不知道是哪个订单")
	})
}

func TestSlipPhotoWithoutEngine(t *testing.T) {
	modeltest.Each(t, func(t *testing.T, db *gorm.DB) {
		e := newEnv(t, db, 1)
		before := len(e.wecom.Sent())
		m := e.text("sunli", "")
		m.MsgType, m.MediaID = "image", e.wecom.PutMedia([]byte("\xff\xd8 a jpeg"))
		e.post(0, m)
		e.settle()
		contains(t, e.repliesTo("sunli", before), "没有配置文字识别", "下单 <客户> <SKU或名称> <数量>")
	})
}

// TestFixDraftLine: a draft with one line not understood is put right
// with 改 instead of typed again; the other lines (and their quantities)
// stay; bad line numbers and an empty fix say how to write it; 改 n 删
// drops a line; then 确认 places what the draft now says.
func TestFixDraftLine(t *testing.T) {
	modeltest.Each(t, func(t *testing.T, db *gorm.DB) {
		e := newEnv(t, db, 1)
		contains(t, e.say("sunli", "下单 C001 NUT-M8 10 螺栓M8 20箱 BOLT-M6-20 5"), "不唯一", "不能下单", "改 行号 SKU 数量")
		contains(t, e.say("sunli", "确认"), "还有没认出的内容", "改 行号 SKU 数量")
		contains(t, e.say("sunli", "改 2 SS-BOLT-M8-25"), "SS-BOLT-M8-25 不锈钢螺栓 ×20 箱", "NUT-M8 六角螺母 ×10", "**确认**")
		contains(t, e.say("sunli", "改 3 8"), "BOLT-M6-20 六角螺栓 ×8")
		contains(t, e.say("sunli", "改 9 NUT-M6 1"), "只有 3 行")
		contains(t, e.say("sunli", "改 二 NUT-M6 1"), "不是行号", "改 2 NUT-M8 20")
		contains(t, e.say("sunli", "改 1 删"), "SS-BOLT-M8-25", "BOLT-M6-20")
		contains(t, e.say("chenjie", "改 1 NUT-M6 1"), "不能使用「改」")
		contains(t, e.say("wangjg", "改 1 NUT-M6 1"), "没有待确认的草稿") // only the author's draft
		contains(t, e.say("sunli", "确认"), "已下单", "2 行")
		var o model.Order
		db.Preload("Lines").Order("id DESC").Take(&o)
		got := map[string]int64{}
		for _, l := range o.Lines {
			got[l.SKU] = l.Qty
		}
		if len(got) != 2 || got["SS-BOLT-M8-25"] != 20 || got["BOLT-M6-20"] != 8 {
			t.Fatalf("order lines %v", got)
		}
		contains(t, e.say("sunli", "改 1 NUT-M6 1"), "没有待确认的草稿")
	})
}
