package bot_test

import (
	"context"
	"fmt"
	"testing"

	"gorm.io/gorm"

	"orderhub/model"
	"orderhub/model/modeltest"
	"orderhub/service"
)

// TestStaleDraftNotPlacedAfterFailedPhoto (issue 25 #19): a draft whose
// 确认 failed for stock, then a slip photo that made no draft; stock comes
// in; the next 确认 — meant for the photo's order — must not place the
// old draft: the photo was a new order, so the old draft is dropped and
// the person is told so.
func TestStaleDraftNotPlacedAfterFailedPhoto(t *testing.T) {
	modeltest.Each(t, func(t *testing.T, db *gorm.DB) {
		e := newEnv(t, db, 1)
		ctx := context.Background()
		var free int64
		db.Model(&model.Stock{}).Joins("JOIN products ON products.id = stocks.product_id").Where("products.sku = ?", "NUT-M6").
			Select("COALESCE(SUM(on_hand - locked), 0)").Scan(&free)
		want := free + 5
		contains(t, e.say("sunli", fmt.Sprintf("下单 C001 NUT-M6 %d", want)), "下单草稿", "NUT-M6")
		contains(t, e.say("sunli", "确认"), "库存不够")
		orders := e.count(db.Model(&model.Order{}))

		before := len(e.wecom.Sent())
		m := e.text("sunli", "")
		m.MsgType, m.MediaID = "image", e.wecom.PutMedia([]byte("\xff\xd8 a jpeg"))
		e.post(0, m)
		e.settle()
		contains(t, e.repliesTo("sunli", before), "没有配置文字识别", "草稿", "已作废")

		// Stock arrives; 确认 now would place the stale draft.
		if _, err := service.NewStock(db, e.clock.Now).Adjust(ctx, service.Adjustment{Warehouse: "SH", SKU: "NUT-M6", Delta: 10, Reason: "到货"}); err != nil {
			t.Fatal(err)
		}
		contains(t, e.say("sunli", "确认"), "没有待确认的草稿")
		if n := e.count(db.Model(&model.Order{})); n != orders {
			t.Fatalf("the stale draft was placed: %d orders, want %d", n, orders)
		}
		var it model.Intake
		db.Where("author = ? AND source = ?", "sunli", model.SourceChat).Order("id DESC").Take(&it)
		if it.State != model.IntakeCancelled {
			t.Fatalf("the old draft is %q", it.State)
		}
	})
}
